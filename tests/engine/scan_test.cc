// Copyright (c) mnemo authors.
//
// Scan: time order, every filter, pagination, reverse order.

#include <set>

#include "store_test_util.h"

namespace mnemo::test {
namespace {

class ScanTest : public StoreTest {
 protected:
  ScanOptions Agent(const std::string& agent) {
    ScanOptions scan;
    scan.tenant = "t1";
    scan.agent = agent;
    return scan;
  }

  std::vector<Record> ScanAll(ScanOptions scan) {
    std::vector<Record> all;
    for (int pages = 0; pages < 10000; ++pages) {
      ScanResult result;
      Status s = store_->Scan(ReadOptions(), scan, &result);
      EXPECT_TRUE(s.ok()) << s.ToString();
      all.insert(all.end(), result.records.begin(), result.records.end());
      if (result.next_cursor.empty()) break;
      scan.cursor = result.next_cursor;
    }
    return all;
  }
};

TEST_F(ScanTest, ReturnsEventTimeOrderNotInsertOrder) {
  PutText("a", "s", "late", kJan2024 + 3 * kSecond);
  PutText("a", "s", "early", kJan2024 + 1 * kSecond);
  PutText("a", "s", "middle", kJan2024 + 2 * kSecond);
  auto all = ScanAll(Agent("a"));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].text, "early");
  EXPECT_EQ(all[1].text, "middle");
  EXPECT_EQ(all[2].text, "late");
}

TEST_F(ScanTest, NegativeEventTimesSortBeforePositive) {
  PutText("a", "s", "after", 5);
  PutText("a", "s", "before", -5);
  auto all = ScanAll(Agent("a"));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].text, "before");
}

TEST_F(ScanTest, PaginationReturnsEachRecordExactlyOnce) {
  std::set<RecordId> written;
  for (int i = 0; i < 237; ++i) {
    // Repeated event times exercise the id tie-break in the cursor.
    written.insert(PutText("a", "s" + std::to_string(i % 3), "m",
                           kJan2024 + (i % 50) * kSecond));
  }
  for (size_t limit : {1u, 7u, 100u, 237u, 1000u}) {
    for (bool reverse : {false, true}) {
      ScanOptions scan = Agent("a");
      scan.limit = limit;
      scan.reverse = reverse;
      auto all = ScanAll(scan);
      std::multiset<RecordId> seen;
      for (const auto& r : all) seen.insert(r.id);
      EXPECT_EQ(seen.size(), written.size()) << "limit " << limit;
      EXPECT_EQ(std::set<RecordId>(seen.begin(), seen.end()), written);
      for (size_t i = 1; i < all.size(); ++i) {
        bool ordered = reverse ? all[i - 1].event_time >= all[i].event_time
                               : all[i - 1].event_time <= all[i].event_time;
        EXPECT_TRUE(ordered);
      }
    }
  }
}

TEST_F(ScanTest, FiltersOnSessionRoleKindAndTime) {
  for (int i = 0; i < 20; ++i) {
    Record r = MakeRecord("t1", "a", i % 2 ? "odd" : "even",
                          "m" + std::to_string(i), kJan2024 + i * kSecond);
    r.role = i % 4 == 0 ? "tool" : "user";
    r.kind = i % 5 == 0 ? "fact" : "message";
    RecordId id;
    ASSERT_TRUE(store_->Put(WriteOptions(), r, &id).ok());
  }
  ScanOptions scan = Agent("a");
  scan.session = "odd";
  EXPECT_EQ(ScanAll(scan).size(), 10u);
  scan = Agent("a");
  scan.role = "tool";
  EXPECT_EQ(ScanAll(scan).size(), 5u);
  scan = Agent("a");
  scan.kind = "fact";
  EXPECT_EQ(ScanAll(scan).size(), 4u);
  scan = Agent("a");
  scan.start_time = kJan2024 + 5 * kSecond;
  scan.end_time = kJan2024 + 10 * kSecond;
  auto window = ScanAll(scan);
  ASSERT_EQ(window.size(), 5u);
  EXPECT_EQ(window.front().text, "m5");
  EXPECT_EQ(window.back().text, "m9");
  scan.reverse = true;
  window = ScanAll(scan);
  ASSERT_EQ(window.size(), 5u);
  EXPECT_EQ(window.front().text, "m9");
  scan = Agent("a");
  scan.session = "even";
  scan.role = "tool";
  scan.kind = "fact";
  EXPECT_EQ(ScanAll(scan).size(), 1u);  // only i = 0 matches all three
}

TEST_F(ScanTest, TierFilter) {
  PutText("a", "s", "x");
  ScanOptions scan = Agent("a");
  scan.tier = Tier::kHot;
  EXPECT_EQ(ScanAll(scan).size(), 1u);
  scan.tier = Tier::kPixels;
  EXPECT_EQ(ScanAll(scan).size(), 0u);
}

TEST_F(ScanTest, AgentsWithSharedNamePrefixDoNotMix) {
  PutText("ab", "s", "one");
  PutText("a", "s", "two");
  PutText("abc", "s", "three");
  EXPECT_EQ(ScanAll(Agent("a")).size(), 1u);
  EXPECT_EQ(ScanAll(Agent("ab")).size(), 1u);
}

TEST_F(ScanTest, CursorFromOtherFiltersIsRejected) {
  for (int i = 0; i < 5; ++i) PutText("a", "s", "m");
  ScanOptions scan = Agent("a");
  scan.limit = 2;
  ScanResult result;
  ASSERT_TRUE(store_->Scan(ReadOptions(), scan, &result).ok());
  ASSERT_FALSE(result.next_cursor.empty());
  scan.cursor = result.next_cursor;
  scan.role = "tool";
  EXPECT_TRUE(store_->Scan(ReadOptions(), scan, &result).IsInvalidArgument());
  scan.role.reset();
  scan.cursor = "zz";
  EXPECT_TRUE(store_->Scan(ReadOptions(), scan, &result).IsInvalidArgument());
}

TEST_F(ScanTest, LimitOutOfRangeIsInvalid) {
  ScanOptions scan = Agent("a");
  scan.limit = 0;
  ScanResult result;
  EXPECT_TRUE(store_->Scan(ReadOptions(), scan, &result).IsInvalidArgument());
  scan.limit = 10001;
  EXPECT_TRUE(store_->Scan(ReadOptions(), scan, &result).IsInvalidArgument());
}

TEST_F(ScanTest, DeletedRecordsDisappearFromScans) {
  RecordId a = PutText("a", "s", "x");
  PutText("a", "s", "y");
  ASSERT_TRUE(store_->Delete(WriteOptions(), "t1", a).ok());
  auto all = ScanAll(Agent("a"));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].text, "y");
}

// One scan decodes its records a chunk at a time after walking them
// (record_table_scan.cc): a scan of more than a chunk, of records whose
// sizes differ, returns each record's own fields, as Get reads them.
TEST_F(ScanTest, LongScanReturnsEachRecordsOwnFields) {
  constexpr int kRecords = 300;
  for (int i = 0; i < kRecords; ++i) {
    Record r = MakeRecord(
        "t1", "a", "s" + std::to_string(i % 7),
        std::string(1 + (i * 37) % 500, 'a' + i % 26) + std::to_string(i),
        kJan2024 + i * kSecond);
    if (i % 3 == 0) r.metadata.Set("i", std::to_string(i));
    RecordId id;
    ASSERT_TRUE(store_->Put(WriteOptions(), r, &id).ok());
  }
  for (bool reverse : {false, true}) {
    ScanOptions scan = Agent("a");
    scan.limit = kRecords;
    scan.reverse = reverse;
    ScanResult result;
    ASSERT_TRUE(store_->Scan(ReadOptions(), scan, &result).ok());
    ASSERT_EQ(result.records.size(), size_t{kRecords});
    EXPECT_TRUE(result.next_cursor.empty());
    for (int k = 0; k < kRecords; ++k) {
      const Record& r = result.records[k];
      const int i = reverse ? kRecords - 1 - k : k;
      EXPECT_EQ(r.event_time, kJan2024 + i * kSecond);
      EXPECT_EQ(r.ns.session, "s" + std::to_string(i % 7));
      EXPECT_EQ(r.text, std::string(1 + (i * 37) % 500, 'a' + i % 26) +
                            std::to_string(i));
      EXPECT_EQ(r.metadata.size(), i % 3 == 0 ? 1u : 0u);
      Record got;
      ReadOptions no_count;
      no_count.count_access = false;
      ASSERT_TRUE(store_->Get(no_count, "t1", r.id, &got).ok());
      EXPECT_EQ(got.text, r.text);
      EXPECT_EQ(got.metadata, r.metadata);
    }
  }
}

// Long records end a chunk early (by bytes): each still comes back whole.
TEST_F(ScanTest, ScanOfLongRecordsReturnsEachWhole) {
  constexpr int kRecords = 12;
  auto text = [](int i) { return std::string(60000 + i, 'a' + i); };
  for (int i = 0; i < kRecords; ++i) {
    PutText("big", "s", text(i), kJan2024 + i * kSecond);
  }
  ScanOptions scan = Agent("big");
  scan.limit = kRecords;
  ScanResult result;
  ASSERT_TRUE(store_->Scan(ReadOptions(), scan, &result).ok());
  ASSERT_EQ(result.records.size(), size_t{kRecords});
  for (int i = 0; i < kRecords; ++i) {
    EXPECT_EQ(result.records[i].text, text(i)) << "record " << i;
  }
}

}  // namespace
}  // namespace mnemo::test
