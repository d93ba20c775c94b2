// Copyright (c) mnemo authors.
//
// mnemo::Import with pages (mnemo/admin.h): a compacted store's records
// and pages, read through a RecordIterator (as `mnemo dump
// --include-pages` reads them), imported into a fresh store come back
// identical: tiers, page references, pages, live sets, locations, text.
// Bad pages reject the whole batch.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <thread>

#include "mnemo/admin.h"
#include "store_test_util.h"
#include "test_hooks.h"

namespace mnemo::test {
namespace {

// A compacted source store with warm, pixels and decayed records (one of
// them spanning several pages, one unrenderable), and a fresh target.
class RestoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    for (int i = 0; i < 12; ++i) {
      Put(3 * kDay + i * kSecond, "warm memory " + std::to_string(i));
      Put(20 * kDay + i * kSecond, "pixel memory " + std::to_string(i));
      Put(200 * kDay + i * kSecond, "decayed memory " + std::to_string(i));
    }
    std::string long_text;
    for (int i = 0; long_text.size() < 70000; ++i) {  // 3+ base pages
      long_text += "sentence " + std::to_string(i) + " of a very long tool output. ";
    }
    long_id_ = Put(20 * kDay - kSecond, long_text);
    Put(20 * kDay - 2 * kSecond, "after the long one");
    Put(20 * kDay, "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d", "b");  // stays warm
    Compact(store_.get(), policy_);
    ReadSource();
  }

  RecordId Put(Micros age, const std::string& text, const std::string& agent = "a") {
    RecordId id = 0;
    Record r = MakeRecord("t1", agent, "s", text, kJan2024 - age);
    r.importance = 0.0f;
    EXPECT_TRUE(store_->Put(WriteOptions(), r, &id).ok());
    return id;
  }

  static CompactResult Compact(Store* store, const CompactionPolicy& policy) {
    CompactOptions options;
    options.now = kJan2024;
    options.policy = policy;
    CompactResult result;
    Status s = store->Compact(options, &result);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return result;
  }

  // Records of the source and every page they sit on, from one snapshot.
  void ReadSource() {
    records_.clear();
    pages_.clear();
    std::unique_ptr<RecordIterator> it;
    ASSERT_TRUE(mnemo::NewRecordIterator(store_.get(), IterateOptions(), &it).ok());
    std::map<uint64_t, PageData> pages;
    for (; it->Valid(); it->Next()) {
      const Record& r = it->record();
      records_.push_back(r);
      for (uint32_t k = 0; r.page.valid() && k < r.page.page_count; ++k) {
        PageData page;
        ASSERT_TRUE(it->GetPage(r.page.page_id + k, &page).ok());
        pages[r.page.page_id + k] = page;
      }
    }
    ASSERT_TRUE(it->status().ok());
    for (auto& [id, page] : pages) pages_.push_back(page);
  }

  // Opens the target store (its clock well behind the source's ids).
  void OpenTarget() {
    target_.reset();
    Options options;
    options.clock = &target_clock_;
    ASSERT_TRUE(Store::Open(options, dir_.Sub("target"), &target_).ok());
  }

  Status RestoreAll(const std::vector<Record>& records,
                    const std::vector<PageData>& pages) {
    OpenTarget();
    return mnemo::Import(target_.get(), WriteOptions(), records, pages);
  }

  // Every record of `store` (quiet reads), by id.
  static std::vector<Record> All(Store* store) {
    std::vector<Record> out;
    std::unique_ptr<RecordIterator> it;
    EXPECT_TRUE(mnemo::NewRecordIterator(store, IterateOptions(), &it).ok());
    for (; it->Valid(); it->Next()) out.push_back(it->record());
    return out;
  }

  uint64_t PageOf(RecordId id) const {
    for (const Record& r : records_) {
      if (r.id == id) return r.page.page_id;
    }
    return 0;
  }

  static bool Spans(const Record& r, uint64_t page) {
    return r.page.valid() && r.page.page_id <= page &&
           page < r.page.page_id + r.page.page_count;
  }

  static void ExpectSameRecord(const Record& a, const Record& b) {
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.ns, b.ns);
    EXPECT_EQ(a.text, b.text);
    EXPECT_EQ(a.tier, b.tier) << a.id;
    EXPECT_EQ(a.page.page_id, b.page.page_id) << a.id;
    EXPECT_EQ(a.page.item, b.page.item) << a.id;
    EXPECT_EQ(a.page.page_count, b.page.page_count) << a.id;
    EXPECT_EQ(a.content_hash, b.content_hash);
    EXPECT_EQ(a.text_forgotten, b.text_forgotten);
    EXPECT_EQ(a.event_time, b.event_time);
    EXPECT_EQ(a.created_time, b.created_time);
    EXPECT_EQ(a.version, b.version);
    EXPECT_EQ(a.importance, b.importance);
  }

  CompactionPolicy policy_;
  ManualClock target_clock_{kJan2024 - 1000 * kDay};
  std::unique_ptr<Store> target_;
  std::vector<Record> records_;
  std::vector<PageData> pages_;
  RecordId long_id_ = 0;
};

TEST_F(RestoreTest, RecordsKeepTiersPagesAndLocations) {
  std::map<Tier, int> tiers;
  for (const Record& r : records_) tiers[r.tier]++;
  ASSERT_GT(tiers[Tier::kWarm], 0);
  ASSERT_GT(tiers[Tier::kPixels], 0);
  ASSERT_GT(tiers[Tier::kDecayed], 0);
  Record long_record;
  ASSERT_TRUE(store_->Get(ReadOptions(), "t1", long_id_, &long_record).ok());
  ASSERT_GE(long_record.page.page_count, 3u);

  Status s = RestoreAll(records_, pages_);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::vector<Record> restored = All(target_.get());
  ASSERT_EQ(restored.size(), records_.size());
  for (size_t i = 0; i < restored.size(); ++i) ExpectSameRecord(records_[i], restored[i]);
  for (const PageData& want : pages_) {
    PageData got;
    ASSERT_TRUE(
        target_->GetPage(ReadOptions(), "t1", want.info.page_id, &got).ok());
    EXPECT_EQ(got.png, want.png);
    EXPECT_EQ(got.manifest_json, want.manifest_json);
    EXPECT_EQ(got.first_width, want.first_width);
    EXPECT_EQ(got.info.live_records, want.info.live_records);
    EXPECT_EQ(got.info.tier, want.info.tier);
    EXPECT_EQ(got.info.created_time, want.info.created_time);
    EXPECT_EQ(got.info.ns, want.info.ns);
  }
  for (const Record& r : records_) {
    RecordLocation a, b;
    if (!r.page.valid()) continue;
    ASSERT_TRUE(store_->LocateRecord("t1", r.id, &a).ok());
    ASSERT_TRUE(target_->LocateRecord("t1", r.id, &b).ok());
    ASSERT_EQ(a.rects.size(), b.rects.size());
    for (size_t k = 0; k < a.rects.size(); ++k) {
      EXPECT_EQ(a.rects[k].page_id, b.rects[k].page_id);
      EXPECT_EQ(a.rects[k].y, b.rects[k].y);
      EXPECT_EQ(a.rects[k].h, b.rects[k].h);
    }
  }
  // The same clock changes nothing; the restored store is consistent and
  // its search index covers the paged records.
  EXPECT_FALSE(Compact(target_.get(), policy_).changed());
  VerifyOptions deep;
  deep.deep = true;
  VerifyReport report;
  ASSERT_TRUE(mnemo::Verify(target_.get(), deep, &report).ok());
  EXPECT_EQ(report.problem_count, 0u);
  EXPECT_EQ(report.pages_checked, pages_.size());
  SearchOptions query;
  query.filter.tenant = "t1";
  query.filter.agent = "a";
  query.query = "decayed memory";
  SearchResult hits;
  ASSERT_TRUE(target_->Search(query, &hits).ok());
  EXPECT_FALSE(hits.hits.empty());
}

TEST_F(RestoreTest, IdsAndPageIdsStayAboveRestoredOnes) {
  ASSERT_TRUE(RestoreAll(records_, pages_).ok());
  RecordId highest = 0;
  for (const Record& r : records_) highest = std::max(highest, r.id);
  for (const PageData& p : pages_) highest = std::max(highest, p.info.page_id);
  RecordId fresh = 0;
  Record r = MakeRecord("t1", "a", "s", "new after restore", kJan2024 - 30 * kDay);
  ASSERT_TRUE(target_->Put(WriteOptions(), r, &fresh).ok());
  EXPECT_GT(fresh, highest);
  CompactResult result = Compact(target_.get(), policy_);  // renders a new page
  EXPECT_EQ(result.pages_written, 1u);
  Record paged;
  ASSERT_TRUE(target_->Get(ReadOptions(), "t1", fresh, &paged).ok());
  EXPECT_GT(paged.page.page_id, highest);
}

TEST_F(RestoreTest, WithoutPagesPagedRecordsComeBackAsWarmText) {
  const uint64_t dropped = PageOf(long_id_) + 1;  // its second page
  std::vector<PageData> some;
  for (const PageData& p : pages_) {
    if (p.info.page_id != dropped) some.push_back(p);
  }
  ASSERT_TRUE(RestoreAll(records_, some).ok());
  std::vector<Record> restored = All(target_.get());
  ASSERT_EQ(restored.size(), records_.size());
  for (size_t i = 0; i < restored.size(); ++i) {
    EXPECT_EQ(restored[i].text, records_[i].text);
    if (Spans(records_[i], dropped)) {
      EXPECT_EQ(restored[i].id, long_id_);  // the page holds it alone
      EXPECT_EQ(restored[i].tier, Tier::kWarm);
      EXPECT_FALSE(restored[i].page.valid());
    } else {
      ExpectSameRecord(records_[i], restored[i]);
    }
  }
  target_.reset();
  ASSERT_TRUE(Store::Open(Options(), dir_.Sub("bare"), &target_).ok());
  ASSERT_TRUE(mnemo::Import(target_.get(), WriteOptions(), records_, {}).ok());
  for (const Record& r : All(target_.get())) {
    EXPECT_TRUE(r.tier == Tier::kHot || r.tier == Tier::kWarm) << r.id;
    EXPECT_FALSE(r.page.valid());
  }
  std::vector<PageInfo> listed;
  ASSERT_TRUE(target_->ListPages(ReadOptions(), "", "", &listed).ok());
  EXPECT_TRUE(listed.empty());
}

// Each bad page rejects the batch, names the page, and writes nothing.
TEST_F(RestoreTest, BadPagesRejectEverything) {
  const uint64_t page = PageOf(long_id_);  // first of its pages
  auto broken = [&](const std::function<void(PageData*)>& edit) {
    std::vector<PageData> pages = pages_;
    for (PageData& p : pages) {
      if (p.info.page_id == page) edit(&p);
    }
    return pages;
  };
  struct Case {
    const char* what;
    std::vector<PageData> pages;
  } cases[] = {
      {"corrupt PNG", broken([](PageData* p) { p->png[p->png.size() / 2] ^= 0x55; })},
      {"PNG size", broken([](PageData* p) { p->info.height += 1; })},
      {"manifest", broken([](PageData* p) { p->manifest_json.pop_back(); })},
      {"tenant", broken([](PageData* p) { p->info.ns.tenant = "t2"; })},
      {"tier", broken([](PageData* p) { p->info.tier = Tier::kWarm; })},
      {"first_width", broken([](PageData* p) { p->first_width = 0; })},
      {"namespace", broken([](PageData* p) { p->info.ns.agent = ""; })},
      {"not listed", broken([&](PageData* p) {
         std::string id = std::to_string(long_id_);
         size_t at;
         while ((at = p->manifest_json.find(id)) != std::string::npos) {
           p->manifest_json.replace(at, id.size(), "12345");
         }
       })},
  };
  for (const Case& c : cases) {
    Status s = RestoreAll(records_, c.pages);
    EXPECT_FALSE(s.ok()) << c.what;
    EXPECT_NE(s.ToString().find("page " + std::to_string(page)), std::string::npos)
        << c.what << ": " << s.ToString();
    EXPECT_TRUE(All(target_.get()).empty()) << c.what;
    std::vector<PageInfo> listed;
    ASSERT_TRUE(target_->ListPages(ReadOptions(), "", "", &listed).ok());
    EXPECT_TRUE(listed.empty()) << c.what;
  }
  std::vector<PageData> twice = pages_;
  twice.push_back(pages_.front());
  EXPECT_TRUE(RestoreAll(records_, twice).IsInvalidArgument());
}

// A page id in use by a different page is refused; the very page that is
// stored is accepted (a dump restored in several batches supplies a page
// shared across batches with each of them) and not written again.
TEST_F(RestoreTest, PageIdInUseIsAlreadyExists) {
  ASSERT_TRUE(RestoreAll(records_, pages_).ok());
  PageData changed = pages_.front();
  changed.info.vision_tokens += 1;
  Status s = mnemo::Import(target_.get(), WriteOptions(), {}, {changed});
  EXPECT_TRUE(s.IsAlreadyExists()) << s.ToString();
  EXPECT_NE(s.ToString().find("page " + std::to_string(pages_.front().info.page_id)),
            std::string::npos);
  s = mnemo::Import(target_.get(), WriteOptions(), {}, {pages_.front()});
  EXPECT_TRUE(s.ok()) << s.ToString();
  PageData stored;
  ASSERT_TRUE(target_
                  ->GetPage(ReadOptions(), pages_.front().info.ns.tenant,
                            pages_.front().info.page_id, &stored)
                  .ok());
  EXPECT_EQ(stored.info.vision_tokens, pages_.front().info.vision_tokens);
}

TEST_F(RestoreTest, BatchLimitHolds) {
  target_.reset();
  Options options;
  options.max_batch_records = 3;
  ASSERT_TRUE(Store::Open(options, dir_.Sub("small"), &target_).ok());
  Status s = mnemo::Import(target_.get(), WriteOptions(), records_, pages_);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.ToString().find("max_batch_records"), std::string::npos);
}

// A Delete of the last live record of a page that a restore is putting
// another record onto (the page is stored already: an import writes a
// shared page with its first batch) waits until the restore has committed
// the new record's live key, and then keeps the page. Before the fix the
// restore checked the page without its stripe lock: the Delete removed the
// page in between and the restored record pointed at no page.
Store* race_store = nullptr;
RecordId race_victim = 0;
std::atomic<bool> race_deleted{false};
std::thread race_deleter;

void DeleteDuringRestore() {
  internal::SetRestoreHook(nullptr);  // once
  race_deleter = std::thread([] {
    Status s = race_store->Delete(WriteOptions(), "t1", race_victim);
    EXPECT_TRUE(s.ok()) << s.ToString();
    race_deleted = true;
  });
  // With the page locked the Delete cannot finish here; without, it has
  // time to. How long this waits decides only whether a missing lock shows.
  for (int i = 0; i < 100 && !race_deleted; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

TEST_F(RestoreTest, DeleteRacingARestoreOntoAStoredPageKeepsThePage) {
  std::map<uint64_t, std::vector<const Record*>> by_page;
  for (const Record& r : records_) {
    if (r.page.valid() && r.page.page_count == 1) by_page[r.page.page_id].push_back(&r);
  }
  const Record* a = nullptr;
  const Record* c = nullptr;
  for (const auto& [page, on] : by_page) {
    if (on.size() >= 2) {
      a = on[0];
      c = on[1];
      break;
    }
  }
  ASSERT_NE(c, nullptr) << "no page with two records";
  const PageData* page = nullptr;
  for (const PageData& p : pages_) {
    if (p.info.page_id == a->page.page_id) page = &p;
  }
  ASSERT_NE(page, nullptr);
  ASSERT_TRUE(RestoreAll({*a}, {*page}).ok());  // the first batch
  race_store = target_.get();
  race_victim = a->id;
  race_deleted = false;
  internal::SetRestoreHook(&DeleteDuringRestore);
  Status s = mnemo::Import(target_.get(), WriteOptions(), {*c}, {*page});
  internal::SetRestoreHook(nullptr);
  ASSERT_TRUE(race_deleter.joinable()) << "the hook did not run";
  race_deleter.join();
  ASSERT_TRUE(s.ok()) << s.ToString();
  PageData stored;
  s = target_->GetPage(ReadOptions(), "t1", c->page.page_id, &stored);
  ASSERT_TRUE(s.ok()) << "the restored record " << c->id << " lost its page: "
                      << s.ToString();
  EXPECT_EQ(stored.info.live_records, 1u);
  VerifyReport report;
  ASSERT_TRUE(mnemo::Verify(target_.get(), VerifyOptions(), &report).ok());
  EXPECT_EQ(report.problem_count, 0u);
}

// Deletes (and a compaction after them) treat restored pages exactly as the
// source store treats its compacted ones.
TEST_F(RestoreTest, DeletingRestoredRecordsCollectsTheirPage) {
  ASSERT_TRUE(RestoreAll(records_, pages_).ok());
  uint64_t page = PageOf(long_id_);
  std::vector<RecordId> on_page;
  for (const Record& r : records_) {
    if (Spans(r, page)) on_page.push_back(r.id);
  }
  ASSERT_GT(on_page.size(), 1u);
  ASSERT_EQ(on_page.back(), long_id_);  // time order: the long one is last
  auto live = [&](Store* store, uint64_t id) {
    PageData data;
    Status s = store->GetPage(ReadOptions(), "t1", id, &data);
    EXPECT_TRUE(s.ok() || s.IsNotFound()) << s.ToString();
    return s.ok() ? static_cast<int>(data.info.live_records) : -1;  // -1: gone
  };
  EXPECT_EQ(live(target_.get(), page), static_cast<int>(on_page.size()));
  for (size_t i = 0; i < on_page.size(); ++i) {
    for (Store* store : {store_.get(), target_.get()}) {
      ASSERT_TRUE(store->Delete(WriteOptions(), "t1", on_page[i]).ok());
    }
    for (uint64_t p = page; p < page + 3; ++p) {
      EXPECT_EQ(live(target_.get(), p), live(store_.get(), p)) << "page " << p;
    }
    // The page (and the long record's later pages) goes with its last record.
    EXPECT_EQ(live(target_.get(), page), i + 1 < on_page.size()
                                             ? static_cast<int>(on_page.size() - i - 1)
                                             : -1);
  }
  EXPECT_EQ(live(target_.get(), page + 1), -1);
  Compact(target_.get(), policy_);
  VerifyOptions deep;
  deep.deep = true;
  VerifyReport report;
  ASSERT_TRUE(mnemo::Verify(target_.get(), deep, &report).ok());
  EXPECT_EQ(report.problem_count, 0u);
  std::vector<PageInfo> a, b;
  ASSERT_TRUE(store_->ListPages(ReadOptions(), "", "", &a).ok());
  ASSERT_TRUE(target_->ListPages(ReadOptions(), "", "", &b).ok());
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].page_id, b[i].page_id);
    EXPECT_EQ(a[i].live_records, b[i].live_records);
  }
}

class ForgettingRestoreTest : public RestoreTest {
 protected:
  void SetUp() override {
    policy_.forget_text_when_decayed = true;
    RestoreTest::SetUp();
  }
};

TEST_F(ForgettingRestoreTest, ForgottenRecordsNeedTheirPages) {
  RecordId forgotten = 0;  // the first forgotten record (restore order)
  for (const Record& r : records_) {
    if (r.text_forgotten && forgotten == 0) forgotten = r.id;
  }
  ASSERT_NE(forgotten, 0u);
  std::vector<PageData> others;
  for (const PageData& p : pages_) {
    if (p.info.page_id != PageOf(forgotten)) others.push_back(p);
  }
  Status s = RestoreAll(records_, others);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.ToString().find("record " + std::to_string(forgotten)),
            std::string::npos) << s.ToString();
  EXPECT_TRUE(All(target_.get()).empty());

  ASSERT_TRUE(RestoreAll(records_, pages_).ok());
  Record r;
  ASSERT_TRUE(target_->Get(ReadOptions(), "t1", forgotten, &r).ok());
  EXPECT_TRUE(r.text_forgotten);
  EXPECT_TRUE(r.text.empty());
  EXPECT_EQ(r.tier, Tier::kDecayed);
  std::vector<Record> restored = All(target_.get());
  ASSERT_EQ(restored.size(), records_.size());
  for (size_t i = 0; i < restored.size(); ++i) ExpectSameRecord(records_[i], restored[i]);
  EXPECT_FALSE(Compact(target_.get(), policy_).changed());
}

}  // namespace
}  // namespace mnemo::test
