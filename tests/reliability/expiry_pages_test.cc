// Copyright (c) mnemo authors.
//
// The expiry index of paged records (engine/src/expiry_index.h), checked
// through the real store and the real RocksDB underneath:
// - a page read finds the expired records of its own page with one
//   per-page seek, however many other expired records wait elsewhere;
// - the per-page keys follow the record: written when it is paged,
//   removed when it is deleted or updated off its page, and verify checks
//   and repairs them;
// - a page that cannot be blanked (corrupt) holds back only the expired
//   record on it: the compaction run reports the page and does the rest.

#include <rocksdb/db.h>

#include <functional>
#include <map>

#include "expiry_index.h"
#include "keys.h"
#include "mnemo/admin.h"
#include "page_store.h"
#include "reliability_util.h"
#include "rocks_glue.h"
#include "store_test_util.h"

namespace mnemo::test {
namespace {

const std::vector<std::string> kTexts = {
    "Remember the bakery opens at seven on weekdays.",
    "The garden hose is stored behind the blue shed.",
    "My secret locker combination is marzipan volcano.",
    "Dinner reservations are booked for Friday evening.",
    "The old wifi password was lighthouse pumpernickel.",
    "Call the plumber about the leaking kitchen faucet.",
};
constexpr size_t kExpiring = 2;
constexpr Micros kExpiresAt = kJan2024 + kDay;
constexpr Micros kLater = kJan2024 + 20000 * kDay;

using RawWork = std::function<void(
    rocksdb::DB*, std::map<std::string, rocksdb::ColumnFamilyHandle*>&)>;

class ExpiryIndexTest : public StoreTest {
 protected:
  // Pages the six records (30 days old at kJan2024); record kExpiring
  // expires at kExpiresAt, the even others far later, the odd ones never.
  uint64_t PageRecords() {
    std::vector<Record> records;
    for (size_t i = 0; i < kTexts.size(); ++i) {
      Record r =
          MakeRecord("t1", "keeper", "s1", kTexts[i],
                     kJan2024 - 30 * kDay + static_cast<Micros>(i) * kSecond);
      if (i == kExpiring) {
        r.expires_at = kExpiresAt;
      } else if (i % 2 == 0) {
        r.expires_at = kLater;
      }
      records.push_back(std::move(r));
    }
    EXPECT_TRUE(store_->PutBatch(WriteOptions(), records, &ids_).ok());
    CompactOptions options;
    options.now = kJan2024;
    EXPECT_TRUE(store_->Compact(options, nullptr).ok());
    Record first;
    EXPECT_TRUE(store_->Get(ReadOptions(), "t1", ids_[0], &first).ok());
    for (RecordId id : ids_) {
      Record r;
      EXPECT_TRUE(store_->Get(ReadOptions(), "t1", id, &r).ok());
      EXPECT_EQ(r.page.page_id, first.page.page_id) << "records share a page";
    }
    return first.page.page_id;
  }

  // Runs `work` on the closed store's database, then reopens the store.
  void WithRawDb(const RawWork& work) {
    store_.reset();
    internal::RocksConfig config = internal::MakeRocksConfig(options_, &clock_);
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(config.db, dir_.Sub("db"), config.families,
                                  &handles, &db)
                    .ok());
    std::map<std::string, rocksdb::ColumnFamilyHandle*> cfs;
    for (auto* handle : handles) cfs[handle->GetName()] = handle;
    work(db, cfs);
    for (auto* handle : handles) {
      EXPECT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
    }
    EXPECT_TRUE(db->Close().ok());
    delete db;
    Reopen();
  }

  // The per-page expiry keys of `page_id`: record id -> expires_at.
  std::map<RecordId, Micros> PageKeys(uint64_t page_id) {
    std::map<RecordId, Micros> keys;
    WithRawDb([&](rocksdb::DB* db, auto& cfs) {
      rocksdb::ReadOptions ro;
      ro.total_order_seek = true;
      std::unique_ptr<rocksdb::Iterator> it(
          db->NewIterator(ro, cfs[internal::kCfIndex]));
      std::string prefix = internal::ExpiryPagePrefix(page_id);
      for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
           it->Next()) {
        uint64_t page = 0;
        RecordId id = 0;
        Micros expires_at = 0;
        EXPECT_TRUE(
            internal::ParseExpiryPageKey(it->key().ToString(), &page, &id));
        EXPECT_TRUE(internal::ParseExpiryPageValue(it->value().ToString(),
                                                   &expires_at));
        keys[id] = expires_at;
      }
      EXPECT_TRUE(it->status().ok());
    });
    return keys;
  }

  bool ManifestHas(uint64_t page_id, const std::string& word) {
    PageData page;
    Status s = store_->GetPage(ReadOptions(), "t1", page_id, &page);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return page.manifest_json.find(word) != std::string::npos;
  }

  std::vector<RecordId> ids_;
};

// More expired records wait for compaction elsewhere (expiring earlier, so
// first in expiry order) than the old time-ordered lookup ever read: the
// page read still blanks its own expired record, and the run then removes
// it and consumes every other entry.
TEST_F(ExpiryIndexTest, PageReadBlanksPastManyExpiredElsewhere) {
  uint64_t page_id = PageRecords();
  constexpr uint64_t kElsewhere = 100005;
  constexpr uint64_t kOtherPage = uint64_t{1} << 40;
  WithRawDb([&](rocksdb::DB* db, auto& cfs) {
    rocksdb::WriteBatch batch;
    PageRef other;
    other.page_id = kOtherPage;
    other.page_count = 1;
    for (uint64_t i = 0; i < kElsewhere; ++i) {
      RecordId id = (uint64_t{1} << 50) + i;  // no such record
      Micros at = kJan2024 - kDay + static_cast<Micros>(i);
      ASSERT_TRUE(batch
                      .Put(cfs[internal::kCfIndex], internal::ExpiryKey(at, id),
                           internal::ExpiryValue(other))
                      .ok());
      ASSERT_TRUE(batch
                      .Put(cfs[internal::kCfIndex],
                           internal::ExpiryPageKey(kOtherPage, id),
                           internal::ExpiryPageValue(at))
                      .ok());
    }
    ASSERT_TRUE(db->Write(rocksdb::WriteOptions(), &batch).ok());
  });
  clock_.Set(kJan2024 + 2 * kDay);
  Record r;
  EXPECT_TRUE(
      store_->Get(ReadOptions(), "t1", ids_[kExpiring], &r).IsNotFound());
  EXPECT_FALSE(ManifestHas(page_id, "marzipan")) << "page read before the run";
  EXPECT_TRUE(ManifestHas(page_id, "bakery"));
  CompactResult result;
  ASSERT_TRUE(store_->Compact(CompactOptions(), &result).ok());
  EXPECT_EQ(result.records_expired, 1u);
  EXPECT_TRUE(result.pages_unmaskable.empty());
  EXPECT_FALSE(ManifestHas(page_id, "marzipan")) << "after the run";
  EXPECT_TRUE(ManifestHas(page_id, "bakery"));
  EXPECT_TRUE(PageKeys(kOtherPage).empty()) << "stale entries consumed";
  ExpectVerifyClean(store_.get(), "after the run");
}

// The per-page keys exist exactly for the paged records that expire, and
// go with a delete or an update; verify reports and repairs a missing and
// a stray one.
TEST_F(ExpiryIndexTest, PageKeysFollowTheRecord) {
  uint64_t page_id = PageRecords();
  std::map<RecordId, Micros> want = {
      {ids_[0], kLater}, {ids_[kExpiring], kExpiresAt}, {ids_[4], kLater}};
  EXPECT_EQ(PageKeys(page_id), want);
  ExpectVerifyClean(store_.get(), "paged");
  ASSERT_TRUE(store_->Delete(WriteOptions(), "t1", ids_[0]).ok());
  RecordUpdate update;
  update.text = "The network key was changed.";
  ASSERT_TRUE(
      store_->Update(WriteOptions(), "t1", ids_[4], update, nullptr).ok());
  want = {{ids_[kExpiring], kExpiresAt}};
  EXPECT_EQ(PageKeys(page_id), want);
  ExpectVerifyClean(store_.get(), "deleted and updated");

  WithRawDb([&](rocksdb::DB* db, auto& cfs) {
    rocksdb::WriteBatch batch;
    ASSERT_TRUE(batch
                    .Delete(cfs[internal::kCfIndex],
                            internal::ExpiryPageKey(page_id, ids_[kExpiring]))
                    .ok());
    ASSERT_TRUE(batch
                    .Put(cfs[internal::kCfIndex],
                         internal::ExpiryPageKey(page_id, ids_[1]),
                         internal::ExpiryPageValue(kExpiresAt))
                    .ok());
    ASSERT_TRUE(db->Write(rocksdb::WriteOptions(), &batch).ok());
  });
  ExpectVerifyFindsAndRepairs(store_.get(), 2);
  EXPECT_EQ(PageKeys(page_id), want);
}

// The expired record's page cannot be blanked (its PNG is cut, the page
// value still well formed): the run reports the page, holds the record
// back (reads still hide it) and pages the other agent's records as
// usual; after 'verify --repair' the next run is clean.
TEST_F(ExpiryIndexTest, CorruptPageDoesNotStopCompaction) {
  uint64_t page_id = PageRecords();
  std::vector<RecordId> later;
  for (int i = 0; i < 20; ++i) {
    later.push_back(PutText("other", "s", "later record " + std::to_string(i),
                            kJan2024 - 40 * kDay + i * kSecond));
  }
  WithRawDb([&](rocksdb::DB* db, auto& cfs) {
    std::string value;
    auto* pages = cfs[internal::kCfPages];
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), pages,
                        internal::PageKey(page_id), &value)
                    .ok());
    internal::StoredPage page;
    ASSERT_TRUE(internal::DecodePage(value, page_id, &page).ok());
    page.png.resize(page.png.size() / 2);
    internal::EncodePage(page, &value);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), pages,
                        internal::PageKey(page_id), value)
                    .ok());
  });
  clock_.Set(kJan2024 + 2 * kDay);
  CompactResult result;
  Status s = store_->Compact(CompactOptions(), &result);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(result.pages_unmaskable, std::vector<uint64_t>{page_id});
  EXPECT_EQ(result.records_expired, 0u);
  EXPECT_GE(result.records_paged, later.size()) << "later phases ran";
  Record r;
  EXPECT_TRUE(
      store_->Get(ReadOptions(), "t1", ids_[kExpiring], &r).IsNotFound());
  ASSERT_TRUE(store_->Get(ReadOptions(), "t1", later[0], &r).ok());
  EXPECT_TRUE(r.page.valid());

  ASSERT_TRUE(store_->Compact(CompactOptions(), &result).ok());  // again
  EXPECT_EQ(result.pages_unmaskable, std::vector<uint64_t>{page_id});
  VerifyOptions repair;
  repair.deep = true;
  repair.repair = true;
  VerifyReport report;
  ASSERT_TRUE(mnemo::Verify(store_.get(), repair, &report).ok());
  EXPECT_GT(report.repaired_count, 0u);
  ASSERT_TRUE(store_->Compact(CompactOptions(), &result).ok());
  EXPECT_TRUE(result.pages_unmaskable.empty());
  EXPECT_TRUE(
      store_->Get(ReadOptions(), "t1", ids_[kExpiring], &r).IsNotFound());
  ASSERT_TRUE(store_->Get(ReadOptions(), "t1", ids_[0], &r).ok());
  ExpectVerifyClean(store_.get(), "repaired and compacted");
}

}  // namespace
}  // namespace mnemo::test
