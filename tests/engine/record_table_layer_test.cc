// Copyright (c) mnemo authors.
//
// RecordTable as the one owner of the database (record_table_db.cc,
// record_table_pages.cc, record_table_verify_expiry.cc): it opens and
// closes the handles, stores the zstd dictionaries and the cache's spill
// entries, walks the pages family and states the expiry-index invariant.
// And the dump iterator, which reads the table's id-order walk in chunks,
// across chunk boundaries at one snapshot.

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "expiry_index.h"
#include "keys.h"
#include "mnemo/admin.h"
#include "mnemo/options.h"
#include "mnemo/store.h"
#include "page_store.h"
#include "record_table.h"
#include "rocks_glue.h"
#include "store_test_util.h"
#include "test_util.h"
#include "text_store.h"

namespace mnemo::internal {
namespace {

class LayerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = MakeRocksConfig(Options(), Clock::System());
    config_.db.create_if_missing = true;
    Open();
  }
  void TearDown() override { Close(); }

  void Open() {
    ASSERT_TRUE(table_
                    .OpenDb(config_.db, dir_.path(), config_.families,
                            /*read_only=*/false, &db_)
                    .ok());
    text_.Attach(&table_);
  }
  void Close() {
    if (db_ == nullptr) return;
    table_.CloseDb();
    (void)db_->Close();
    delete db_;
    db_ = nullptr;
  }
  // Writes one key the table offers no way to write (as a corrupt store
  // could hold), through a raw handle, with the table closed; reopens it.
  void PutRaw(Family family, std::string_view key, std::string_view value) {
    Close();
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(config_.db, dir_.path(), config_.families,
                                  &handles, &raw)
                    .ok());
    EXPECT_TRUE(raw->Put({}, handles[family], key, value).ok());
    for (auto* h : handles) (void)raw->DestroyColumnFamilyHandle(h);
    delete raw;
    Open();
  }
  void Write(rocksdb::WriteBatch* batch) {
    Status s = table_.Write(rocksdb::WriteOptions(), batch, "test");
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  static StoredPage Page(uint64_t page_id) {
    StoredPage page;
    page.info.page_id = page_id;
    page.info.ns = {"t", "agent", "s1"};
    page.info.width = 4;
    page.info.height = 4;
    page.png = "not-a-png";
    return page;
  }

  test::TempDir dir_;
  RocksConfig config_;
  rocksdb::DB* db_ = nullptr;
  TextStore text_;
  RecordTable table_{&text_, Options().location_hint_bytes};
};

TEST_F(LayerTest, OpenDbBindsEveryFamilyAndCloseDbReleasesThem) {
  std::vector<RecordTable::FamilyStats> families = table_.FamilyProperties();
  ASSERT_EQ(families.size(), config_.families.size());
  for (size_t i = 0; i < families.size(); ++i) {
    EXPECT_EQ(families[i].name, config_.families[i].name);
  }
  Close();
  Open();  // the handles and the lock were released
  EXPECT_EQ(table_.FamilyProperties().size(), config_.families.size());
}

TEST_F(LayerTest, DictionariesRoundTripAndAMalformedIdIsCorruption) {
  uint32_t current = 99;
  ASSERT_TRUE(table_.GetCurrentDictionary(&current).ok());
  EXPECT_EQ(current, 0u);
  std::string dict;
  bool found = true;
  ASSERT_TRUE(table_.GetDictionary(7, &dict, &found).ok());
  EXPECT_FALSE(found);
  ASSERT_TRUE(table_.PutDictionary(7, "dictionary bytes").ok());
  ASSERT_TRUE(table_.GetCurrentDictionary(&current).ok());
  EXPECT_EQ(current, 7u);
  ASSERT_TRUE(table_.GetDictionary(7, &dict, &found).ok());
  EXPECT_TRUE(found);
  EXPECT_EQ(dict, "dictionary bytes");

  // A current id that is not a number: a clear error, not an exception.
  PutRaw(kDefault, kDictCurrentKey, "seven");
  Status s = table_.GetCurrentDictionary(&current);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find(kDictCurrentKey), std::string::npos)
      << s.message();
}

TEST_F(LayerTest, SpillEntriesRoundTripAndWalkByPrefix) {
  ASSERT_TRUE(table_.PutSpill("kv.a1", "x").ok());
  ASSERT_TRUE(table_.PutSpill("kv.a2", "y").ok());
  ASSERT_TRUE(table_.PutSpill("kv.b1", "z").ok());
  std::string value;
  ASSERT_TRUE(table_.GetSpill("kv.a2", &value).ok());
  EXPECT_EQ(value, "y");
  std::vector<std::string> keys;
  ASSERT_TRUE(table_
                  .ForEachSpillKey(
                      "kv.a", [&](std::string_view k) { keys.emplace_back(k); })
                  .ok());
  EXPECT_EQ(keys, (std::vector<std::string>{"kv.a1", "kv.a2"}));
  rocksdb::WriteBatch batch;
  table_.DeleteSpill("kv.a1", &batch);
  Write(&batch);
  EXPECT_TRUE(table_.GetSpill("kv.a1", &value).IsNotFound());
  ASSERT_TRUE(table_.EraseSpill("kv.b1").ok());
  EXPECT_TRUE(table_.GetSpill("kv.b1", &value).IsNotFound());
  EXPECT_TRUE(table_.GetSpill("kv.a2", &value).ok());
}

TEST_F(LayerTest, PagesWalkInIdOrderAndTheFamilyCheckDropsStrangers) {
  bool any = true;
  ASSERT_TRUE(table_.AnyPage(&any).ok());
  EXPECT_FALSE(any);
  rocksdb::WriteBatch batch;
  table_.PutPage(9, Page(9), &batch);
  table_.PutPage(3, Page(3), &batch);
  table_.PutLiveKey(3, 41, &batch);
  Write(&batch);
  ASSERT_TRUE(table_.AnyPage(&any).ok());
  EXPECT_TRUE(any);
  std::vector<uint64_t> seen;
  ASSERT_TRUE(table_
                  .ForEachPage(rocksdb::ReadOptions(),
                               [&](uint64_t id, std::string_view value) {
                                 StoredPage page;
                                 EXPECT_TRUE(DecodePage(value, id, &page).ok());
                                 seen.push_back(id);
                                 return Status::OK();
                               })
                  .ok());
  EXPECT_EQ(seen, (std::vector<uint64_t>{3, 9}));
  std::string bytes, expected;
  ASSERT_TRUE(table_.GetPageBytes(rocksdb::ReadOptions(), 9, &bytes).ok());
  EncodePage(Page(9), &expected);
  EXPECT_EQ(bytes, expected);
  Status missing = table_.GetPageBytes(rocksdb::ReadOptions(), 4, &bytes);
  EXPECT_TRUE(missing.IsNotFound());
  EXPECT_NE(missing.message().find("page 4"), std::string::npos);

  // A live key is dropped by DeleteLiveKey; a key of no known kind is
  // reported by the family check and deleted by its repair.
  rocksdb::WriteBatch drop;
  table_.DeleteLiveKey(3, 41, &drop);
  Write(&drop);
  std::vector<RecordId> live;
  ASSERT_TRUE(table_.LiveSet(rocksdb::ReadOptions(), 3, &live).ok());
  EXPECT_TRUE(live.empty());
  // A key of no known kind, as a corrupt store could hold: written with a
  // raw handle (the table offers no way to write one).
  PutRaw(kPages, "stranger", "");
  int pages = 0, malformed = 0;
  RecordTable::PagesVisitor visit;
  visit.page = [&](uint64_t, std::string_view) { ++pages; };
  visit.live = [&](uint64_t, RecordId) { ADD_FAILURE() << "no live keys"; };
  visit.malformed = [&] { ++malformed; };
  rocksdb::WriteBatch repair;
  ASSERT_TRUE(
      table_.CheckPagesFamily(rocksdb::ReadOptions(), visit, &repair).ok());
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(malformed, 1);
  Write(&repair);
  malformed = pages = 0;
  ASSERT_TRUE(
      table_.CheckPagesFamily(rocksdb::ReadOptions(), visit, nullptr).ok());
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(malformed, 0);
}

// V6/V7: an entry exactly for each paged, expiring record.
TEST_F(LayerTest, ExpiryIndexCheckFindsMissingAndDanglingKeysAndRepairs) {
  Record paged;  // on pages 5 and 6, expires: needs 'x' + two 'y' keys
  paged.id = 11;
  paged.page.page_id = 5;
  paged.page.page_count = 2;
  paged.expires_at = 1000;
  Record gone = paged;  // its entry dangles: the record is not paged now
  gone.id = 12;
  rocksdb::WriteBatch batch;
  table_.PutExpiryEntry(paged, &batch);
  table_.PutExpiryEntry(gone, &batch);
  table_.MarkExpiryIndexComplete(&batch);
  Write(&batch);
  bool complete = false;
  ASSERT_TRUE(
      table_.ExpiryIndexComplete(rocksdb::ReadOptions(), &complete).ok());
  EXPECT_TRUE(complete);

  Record moved = paged;  // its second page's key is missing
  moved.page.page_count = 3;
  std::vector<RecordTable::ExpiryProblem> problems;
  auto note = [&](const RecordTable::ExpiryProblem& p) {
    problems.push_back(p);
  };
  uint64_t checked = 0;
  rocksdb::WriteBatch repair;
  ASSERT_TRUE(table_
                  .CheckExpiryIndex(rocksdb::ReadOptions(), {moved}, {}, note,
                                    &repair, &checked)
                  .ok());
  EXPECT_EQ(checked, 6u);  // two 'x' keys, four 'y' keys
  // 'x' of 11 names two pages (dangling), 'x' + two 'y' of 12 dangle;
  // 11 lacks its 'x' key and the 'y' key of page 7.
  int dangling = 0;
  std::set<uint64_t> missing_pages;
  for (const auto& p : problems) {
    if (p.missing) {
      EXPECT_EQ(p.id, 11u);
      missing_pages.insert(p.page_id);
    } else {
      ++dangling;
    }
  }
  EXPECT_EQ(dangling, 4);
  EXPECT_EQ(missing_pages, (std::set<uint64_t>{5, 7}));
  Write(&repair);
  problems.clear();
  checked = 0;
  ASSERT_TRUE(table_
                  .CheckExpiryIndex(rocksdb::ReadOptions(), {moved}, {}, note,
                                    nullptr, &checked)
                  .ok());
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(checked, 4u);  // 'x' + one 'y' per page of the span
  std::set<uint64_t> expired;
  ASSERT_TRUE(
      table_.ExpiredOnPage(rocksdb::ReadOptions(), 2000, 7, &expired).ok());
  EXPECT_EQ(expired, (std::set<uint64_t>{11}));
  ASSERT_TRUE(
      table_.ExpiredOnPage(rocksdb::ReadOptions(), 999, 7, &expired).ok());
  EXPECT_TRUE(expired.empty());
}

// The dump iterator reads the table's id-order walk in chunks of 256: it
// must cross chunk boundaries without losing or repeating a record, filter
// every chunk, and see one snapshot however much changes meanwhile.
TEST(LayerIterator, CrossesChunksAtOneSnapshot) {
  test::TempDir dir;
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(Options(), dir.Sub("db"), &store).ok());
  constexpr size_t kRecords = 700;  // three chunks, the last one partial
  std::vector<Record> batch;
  for (size_t i = 0; i < kRecords; ++i) {
    batch.push_back(test::MakeRecord("t", i % 2 ? "odd" : "even", "s",
                                     "record " + std::to_string(i)));
  }
  std::vector<RecordId> ids;
  ASSERT_TRUE(store->PutBatch(WriteOptions(), batch, &ids).ok());
  ASSERT_EQ(ids.size(), kRecords);

  IterateOptions even;
  even.agent = "even";
  std::unique_ptr<RecordIterator> all, evens;
  ASSERT_TRUE(NewRecordIterator(store.get(), IterateOptions(), &all).ok());
  ASSERT_TRUE(NewRecordIterator(store.get(), even, &evens).ok());
  // Changes after the iterators exist: invisible to them.
  ASSERT_TRUE(store->Delete(WriteOptions(), "t", ids[300]).ok());
  RecordId late = 0;
  ASSERT_TRUE(store
                  ->Put(WriteOptions(),
                        test::MakeRecord("t", "even", "s", "late"), &late)
                  .ok());

  std::vector<RecordId> seen;
  for (; all->Valid(); all->Next()) seen.push_back(all->record().id);
  ASSERT_TRUE(all->status().ok()) << all->status().ToString();
  EXPECT_EQ(seen, ids);
  size_t n = 0;
  RecordId last = 0;
  for (; evens->Valid(); evens->Next()) {
    const Record& r = evens->record();
    EXPECT_EQ(r.ns.agent, "even");
    EXPECT_GT(r.id, last);
    EXPECT_EQ(r.text, "record " + std::to_string(r.id - ids[0]));
    last = r.id;
    ++n;
  }
  ASSERT_TRUE(evens->status().ok());
  EXPECT_EQ(n, kRecords / 2);
}

}  // namespace
}  // namespace mnemo::internal
