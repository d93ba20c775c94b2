// Copyright (c) mnemo authors.
//
// Limits and security: documented size limits hold at their boundaries;
// a tenant can never read, list, locate or delete another tenant's data on
// any API path (records, history, scans, pages, namespaces, bulk deletes,
// tier stats), even holding the other tenant's ids and cursors; CLI output
// paths never write outside the named output directory.

#include <filesystem>
#include <set>

#include "cli_test_util.h"
#include "mnemo/admin.h"
#include "reliability_util.h"
#include "store_test_util.h"

namespace mnemo::test {
namespace {

class LimitsTest : public StoreTest {};

TEST_F(LimitsTest, RecordSizeLimitHoldsAtTheBoundary) {
  options_.max_record_bytes = 4096;
  Reopen();
  Record r = MakeRecord("t1", "a", "s", "");
  r.role = "user";
  r.kind = "message";
  RecordId id = 0;
  // Find the largest accepted text: the limit counts text + metadata +
  // labels, so the boundary is a little under 4096 bytes of text.
  size_t lo = 0, hi = 8192;
  while (lo + 1 < hi) {
    size_t mid = (lo + hi) / 2;
    r.text.assign(mid, 'x');
    (mnemo::Validate(store_.get(), r).ok() ? lo : hi) = mid;
  }
  EXPECT_LE(lo, 4096u);
  EXPECT_GE(lo, 4096u - 64);
  r.text.assign(lo, 'x');
  ASSERT_TRUE(store_->Put(WriteOptions(), r, &id).ok());
  r.text.assign(lo + 1, 'x');
  Status s = store_->Put(WriteOptions(), r, &id);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("4096"), std::string::npos) << s.ToString();
  // An update past the limit is refused and changes nothing.
  RecordId ok_id = PutText("a", "s", "small");
  RecordUpdate update;
  update.text = std::string(8000, 'y');
  EXPECT_TRUE(store_->Update(WriteOptions(), "t1", ok_id, update, nullptr)
                  .IsInvalidArgument());
  Record back;
  ASSERT_TRUE(store_->Get(ReadOptions(), "t1", ok_id, &back).ok());
  EXPECT_EQ(back.text, "small");
}

TEST_F(LimitsTest, LabelNamespaceAndMetadataLimits) {
  Record r = MakeRecord("t1", "a", "s", "x");
  r.ns.agent.assign(kMaxNamespacePart, 'a');
  EXPECT_TRUE(mnemo::Validate(store_.get(), r).ok());
  r.ns.agent.push_back('a');
  EXPECT_TRUE(mnemo::Validate(store_.get(), r).IsInvalidArgument());
  r = MakeRecord("t1", "a", "s", "x");
  r.role.assign(kMaxLabel, 'r');
  EXPECT_TRUE(mnemo::Validate(store_.get(), r).ok());
  r.role.push_back('r');
  EXPECT_TRUE(mnemo::Validate(store_.get(), r).IsInvalidArgument());
  r = MakeRecord("t1", "a", "s", "x");
  for (size_t i = 0; i < kMaxMetadataEntries; ++i) {
    r.metadata.Set("k" + std::to_string(i), "v");
  }
  EXPECT_TRUE(mnemo::Validate(store_.get(), r).ok());
  r.metadata.Set("one-more", "v");
  EXPECT_TRUE(mnemo::Validate(store_.get(), r).IsInvalidArgument());
}

TEST_F(LimitsTest, BatchIsAllOrNothingWhenOneItemIsTooLarge) {
  options_.max_record_bytes = 1024;
  Reopen();
  std::vector<Record> batch(50, MakeRecord("t1", "a", "s", "fine"));
  batch[37].text.assign(5000, 'z');
  std::vector<RecordId> ids;
  Status s = store_->PutBatch(WriteOptions(), batch, &ids);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("37"), std::string::npos) << s.ToString();
  std::vector<Namespace> namespaces;
  ASSERT_TRUE(store_->ListNamespaces("t1", &namespaces).ok());
  EXPECT_TRUE(namespaces.empty()) << "a refused batch wrote something";
}

// Options::max_batch_records: a PutBatch or Restore of more records is
// InvalidArgument naming the limit, and writes nothing; at the limit both
// are accepted.
TEST_F(LimitsTest, BatchRecordLimitHoldsForPutBatchAndRestore) {
  EXPECT_EQ(Options().max_batch_records, 100000u);
  options_.max_batch_records = 8;
  Reopen();
  auto expect_refused = [](const Status& s, const char* what) {
    EXPECT_TRUE(s.IsInvalidArgument()) << what << ": " << s.ToString();
    EXPECT_NE(s.message().find("max_batch_records"), std::string::npos)
        << what << ": " << s.ToString();
    EXPECT_NE(s.message().find("limit is 8"), std::string::npos)
        << what << ": " << s.ToString();
    EXPECT_NE(s.message().find("9"), std::string::npos)
        << what << " should name the batch size: " << s.ToString();
  };
  auto expect_nothing_in = [this](const char* tenant, const char* what) {
    std::vector<Namespace> namespaces;
    ASSERT_TRUE(store_->ListNamespaces(tenant, &namespaces).ok());
    EXPECT_TRUE(namespaces.empty()) << what << ": a refused batch wrote something";
    ScanOptions scan;
    scan.tenant = tenant;
    scan.agent = "a";
    ScanResult result;
    ASSERT_TRUE(store_->Scan(ReadOptions(), scan, &result).ok());
    EXPECT_TRUE(result.records.empty()) << what;
  };

  std::vector<Record> batch(9, MakeRecord("over", "a", "s", "fine"));
  std::vector<RecordId> ids;
  expect_refused(store_->PutBatch(WriteOptions(), batch, &ids), "PutBatch");
  EXPECT_TRUE(ids.empty());
  expect_nothing_in("over", "PutBatch");

  // Restore: ids well above anything this store assigned.
  std::vector<Record> restore;
  for (int i = 0; i < 9; ++i) {
    Record r = MakeRecord("restored", "a", "s", "r" + std::to_string(i));
    r.id = (kJan2024 << 8) + 1000 + i;
    restore.push_back(r);
  }
  expect_refused(mnemo::Import(store_.get(), WriteOptions(), restore), "Restore");
  expect_nothing_in("restored", "Restore");
  for (const Record& r : restore) {
    Record back;
    EXPECT_TRUE(store_->Get(ReadOptions(), "restored", r.id, &back).IsNotFound())
        << "record " << r.id << " of a refused restore";
  }
  // The refused restore did not move the id high-water mark either: a new
  // record still gets an id below the ids it named.
  RecordId fresh = PutText("a", "s", "after the refusals");
  EXPECT_LT(fresh, restore.front().id);

  // Exactly at the limit both succeed.
  batch.pop_back();
  ASSERT_TRUE(store_->PutBatch(WriteOptions(), batch, &ids).ok());
  EXPECT_EQ(ids.size(), 8u);
  restore.pop_back();
  ASSERT_TRUE(mnemo::Import(store_.get(), WriteOptions(), restore).ok());
  for (const Record& r : restore) {
    Record back;
    ASSERT_TRUE(store_->Get(ReadOptions(), "restored", r.id, &back).ok());
    EXPECT_EQ(back.text, r.text);
  }
  VerifyReport report;
  ASSERT_TRUE(mnemo::Verify(store_.get(), VerifyOptions(), &report).ok());
  EXPECT_EQ(report.problem_count, 0u);
}

TEST_F(LimitsTest, ScanLimitAndForgedCursors) {
  for (int i = 0; i < 5; ++i) PutText("a", "s", "r" + std::to_string(i));
  ScanOptions scan;
  scan.tenant = "t1";
  scan.agent = "a";
  ScanResult result;
  scan.limit = 0;
  EXPECT_TRUE(store_->Scan(ReadOptions(), scan, &result).IsInvalidArgument());
  scan.limit = 10001;
  EXPECT_TRUE(store_->Scan(ReadOptions(), scan, &result).IsInvalidArgument());
  scan.limit = 2;
  ASSERT_TRUE(store_->Scan(ReadOptions(), scan, &result).ok());
  ASSERT_FALSE(result.next_cursor.empty());
  std::string cursor = result.next_cursor;
  // Garbage cursors are refused, never crash.
  for (std::string bad : {std::string("x"), std::string(200, '\xff'),
                          cursor.substr(0, cursor.size() / 2),
                          cursor + "tail"}) {
    scan.cursor = bad;
    Status s = store_->Scan(ReadOptions(), scan, &result);
    EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  }
}

class TenantIsolationTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    for (int i = 0; i < 40; ++i) {
      a_.push_back(PutText("agent", "s", "A secret " + std::to_string(i),
                           kJan2024 - 40 * kDay + i * kSecond, "A"));
      b_.push_back(PutText("agent", "s", "B secret " + std::to_string(i),
                           kJan2024 - 40 * kDay + i * kSecond, "B"));
    }
    CompactOptions compact;
    compact.now = kJan2024;
    ASSERT_TRUE(store_->Compact(compact, nullptr).ok());
    ASSERT_TRUE(store_->ListPages(ReadOptions(), "B", "", &b_pages_).ok());
    ASSERT_FALSE(b_pages_.empty());
  }
  void ExpectBIntact() {
    Model model;
    for (int i = 0; i < 40; ++i) model[b_[i]] = "B secret " + std::to_string(i);
    ExpectModel(store_.get(), "B", model, "tenant B");
  }
  std::vector<RecordId> a_, b_;
  std::vector<PageInfo> b_pages_;
};

TEST_F(TenantIsolationTest, PagesAreInvisibleToOtherTenants) {
  for (const PageInfo& page : b_pages_) {
    EXPECT_EQ(page.ns.tenant, "B");
    PageData data;
    Status s = store_->GetPage(ReadOptions(), "A", page.page_id, &data);
    EXPECT_TRUE(s.IsNotFound()) << s.ToString();
    EXPECT_TRUE(data.png.empty());
    EXPECT_EQ(s.message().find("secret"), std::string::npos);
  }
  std::vector<PageInfo> pages;
  ASSERT_TRUE(store_->ListPages(ReadOptions(), "A", "", &pages).ok());
  for (const PageInfo& page : pages) EXPECT_EQ(page.ns.tenant, "A");
  for (RecordId id : b_) {
    RecordLocation location;
    EXPECT_TRUE(store_->LocateRecord("A", id, &location).IsNotFound());
    EXPECT_TRUE(location.rects.empty());
  }
}

TEST_F(TenantIsolationTest, EveryRecordPathRefusesOtherTenantIds) {
  ReadOptions quiet;
  for (RecordId id : b_) {
    Record r;
    EXPECT_TRUE(store_->Get(quiet, "A", id, &r).IsNotFound());
    std::vector<Record> versions;
    EXPECT_TRUE(
        store_->History(ReadOptions(), "A", id, &versions).IsNotFound());
    RecordUpdate update;
    update.text = "A was here";
    EXPECT_TRUE(store_->Update(WriteOptions(), "A", id, update, nullptr)
                    .IsNotFound());
  }
  EXPECT_TRUE(store_->Delete(WriteOptions(), "A", b_[0]).IsNotFound());
  ExpectBIntact();
}

TEST_F(TenantIsolationTest, ListingsScansAndStatsStayInsideTheTenant) {
  std::vector<Namespace> namespaces;
  ASSERT_TRUE(store_->ListNamespaces("A", &namespaces).ok());
  for (const Namespace& ns : namespaces) EXPECT_EQ(ns.tenant, "A");
  ScanOptions scan;
  scan.tenant = "A";
  scan.agent = "agent";
  scan.limit = 1000;
  ScanResult result;
  ASSERT_TRUE(store_->Scan(ReadOptions(), scan, &result).ok());
  EXPECT_EQ(result.records.size(), 40u);
  for (const Record& r : result.records) EXPECT_EQ(r.ns.tenant, "A");
  // A cursor of tenant B's scan does not open tenant A's... or the reverse.
  scan.tenant = "B";
  scan.limit = 5;
  ASSERT_TRUE(store_->Scan(ReadOptions(), scan, &result).ok());
  scan.tenant = "A";
  scan.cursor = result.next_cursor;
  Status s = store_->Scan(ReadOptions(), scan, &result);
  if (s.ok()) {
    for (const Record& r : result.records) EXPECT_EQ(r.ns.tenant, "A");
  }
  TierStats stats;
  ASSERT_TRUE(mnemo::GetTierStats(store_.get(), "A", &stats).ok());
  uint64_t total = 0;
  for (const TierTotals& t : stats.tiers) total += t.records;
  EXPECT_EQ(total, 40u);
}

TEST_F(TenantIsolationTest, BulkDeletesNeverCrossTenants) {
  uint64_t deleted = 0;
  ASSERT_TRUE(
      store_->DeleteSession(WriteOptions(), "A", "agent", "s", &deleted).ok());
  EXPECT_EQ(deleted, 40u);
  ExpectBIntact();
  for (int i = 0; i < 3; ++i) PutText("agent", "s2", "more A", 0, "A");
  ASSERT_TRUE(store_->DeleteAgent(WriteOptions(), "A", "agent", &deleted).ok());
  EXPECT_EQ(deleted, 3u);
  ExpectBIntact();
  std::vector<PageInfo> pages;
  ASSERT_TRUE(store_->ListPages(ReadOptions(), "B", "", &pages).ok());
  EXPECT_EQ(pages.size(), b_pages_.size());
  for (const PageInfo& page : pages) {
    PageData data;
    EXPECT_TRUE(store_->GetPage(ReadOptions(), "B", page.page_id, &data).ok());
  }
}

// Every file under `root`, relative to it.
std::set<std::string> FilesUnder(const std::string& root) {
  std::set<std::string> files;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(root)) {
    files.insert(std::filesystem::relative(entry.path(), root).string());
  }
  return files;
}

// Files created under `root` that are not inside `allowed` (relative).
std::vector<std::string> Escaped(const std::set<std::string>& before,
                                 const std::set<std::string>& after,
                                 const std::string& allowed) {
  std::vector<std::string> escaped;
  for (const std::string& f : after) {
    if (before.count(f) || f == allowed || f.rfind(allowed + "/", 0) == 0) {
      continue;
    }
    escaped.push_back(f);
  }
  return escaped;
}

TEST(CliPathTest, OutputsStayInsideTheNamedDirectory) {
  TempDir dir;
  MakeDemoStore(dir.Sub("db"));
  ASSERT_TRUE(WriteFile(dir.Sub("in.txt"), std::string(30000, 'w') +
                                               " ../../etc/passwd\n"));
  auto before = FilesUnder(dir.path());
  CliResult r = Mnemo("render --in " + Q(dir.Sub("in.txt")) + " --out " +
                      Q(dir.Sub("pages")));
  ASSERT_EQ(r.code, 0) << r.err;
  auto after = FilesUnder(dir.path());
  EXPECT_EQ(Escaped(before, after, "pages"), std::vector<std::string>());
  EXPECT_GT(after.size(), before.size());

  before = after;
  r = Mnemo("checkpoint --db " + Q(dir.Sub("db")) + " --out " +
            Q(dir.Sub("cp")));
  ASSERT_EQ(r.code, 0) << r.err;
  after = FilesUnder(dir.path());
  // The store itself may rotate its own logs; nothing else may appear.
  std::vector<std::string> escaped;
  for (const std::string& f : Escaped(before, after, "cp")) {
    if (f.rfind("db/", 0) != 0) escaped.push_back(f);
  }
  EXPECT_EQ(escaped, std::vector<std::string>());

  before = after;
  r = Mnemo("backup --db " + Q(dir.Sub("db")) + " --to " + Q(dir.Sub("bk")));
  ASSERT_EQ(r.code, 0) << r.err;
  escaped.clear();
  for (const std::string& f : Escaped(before, FilesUnder(dir.path()), "bk")) {
    if (f.rfind("db/", 0) != 0) escaped.push_back(f);
  }
  EXPECT_EQ(escaped, std::vector<std::string>());
}

TEST(CliPathTest, CheckpointRefusesAnExistingDirectory) {
  TempDir dir;
  MakeDemoStore(dir.Sub("db"));
  ASSERT_TRUE(std::filesystem::create_directory(dir.Sub("taken")));
  ASSERT_TRUE(WriteFile(dir.Sub("taken/keep.txt"), "mine"));
  CliResult r = Mnemo("checkpoint --db " + Q(dir.Sub("db")) + " --out " +
                      Q(dir.Sub("taken")));
  EXPECT_NE(r.code, 0);
  std::string kept;
  ASSERT_TRUE(ReadFile(dir.Sub("taken/keep.txt"), &kept));
  EXPECT_EQ(kept, "mine");
  EXPECT_EQ(FilesUnder(dir.Sub("taken")).size(), 1u);
}

}  // namespace
}  // namespace mnemo::test
