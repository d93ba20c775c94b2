// Copyright (c) mnemo authors.
//
// Record ids can never be reused across tenants: an import cannot push the
// id counter to where it wraps (ids above kMaxImportedRecordId are refused,
// naming the record), assignment stops with ResourceExhausted at
// kMaxRecordId instead of wrapping, a restore never replaces a stored
// record, and the search watermark stays within real ids.

#include <rocksdb/db.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "coding.h"
#include "keys.h"
#include "mnemo/admin.h"
#include "reliability_util.h"
#include "rocks_glue.h"
#include "search_postings.h"
#include "store_test_util.h"

namespace mnemo::test {
namespace {

class DataSafety : public StoreTest {
 protected:
  // Records of `tenant` whose text contains `word`, as Search finds them.
  size_t SearchCount(const std::string& tenant, const std::string& word) {
    SearchOptions options;
    options.filter.tenant = tenant;
    options.query = word;
    options.k = 1000;
    options.ranking.rerank_pool = 0;  // plain BM25: only records holding it
    SearchResult result;
    Status s = store_->Search(options, &result);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return result.hits.size();
  }

  size_t CountRecords(const std::string& tenant) {
    ScanOptions scan;
    scan.tenant = tenant;
    scan.agent = "a";
    scan.limit = 10000;
    ScanResult result;
    Status s = store_->Scan(ReadOptions(), scan, &result);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return result.records.size();
  }
};

Record Imported(RecordId id, const std::string& text) {
  Record r = TextRecord("tenant-a", "a", text, kJan2024);
  r.id = id;
  r.created_time = r.updated_time = kJan2024;
  r.version = 1;
  return r;
}

// The reported scenario at small scale: tenant A imports records whose ids
// lie a little ahead of the clock, and one record at the top of the id
// space; tenant B then writes while the clock passes A's ids. Before the
// fix the top id made the counter wrap back to the clock, B's Puts were
// handed A's ids and replaced A's records, and search stopped working.
TEST_F(DataSafety, IdCeilingNeverOverwritesAnotherTenant) {
  Model a_records;
  std::vector<Record> batch;
  for (int i = 0; i < 200; ++i) {
    // 1.0 s .. 1.2 s ahead of the clock, 1 ms apart.
    RecordId id = static_cast<RecordId>(kJan2024 + kSecond + i * 1000) << 8;
    batch.push_back(Imported(id, "alpha record " + std::to_string(i)));
    a_records[id] = batch.back().text;
  }
  ASSERT_TRUE(mnemo::Import(store_.get(), WriteOptions(), batch).ok());
  // The ceiling itself is accepted: the worst an import can do...
  RecordId ceiling = (RecordId{1} << 62) - 1;
  ASSERT_TRUE(mnemo::Import(store_.get(), WriteOptions(),
                            {Imported(ceiling, "alpha ceiling")})
                  .ok());
  a_records[ceiling] = "alpha ceiling";
  // ...and the top of the id space is refused, naming the record (it made
  // the counter wrap back to the clock).
  Status s = mnemo::Import(store_.get(), WriteOptions(),
                           {Imported(~RecordId{0}, "alpha top")});
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("18446744073709551615"), std::string::npos)
      << s.ToString();

  // Tenant B writes while the clock moves 1.5 s, past all of A's ids.
  std::set<RecordId> b_ids;
  for (int i = 0; i < 300; ++i) {
    clock_.Advance(5000);
    RecordId id =
        PutText("a", "s", "bravo record " + std::to_string(i), 0, "tenant-b");
    ASSERT_NE(id, 0u);
    EXPECT_EQ(a_records.count(id), 0u) << "tenant B was handed A's id " << id;
    b_ids.insert(id);
  }
  EXPECT_EQ(b_ids.size(), 300u);
  ExpectModel(store_.get(), "tenant-a", a_records, "after B's writes");
  EXPECT_EQ(CountRecords("tenant-a"), a_records.size());
  EXPECT_EQ(CountRecords("tenant-b"), 300u);

  // After a reopen (the counter and watermark come back from disk) search
  // still finds the records of both tenants, old and new.
  Reopen();
  PutText("a", "s", "bravo fresh", 0, "tenant-b");
  EXPECT_EQ(SearchCount("tenant-a", "alpha"), a_records.size());
  EXPECT_EQ(SearchCount("tenant-b", "bravo"), 301u);
  EXPECT_EQ(SearchCount("tenant-b", "fresh"), 1u);
  ExpectModel(store_.get(), "tenant-a", a_records, "after reopen");
  ExpectVerifyClean(store_.get(), "after reopen");
}

TEST_F(DataSafety, RestoreAboveTheCeilingIsRefusedNamingTheRecord) {
  RecordId over = kMaxImportedRecordId + 1;
  Status s =
      mnemo::Import(store_.get(), WriteOptions(),
                    {Imported(1000, "fine"), Imported(over, "too high")});
  ASSERT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("record " + RecordIdToString(over)),
            std::string::npos)
      << s.ToString();
  Record r;
  EXPECT_TRUE(store_->Get(ReadOptions(), "tenant-a", 1000, &r).IsNotFound())
      << "nothing of a refused restore is written";

  s = mnemo::Import(store_.get(), WriteOptions(), {Imported(~RecordId{0}, "top")},
                    {});
  ASSERT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("18446744073709551615"), std::string::npos)
      << s.ToString();

  // Page ids share the id space and its ceiling.
  PageData page;
  page.info.page_id = over;
  s = mnemo::Import(store_.get(), WriteOptions(), {Imported(1000, "fine")}, {page});
  ASSERT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("page " + RecordIdToString(over)),
            std::string::npos)
      << s.ToString();
  EXPECT_TRUE(store_->Get(ReadOptions(), "tenant-a", 1000, &r).IsNotFound());
}

TEST_F(DataSafety, RestoreNeverReplacesAStoredRecord) {
  RecordId b_id = PutText("a", "s", "bravo", 0, "tenant-b");
  Status s = mnemo::Import(store_.get(), WriteOptions(), {Imported(b_id, "alpha")});
  EXPECT_TRUE(s.IsAlreadyExists()) << s.ToString();
  s = mnemo::Import(store_.get(), WriteOptions(), {Imported(b_id, "alpha")}, {});
  EXPECT_TRUE(s.IsAlreadyExists()) << s.ToString();
  Record r;
  ASSERT_TRUE(store_->Get(ReadOptions(), "tenant-b", b_id, &r).ok());
  EXPECT_EQ(r.text, "bravo");
}

// The clock at the top of the id space: assignment stops at kMaxRecordId
// with ResourceExhausted naming the store, writes nothing, and stays
// stopped after a reopen; what was written before is intact.
TEST_F(DataSafety, AssignmentAtTheTopFailsWithoutWriting) {
  clock_.Set(static_cast<Micros>(kMaxRecordId >> 8));
  RecordId first = PutText("a", "s", "first", 0, "tenant-b");
  ASSERT_EQ(first, kMaxRecordId - 255);
  std::vector<Record> batch(300, MakeRecord("tenant-b", "a", "s", "batch"));
  std::vector<RecordId> ids;
  Status s = store_->PutBatch(WriteOptions(), batch, &ids);
  ASSERT_TRUE(s.IsResourceExhausted()) << s.ToString();
  EXPECT_NE(s.message().find(dir_.Sub("db")), std::string::npos)
      << s.ToString();
  EXPECT_EQ(CountRecords("tenant-b"), 1u);
  // The last 255 ids fit exactly; then nothing more.
  batch.resize(255);
  ASSERT_TRUE(store_->PutBatch(WriteOptions(), batch, &ids).ok());
  EXPECT_EQ(ids.back(), kMaxRecordId);
  RecordId id = 0;
  s = store_->Put(WriteOptions(), MakeRecord("tenant-b", "a", "s", "x"), &id);
  EXPECT_TRUE(s.IsResourceExhausted()) << s.ToString();
  Reopen();
  s = store_->Put(WriteOptions(), MakeRecord("tenant-b", "a", "s", "x"), &id);
  EXPECT_TRUE(s.IsResourceExhausted()) << s.ToString();
  EXPECT_EQ(CountRecords("tenant-b"), 256u);
  EXPECT_EQ(SearchCount("tenant-b", "batch"), 255u);
  ExpectVerifyClean(store_.get(), "after exhaustion");
}

// Restores of ids just ahead of the clock race Puts that the advancing
// clock hands those same ids: whichever comes second is refused (a restore
// with AlreadyExists) or takes another id (a Put); nothing is replaced.
TEST_F(DataSafety, RestoresRacingPutsNeverReplaceRecords) {
  std::atomic<bool> done{false};
  Model restored;
  std::thread importer([&] {
    for (int i = 0; i < 200; ++i) {
      RecordId id = static_cast<RecordId>(clock_.NowMicros() + 300) << 8;
      Status s = mnemo::Import(store_.get(), WriteOptions(),
                               {Imported(id, "alpha " + std::to_string(i))});
      if (s.ok())
        restored[id] = "alpha " + std::to_string(i);
      else
        EXPECT_TRUE(s.IsAlreadyExists()) << s.ToString();
    }
    done = true;
  });
  Model written;
  for (int i = 0; !done || i < 200; ++i) {
    clock_.Advance(100);
    RecordId id =
        PutText("a", "s", "bravo " + std::to_string(i), 0, "tenant-b");
    // EXPECT and stop (not ASSERT): returning with the importer running
    // would end the test in std::terminate, hiding this message.
    EXPECT_EQ(written.count(id), 0u) << "id " << id << " handed out twice";
    if (id == 0 || written.count(id) != 0) break;
    written[id] = "bravo " + std::to_string(i);
  }
  importer.join();
  for (const auto& [id, text] : written)
    EXPECT_EQ(restored.count(id), 0u) << id;
  ExpectModel(store_.get(), "tenant-a", restored, "restored");
  ExpectModel(store_.get(), "tenant-b", written, "written");
  ExpectVerifyClean(store_.get(), "after the race");
}

// Writes `value` (fixed64) under `key` in the default family of the closed
// store at `dir` (or of its search index's instance with `index`),
// straight through RocksDB.
void SetMark(const std::string& dir, const char* key, uint64_t value,
             bool index = false) {
  internal::RocksConfig config =
      internal::MakeRocksConfig(Options(), Clock::System());
  if (index) {
    config.families = {config.families[internal::kDefault],
                       config.families[internal::kPostings]};
  }
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::Status s = rocksdb::DB::Open(
      config.db, index ? dir + "/" + internal::kIndexDir : dir, config.families,
      &handles, &db);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::string v;
  internal::PutFixed64(&v, value);
  s = db->Put(rocksdb::WriteOptions(), handles[0], key, v);
  EXPECT_TRUE(s.ok()) << s.ToString();
  for (auto* h : handles) (void)db->DestroyColumnFamilyHandle(h);
  delete db;
}

// A store the id wrap already damaged kept search and age watermarks of
// 2^64-1: every new id counted as indexed, so search never found a new
// record and compaction never aged one. A writer's open clamps the age
// watermark and rebuilds the search index (a watermark above every id is
// also what a power loss that kept more of the index than of the records
// leaves).
TEST_F(DataSafety, WrappedWatermarksAreClampedOnOpen) {
  PutText("a", "s", "alpha before", kJan2024 - 20 * kDay, "tenant-a");
  ASSERT_EQ(SearchCount("tenant-a", "alpha"), 1u);
  store_.reset();
  ASSERT_EQ(internal::ColumnFamilyNames()[0], "default");
  SetMark(dir_.Sub("db"), internal::kSearchWatermarkKey, ~RecordId{0},
          /*index=*/true);
  SetMark(dir_.Sub("db"), internal::kAgeWatermarkKey, ~RecordId{0});
  Reopen();
  RecordId fresh =
      PutText("a", "s", "bravo fresh", kJan2024 - 20 * kDay + 1, "tenant-a");
  ASSERT_NE(fresh, 0u);
  EXPECT_EQ(SearchCount("tenant-a", "bravo"), 1u) << "the new record";
  EXPECT_EQ(SearchCount("tenant-a", "alpha"), 1u) << "the old record";
  CompactOptions options;
  options.now = kJan2024;
  CompactResult result;
  ASSERT_TRUE(store_->Compact(options, &result).ok());
  EXPECT_GE(result.records_indexed, 1u);
  Record r;
  ASSERT_TRUE(store_->Get(ReadOptions(), "tenant-a", fresh, &r).ok());
  EXPECT_NE(r.tier, Tier::kWarm) << "compaction never aged the new record";
  // A second reopen keeps working (the clamped marks were persisted).
  Reopen();
  PutText("a", "s", "charlie later", 0, "tenant-a");
  EXPECT_EQ(SearchCount("tenant-a", "charlie"), 1u);
  ExpectVerifyClean(store_.get(), "after the clamp");
}

}  // namespace
}  // namespace mnemo::test
