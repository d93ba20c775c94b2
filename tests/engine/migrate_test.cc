// Copyright (c) mnemo authors.
//
// Migration of the format-1 and format-2 fixtures (tests/data/store-v1.*,
// store-v2.*) interrupted after a few batches (the test hook stops it as a
// kill would) and resumed by the next writer's open: the store it leaves
// reads exactly like one migrated in one go, by Get and by time-range Scan.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "mnemo/store.h"
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
  for (RecordId id : ids) {
    Record r;
    Status s = store->Get(ReadOptions(), "demo", id, &r);
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
  EXPECT_EQ(marker, "mnemo store format 4\n");
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
  EXPECT_EQ(marker, "mnemo store format 4\n");
}

}  // namespace
}  // namespace mnemo
