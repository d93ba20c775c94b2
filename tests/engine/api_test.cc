// Copyright (c) mnemo authors.
//
// The public API's contracts: every read that takes ReadOptions honours
// its snapshot, the operator functions of mnemo/admin.h refuse a Store
// they did not open, and Store::cache() is always there.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mnemo/admin.h"
#include "store_test_util.h"

namespace mnemo::test {
namespace {

class ApiTest : public StoreTest {
 protected:
  void TearDown() override {
    if (snapshot_ != nullptr) store_->ReleaseSnapshot(snapshot_);
  }
  // ReadOptions at a snapshot taken now.
  ReadOptions AtSnapshot() {
    snapshot_ = store_->GetSnapshot();
    ReadOptions ro;
    ro.count_access = false;
    ro.snapshot = snapshot_;
    return ro;
  }
  ScanResult ScanAgent(const ReadOptions& ro) {
    ScanOptions scan;
    scan.tenant = "t1";
    scan.agent = "a";
    ScanResult result;
    Status s = store_->Scan(ro, scan, &result);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return result;
  }

  const Snapshot* snapshot_ = nullptr;
};

RecordUpdate NewText(const std::string& text) {
  RecordUpdate u;
  u.text = text;
  return u;
}

TEST_F(ApiTest, GetReadsTheSnapshotState) {
  RecordId kept = PutText("a", "s", "first words");
  RecordId gone = PutText("a", "s", "deleted later");
  ReadOptions then = AtSnapshot();
  ASSERT_TRUE(
      store_->Update(WriteOptions(), "t1", kept, NewText("second"), nullptr)
          .ok());
  ASSERT_TRUE(store_->Delete(WriteOptions(), "t1", gone).ok());
  RecordId later = PutText("a", "s", "written after the snapshot");

  Record r;
  ASSERT_TRUE(store_->Get(then, "t1", kept, &r).ok());
  EXPECT_EQ(r.text, "first words");
  EXPECT_EQ(r.version, 1u);
  ASSERT_TRUE(store_->Get(then, "t1", gone, &r).ok());
  EXPECT_EQ(r.text, "deleted later");
  EXPECT_TRUE(store_->Get(then, "t1", later, &r).IsNotFound());
  // Tenant isolation holds at a snapshot too.
  EXPECT_TRUE(store_->Get(then, "t2", kept, &r).IsNotFound());

  ASSERT_TRUE(store_->Get(ReadOptions(), "t1", kept, &r).ok());
  EXPECT_EQ(r.text, "second");
  EXPECT_TRUE(store_->Get(ReadOptions(), "t1", gone, &r).IsNotFound());
}

TEST_F(ApiTest, HistoryReadsTheSnapshotState) {
  RecordId id = PutText("a", "s", "v1");
  ASSERT_TRUE(
      store_->Update(WriteOptions(), "t1", id, NewText("v2"), nullptr).ok());
  ReadOptions then = AtSnapshot();
  ASSERT_TRUE(
      store_->Update(WriteOptions(), "t1", id, NewText("v3"), nullptr).ok());

  std::vector<Record> versions;
  ASSERT_TRUE(store_->History(then, "t1", id, &versions).ok());
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0].text, "v1");
  EXPECT_EQ(versions[1].text, "v2");
  ASSERT_TRUE(store_->History(ReadOptions(), "t1", id, &versions).ok());
  ASSERT_EQ(versions.size(), 3u);
  EXPECT_EQ(versions[2].text, "v3");

  ASSERT_TRUE(store_->Delete(WriteOptions(), "t1", id).ok());
  ASSERT_TRUE(store_->History(then, "t1", id, &versions).ok());
  EXPECT_EQ(versions.size(), 2u);
  EXPECT_TRUE(store_->History(ReadOptions(), "t1", id, &versions).IsNotFound());
  EXPECT_TRUE(versions.empty());
}

TEST_F(ApiTest, ScanReadsTheSnapshotState) {
  RecordId a = PutText("a", "s", "one", kJan2024 - 3 * kSecond);
  RecordId b = PutText("a", "s", "two", kJan2024 - 2 * kSecond);
  ReadOptions then = AtSnapshot();
  ASSERT_TRUE(store_->Delete(WriteOptions(), "t1", a).ok());
  PutText("a", "s", "three", kJan2024 - kSecond);

  ScanResult old_state = ScanAgent(then);
  ASSERT_EQ(old_state.records.size(), 2u);
  EXPECT_EQ(old_state.records[0].id, a);
  EXPECT_EQ(old_state.records[1].id, b);
  ScanResult now = ScanAgent(ReadOptions());
  ASSERT_EQ(now.records.size(), 2u);
  EXPECT_EQ(now.records[0].id, b);
  EXPECT_EQ(now.records[1].text, "three");
}

TEST_F(ApiTest, PagesReadTheSnapshotState) {
  for (int i = 0; i < 3; ++i) {
    PutText("a", "s", "an old memory number " + std::to_string(i),
            kJan2024 - 30 * kDay + i * kSecond);
  }
  CompactOptions compact;
  compact.now = kJan2024;
  CompactResult result;
  ASSERT_TRUE(store_->Compact(compact, &result).ok());
  std::vector<PageInfo> before;
  ASSERT_TRUE(store_->ListPages(ReadOptions(), "t1", "a", &before).ok());
  ASSERT_FALSE(before.empty()) << "compaction rendered no page";
  const uint64_t page_id = before[0].page_id;

  ReadOptions then = AtSnapshot();
  uint64_t deleted = 0;
  ASSERT_TRUE(store_->DeleteAgent(WriteOptions(), "t1", "a", &deleted).ok());
  ASSERT_EQ(deleted, 3u);

  std::vector<PageInfo> pages;
  ASSERT_TRUE(store_->ListPages(ReadOptions(), "t1", "a", &pages).ok());
  EXPECT_TRUE(pages.empty());  // every record left: the pages went too
  PageData page;
  EXPECT_TRUE(
      store_->GetPage(ReadOptions(), "t1", page_id, &page).IsNotFound());

  ASSERT_TRUE(store_->ListPages(then, "t1", "a", &pages).ok());
  ASSERT_EQ(pages.size(), before.size());
  EXPECT_EQ(pages[0].page_id, page_id);
  EXPECT_EQ(pages[0].live_records, before[0].live_records);
  ASSERT_TRUE(store_->GetPage(then, "t1", page_id, &page).ok());
  EXPECT_FALSE(page.png.empty());
  EXPECT_EQ(page.info.live_records, before[0].live_records);
  EXPECT_TRUE(store_->GetPage(then, "t2", page_id, &page).IsNotFound());
}

TEST_F(ApiTest, ReleasingNoSnapshotIsHarmless) {
  store_->ReleaseSnapshot(nullptr);
  const Snapshot* s = store_->GetSnapshot();
  ASSERT_NE(s, nullptr);
  store_->ReleaseSnapshot(s);
}

// A Store that is not the engine's: admin functions must refuse it.
class ForeignStore final : public Store {
 public:
  Status Put(const WriteOptions&, const Record&, RecordId*) override {
    return No();
  }
  Status PutBatch(const WriteOptions&, const std::vector<Record>&,
                  std::vector<RecordId>*) override {
    return No();
  }
  Status Update(const WriteOptions&, std::string_view, RecordId,
                const RecordUpdate&, Record*) override {
    return No();
  }
  Status Delete(const WriteOptions&, std::string_view, RecordId) override {
    return No();
  }
  Status DeleteSession(const WriteOptions&, std::string_view, std::string_view,
                       std::string_view, uint64_t*) override {
    return No();
  }
  Status DeleteAgent(const WriteOptions&, std::string_view, std::string_view,
                     uint64_t*) override {
    return No();
  }
  Status PutEmbedding(const WriteOptions&, std::string_view, RecordId,
                      const EmbeddingRef&) override {
    return No();
  }
  Status Get(const ReadOptions&, std::string_view, RecordId, Record*) override {
    return No();
  }
  Status History(const ReadOptions&, std::string_view, RecordId,
                 std::vector<Record>*) override {
    return No();
  }
  Status Scan(const ReadOptions&, const ScanOptions&, ScanResult*) override {
    return No();
  }
  Status ListNamespaces(std::string_view, std::vector<Namespace>*) override {
    return No();
  }
  Status Search(const SearchOptions&, SearchResult*) override { return No(); }
  Status BuildContext(const ContextOptions&, Context*) override { return No(); }
  Status Compact(const CompactOptions&, CompactResult*) override {
    return No();
  }
  Status GetPage(const ReadOptions&, std::string_view, uint64_t,
                 PageData*) override {
    return No();
  }
  Status ListPages(const ReadOptions&, std::string_view, std::string_view,
                   std::vector<PageInfo>*) override {
    return No();
  }
  Status LocateRecord(std::string_view, RecordId, RecordLocation*) override {
    return No();
  }
  const Snapshot* GetSnapshot() override { return nullptr; }
  void ReleaseSnapshot(const Snapshot*) override {}
  Cache* cache() override { return nullptr; }
  const std::string& dir() const override { return dir_; }

 private:
  static Status No() { return Status::NotSupported("foreign store"); }
  std::string dir_ = "foreign";
};

TEST(AdminTest, ForeignStoreIsInvalidArgument) {
  TempDir dir;
  ForeignStore foreign;
  for (Store* store :
       {static_cast<Store*>(&foreign), static_cast<Store*>(nullptr)}) {
    SCOPED_TRACE(store == nullptr ? "null store" : "foreign store");
    Record r = MakeRecord("t1", "a", "s", "text");
    r.id = 7;
    EXPECT_TRUE(Import(store, WriteOptions(), {r}).IsInvalidArgument());
    EXPECT_TRUE(Import(store, WriteOptions(), {r}, {}).IsInvalidArgument());
    EXPECT_TRUE(Validate(store, r).IsInvalidArgument());
    Namespace ns;
    EXPECT_TRUE(LookupNamespace(store, 7, &ns).IsInvalidArgument());
    std::unique_ptr<RecordIterator> it;
    EXPECT_TRUE(
        NewRecordIterator(store, IterateOptions(), &it).IsInvalidArgument());
    EXPECT_EQ(it, nullptr);
    StoreStats stats;
    EXPECT_TRUE(GetStats(store, &stats).IsInvalidArgument());
    TierStats tiers;
    EXPECT_TRUE(GetTierStats(store, "", &tiers).IsInvalidArgument());
    EXPECT_TRUE(FlushAccessCounts(store).IsInvalidArgument());
    VerifyReport report;
    EXPECT_TRUE(Verify(store, VerifyOptions(), &report).IsInvalidArgument());
    Status s = Checkpoint(store, dir.Sub("checkpoint"));
    EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
    EXPECT_NE(s.ToString().find("checkpoint"), std::string::npos);
    BackupInfo info;
    EXPECT_TRUE(Backup(store, dir.Sub("backup"), &info).IsInvalidArgument());
  }
}

TEST_F(ApiTest, AdminFunctionsWorkOnAnOpenStore) {
  RecordId id = PutText("a", "s", "text");
  Namespace ns;
  ASSERT_TRUE(LookupNamespace(store_.get(), id, &ns).ok());
  EXPECT_EQ(ns.tenant, "t1");
  EXPECT_TRUE(FlushAccessCounts(store_.get()).ok());
  StoreStats stats;
  ASSERT_TRUE(GetStats(store_.get(), &stats).ok());
  EXPECT_EQ(stats.records, 1u);
  Record imported = MakeRecord("t1", "a", "s", "imported");
  imported.id = id + 100;
  ASSERT_TRUE(Import(store_.get(), WriteOptions(), {imported}).ok());
  Record r;
  ASSERT_TRUE(store_->Get(ReadOptions(), "t1", imported.id, &r).ok());
  EXPECT_EQ(r.text, "imported");
  EXPECT_TRUE(
      Import(store_.get(), WriteOptions(), {imported}).IsAlreadyExists());
}

TEST_F(ApiTest, CacheIsAlwaysThere) {
  ASSERT_NE(store_->cache(), nullptr);
  CacheReport report;
  // Opened without Options::cache.enabled: every cache call says so.
  EXPECT_TRUE(store_->cache()->GetReport(&report).IsFailedPrecondition());
  std::vector<PinnedPage> pinned;
  EXPECT_TRUE(
      store_->cache()->PinPages("t1", {1}, &pinned).IsFailedPrecondition());

  options_.cache.enabled = true;
  options_.cache.use_gpu = false;
  options_.cache.budget_bytes = size_t{8} << 20;
  Reopen();
  ASSERT_NE(store_->cache(), nullptr);
  ASSERT_TRUE(store_->cache()->GetReport(&report).ok());
  EXPECT_EQ(report.backend, "host");
  EXPECT_TRUE(store_->cache()->PinPages("t1", {12345}, &pinned).IsNotFound());
}

}  // namespace
}  // namespace mnemo::test
