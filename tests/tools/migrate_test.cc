// Copyright (c) mnemo authors.
//
// Stores written by formats 1 and 2 (tests/data/store-v1.*, store-v2.*,
// see store-v1.md, store-v2.md) opened by this build: a read-only open
// refuses them naming `mnemo migrate`, `mnemo migrate` moves them to format
// 5 in place, and every record, search hit and page reads back as the old
// build read it (the dump byte for byte). A format-4 store (version-1
// envelopes only) is read as it is and upgraded by its marker alone.

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli_test_util.h"
#include "older_format.h"
#include "test_util.h"

namespace mnemo::test {
namespace {

// Untars the fixture ("store-v1", "store-v2") into tmp/db; returns the old
// build's dump.
std::string Unpack(const TempDir& tmp, const std::string& fixture) {
  std::string out;
  EXPECT_EQ(RunCommand("tar -xzf " + Q(SourceDir() + "/tests/data/" + fixture + ".tar.gz") +
                           " -C " + Q(tmp.path()),
                       &out, true),
            0)
      << out;
  std::string dump;
  EXPECT_TRUE(ReadFile(SourceDir() + "/tests/data/" + fixture + ".dump.jsonl", &dump));
  return dump;
}

std::string MarkerOf(const std::string& db) {
  std::string marker;
  EXPECT_TRUE(ReadFile(db + "/MNEMO", &marker));
  return marker;
}

void ReadOnlyOpenNamesTheMigrateCommand(const std::string& fixture, int format) {
  TempDir tmp;
  Unpack(tmp, fixture);
  std::string db = tmp.Sub("db");
  const std::string marker = "mnemo store format " + std::to_string(format) + "\n";
  CliResult r = Mnemo("dump --db " + Q(db));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("mnemo migrate --db " + db), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("format " + std::to_string(format)), std::string::npos) << r.err;
  EXPECT_EQ(MarkerOf(db), marker);  // untouched
}

TEST(Migrate, ReadOnlyOpenOfFormatOneNamesTheMigrateCommand) {
  ReadOnlyOpenNamesTheMigrateCommand("store-v1", 1);
}

TEST(Migrate, ReadOnlyOpenOfFormatTwoNamesTheMigrateCommand) {
  ReadOnlyOpenNamesTheMigrateCommand("store-v2", 2);
}

// `page_id` is a page of the fixture, `on_page` a record on it.
void MigratedStoreReadsBack(const std::string& fixture, int format,
                            const std::string& page_id, const std::string& on_page) {
  TempDir tmp;
  std::string old_dump = Unpack(tmp, fixture);
  std::string db = tmp.Sub("db");
  CliResult r = Mnemo("migrate --db " + Q(db));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(
      r.out.find("from format " + std::to_string(format) + " to format 8"),
      std::string::npos)
      << r.out;
  EXPECT_EQ(MarkerOf(db), "mnemo store format 8\n");
  EXPECT_EQ(DumpOf(db), old_dump);
  r = Mnemo("migrate --db " + Q(db));  // a second run has nothing to do
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("already at format 8"), std::string::npos) << r.out;

  // Get of every record prints its dump line's fields.
  std::istringstream lines(old_dump);
  std::string line;
  size_t checked = 0;
  while (std::getline(lines, line)) {
    auto want = nlohmann::json::parse(line);
    r = Mnemo("get --json --db " + Q(db) + " --id " + want["id"].get<std::string>());
    ASSERT_EQ(r.code, 0) << r.err;
    auto got = nlohmann::json::parse(r.out);
    EXPECT_EQ(got["text"], want["text"]) << line;
    EXPECT_EQ(got["event_time"], want["event_time"]) << line;
    EXPECT_EQ(got["tier"], want["tier"]) << line;
    if (++checked == 20) break;  // each get is a process start
  }
  EXPECT_EQ(checked, 20u);

  // Search finds records of the store (postings are keyed by id: unchanged).
  r = Mnemo("search --db " + Q(db) + " --tenant demo --query " + Q("test failing") +
            " --k 3 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto hits = nlohmann::json::parse(r.out);
  ASSERT_EQ(hits.size(), 3u) << r.out;
  for (const auto& hit : hits) {  // records of the old store, matching a term
    std::string id = hit["id"].get<std::string>();
    EXPECT_NE(old_dump.find("{\"id\":\"" + id + "\""), std::string::npos) << id;
    EXPECT_NE(hit["snippet"].get<std::string>().find("test"), std::string::npos)
        << hit.dump();
  }

  // Pages render from the migrated store (their live sets name the ids).
  r = Mnemo("page --db " + Q(db) + " --page " + page_id + " --out " +
            Q(tmp.Sub("p.png")) + " --manifest " + Q(tmp.Sub("m.json")));
  ASSERT_EQ(r.code, 0) << r.err;
  std::string manifest;
  ASSERT_TRUE(ReadFile(tmp.Sub("m.json"), &manifest));
  EXPECT_NE(manifest.find(on_page), std::string::npos) << manifest;

  r = Mnemo("verify --deep --db " + Q(db));
  EXPECT_EQ(r.code, 0) << r.out << r.err;
}

TEST(Migrate, MigratedStoreReadsBackAsTheOldBuildReadIt) {
  MigratedStoreReadsBack("store-v1", 1, "459890867808587264", "459890867799272704");
}

TEST(Migrate, MigratedFormatTwoStoreReadsBackAsTheOldBuildReadIt) {
  MigratedStoreReadsBack("store-v2", 2, "459906136810746880", "459906136773650176");
}

// Format 5 adds no layout to format 4, only envelope version 2 for new
// writes: the migrated fixture with its marker set back to 4 is a store a
// format-4 build left. A read-only dump reads it as it is; `mnemo migrate`
// rewrites the marker only; new records are added beside the old ones and
// `verify --deep` passes.
TEST(Migrate, FormatFourStoreIsReadAsItIsAndUpgradedByItsMarker) {
  TempDir tmp;
  std::string old_dump = Unpack(tmp, "store-v2");
  std::string db = tmp.Sub("db");
  ASSERT_EQ(Mnemo("migrate --db " + Q(db)).code, 0);
  ASSERT_TRUE(MoveIndexBackIntoStore(db));
  ASSERT_TRUE(WriteFile(db + "/MNEMO", "mnemo store format 4\n"));
  EXPECT_EQ(DumpOf(db), old_dump);  // read-only
  EXPECT_EQ(MarkerOf(db), "mnemo store format 4\n");
  CliResult r = Mnemo("migrate --db " + Q(db));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("from format 4 to format 8"), std::string::npos)
      << r.out;
  EXPECT_EQ(MarkerOf(db), "mnemo store format 8\n");
  EXPECT_EQ(DumpOf(db), old_dump);
  const std::string line =
      R"({"tenant":"demo","agent":"coder","session":"s5","text":"a record )"
      R"(in envelope version 2","event_time":"2024-03-06T10:00:00Z"})";
  ASSERT_TRUE(WriteFile(tmp.Sub("new.jsonl"), line + "\n"));
  r = Mnemo("import --db " + Q(db) + " " + Q(tmp.Sub("new.jsonl")));
  ASSERT_EQ(r.code, 0) << r.err;
  r = Mnemo("verify --deep --db " + Q(db));
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  std::string dump = DumpOf(db);
  EXPECT_NE(dump.find("a record in envelope version 2"), std::string::npos);
  // Every old line is still there, as the old build dumped it.
  std::istringstream lines(old_dump);
  for (std::string old_line; std::getline(lines, old_line);) {
    EXPECT_NE(dump.find(old_line), std::string::npos) << old_line;
  }
}

}  // namespace
}  // namespace mnemo::test
