// Copyright (c) mnemo authors.
//
// Runs build/bin/mnemo-bench --quick with a tiny workload and checks that
// the JSON holds every headline key (numbers for the landed features), the
// machine and version blocks, and that the markdown and chart are written.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_util.h"

namespace mnemo {
namespace {

std::string Bench() { return test::BinDir() + "/mnemo-bench"; }

// No corpus: the *_mix keys (Tesseract over every corpus class) are the
// codec report's to test (codec_corpus_report_test), and a corpus gathered
// on the machine must not change what this test runs.
nlohmann::json RunQuick(const std::string& extra, const test::TempDir& dir,
                        std::string* out) {
  const std::string json = dir.path() + "/out.json";
  const int rc = test::RunCommand(Bench() + " --quick --records 300 --json " + json +
                                      " --md " + dir.path() + "/perf.md --chart " +
                                      dir.path() + "/chart.png --work-dir " +
                                      dir.path() + "/work --corpus " + dir.path() +
                                      "/no-corpus " + extra,
                                  out, true);
  EXPECT_EQ(rc, 0) << *out;
  std::string text;
  if (!test::ReadFile(json, &text)) return nullptr;
  return nlohmann::json::parse(text, nullptr, false);
}

TEST(MnemoBenchTest, QuickWritesHeadlineJsonMarkdownAndChart) {
  test::TempDir dir;
  std::string out;
  nlohmann::json j = RunQuick("", dir, &out);
  ASSERT_TRUE(j.is_object()) << out;
  const nlohmann::json& h = j["headline"];
  for (const char* key :
       {"put_vs_rocksdb", "get_vs_rocksdb", "ingest_during_compaction_vs_idle",
        "render_vs_pillow", "token_ratio_base", "cer_base", "recall10", "recall10_fts5",
        "search_p50_ms", "search_p50_ms_fts5", "pool_alloc_free_ops_per_s",
        "cache_hit_ns", "pool_waste"}) {
    EXPECT_TRUE(h.contains(key)) << key;
  }
  for (const char* key : {"put_vs_rocksdb", "get_vs_rocksdb",
                          "ingest_during_compaction_vs_idle", "token_ratio_base",
                          "pool_alloc_free_ops_per_s", "cache_hit_ns", "pool_waste"}) {
    ASSERT_TRUE(h[key].is_number()) << key << ": " << h[key];
    EXPECT_GT(h[key].get<double>(), 0) << key;
  }
  EXPECT_GT(j["machine"].value("cores", 0), 0);
  EXPECT_FALSE(j["machine"].value("kernel", "").empty());
  EXPECT_FALSE(j["versions"].value("rocksdb", "").empty());
  EXPECT_EQ(j["parameters"].value("records", 0), 300);
  EXPECT_NE(out.find("headline"), std::string::npos);
  std::string md, png;
  ASSERT_TRUE(test::ReadFile(dir.path() + "/perf.md", &md));
  EXPECT_NE(md.find("## Performance"), std::string::npos);
  // The run paragraph is whole, and the table starts a paragraph of its own.
  EXPECT_NE(md.find("(`--quick` <= 60 s on 2 cores).\n\n| phase | unit |"),
            std::string::npos)
      << md.substr(0, 1200);
  ASSERT_TRUE(test::ReadFile(dir.path() + "/chart.png", &png));
  EXPECT_EQ(png.substr(1, 3), "PNG");
}

TEST(MnemoBenchTest, LocomoData) {
  if (test::LocomoPath().empty()) GTEST_SKIP() << "no locomo10.json next to the checkout";
  test::TempDir dir;
  std::string out;
  nlohmann::json j =
      RunQuick("--data locomo " + test::LocomoPath() + " --skip codec,gpu", dir, &out);
  ASSERT_TRUE(j.is_object()) << out;
  EXPECT_EQ(j["parameters"].value("data", ""), "locomo");
  EXPECT_TRUE(j["headline"]["put_vs_rocksdb"].is_number());
}

// A small --scale run: every figure it prints is in the JSON, the
// restores included. Its 2,000 records are within search_catch_up_records,
// so the first search indexes them all before the backup: the store
// restored with its index has none left to index.
TEST(MnemoBenchTest, ScaleRunMeasuresRestoresWithAndWithoutTheIndex) {
  test::TempDir dir;
  const std::string json = dir.path() + "/scale.json";
  std::string out;
  ASSERT_EQ(test::RunCommand(Bench() + " --scale 2000 --work-dir " +
                                 dir.path() + "/work --json " + json,
                             &out, true),
            0)
      << out;
  std::string text;
  ASSERT_TRUE(test::ReadFile(json, &text));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  ASSERT_TRUE(j.is_object()) << text;
  const nlohmann::json& s = j["scale"];
  EXPECT_EQ(s.value("records", 0), 2000);
  EXPECT_TRUE(s["first_search_ms"].is_number());
  const nlohmann::json& r = s["restore"];
  EXPECT_GT(r.value("backup_index_bytes", 0), 0);
  EXPECT_GT(r.value("backup_bytes", 0), r.value("backup_index_bytes", 0));
  for (const char* kind : {"with_index", "without_index"}) {
    EXPECT_TRUE(r[kind]["first_search_ms"].is_number()) << kind;
    EXPECT_TRUE(r[kind]["close_seconds"].is_number()) << kind;
  }
  EXPECT_EQ(r["with_index"].value("backlog_after_first_search", -1), 0) << text;
  EXPECT_NE(out.find("restored with_index"), std::string::npos) << out;
}

TEST(MnemoBenchTest, BadFlagsExitTwo) {
  std::string out;
  EXPECT_EQ(test::RunCommand(Bench() + " --records -5", &out, true), 2);
  EXPECT_EQ(test::RunCommand(Bench() + " --data nowhere", &out, true), 2);
  EXPECT_EQ(test::RunCommand(Bench() + " --data locomo /nonexistent.json", &out, true), 2);
}

}  // namespace
}  // namespace mnemo
