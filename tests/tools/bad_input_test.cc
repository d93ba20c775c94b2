// Copyright (c) mnemo authors.
//
// Bad input to the CLI: each case checks the exit code (2 usage, 1 runtime),
// the "mnemo: ..." message, and that the store is left as it was.

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "cli_test_util.h"
#include "test_util.h"

namespace mnemo::test {
namespace {

namespace fs = std::filesystem;

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = tmp_.Sub("db");
    MakeDemoStore(db_);
    before_ = DumpOf(db_);
  }
  // Imports `content` (written to a file) into the store.
  CliResult Import(const std::string& content, const std::string& flags = "") {
    EXPECT_TRUE(WriteFile(tmp_.Sub("in.jsonl"), content));
    return Mnemo("import --db " + Q(db_) + " " + flags + " " +
                 Q(tmp_.Sub("in.jsonl")));
  }
  void ExpectFailure(const CliResult& r, int code, const std::string& text) {
    EXPECT_EQ(r.code, code) << r.err;
    EXPECT_EQ(r.err.rfind("mnemo: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(text), std::string::npos) << r.err;
    EXPECT_EQ(DumpOf(db_), before_) << "store changed";
  }

  TempDir tmp_;
  std::string db_, before_;
};

constexpr char kGood[] = "{\"tenant\":\"t\",\"agent\":\"a\",\"text\":\"ok\"}\n";

TEST_F(BadInput, MissingFile) {
  CliResult r = Mnemo("import --db " + Q(db_) + " " + Q(tmp_.Sub("nope")));
  ExpectFailure(r, 1, "cannot read");
}

TEST_F(BadInput, NonJsonLineNamesItsLine) {
  CliResult r = Import(std::string(kGood) + kGood + "{not json\n" + kGood);
  ExpectFailure(r, 1, "line 3: not valid JSON");
  EXPECT_NE(r.err.find("nothing imported"), std::string::npos);
}

TEST_F(BadInput, MissingRequiredField) {
  ExpectFailure(Import(std::string(kGood) + "{\"tenant\":\"t\",\"text\":\"x\"}\n"),
                1, "line 2: missing required field 'agent'");
}

TEST_F(BadInput, WrongFieldTypes) {
  ExpectFailure(Import("{\"tenant\":\"t\",\"agent\":1,\"text\":\"x\"}\n"), 1,
                "line 1: field 'agent' must be a string");
  ExpectFailure(Import("{\"tenant\":\"t\",\"agent\":\"a\",\"text\":\"x\","
                       "\"importance\":1.5}\n"),
                1, "line 1: field 'importance' is 1.5; must be 0..1");
  ExpectFailure(Import("{\"tenant\":\"t\",\"agent\":\"a\",\"text\":\"x\","
                       "\"event_time\":\"yesterday\"}\n"),
                1, "line 1: field 'event_time'");
}

TEST_F(BadInput, InvalidUtf8) {
  ExpectFailure(Import("{\"tenant\":\"t\",\"agent\":\"a\",\"text\":\"\xff\xfe\"}\n"),
                1, "line 1: not valid UTF-8");
}

TEST_F(BadInput, StoreLimitsReportLine) {
  std::string long_role(100, 'r');
  ExpectFailure(Import(std::string(kGood) +
                       "{\"tenant\":\"t\",\"agent\":\"a\",\"text\":\"x\","
                       "\"role\":\"" + long_role + "\"}\n"),
                1, "line 2: ");
}

TEST_F(BadInput, ReimportingADumpHitsExistingIds) {
  ExpectFailure(Import(before_), 1, "line 1: record ");
  ExpectFailure(Import(before_), 1, "already exists");
}

TEST_F(BadInput, DuplicateIdsInOneFile) {
  std::string line = before_.substr(0, before_.find('\n') + 1);
  CliResult r = Mnemo("import --db " + Q(tmp_.Sub("fresh")) + " /dev/null");
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_TRUE(WriteFile(tmp_.Sub("dup.jsonl"), line + line));
  r = Mnemo("import --db " + Q(tmp_.Sub("fresh")) + " " + Q(tmp_.Sub("dup.jsonl")));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("line 2: id "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("repeats line 1"), std::string::npos) << r.err;
}

TEST_F(BadInput, FailedImportDoesNotLeaveANewStore) {
  ASSERT_TRUE(WriteFile(tmp_.Sub("bad.jsonl"), "nope\n"));
  CliResult r = Mnemo("import --db " + Q(tmp_.Sub("new")) + " " +
                      Q(tmp_.Sub("bad.jsonl")));
  EXPECT_EQ(r.code, 1);
  EXPECT_FALSE(fs::exists(tmp_.Sub("new")));
  ASSERT_TRUE(WriteFile(tmp_.Sub("bad2.jsonl"),
                        "{\"tenant\":\"\",\"agent\":\"a\",\"text\":\"x\"}\n"));
  r = Mnemo("import --db " + Q(tmp_.Sub("new")) + " " + Q(tmp_.Sub("bad2.jsonl")));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("line 1: "), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(tmp_.Sub("new")));
}

TEST_F(BadInput, NotAStoreDirectoryIsUntouched) {
  fs::create_directories(tmp_.Sub("other"));
  ASSERT_TRUE(WriteFile(tmp_.Sub("other/notes.txt"), "mine"));
  for (const char* cmd : {"dump", "stats", "verify"}) {
    CliResult r = Mnemo(std::string(cmd) + " --db " + Q(tmp_.Sub("other")));
    EXPECT_EQ(r.code, 1) << cmd;
    EXPECT_NE(r.err.find("is not a mnemo store"), std::string::npos) << r.err;
  }
  CliResult r = Import(kGood);
  r = Mnemo("import --db " + Q(tmp_.Sub("other")) + " " + Q(tmp_.Sub("in.jsonl")));
  EXPECT_EQ(r.code, 1);
  r = Mnemo("demo --db " + Q(tmp_.Sub("other")));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("refusing to replace"), std::string::npos) << r.err;
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(tmp_.Sub("other"))) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1u);
}

TEST_F(BadInput, MissingStore) {
  CliResult r = Mnemo("dump --db " + Q(tmp_.Sub("absent")));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("no mnemo store at"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(tmp_.Sub("absent")));
}

TEST_F(BadInput, SecondWriterGetsLockErrorReadersWork) {
  std::string release = tmp_.Sub("release");
  FILE* holder = popen((Q(BinDir() + "/store_lock_holder") + " " + Q(db_) +
                        " " + Q(release)).c_str(), "r");
  ASSERT_NE(holder, nullptr);
  char line[256] = {0};
  ASSERT_NE(fgets(line, sizeof line, holder), nullptr);
  ASSERT_STREQ(line, "ready\n");
  CliResult r = Import(kGood);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("open for writing in another process"),
            std::string::npos) << r.err;
  EXPECT_NE(r.err.find(db_), std::string::npos) << r.err;
  r = Mnemo("delete --db " + Q(db_) + " --tenant demo --agent coder --yes");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("open for writing"), std::string::npos) << r.err;
  // Read-only commands work beside the writer.
  EXPECT_EQ(DumpOf(db_), before_);
  EXPECT_EQ(Mnemo("stats --db " + Q(db_)).code, 0);
  EXPECT_EQ(Mnemo("verify --db " + Q(db_)).code, 0);
  ASSERT_TRUE(WriteFile(release, ""));
  EXPECT_EQ(pclose(holder), 0);
}

TEST_F(BadInput, UsageErrorsExit2) {
  ExpectFailure(Mnemo("demo --db " + Q(tmp_.Sub("d")) + " --sessions 0"), 2,
                "--sessions");
  ExpectFailure(Mnemo("get --db " + Q(db_) + " --id 0"), 2, "--id");
  ExpectFailure(Mnemo("get --db " + Q(db_) + " --id abc"), 2, "--id");
  ExpectFailure(Mnemo("dump --db " + Q(db_) + " --bogus"), 2, "--bogus");
  ExpectFailure(Mnemo("import --db " + Q(db_) + " --format csv x"), 2,
                "--format");
  ExpectFailure(Mnemo("dump --db " + Q(db_) + " --since nope"), 2,
                "--since: 'nope' is not an RFC 3339 time");
  ExpectFailure(Mnemo("stats --db " + Q(db_) + " --json --prometheus"), 2,
                "excludes");
  ExpectFailure(Mnemo("dump"), 2, "--db");
  ExpectFailure(Mnemo("frobnicate"), 2, "frobnicate");
}

TEST_F(BadInput, BulkDeleteNeedsYes) {
  ExpectFailure(Mnemo("delete --db " + Q(db_) + " --tenant demo --agent coder"),
                2, "needs --yes");
  ExpectFailure(Mnemo("delete --db " + Q(db_) + " --tenant demo --agent coder"
                      " --session session_1"), 2, "needs --yes");
  ExpectFailure(Mnemo("delete --db " + Q(db_)), 2, "either --id");
}

}  // namespace
}  // namespace mnemo::test
