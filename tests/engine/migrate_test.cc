// Copyright (c) mnemo authors.
//
// Migration of the format-1 and format-2 fixtures (tests/data/store-v1.*,
// store-v2.*) interrupted after a few batches (the test hook stops it as a
// kill would) and resumed by the next writer's open: the store it leaves
// reads exactly like one migrated in one go, by Get and by time-range Scan.
// And formats 4 and 6 -> 7: version-1 and version-2 envelopes stay as
// they are beside the version-3 (keyed) ones new writes make.

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "coding.h"
#include "envelope.h"
#include "keys.h"
#include "mnemo/admin.h"
#include "mnemo/store.h"
#include "older_format.h"
#include "rocks_glue.h"
#include "store_test_util.h"
#include "test_hooks.h"
#include "test_util.h"

namespace mnemo {
namespace {

using test::TempDir;

std::string Unpack(const TempDir& tmp, const std::string& name,
                   const std::string& fixture = "store-v1") {
  std::string out;
  std::string dir = tmp.Sub(name);
  EXPECT_EQ(test::RunCommand("mkdir -p '" + dir + "' && tar -xzf '" +
                                 test::SourceDir() + "/tests/data/" + fixture +
                                 ".tar.gz' -C '" + dir + "'",
                             &out, true),
            0)
      << out;
  return dir + "/db";
}

// The record ids of the fixture's dump ("id":"N" on every line).
std::vector<RecordId> FixtureIds(const std::string& fixture = "store-v1") {
  std::string dump;
  EXPECT_TRUE(test::ReadFile(
      test::SourceDir() + "/tests/data/" + fixture + ".dump.jsonl", &dump));
  std::vector<RecordId> ids;
  for (size_t at = dump.find("{\"id\":\""); at != std::string::npos;
       at = dump.find("{\"id\":\"", at + 1)) {
    ids.push_back(std::stoull(dump.substr(at + 7, 20)));
  }
  return ids;
}

struct Seen {
  std::map<RecordId, std::string> text;     // by Get
  std::map<std::string, std::vector<RecordId>> scans;  // agent -> ids in time order
};

Seen ReadAll(Store* store, const std::vector<RecordId>& ids) {
  Seen seen;
  ReadOptions uncounted;  // leaves the access counts as they are
  uncounted.count_access = false;
  for (RecordId id : ids) {
    Record r;
    Status s = store->Get(uncounted, "demo", id, &r);
    EXPECT_TRUE(s.ok()) << id << ": " << s.message();
    seen.text[id] = r.text;
  }
  for (const char* agent : {"coder", "researcher", "assistant"}) {
    ScanOptions scan;
    scan.tenant = "demo";
    scan.agent = agent;
    scan.limit = 50;  // several pages: cursors work across the whole range
    std::vector<RecordId>& out = seen.scans[agent];
    for (;;) {
      ScanResult result;
      Status s = store->Scan(ReadOptions(), scan, &result);
      EXPECT_TRUE(s.ok()) << s.message();
      for (const Record& r : result.records) out.push_back(r.id);
      if (!s.ok() || result.next_cursor.empty()) break;
      scan.cursor = result.next_cursor;
    }
  }
  return seen;
}

TEST(MigrateTest, InterruptedMigrationIsFinishedByTheNextOpen) {
  TempDir tmp;
  std::vector<RecordId> ids = FixtureIds();
  ASSERT_EQ(ids.size(), 243u);

  std::string whole = Unpack(tmp, "whole");
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(Options(), whole, &store).ok());
  Seen expected = ReadAll(store.get(), ids);
  store.reset();
  size_t scanned = 0;
  for (const auto& [agent, list] : expected.scans) scanned += list.size();
  EXPECT_EQ(scanned, ids.size());  // every record in its agent's scan

  std::string part = Unpack(tmp, "part");
  internal::SetMigrationLimit(/*batch_records=*/25, /*max_batches=*/3);
  Status s = Store::Open(Options(), part, &store);
  internal::SetMigrationLimit(0, 0);
  ASSERT_TRUE(s.IsAborted()) << s.message();
  std::string marker;
  ASSERT_TRUE(test::ReadFile(part + "/MNEMO", &marker));
  EXPECT_EQ(marker, "mnemo store format 1\n");
  Options read_only;
  read_only.read_only = true;
  s = Store::Open(read_only, part, &store);
  EXPECT_TRUE(s.IsNotSupported()) << s.message();
  EXPECT_NE(s.message().find("mnemo migrate --db " + part), std::string::npos);

  ASSERT_TRUE(Store::Open(Options(), part, &store).ok());
  Seen resumed = ReadAll(store.get(), ids);
  store.reset();
  EXPECT_EQ(resumed.text, expected.text);
  EXPECT_EQ(resumed.scans, expected.scans);
  ASSERT_TRUE(test::ReadFile(part + "/MNEMO", &marker));
  EXPECT_EQ(marker, "mnemo store format 8\n");
}

TEST(MigrateTest, InterruptedFormatTwoMigrationIsFinishedByTheNextOpen) {
  TempDir tmp;
  std::vector<RecordId> ids = FixtureIds("store-v2");
  ASSERT_EQ(ids.size(), 245u);

  std::string whole = Unpack(tmp, "whole", "store-v2");
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(Options(), whole, &store).ok());
  Seen expected = ReadAll(store.get(), ids);
  store.reset();
  size_t scanned = 0;
  for (const auto& [agent, list] : expected.scans) scanned += list.size();
  EXPECT_EQ(scanned, ids.size());  // every record in its agent's scan

  std::string part = Unpack(tmp, "part", "store-v2");
  internal::SetMigrationLimit(/*batch_records=*/40, /*max_batches=*/2);
  Status s = Store::Open(Options(), part, &store);
  internal::SetMigrationLimit(0, 0);
  ASSERT_TRUE(s.IsAborted()) << s.message();
  std::string marker;
  ASSERT_TRUE(test::ReadFile(part + "/MNEMO", &marker));
  EXPECT_EQ(marker, "mnemo store format 2\n");
  Options read_only;
  read_only.read_only = true;
  s = Store::Open(read_only, part, &store);
  EXPECT_TRUE(s.IsNotSupported()) << s.message();
  EXPECT_NE(s.message().find("mnemo migrate --db " + part), std::string::npos);

  ASSERT_TRUE(Store::Open(Options(), part, &store).ok());
  Seen resumed = ReadAll(store.get(), ids);
  // New records after the migration get ids and read back.
  Record fresh;
  fresh.ns = {"demo", "coder", "after"};
  fresh.text = "written after the migration";
  RecordId id = 0;
  ASSERT_TRUE(store->Put(WriteOptions(), fresh, &id).ok());
  Record read;
  ASSERT_TRUE(store->Get(ReadOptions(), "demo", id, &read).ok());
  EXPECT_EQ(read.text, fresh.text);
  store.reset();
  EXPECT_EQ(resumed.text, expected.text);
  EXPECT_EQ(resumed.scans, expected.scans);
  ASSERT_TRUE(test::ReadFile(part + "/MNEMO", &marker));
  EXPECT_EQ(marker, "mnemo store format 8\n");
}

// The `records` family of the store at `db`, opened as the store opens it
// (its merge operator and TTL filter on `clock`): fn(db, records handle).
void WithRecordsFamily(
    const std::string& dir, Clock* clock,
    const std::function<void(rocksdb::DB*, rocksdb::ColumnFamilyHandle*)>& fn) {
  Options options;
  internal::RocksConfig config = internal::MakeRocksConfig(options, clock);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(
      rocksdb::DB::Open(config.db, dir, config.families, &handles, &db).ok());
  rocksdb::ColumnFamilyHandle* records = nullptr;
  for (auto* handle : handles) {
    if (handle->GetName() == internal::kCfRecords) records = handle;
  }
  ASSERT_NE(records, nullptr);
  fn(db, records);
  for (auto* handle : handles) {
    EXPECT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
  }
  EXPECT_TRUE(db->Close().ok());
  delete db;
}

// Envelope version of each record value (orphan counts left out), by id.
std::map<RecordId, int> VersionsById(const std::string& dir, Clock* clock) {
  std::map<RecordId, int> versions;
  WithRecordsFamily(dir, clock, [&](rocksdb::DB* db,
                                    rocksdb::ColumnFamilyHandle* records) {
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(rocksdb::ReadOptions(), records));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->value().size() == internal::kOrphanAccessCountsSize) continue;
      RecordId id = internal::RecordIdOfKey(
          std::string_view(it->key().data(), it->key().size()));
      versions[id] = static_cast<uint8_t>(it->value()[0]);
    }
    EXPECT_TRUE(it->status().ok());
  });
  return versions;
}

// Sets the expiry time of version-1 record `id` in place (a format-4
// build stored it so), with a fresh checksum.
void ExpireVersionOneRecord(const std::string& dir, Clock* clock, RecordId id,
                            Micros expires_at) {
  WithRecordsFamily(dir, clock, [&](rocksdb::DB* db,
                                    rocksdb::ColumnFamilyHandle* records) {
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(rocksdb::ReadOptions(), records));
    bool found = false;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string key = it->key().ToString();
      if (internal::RecordIdOfKey(key) != id) continue;
      std::string value = it->value().ToString();
      ASSERT_EQ(value[0], 1);
      internal::EncodeFixed64(value.data() + internal::kOffExpiresAt,
                              static_cast<uint64_t>(expires_at));
      size_t body = value.size() - internal::kTrailerSize;
      internal::EncodeFixed32(
          value.data() + body,
          internal::MaskCrc(internal::Crc32c(value.data(), body)));
      ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), records, key, value).ok());
      found = true;
      break;
    }
    ASSERT_TRUE(found) << id;
  });
}

void CountedGets(Store* store, RecordId id, int times) {
  Record r;
  for (int i = 0; i < times; ++i) {
    EXPECT_TRUE(store->Get(ReadOptions(), "demo", id, &r).ok()) << id;
  }
}

// The access count of `id` as stored plus pending (read without counting).
uint64_t AccessCount(Store* store, RecordId id) {
  ReadOptions uncounted;
  uncounted.count_access = false;
  Record r;
  EXPECT_TRUE(store->Get(uncounted, "demo", id, &r).ok()) << id;
  return r.access_count;
}

// Adds `count` accesses to the records of `ids` as merge operands in the
// records family (as format 3 wrote them and the fold writes them) and
// compacts it, so the merge operator folds them into either envelope
// version, and the TTL filter sees every value.
void MergeCountsAndCompact(const std::string& dir, Clock* clock,
                           const std::vector<RecordId>& ids, uint64_t count,
                           Micros last) {
  WithRecordsFamily(dir, clock, [&](rocksdb::DB* db,
                                    rocksdb::ColumnFamilyHandle* records) {
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(rocksdb::ReadOptions(), records));
    std::vector<std::string> keys;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      RecordId id = internal::RecordIdOfKey(
          std::string_view(it->key().data(), it->key().size()));
      if (std::count(ids.begin(), ids.end(), id)) {
        keys.push_back(it->key().ToString());
      }
    }
    it.reset();
    EXPECT_EQ(keys.size(), ids.size());
    for (const std::string& key : keys) {
      ASSERT_TRUE(db->Merge(rocksdb::WriteOptions(), records, key,
                            internal::AccessOperand(count, last))
                      .ok());
    }
    rocksdb::CompactRangeOptions range;
    range.bottommost_level_compaction =
        rocksdb::BottommostLevelCompaction::kForce;
    EXPECT_TRUE(db->CompactRange(range, records, nullptr, nullptr).ok());
  });
}

// Rewrites every record value as envelope version 2 (what a format-5 or -6
// build wrote: self-contained), `id`'s with the expiry time `expires_at`.
void RewriteAsVersionTwo(const std::string& dir, Clock* clock, RecordId id,
                         Micros expires_at) {
  WithRecordsFamily(
      dir, clock, [&](rocksdb::DB* db, rocksdb::ColumnFamilyHandle* records) {
        std::unique_ptr<rocksdb::Iterator> it(
            db->NewIterator(rocksdb::ReadOptions(), records));
        rocksdb::WriteBatch batch;
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
          std::string_view value(it->value().data(), it->value().size());
          if (value.size() == internal::kOrphanAccessCountsSize) continue;
          Record r;
          uint8_t flags = 0;
          ASSERT_TRUE(
              internal::DecodeEnvelope(value, "fixture", &r, &flags).ok());
          if (r.id == id) r.expires_at = expires_at;
          std::string v2;
          internal::EncodeEnvelope(r, flags, r.text, &v2);
          ASSERT_EQ(v2[0], internal::kEnvelopeV2);
          ASSERT_TRUE(batch.Put(records, it->key(), v2).ok());
        }
        ASSERT_TRUE(it->status().ok());
        ASSERT_TRUE(db->Write(rocksdb::WriteOptions(), &batch).ok());
      });
}

// A format-4 store holds version-1 envelopes only; a format-6 one
// version-2 envelopes. Formats 5 to 7 add no layout, so the store-v2
// fixture after a writer's open with its marker set back to 4 is the
// first, and the same with its values rewritten as version 2 and the
// marker 6 the second. A read-only open reads either as it is; a writer's
// open only rewrites the marker; old and new (version-3) values then live
// side by side: each reads back, counts accesses, expires, and verifies.
void OldValuesLiveBesideKeyedOnes(int old_format, int old_version) {
  TempDir tmp;
  std::vector<RecordId> ids = FixtureIds("store-v2");
  const std::string db = Unpack(tmp, "db", "store-v2");
  const Micros now = test::kJan2024 + 1200 * test::kDay;  // after the fixture
  const Micros expiry = now + test::kDay;
  test::ManualClock clock(now);
  Options options;
  options.clock = &clock;
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(options, db, &store).ok());
  Seen expected = ReadAll(store.get(), ids);
  store.reset();
  const RecordId expiring_old = 1000;  // the fixture's imported record
  const RecordId counted_old = ids.back();
  if (old_version == 1) {
    ExpireVersionOneRecord(db, &clock, expiring_old, expiry);
  } else {
    RewriteAsVersionTwo(db, &clock, expiring_old, expiry);
  }
  for (const auto& [id, version] : VersionsById(db, &clock)) {
    EXPECT_EQ(version, old_version) << id;
  }
  ASSERT_TRUE(test::MoveIndexBackIntoStore(db));
  const std::string old_marker =
      "mnemo store format " + std::to_string(old_format) + "\n";
  ASSERT_TRUE(test::WriteFile(db + "/MNEMO", old_marker));

  Options read_only = options;
  read_only.read_only = true;
  ASSERT_TRUE(Store::Open(read_only, db, &store).ok());
  EXPECT_EQ(ReadAll(store.get(), ids).text, expected.text);
  store.reset();
  std::string marker;
  ASSERT_TRUE(test::ReadFile(db + "/MNEMO", &marker));
  EXPECT_EQ(marker, old_marker);

  ASSERT_TRUE(Store::Open(options, db, &store).ok());
  ASSERT_TRUE(test::ReadFile(db + "/MNEMO", &marker));
  EXPECT_EQ(marker, "mnemo store format 8\n");
  Seen reopened = ReadAll(store.get(), ids);
  EXPECT_EQ(reopened.text, expected.text);
  EXPECT_EQ(reopened.scans, expected.scans);
  Record fresh;
  fresh.ns = {"demo", "coder", "after"};
  fresh.text = "a version-3 record that expires";
  fresh.expires_at = expiry;
  RecordId expiring_new = 0, counted_new = 0;
  ASSERT_TRUE(store->Put(WriteOptions(), fresh, &expiring_new).ok());
  fresh.text = "a version-3 record that stays";
  fresh.expires_at = 0;
  ASSERT_TRUE(store->Put(WriteOptions(), fresh, &counted_new).ok());
  const uint64_t old_base = AccessCount(store.get(), counted_old);
  CountedGets(store.get(), counted_old, 1);
  CountedGets(store.get(), counted_new, 1);
  store.reset();  // flushes the counts

  ASSERT_TRUE(Store::Open(options, db, &store).ok());
  EXPECT_EQ(AccessCount(store.get(), counted_old), old_base + 1);
  EXPECT_EQ(AccessCount(store.get(), counted_new), 1u);
  CountedGets(store.get(), counted_old, 3);
  CountedGets(store.get(), counted_new, 3);
  Record r;
  ASSERT_TRUE(store->Get(ReadOptions(), "demo", expiring_old, &r).ok());
  ASSERT_TRUE(store->Get(ReadOptions(), "demo", expiring_new, &r).ok());
  clock.Set(expiry);
  EXPECT_TRUE(store->Get(ReadOptions(), "demo", expiring_old, &r).IsNotFound());
  EXPECT_TRUE(store->Get(ReadOptions(), "demo", expiring_new, &r).IsNotFound());
  VerifyOptions deep;
  deep.deep = true;
  VerifyReport report;
  ASSERT_TRUE(Verify(store.get(), deep, &report).ok());
  EXPECT_TRUE(report.ok()) << (report.problems.empty()
                                   ? std::string()
                                   : report.problems[0].message);
  EXPECT_GE(report.records_checked, ids.size());
  store.reset();

  std::map<RecordId, int> versions = VersionsById(db, &clock);
  EXPECT_EQ(versions[counted_old], old_version);
  EXPECT_EQ(versions[expiring_old], old_version);
  EXPECT_EQ(versions[counted_new], internal::kEnvelopeV3);
  EXPECT_EQ(versions[expiring_new], internal::kEnvelopeV3);
  // The merge operator adds counts to either version in place (version 3
  // with its key's fields); RocksDB's compaction drops both expired values
  // (the TTL filter reads either header).
  MergeCountsAndCompact(db, &clock, {counted_old, counted_new}, 2, expiry);
  versions = VersionsById(db, &clock);
  EXPECT_EQ(versions.count(expiring_old), 0u);
  EXPECT_EQ(versions.count(expiring_new), 0u);
  EXPECT_EQ(versions[counted_old], old_version);
  EXPECT_EQ(versions[counted_new], internal::kEnvelopeV3);

  ASSERT_TRUE(Store::Open(options, db, &store).ok());
  EXPECT_EQ(AccessCount(store.get(), counted_old), old_base + 6);
  EXPECT_EQ(AccessCount(store.get(), counted_new), 6u);
  Record last;
  ReadOptions uncounted;
  uncounted.count_access = false;
  ASSERT_TRUE(store->Get(uncounted, "demo", counted_new, &last).ok());
  EXPECT_EQ(last.last_access, expiry);
  for (RecordId id : ids) {
    if (id == expiring_old) continue;
    ASSERT_TRUE(store->Get(uncounted, "demo", id, &last).ok()) << id;
    EXPECT_EQ(last.text, expected.text[id]) << id;
  }
}

TEST(MigrateTest, FormatFourVersionOneValuesLiveBesideVersionThreeOnes) {
  OldValuesLiveBesideKeyedOnes(4, 1);
}

TEST(MigrateTest, FormatSixVersionTwoValuesLiveBesideVersionThreeOnes) {
  OldValuesLiveBesideKeyedOnes(6, 2);
}

}  // namespace
}  // namespace mnemo
