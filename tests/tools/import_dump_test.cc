// Copyright (c) mnemo authors.
//
// mnemo import / dump / get / delete / demo: round trips, defaults, filters,
// LoCoMo mapping.

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_test_util.h"
#include "test_util.h"

namespace mnemo::test {
namespace {

TEST(ImportDump, DumpImportDumpIsByteIdentical) {
  TempDir tmp;
  MakeDemoStore(tmp.Sub("a"));
  std::string first = DumpOf(tmp.Sub("a"));
  ASSERT_EQ(CountLines(first), static_cast<size_t>(kDemoRecords));
  ASSERT_TRUE(WriteFile(tmp.Sub("a.jsonl"), first));
  CliResult r = Mnemo("import --db " + Q(tmp.Sub("b")) + " " +
                      Q(tmp.Sub("a.jsonl")));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("imported 44 records (0 skipped)"), std::string::npos);
  EXPECT_EQ(DumpOf(tmp.Sub("b")), first);
}

TEST(ImportDump, DefaultsAreDocumentedOnes) {
  TempDir tmp;
  ASSERT_TRUE(WriteFile(tmp.Sub("in.jsonl"),
                        "{\"tenant\":\"t\",\"agent\":\"a\",\"text\":\"hi\"}\n"
                        "\n"
                        "{\"tenant\":\"t\",\"agent\":\"a\",\"text\":\"x\","
                        "\"session\":\"s\",\"role\":\"tool\",\"kind\":\"obs\","
                        "\"event_time\":\"2024-01-02T03:04:05.5+01:00\","
                        "\"importance\":0.25,\"metadata\":{\"k\":\"v\",\"n\":3}}\n"));
  CliResult r = Mnemo("import --db " + Q(tmp.Sub("db")) + " --format jsonl " +
                      Q(tmp.Sub("in.jsonl")));
  ASSERT_EQ(r.code, 0) << r.err;
  std::string dump = DumpOf(tmp.Sub("db"));
  EXPECT_NE(dump.find("\"session\":\"default\",\"role\":\"user\","
                      "\"kind\":\"message\",\"text\":\"hi\""),
            std::string::npos) << dump;
  EXPECT_NE(dump.find("\"importance\":0.5,"), std::string::npos);
  EXPECT_NE(dump.find("\"event_time\":\"2024-01-02T02:04:05.500000Z\""),
            std::string::npos) << dump;
  EXPECT_NE(dump.find("\"importance\":0.25,"), std::string::npos);
  EXPECT_NE(dump.find("\"metadata\":{\"k\":\"v\",\"n\":\"3\"}"),
            std::string::npos);
  EXPECT_NE(dump.find("\"page\":null"), std::string::npos);
}

TEST(ImportDump, DumpFilters) {
  TempDir tmp;
  MakeDemoStore(tmp.Sub("db"));
  std::string db = " --db " + Q(tmp.Sub("db"));
  auto lines = [&](const std::string& flags) {
    CliResult r = Mnemo("dump" + db + " " + flags);
    EXPECT_EQ(r.code, 0) << r.err;
    return CountLines(r.out);
  };
  EXPECT_EQ(lines("--tenant demo"), 44u);
  EXPECT_EQ(lines("--tenant nobody"), 0u);
  EXPECT_EQ(lines("--agent coder"), 22u);
  EXPECT_EQ(lines("--agent coder --session session_2"), 11u);
  // Sessions start a day apart from 2024-03-04T09:00:00Z.
  EXPECT_EQ(lines("--until 2024-03-05T00:00:00Z"), 22u);
  EXPECT_EQ(lines("--since 2024-03-05T00:00:00Z"), 22u);
  CliResult r = Mnemo("dump" + db + " --agent coder --out " +
                      Q(tmp.Sub("o.jsonl")));
  EXPECT_EQ(r.code, 0);
  std::string file;
  ASSERT_TRUE(ReadFile(tmp.Sub("o.jsonl"), &file));
  EXPECT_EQ(CountLines(file), 22u);
}

constexpr char kTinyLocomo[] = R"([{"sample_id": "conv-x", "conversation": {
  "speaker_a": "Ann", "speaker_b": "Bob",
  "session_2_date_time": "9:05 am on 10 June, 2023",
  "session_2": [{"speaker": "Bob", "dia_id": "D2:1", "text": "later"}],
  "session_1_date_time": "1:56 pm on 8 May, 2023",
  "session_1": [
    {"speaker": "Ann", "dia_id": "D1:1", "text": "hello"},
    {"speaker": "Bob", "dia_id": "D1:2", "text": "look",
     "img_url": ["http://x/y.jpg"], "blip_caption": "a dog", "query": "dog"}]
}}])";

TEST(ImportDump, LocomoMapping) {
  TempDir tmp;
  ASSERT_TRUE(WriteFile(tmp.Sub("l.json"), kTinyLocomo));
  CliResult r = Mnemo("import --db " + Q(tmp.Sub("db")) +
                      " --format locomo " + Q(tmp.Sub("l.json")));
  ASSERT_EQ(r.code, 0) << r.err;
  std::string dump = DumpOf(tmp.Sub("db"));
  ASSERT_EQ(CountLines(dump), 3u);
  EXPECT_NE(dump.find("\"tenant\":\"locomo\",\"agent\":\"conv-x\","
                      "\"session\":\"session_1\",\"role\":\"Ann\""),
            std::string::npos) << dump;
  EXPECT_NE(dump.find("\"event_time\":\"2023-05-08T13:56:00Z\""),
            std::string::npos);
  EXPECT_NE(dump.find("\"text\":\"look [image: a dog]\",\"event_time\":"
                      "\"2023-05-08T13:56:10Z\""), std::string::npos);
  EXPECT_NE(dump.find("\"metadata\":{\"dia_id\":\"D1:2\",\"img_url\":"
                      "\"http://x/y.jpg\",\"query\":\"dog\"}"),
            std::string::npos) << dump;
  EXPECT_NE(dump.find("\"event_time\":\"2023-06-10T09:05:00Z\""),
            std::string::npos);
}

TEST(ImportDump, FullLocomoFile) {
  if (LocomoPath().empty()) GTEST_SKIP() << "locomo10.json not found";
  TempDir tmp;
  CliResult r = Mnemo("import --db " + Q(tmp.Sub("db")) +
                      " --format locomo " + Q(LocomoPath()));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("imported 5882 records"), std::string::npos) << r.out;
  r = Mnemo("verify --db " + Q(tmp.Sub("db")));
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  // Aged to 2030, every turn is on a decayed page, and the dump still gives
  // back every turn's text exactly.
  std::string before = DumpOf(tmp.Sub("db"));
  r = Mnemo("compact --db " + Q(tmp.Sub("db")) +
            " --now 2030-01-01T00:00:00Z --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto summary = nlohmann::json::parse(r.out);
  // Turns no font can draw faithfully (a few emoji) stay as warm text.
  int kept = summary["records_kept_as_text"].get<int>();
  EXPECT_LT(kept, 20);
  EXPECT_EQ(summary["tiers"]["decayed"]["records"].get<int>() + kept, 5882);
  EXPECT_GT(summary["text_tokens_est"].get<double>(),
            10 * summary["context_tokens"].get<double>());
  std::string after = DumpOf(tmp.Sub("db"));
  std::istringstream a(before), b(after);
  std::string la, lb;
  size_t lines = 0;
  while (std::getline(a, la) && std::getline(b, lb)) {
    auto ja = nlohmann::json::parse(la), jb = nlohmann::json::parse(lb);
    ASSERT_EQ(ja["id"], jb["id"]);
    ASSERT_EQ(ja["text"], jb["text"]) << "record " << ja["id"];
    ASSERT_TRUE(jb["tier"] == "decayed" || jb["tier"] == "warm") << jb["tier"];
    ++lines;
  }
  EXPECT_EQ(lines, 5882u);
  r = Mnemo("verify --deep --db " + Q(tmp.Sub("db")));
  EXPECT_EQ(r.code, 0) << r.out << r.err;
}

TEST(ImportDump, SkipBadImportsTheRest) {
  TempDir tmp;
  ASSERT_TRUE(WriteFile(tmp.Sub("in.jsonl"),
                        "{\"tenant\":\"t\",\"agent\":\"a\",\"text\":\"1\"}\n"
                        "oops\n"
                        "{\"tenant\":\"t\",\"agent\":\"a\",\"text\":\"3\"}\n"));
  CliResult r = Mnemo("import --skip-bad --db " + Q(tmp.Sub("db")) + " " +
                      Q(tmp.Sub("in.jsonl")));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("imported 2 records (1 skipped)"), std::string::npos);
  EXPECT_NE(r.err.find("skipped line 2: not valid JSON"), std::string::npos)
      << r.err;
}

TEST(ImportDump, GetAndDelete) {
  TempDir tmp;
  MakeDemoStore(tmp.Sub("db"));
  std::string db = " --db " + Q(tmp.Sub("db"));
  std::string first = DumpOf(tmp.Sub("db"));
  std::string id = first.substr(7, first.find('"', 7) - 7);
  CliResult r = Mnemo("get" + db + " --id " + id + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, first.substr(0, first.find('\n') + 1));
  r = Mnemo("get" + db + " --id " + id);
  EXPECT_NE(r.out.find("tier          hot"), std::string::npos) << r.out;
  r = Mnemo("get" + db + " --id " + id + " --tenant other");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("not found"), std::string::npos);
  r = Mnemo("delete" + db + " --id " + id);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Mnemo("get" + db + " --id " + id).code, 1);
  r = Mnemo("delete" + db + " --tenant demo --agent coder --session "
            "session_1 --yes");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("deleted 10 records"), std::string::npos) << r.out;
  r = Mnemo("delete" + db + " --tenant demo --agent researcher --yes");
  EXPECT_NE(r.out.find("deleted 22 records"), std::string::npos) << r.out;
  EXPECT_EQ(CountLines(DumpOf(tmp.Sub("db"))), 11u);
}

TEST(ImportDump, DemoPrintsSummaryAndIsDeterministic) {
  TempDir tmp;
  CliResult r = Mnemo("demo --db " + Q(tmp.Sub("db")));
  ASSERT_EQ(r.code, 0) << r.err;
  // 2 agents x 4 sessions x (1 system record + 5 x 40 exchanges).
  for (const char* part : {"namespaces", "records per role", "tool_call",
                           "observation", "column families", "ingest: 1608",
                           "== compaction", "decayed", "== pages", ".png",
                           "== hot cache", "hit ratio"}) {
    EXPECT_NE(r.out.find(part), std::string::npos) << part << "\n" << r.out;
  }
  EXPECT_NE(r.out.find("a second run changes nothing: yes"), std::string::npos);
  // Re-running replaces the store; the text content is the same.
  ASSERT_EQ(Mnemo("demo --db " + Q(tmp.Sub("db"))).code, 0);
  EXPECT_EQ(CountLines(DumpOf(tmp.Sub("db"))), 1608u);
}

// The total `search` prints counts what its filters let through.
TEST(ImportDump, SearchTotalCountsFilteredRecords) {
  TempDir tmp;
  const std::string db = tmp.Sub("db");
  std::string lines;
  for (int i = 0; i < 12; ++i) {
    lines += "{\"tenant\":\"t\",\"agent\":\"a\",\"role\":\"" +
             std::string(i % 4 ? "user" : "tool") + "\",\"text\":\"deploy " +
             std::to_string(i) + "\"}\n";
  }
  ASSERT_TRUE(WriteFile(tmp.Sub("in.jsonl"), lines));
  ASSERT_EQ(Mnemo("import --db " + Q(db) + " " + Q(tmp.Sub("in.jsonl"))).code,
            0);
  const std::string search =
      "search --db " + Q(db) + " --tenant t --query deploy --k 1";
  CliResult r = Mnemo(search);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("1 of 12 matching records"), std::string::npos) << r.out;
  r = Mnemo(search + " --role tool");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("1 of 3 matching records"), std::string::npos) << r.out;
  r = Mnemo(search + " --role nobody");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("0 of 0 matching records"), std::string::npos) << r.out;
}

// The demo replaces only a store it created itself: another store with
// data needs --force; an empty or missing directory is fine.
TEST(ImportDump, DemoRefusesAStoreItDidNotCreate) {
  TempDir tmp;
  const std::string db = tmp.Sub("mine");
  ASSERT_TRUE(WriteFile(
      tmp.Sub("in.jsonl"),
      "{\"tenant\":\"t\",\"agent\":\"a\",\"text\":\"keep me\"}\n"));
  ASSERT_EQ(Mnemo("import --db " + Q(db) + " " + Q(tmp.Sub("in.jsonl"))).code,
            0);
  const std::string small = " --sessions 1 --exchanges 1 --ingest-only";
  CliResult r = Mnemo("demo --db " + Q(db) + small);
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_EQ(r.err.rfind("mnemo: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(db), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--force"), std::string::npos) << r.err;
  EXPECT_NE(DumpOf(db).find("keep me"), std::string::npos) << "store changed";

  r = Mnemo("demo --db " + Q(db) + small + " --force");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(DumpOf(db).find("keep me"), std::string::npos);
  // Now the demo's own store: running it again replaces it.
  ASSERT_EQ(Mnemo("demo --db " + Q(db) + small).code, 0);
  std::filesystem::create_directories(tmp.Sub("empty"));
  EXPECT_EQ(Mnemo("demo --db " + Q(tmp.Sub("empty")) + small).code, 0);
}

}  // namespace
}  // namespace mnemo::test
