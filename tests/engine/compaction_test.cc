// Copyright (c) mnemo authors.
//
// Age-based compaction: tier transitions under an injected clock, the aging
// formula, TTL, overrides, pages and locations, updates/deletes of
// compacted records, idempotence, and nothing lost.

#include <cmath>

#include "mnemo/admin.h"
#include "store_test_util.h"
#include "workload/locomo.h"
#include "workload/synthetic.h"

namespace mnemo::test {
namespace {

class CompactionTest : public StoreTest {
 protected:
  CompactResult Compact(Micros now, const CompactionPolicy& policy = {}) {
    CompactOptions options;
    options.now = now;
    options.policy = policy;
    CompactResult result;
    Status s = store_->Compact(options, &result);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return result;
  }
  Record Read(RecordId id) {
    Record r;
    ReadOptions quiet;
    quiet.count_access = false;
    Status s = store_->Get(quiet, "t1", id, &r);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return r;
  }
  // A record whose event time is `age` before kJan2024.
  RecordId PutAged(Micros age, const std::string& text = "",
                   const std::string& agent = "a", float importance = 0.0f) {
    Record r = MakeRecord("t1", agent, "s", text.empty() ? "memory from " +
                          std::to_string(age / kDay) + " days ago" : text,
                          kJan2024 - age);
    r.importance = importance;
    RecordId id;
    EXPECT_TRUE(store_->Put(WriteOptions(), r, &id).ok());
    return id;
  }
};

TEST_F(CompactionTest, RecordsMoveDownTiersWithAge) {
  RecordId fresh = PutAged(kDay / 2);
  RecordId warm = PutAged(3 * kDay);
  RecordId pixels = PutAged(30 * kDay);
  RecordId decayed = PutAged(200 * kDay);
  CompactResult result = Compact(kJan2024);
  EXPECT_EQ(result.records_indexed, 4u);
  EXPECT_EQ(Read(fresh).tier, Tier::kHot);
  EXPECT_EQ(Read(warm).tier, Tier::kWarm);
  EXPECT_EQ(Read(pixels).tier, Tier::kPixels);
  EXPECT_EQ(Read(decayed).tier, Tier::kDecayed);
  EXPECT_EQ(Read(decayed).text, "memory from 200 days ago");  // text kept
  EXPECT_TRUE(Read(pixels).page.valid());
  // Aging further moves the rest.
  Compact(kJan2024 + 365 * kDay);
  EXPECT_EQ(Read(fresh).tier, Tier::kDecayed);
  EXPECT_EQ(Read(fresh).text, "memory from 0 days ago");
}

// A hot record already due for pixels is paged by the same run without a
// warm step: hot and warm records of one agent share its pages, and
// every text reads back exact.
TEST_F(CompactionTest, HotRecordsDueForPixelsArePagedWithoutAWarmStep) {
  RecordId was_warm = PutAged(30 * kDay, "paged after a warm step");
  Compact(kJan2024 - 25 * kDay);  // due for warm only
  ASSERT_EQ(Read(was_warm).tier, Tier::kWarm);
  RecordId hot = PutAged(20 * kDay, "paged straight from hot");
  CompactResult result = Compact(kJan2024);
  EXPECT_EQ(result.records_warmed, 0u);
  EXPECT_EQ(result.records_paged, 2u);
  EXPECT_EQ(result.pages_written, 1u);
  EXPECT_EQ(Read(hot).tier, Tier::kPixels);
  EXPECT_EQ(Read(hot).page.page_id, Read(was_warm).page.page_id);
  EXPECT_EQ(Read(hot).text, "paged straight from hot");
  EXPECT_EQ(Read(was_warm).text, "paged after a warm step");
}

TEST_F(CompactionTest, SecondRunIsANoOp) {
  for (int i = 0; i < 40; ++i) PutAged((i + 1) * 5 * kDay);
  CompactResult first = Compact(kJan2024);
  EXPECT_TRUE(first.changed());
  CompactResult second = Compact(kJan2024);
  EXPECT_FALSE(second.changed());
  EXPECT_EQ(second.records_indexed, 0u);
}

// A run keeps the records it has read (index phase, dictionary) for its
// pixel pass; one updated after that read must not reach a page with its
// old text: its group waits for the next run, which pages the new text.
TEST_F(CompactionTest, RecordUpdatedMidRunIsPagedWithItsNewText) {
  std::vector<Record> batch;
  for (int i = 0; i < 1200; ++i) {  // the index phase reports at 1000
    batch.push_back(MakeRecord("t1", "a", "s", "first text of memory " + std::to_string(i),
                               kJan2024 - 20 * kDay + i * kSecond));
  }
  std::vector<RecordId> ids;
  ASSERT_TRUE(store_->PutBatch(WriteOptions(), batch, &ids).ok());
  CompactOptions options;
  options.now = kJan2024;
  bool updated = false;
  options.progress = [&](const CompactProgress& p) {
    if (updated || std::string(p.phase) != "index") return;
    RecordUpdate change;
    change.text = "second text of memory 5";
    Record now;
    ASSERT_TRUE(store_->Update(WriteOptions(), "t1", ids[5], change, &now).ok());
    updated = true;
  };
  CompactResult first;
  ASSERT_TRUE(store_->Compact(options, &first).ok());
  ASSERT_TRUE(updated);
  EXPECT_LT(first.records_paged, ids.size());  // the group of record 5 waits
  EXPECT_EQ(Read(ids[5]).text, "second text of memory 5");
  EXPECT_EQ(Read(ids[5]).tier, Tier::kHot);
  options.progress = nullptr;
  CompactResult second;
  ASSERT_TRUE(store_->Compact(options, &second).ok());
  EXPECT_EQ(first.records_paged + second.records_paged, ids.size());
  Record r = Read(ids[5]);
  EXPECT_EQ(r.tier, Tier::kPixels);
  EXPECT_EQ(r.text, "second text of memory 5");
  PageData page;
  ASSERT_TRUE(store_->GetPage(ReadOptions(), "t1", r.page.page_id, &page).ok());
  // The page text breaks lines where they wrap: read it as one line.
  std::string text = page.manifest_json;
  for (size_t at; (at = text.find("\\n")) != std::string::npos;) text.replace(at, 2, " ");
  EXPECT_NE(text.find("second text of memory 5 "), std::string::npos);
  EXPECT_EQ(text.find("first text of memory 5 "), std::string::npos);
}

// One run pages every due record even when they are more than one pass
// holds (CompactOptions::max_records_per_pass): passes continue to the
// fixed point, with progress over all of them.
TEST_F(CompactionTest, OneRunPagesPastThePassBound) {
  std::vector<Record> batch;
  for (int i = 0; i < 500; ++i) {
    batch.push_back(MakeRecord("t1", "agent" + std::to_string(i % 3), "s",
                               "memory number " + std::to_string(i),
                               kJan2024 - 20 * kDay + i * kSecond));
  }
  batch[7].text = "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d";  // kept as text
  std::vector<RecordId> ids;
  ASSERT_TRUE(store_->PutBatch(WriteOptions(), batch, &ids).ok());
  CompactOptions options;
  options.now = kJan2024;
  options.max_records_per_pass = 50;
  uint64_t last_done = 0, last_total = 0;
  options.progress = [&](const CompactProgress& p) {
    if (std::string(p.phase) != "pixels") return;
    EXPECT_GT(p.done, last_done);
    EXPECT_LE(p.done, p.total);
    last_done = p.done;
    last_total = p.total;
  };
  CompactResult first;
  ASSERT_TRUE(store_->Compact(options, &first).ok());
  EXPECT_EQ(first.records_paged, 499u);
  EXPECT_EQ(first.records_kept_as_text, 1u);
  EXPECT_EQ(last_done, last_total);
  EXPECT_GE(last_done, 10u);  // at least one group per pass of 50
  for (size_t i = 0; i < ids.size(); ++i) {
    Record r = Read(ids[i]);
    EXPECT_EQ(r.tier, i == 7 ? Tier::kWarm : Tier::kPixels) << i;
    EXPECT_EQ(r.text, batch[i].text) << i;
  }
  CompactResult second;
  ASSERT_TRUE(store_->Compact(options, &second).ok());
  EXPECT_FALSE(second.changed());
  options.max_records_per_pass = 0;
  EXPECT_TRUE(store_->Compact(options, &second).IsInvalidArgument());
}

TEST_F(CompactionTest, ImportanceSlowsAging) {
  // 10 days old: past pixels_after (7d) for importance 0, but with
  // importance 1 the effective age is 10 / 2 = 5 days: still warm.
  RecordId plain = PutAged(10 * kDay, "", "a", 0.0f);
  RecordId important = PutAged(10 * kDay, "", "a", 1.0f);
  Compact(kJan2024);
  EXPECT_EQ(Read(plain).tier, Tier::kPixels);
  EXPECT_EQ(Read(important).tier, Tier::kWarm);
}

TEST_F(CompactionTest, AccessSlowsAging) {
  RecordId unread = PutAged(10 * kDay);
  RecordId read = PutAged(10 * kDay);
  Record r;
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(store_->Get(ReadOptions(), "t1", read, &r).ok());
  ASSERT_TRUE(mnemo::FlushAccessCounts(store_.get()).ok());
  // 7 reads: factor 1 + 0.5 * log2(8) = 2.5 -> effective age 4 days.
  Compact(kJan2024);
  EXPECT_EQ(Read(unread).tier, Tier::kPixels);
  EXPECT_EQ(Read(read).tier, Tier::kWarm);
}

TEST_F(CompactionTest, ExpiredRecordsAreRemoved) {
  Record r = MakeRecord("t1", "a", "s", "temporary", kJan2024 - 30 * kDay);
  r.expires_at = kJan2024 + kSecond;
  RecordId id;
  ASSERT_TRUE(store_->Put(WriteOptions(), r, &id).ok());
  clock_.Set(kJan2024 + 2 * kSecond);
  CompactResult result = Compact(kJan2024 + 2 * kSecond);
  EXPECT_EQ(result.records_expired, 1u);
  Namespace ns;
  EXPECT_TRUE(
      mnemo::LookupNamespace(store_.get(), id, &ns).IsNotFound());  // really gone
}

TEST_F(CompactionTest, OverridesApplyPerNamespace) {
  CompactionPolicy policy;
  policy.overrides.push_back({"t1", "fast", {kHour, 2 * kHour, 3 * kHour}});
  policy.overrides.push_back({"t1", "", {30 * kDay, 60 * kDay, 90 * kDay}});
  RecordId fast = PutAged(2 * kHour + kSecond, "", "fast");
  RecordId slow = PutAged(10 * kDay, "", "slow");
  Compact(kJan2024, policy);
  EXPECT_EQ(Read(fast).tier, Tier::kPixels);
  EXPECT_EQ(Read(slow).tier, Tier::kHot);  // tenant-wide override: 30 days
}

TEST_F(CompactionTest, PolicyFromJson) {
  CompactionPolicy p;
  ASSERT_TRUE(CompactionPolicy::FromJson(
                  R"({"warm_after":"2h","pixels_after":86400,"decayed_after":"30d",
                      "pixel_profile":"large","forget_text_when_decayed":true,
                      "overrides":[{"tenant":"x","pixels_after":"3d"}]})",
                  &p).ok());
  EXPECT_EQ(p.thresholds.warm_after, 2 * kHour);
  EXPECT_EQ(p.thresholds.pixels_after, kDay);
  EXPECT_EQ(p.pixel_profile, "large");
  EXPECT_TRUE(p.forget_text_when_decayed);
  EXPECT_EQ(p.ThresholdsFor("x", "any").pixels_after, 3 * kDay);
  Status s = CompactionPolicy::FromJson(R"({"warm_after":"2y"})", &p);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("warm_after"), std::string::npos);
  s = CompactionPolicy::FromJson(R"({"colour":"blue"})", &p);
  EXPECT_NE(s.message().find("colour"), std::string::npos);
  EXPECT_TRUE(CompactionPolicy::FromJson(R"({"pixel_profile":"huge"})", &p)
                  .IsInvalidArgument());
  EXPECT_TRUE(CompactionPolicy::FromJson("not json", &p).IsInvalidArgument());
}

TEST_F(CompactionTest, PagesCarryManifestAndLocations) {
  std::vector<RecordId> ids;
  for (int i = 0; i < 30; ++i) {
    ids.push_back(PutAged(20 * kDay - i * kSecond,
                          "turn " + std::to_string(i) + ": the quick brown fox"));
  }
  CompactResult result = Compact(kJan2024);
  EXPECT_EQ(result.records_paged, 30u);
  ASSERT_GE(result.pages_written, 1u);
  Record r = Read(ids[5]);
  PageData page;
  ASSERT_TRUE(store_->GetPage(ReadOptions(), "t1", r.page.page_id, &page).ok());
  EXPECT_EQ(page.png.substr(1, 3), "PNG");
  EXPECT_EQ(page.info.tier, Tier::kPixels);
  EXPECT_EQ(page.info.live_records, 30u);
  EXPECT_NE(page.manifest_json.find("turn 5: the quick brown fox"), std::string::npos);
  RecordLocation where;
  ASSERT_TRUE(store_->LocateRecord("t1", ids[5], &where).ok());
  ASSERT_EQ(where.rects.size(), 1u);
  EXPECT_GT(where.rects[0].h, 0);
  EXPECT_TRUE(store_->GetPage(ReadOptions(), "other", r.page.page_id, &page)
                  .IsNotFound());
  std::vector<PageInfo> pages;
  ASSERT_TRUE(store_->ListPages(ReadOptions(), "t1", "a", &pages).ok());
  EXPECT_EQ(pages.size(), result.pages_written);
}

TEST_F(CompactionTest, UpdateAndDeleteOfCompactedRecords) {
  RecordId a = PutAged(20 * kDay, "first on the page");
  RecordId b = PutAged(20 * kDay - kSecond, "second on the page");
  Compact(kJan2024);
  uint64_t page_id = Read(a).page.page_id;
  RecordUpdate up;
  up.text = "rewritten";
  ASSERT_TRUE(store_->Update(WriteOptions(), "t1", a, up, nullptr).ok());
  Record ra = Read(a);
  EXPECT_EQ(ra.tier, Tier::kHot);
  EXPECT_FALSE(ra.page.valid());
  std::vector<Record> versions;
  ASSERT_TRUE(store_->History(ReadOptions(), "t1", a, &versions).ok());
  EXPECT_EQ(versions.front().text, "first on the page");
  PageData page;
  ASSERT_TRUE(store_->GetPage(ReadOptions(), "t1", page_id, &page).ok());
  EXPECT_EQ(page.info.live_records, 1u);
  ASSERT_TRUE(store_->Delete(WriteOptions(), "t1", b).ok());
  EXPECT_TRUE(store_->GetPage(ReadOptions(), "t1", page_id, &page)
                  .IsNotFound());  // collected
}

TEST_F(CompactionTest, ForgettingPolicyDropsTextOnlyWhenAsked) {
  RecordId id = PutAged(200 * kDay, "forget me");
  CompactionPolicy policy;
  policy.forget_text_when_decayed = true;
  Compact(kJan2024, policy);
  Record r = Read(id);
  EXPECT_EQ(r.tier, Tier::kDecayed);
  EXPECT_TRUE(r.text_forgotten);
  EXPECT_TRUE(r.text.empty());
  PageData page;
  ASSERT_TRUE(store_->GetPage(ReadOptions(), "t1", r.page.page_id, &page).ok());
  EXPECT_EQ(page.info.profile, "small");
  EXPECT_LT(page.scale, 1.0);
}

TEST_F(CompactionTest, UnrenderableTextStaysWarmWithItsText) {
  RecordId rtl = PutAged(20 * kDay, "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d");  // Hebrew
  RecordId ok = PutAged(20 * kDay, "plain english");
  CompactResult result = Compact(kJan2024);
  EXPECT_EQ(result.records_kept_as_text, 1u);
  EXPECT_EQ(Read(rtl).tier, Tier::kWarm);
  EXPECT_EQ(Read(rtl).text, "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d");
  EXPECT_EQ(Read(ok).tier, Tier::kPixels);
  EXPECT_FALSE(Compact(kJan2024).changed());  // not retried
}

// Chat memory with emoji (selectors, a ZWJ sequence, a skin tone) reaches
// the pixel tier and reads back exactly.
TEST_F(CompactionTest, EmojiChatRecordReachesPixels) {
  const std::string chat =
      "\xf0\x9f\x93\xa2 shipped! \xf0\x9f\x8e\x89 \xe2\x9d\xa4\xef\xb8\x8f "
      "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd \xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x92\xbb";
  RecordId id = PutAged(20 * kDay, chat);
  CompactResult result = Compact(kJan2024);
  EXPECT_EQ(result.records_kept_as_text, 0u);
  Record r = Read(id);
  EXPECT_EQ(r.tier, Tier::kPixels);
  EXPECT_EQ(r.text, chat);
}

TEST_F(CompactionTest, TierStatsCountTokens) {
  for (int i = 0; i < 50; ++i) PutAged(20 * kDay + i * kSecond, std::string(400, 'x'));
  PutAged(0, "hot one");
  Compact(kJan2024);
  TierStats stats;
  ASSERT_TRUE(mnemo::GetTierStats(store_.get(), "t1", &stats).ok());
  EXPECT_EQ(stats.tiers[2].records, 50u);
  EXPECT_EQ(stats.tiers[2].text_bytes, 50u * 400);
  EXPECT_GE(stats.tiers[2].pages, 1u);
  EXPECT_EQ(stats.tiers[2].vision_tokens, 256u * stats.tiers[2].pages);
  EXPECT_EQ(stats.tiers[0].records, 1u);
  EXPECT_LT(stats.context_tokens(), stats.text_tokens());
}

TEST_F(CompactionTest, CancelStopsCleanly) {
  for (int i = 0; i < 200; ++i) PutAged(20 * kDay + i * kSecond);
  std::atomic<bool> cancel{true};
  CompactOptions options;
  options.now = kJan2024;
  options.cancel = &cancel;
  CompactResult result;
  EXPECT_TRUE(store_->Compact(options, &result).IsAborted());
  cancel = false;
  CompactResult again;
  ASSERT_TRUE(store_->Compact(options, &again).ok());
  EXPECT_EQ(result.records_paged + again.records_paged, 200u);
}

// Every record's text survives compaction to pixels and to decayed, byte
// for byte (synthetic agent conversation with tool calls, ids and paths).
TEST_F(CompactionTest, NothingLostOnSyntheticConversation) {
  workload::SyntheticOptions gen;
  gen.tenant = "t1";
  gen.sessions_per_agent = 6;
  gen.exchanges_per_session = 20;
  gen.start_time = kJan2024 - 60 * kDay;
  std::vector<Record> records = workload::GenerateConversation(gen);
  std::vector<RecordId> ids;
  ASSERT_TRUE(store_->PutBatch(WriteOptions(), records, &ids).ok());
  CompactOptions options;
  options.now = kJan2024 + 30 * kDay;  // pixels
  options.threads = 2;
  CompactResult result;
  ASSERT_TRUE(store_->Compact(options, &result).ok());
  EXPECT_GT(result.pages_written, 0u);
  for (size_t i = 0; i < ids.size(); ++i) {
    Record r = Read(ids[i]);
    ASSERT_EQ(r.text, records[i].text) << i;
    EXPECT_TRUE(r.tier == Tier::kPixels || r.tier == Tier::kDecayed ||
                r.tier == Tier::kWarm);
  }
  options.now = kJan2024 + 3650 * kDay;  // everything decayed
  ASSERT_TRUE(store_->Compact(options, &result).ok());
  for (size_t i = 0; i < ids.size(); ++i) ASSERT_EQ(Read(ids[i]).text, records[i].text);
}

}  // namespace
}  // namespace mnemo::test
