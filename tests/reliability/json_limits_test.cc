// Copyright (c) mnemo authors.
//
// Untrusted JSON: every reader of JSON a user hands mnemo refuses input
// nested deeper than kMaxJsonDepth with a message naming the line or file
// and the limit (an import line nested 80,000 levels deep once overflowed
// the stack of `mnemo import` in the JSON library's serializer), and a
// JSONL import line with a duplicate key or an unknown field is refused
// with its line number instead of silently keeping the last value or
// falling back to a default.

#include "mnemo/json_limits.h"

#include <gtest/gtest.h>

#include <string>

#include "cli_test_util.h"
#include "mnemo/codec/manifest.h"
#include "mnemo/compaction.h"
#include "test_util.h"
#include "workload/locomo.h"
#include "workload/page_files.h"
#include "workload/record_json.h"

namespace mnemo::test {
namespace {

// The nesting that crashed the CLI (a 160 KB line).
constexpr int kCrashLevels = 80'000;

std::string Nested(int levels) {
  return std::string(levels, '[') + std::string(levels, ']');
}

// An import line whose metadata value nests `levels` arrays; the line as a
// whole nests levels + 2 deep.
std::string DeepLine(int levels) {
  return R"({"tenant":"t","agent":"a","text":"deep line","metadata":{"m":)" +
         Nested(levels) + "}}";
}

std::string Line(const std::string& text) {
  return R"({"tenant":"t","agent":"a","text":")" + text + "\"}\n";
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class DataSafety : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = tmp_.Sub("db");
    MakeDemoStore(db_);
    before_ = DumpOf(db_);
  }

  CliResult Import(const std::string& content, const std::string& flags = "") {
    EXPECT_TRUE(WriteFile(tmp_.Sub("in.jsonl"), content));
    return Mnemo("import --db " + Q(db_) + " " + flags + " " +
                 Q(tmp_.Sub("in.jsonl")));
  }

  // `mnemo import` of `content` fails with exit 1, names `text`, and the
  // store holds exactly what it held before.
  void ExpectRefused(const std::string& content, const std::string& text) {
    CliResult r = Import(content);
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_EQ(r.err.rfind("mnemo: ", 0), 0u) << r.err;
    EXPECT_TRUE(Contains(r.err, text))
        << "wanted '" << text << "' in " << r.err;
    EXPECT_EQ(DumpOf(db_), before_) << "store changed";
  }

  TempDir tmp_;
  std::string db_, before_;
};

TEST(JsonDepth, CountsOnlyBracketsOutsideStrings) {
  EXPECT_TRUE(CheckJsonDepth(Nested(kMaxJsonDepth)).ok());
  Status s = CheckJsonDepth(Nested(kMaxJsonDepth + 1));
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(), "JSON nests deeper than 64 levels (at byte 65)");
  EXPECT_TRUE(CheckJsonDepth(R"({"a":[{"b":[]}]})", 4).ok());
  EXPECT_FALSE(CheckJsonDepth(R"({"a":[{"b":[]}]})", 3).ok());
  // Brackets in strings, after escaped quotes and backslashes, do not count.
  EXPECT_TRUE(CheckJsonDepth(R"(["[[[[", "\"[[[[", "\\"])", 1).ok());
  EXPECT_FALSE(CheckJsonDepth(R"(["\\", [])", 1).ok());
  // Stray closers cannot buy room for deeper nesting later.
  EXPECT_FALSE(CheckJsonDepth("]]]]" + Nested(3), 2).ok());
  EXPECT_TRUE(CheckJsonDepth("", 1).ok());
  EXPECT_TRUE(CheckJsonDepth("\"unterminated [[[", 1).ok());
}

TEST_F(DataSafety, DeeplyNestedJsonIsRefusedNotACrash) {
  std::string good = Line("first") + Line("second");
  // Through the real CLI: exit 1 naming the line and the limit, nothing of
  // the file imported, nothing of the store lost.
  ExpectRefused(good + DeepLine(kCrashLevels) + "\n" + Line("fourth"),
                "line 3: JSON nests deeper than 64 levels");
  // With --skip-bad the other lines go in and nothing of line 3 does.
  CliResult r = Import(good + DeepLine(kCrashLevels) + "\n" + Line("fourth"),
                       "--skip-bad");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(Contains(r.err, "skipped line 3: JSON nests deeper than 64"))
      << r.err;
  std::string after = DumpOf(db_);
  EXPECT_EQ(CountLines(after), CountLines(before_) + 3);
  EXPECT_FALSE(Contains(after, "deep line"));
  // At the limit the line is accepted.
  r = Import(DeepLine(kMaxJsonDepth - 2) + "\n");
  EXPECT_EQ(r.code, 0) << r.err;

  Record record;
  bool has_id = false;
  Status s = workload::RecordFromJson(DeepLine(kCrashLevels), &record, &has_id);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "64 levels")) << s.ToString();
}

TEST_F(DataSafety, DeeplyNestedPolicyLocomoAndPageFilesAreRefused) {
  // Compaction policy: the engine call, and `mnemo compact --policy`.
  std::string policy = R"({"overrides":)" + Nested(kCrashLevels) + "}";
  CompactionPolicy parsed;
  Status s = CompactionPolicy::FromJson(policy, &parsed);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "policy: JSON nests deeper than 64"))
      << s.ToString();
  ASSERT_TRUE(WriteFile(tmp_.Sub("policy.json"), policy));
  CliResult r = Mnemo("compact --db " + Q(db_) + " --policy " +
                      Q(tmp_.Sub("policy.json")));
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(Contains(r.err, "policy.json: policy: JSON nests deeper"))
      << r.err;
  EXPECT_EQ(DumpOf(db_), before_);

  // LoCoMo: a turn's img_url is stored as its JSON text when it is not a
  // one-string array, so the loader serializes what the file holds.
  std::string locomo =
      R"([{"sample_id":"c1","conversation":{"session_1_date_time":)"
      R"("1:56 pm on 8 May, 2023","session_1":[{"speaker":"a","text":"b",)"
      R"("img_url":)" +
      Nested(kCrashLevels) + "}]}}]";
  std::string locomo_path = tmp_.Sub("locomo.json");
  ASSERT_TRUE(WriteFile(locomo_path, locomo));
  std::vector<Record> records;
  s = workload::LoadLocomo(locomo_path, workload::LocomoOptions(), &records,
                           nullptr);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "locomo.json': JSON nests deeper than 64"))
      << s.ToString();
  EXPECT_TRUE(records.empty());
  r = Mnemo("import --db " + Q(db_) + " --format locomo " + Q(locomo_path));
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(Contains(r.err, "JSON nests deeper than 64")) << r.err;
  EXPECT_EQ(DumpOf(db_), before_);

  // Page files and manifests (`import --pages`) bound their depth in the
  // parser (their formats nest at most 10 levels).
  PageData page;
  s = workload::PageFromJson(
      R"({"page_id":"1","manifest":)" + Nested(kCrashLevels) + "}", &page);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s.message(), "nested too deep")) << s.ToString();
  codec::PageManifest manifest;
  s = codec::ManifestFromJson(Nested(kCrashLevels), &manifest);
  EXPECT_TRUE(s.IsResourceExhausted()) << s.ToString();
}

TEST_F(DataSafety, JsonlDuplicateKeysAndUnknownFieldsAreRefused) {
  std::string good = Line("fine");
  // A second "tenant" would have moved the record to tenant b.
  ExpectRefused(good + R"({"tenant":"a","agent":"x","text":"y","tenant":"b"})",
                "line 2: duplicate key 'tenant'");
  // The same key spelled with an escape is the same key.
  ExpectRefused(
      good + R"({"tenant":"a","agent":"x","text":"y","ten\u0061nt":"b"})",
      "line 2: duplicate key 'tenant'");
  ExpectRefused(
      good +
          R"({"tenant":"t","agent":"x","text":"y","metadata":{"k":"1","k":"2"}})",
      "line 2: duplicate key 'k' in 'metadata'");
  ExpectRefused(
      good +
          R"({"tenant":"t","agent":"x","text":"y","metadata":{"v":{"x":1,"x":2}}})",
      "line 2: duplicate key 'x' in 'metadata.v'");
  // A typo would have put the record in session "default".
  ExpectRefused(good + R"({"tenant":"t","agent":"x","sesion":"s1","text":"y"})",
                "line 2: unknown field 'sesion'");
  ExpectRefused(
      good +
          "{\"tenant\":\"t\",\"agent\":\"x\",\"text\":\"y\",\"\\u001b[31m\":1}",
      "line 2: unknown field '\\x1b[31m'");

  // The same key in different objects is no duplicate; metadata keys are
  // free-form.
  CliResult r = Import(
      R"({"tenant":"t","agent":"x","text":"y","metadata":{"tenant":"u","v":{"tenant":1}}})"
      "\n");
  EXPECT_EQ(r.code, 0) << r.err;
  Record record;
  bool has_id = false;
  Status s = workload::RecordFromJson(
      R"({"tenant":"a","agent":"x","text":"y","tenant":"b"})", &record,
      &has_id);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(), "duplicate key 'tenant'");
}

}  // namespace
}  // namespace mnemo::test
