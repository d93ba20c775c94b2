// Copyright (c) mnemo authors.
//
// Access counts of format 4 (engine/src/store_access.cc): flushed counts
// live in the `access` family and in memory until a fold writes them into
// the records. Every reader reports the exact count before, during and
// after folds, at snapshots, across a reopen (the family is replayed), and
// a format-3 store (counts as merge operands in `records`, no `access`
// family) opens read-only and is upgraded by a writer's open.

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "mnemo/admin.h"
#include "mnemo/store.h"
#include "older_format.h"
#include "rocks_glue.h"
#include "store_impl.h"
#include "store_test_util.h"

namespace mnemo {
namespace {

using test::kJan2024;
using test::kSecond;
using test::MakeRecord;

class AccessCountsTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open(bool read_only = false) {
    store_.reset();
    Options o;
    o.clock = &clock_;
    o.read_only = read_only;
    o.create_if_missing = !read_only;
    o.access_flush_interval_ms = 3'600'000;  // the test flushes and folds
    Status s = Store::Open(o, dir_.Sub("db"), &store_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  internal::StoreImpl* impl() {
    return dynamic_cast<internal::StoreImpl*>(store_.get());
  }
  RecordId Put(const std::string& text, Micros time) {
    RecordId id = 0;
    EXPECT_TRUE(store_
                    ->Put(WriteOptions(),
                          MakeRecord("t1", "a", "s", text, time), &id)
                    .ok());
    return id;
  }
  void Read(RecordId id, int times) {
    Record r;
    for (int i = 0; i < times; ++i) {
      clock_.Advance(kSecond);
      ASSERT_TRUE(store_->Get(ReadOptions(), "t1", id, &r).ok());
    }
  }
  uint64_t Count(RecordId id, const Snapshot* snap = nullptr) {
    ReadOptions quiet;
    quiet.count_access = false;
    quiet.snapshot = snap;
    Record r;
    Status s = store_->Get(quiet, "t1", id, &r);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return r.access_count;
  }
  // id -> access count as a time-range Scan reports it.
  std::map<RecordId, uint64_t> ScanCounts() {
    ScanOptions scan;
    scan.tenant = "t1";
    scan.agent = "a";
    scan.limit = 100;
    ScanResult result;
    EXPECT_TRUE(store_->Scan(ReadOptions(), scan, &result).ok());
    std::map<RecordId, uint64_t> out;
    for (const Record& r : result.records) out[r.id] = r.access_count;
    return out;
  }
  std::string Marker() {
    std::ifstream in(dir_.Sub("db") + "/MNEMO");
    std::string text((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    return text;
  }

  test::TempDir dir_;
  test::ManualClock clock_{kJan2024};
  std::unique_ptr<Store> store_;
};

TEST_F(AccessCountsTest, FoldMovesCountsIntoRecordsWithoutChangingThem) {
  RecordId a = Put("first", kJan2024), b = Put("second", kJan2024 + 1),
           c = Put("third", kJan2024 + 2);
  Read(a, 3);
  Read(b, 1);
  ASSERT_TRUE(FlushAccessCounts(store_.get()).ok());
  const std::map<RecordId, uint64_t> expected = {{a, 3}, {b, 1}, {c, 0}};
  EXPECT_EQ(ScanCounts(), expected);
  EXPECT_EQ(Count(a), 3u);
  ASSERT_TRUE(impl()->FoldAccessCounts().ok());
  EXPECT_EQ(ScanCounts(), expected);
  EXPECT_EQ(Count(a), 3u);
  EXPECT_EQ(Count(b), 1u);
  ASSERT_TRUE(impl()->FoldAccessCounts().ok());  // nothing left to fold
  EXPECT_EQ(Count(a), 3u);

  Read(a, 2);  // counted on top of the folded 3
  ASSERT_TRUE(FlushAccessCounts(store_.get()).ok());
  Record r;
  ReadOptions quiet;
  quiet.count_access = false;
  ASSERT_TRUE(store_->Get(quiet, "t1", a, &r).ok());
  EXPECT_EQ(r.access_count, 5u);
  EXPECT_EQ(r.last_access, kJan2024 + 6 * kSecond);
  Open();  // unfolded increments come back from the `access` family
  EXPECT_EQ(Count(a), 5u);
  EXPECT_EQ(Count(b), 1u);
  Open(/*read_only=*/true);
  EXPECT_EQ(Count(a), 5u);
  Open();
  ASSERT_TRUE(impl()->FoldAccessCounts().ok());
  Open();
  EXPECT_EQ(Count(a), 5u);
  EXPECT_EQ(ScanCounts(), (std::map<RecordId, uint64_t>{{a, 5}, {b, 1}, {c, 0}}));
}

TEST_F(AccessCountsTest, UpdateAndDeleteNeitherLoseNorReviveCounts) {
  RecordId a = Put("kept", kJan2024), b = Put("deleted", kJan2024 + 1);
  Read(a, 2);
  Read(b, 2);
  ASSERT_TRUE(FlushAccessCounts(store_.get()).ok());
  RecordUpdate update;
  update.text = "kept, edited";
  Record updated;
  ASSERT_TRUE(store_->Update(WriteOptions(), "t1", a, update, &updated).ok());
  EXPECT_EQ(updated.access_count, 2u);
  EXPECT_EQ(Count(a), 2u);  // the new version keeps the count
  ASSERT_TRUE(store_->Delete(WriteOptions(), "t1", b).ok());
  ASSERT_TRUE(impl()->FoldAccessCounts().ok());
  EXPECT_EQ(Count(a), 2u);
  Record r;
  EXPECT_TRUE(store_->Get(ReadOptions(), "t1", b, &r).IsNotFound());
  Open();
  EXPECT_EQ(Count(a), 2u);
  EXPECT_EQ(ScanCounts(), (std::map<RecordId, uint64_t>{{a, 2}}));

  // A record imported under the id of one deleted before its counts were
  // folded starts with the import's own count.
  RecordId c = Put("imported again", kJan2024 + 2);
  Read(c, 3);
  ASSERT_TRUE(FlushAccessCounts(store_.get()).ok());
  Record exported;
  ReadOptions quiet;
  quiet.count_access = false;
  ASSERT_TRUE(store_->Get(quiet, "t1", c, &exported).ok());
  ASSERT_TRUE(store_->Delete(WriteOptions(), "t1", c).ok());
  exported.access_count = 1;
  ASSERT_TRUE(Import(store_.get(), WriteOptions(), {exported}).ok());
  EXPECT_EQ(Count(c), 1u);
  ASSERT_TRUE(impl()->FoldAccessCounts().ok());
  EXPECT_EQ(Count(c), 1u);
  Open();
  EXPECT_EQ(Count(c), 1u);
}

TEST_F(AccessCountsTest, SnapshotReadsSeeTheCountsOfTheirSnapshot) {
  RecordId a = Put("snap", kJan2024);
  Read(a, 3);
  ASSERT_TRUE(FlushAccessCounts(store_.get()).ok());
  const Snapshot* snap = store_->GetSnapshot();
  ASSERT_TRUE(impl()->FoldAccessCounts().ok());
  Read(a, 4);
  ASSERT_TRUE(FlushAccessCounts(store_.get()).ok());
  EXPECT_EQ(Count(a, snap), 3u);
  EXPECT_EQ(Count(a), 7u);
  store_->ReleaseSnapshot(snap);
}

// Readers racing with flushes and folds never see a count above the
// number of counted reads (a fold counted twice) nor one going down (a
// fold missed).
TEST_F(AccessCountsTest, ReadersDuringFoldsSeeExactCounts) {
  RecordId a = Put("raced", kJan2024);
  constexpr int kRounds = 200;
  // flushed: rounds whose flush returned (their count is visible);
  // counted: rounds whose counted read began (no more can be visible).
  std::atomic<int> flushed{0}, counted{0};
  std::atomic<bool> done{false};
  std::atomic<int> below{0}, above{0}, went_down{0}, failed{0};
  std::thread reader([&] {
    uint64_t seen = 0;
    ReadOptions quiet;
    quiet.count_access = false;
    Record r;
    while (!done.load()) {
      const int low = flushed.load();
      if (!store_->Get(quiet, "t1", a, &r).ok()) ++failed;
      const int high = counted.load();
      if (r.access_count < uint64_t(low)) ++below;
      if (r.access_count > uint64_t(high)) ++above;  // a fold counted twice
      if (r.access_count < seen) ++went_down;         // a fold missed
      seen = r.access_count;
    }
  });
  for (int i = 1; i <= kRounds; ++i) {
    counted = i;
    Read(a, 1);
    ASSERT_TRUE(FlushAccessCounts(store_.get()).ok());
    flushed = i;
    if (i % 3 == 0) {
      ASSERT_TRUE(impl()->FoldAccessCounts().ok());
    }
  }
  done = true;
  reader.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(below.load(), 0);
  EXPECT_EQ(above.load(), 0);
  EXPECT_EQ(went_down.load(), 0);
  EXPECT_EQ(Count(a), uint64_t(kRounds));
}

// A format-3 store: counts merged into `records` as operands, no `access`
// family, marker 3. Made from a format-4 store by hand.
TEST_F(AccessCountsTest, Format3StoreKeepsItsMergedCountsAndIsUpgraded) {
  RecordId a = Put("old", kJan2024), b = Put("older", kJan2024 + 1);
  store_.reset();
  ASSERT_TRUE(test::MoveIndexBackIntoStore(dir_.Sub("db")));
  {
    internal::RocksConfig config =
        internal::MakeRocksConfig(Options(), Clock::System());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(config.db, dir_.Sub("db"), config.families,
                                  &handles, &db)
                    .ok());
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(rocksdb::ReadOptions(), handles[internal::kRecords]));
    std::vector<std::string> keys;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      keys.push_back(it->key().ToString());
    }
    it.reset();
    ASSERT_EQ(keys.size(), 2u);
    for (const std::string& k : keys) {
      ASSERT_TRUE(db->Merge(rocksdb::WriteOptions(), handles[internal::kRecords],
                            k, internal::AccessOperand(5, kJan2024 + 9))
                      .ok());
    }
    ASSERT_TRUE(db->DropColumnFamily(handles[internal::kAccess]).ok());
    for (auto* h : handles) ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
    delete db;
    std::ofstream(dir_.Sub("db") + "/MNEMO") << "mnemo store format 3\n";
  }
  Open(/*read_only=*/true);  // no `access` family: opened without it
  EXPECT_EQ(Count(a), 5u);
  EXPECT_EQ(ScanCounts(), (std::map<RecordId, uint64_t>{{a, 5}, {b, 5}}));
  Open();
  EXPECT_EQ(Marker(), "mnemo store format 8\n");
  EXPECT_EQ(Count(b), 5u);
  Read(a, 2);
  ASSERT_TRUE(FlushAccessCounts(store_.get()).ok());
  EXPECT_EQ(Count(a), 7u);
  ASSERT_TRUE(impl()->FoldAccessCounts().ok());
  EXPECT_EQ(Count(a), 7u);
  Open(/*read_only=*/true);
  EXPECT_EQ(ScanCounts(), (std::map<RecordId, uint64_t>{{a, 7}, {b, 5}}));
}

}  // namespace
}  // namespace mnemo
