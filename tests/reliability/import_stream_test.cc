// Copyright (c) mnemo authors.
//
// `mnemo dump | mnemo import` of a store larger than one batch: import
// streams in atomic batches (--batch lowers the batch so a small store has
// many), pages included (a page shared by records of two batches is written
// with the first); a bad line stops it at a reported position, and
// --resume-from continues to a store identical to the source. Before the
// fix a file of more records than Options::max_batch_records was refused
// whole ("batch of N records; the limit is 100000").
//
// Also: a finished import leaves nothing in the write-ahead log (a writer's
// close flushes), so read-only opens do not replay it.

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>

#include "cli_test_util.h"
#include "test_util.h"

namespace mnemo::test {
namespace {

namespace fs = std::filesystem;

// Records of four ages per agent (compaction pages the older ones).
std::string Lines(const std::string& agent, int count) {
  std::string out;
  const char* days[] = {"2023-11-14", "2024-05-12", "2024-05-29", "2024-05-31"};
  for (const char* day : days) {
    for (int i = 0; i < count; ++i) {
      out += "{\"tenant\":\"t\",\"agent\":\"" + agent + "\",\"text\":\"" +
             agent + " memory " + std::to_string(i) + " of " + day +
             "\",\"event_time\":\"" + day + "T00:00:00." +
             std::to_string(100000 + i) + "Z\",\"importance\":0}\n";
    }
  }
  return out;
}

uint64_t LogBytes(const std::string& db) {
  uint64_t bytes = 0;
  for (const auto& entry : fs::directory_iterator(db)) {
    if (entry.path().extension() == ".log") bytes += entry.file_size();
  }
  return bytes;
}

class DataSafety : public ::testing::Test {
 protected:
  void SetUp() override {
    // Agents interleaved, so pages hold records far apart in the dump.
    std::string lines;
    for (int k = 0; k < 3; ++k) lines += Lines("a" + std::to_string(k), 15);
    ASSERT_TRUE(WriteFile(tmp_.Sub("new.jsonl"), lines));
    CliResult r = Mnemo("import --batch 7 --db " + Q(tmp_.Sub("src")) + " " +
                        Q(tmp_.Sub("new.jsonl")));
    ASSERT_EQ(r.code, 0) << r.err;
    r = Mnemo("compact --db " + Q(tmp_.Sub("src")) +
              " --now 2024-06-01T00:00:00Z");
    ASSERT_EQ(r.code, 0) << r.err;
    dump_ = Dump(tmp_.Sub("src"), tmp_.Sub("pages"));
    ASSERT_NE(dump_.find("\"pixels\""), std::string::npos) << "no pages";
    ASSERT_TRUE(WriteFile(tmp_.Sub("dump.jsonl"), dump_));
  }

  std::string Dump(const std::string& db, const std::string& pages) {
    CliResult r = Mnemo("dump --db " + Q(db) + " --include-pages " + Q(pages) +
                        " --out " + Q(tmp_.Sub("out.jsonl")));
    EXPECT_EQ(r.code, 0) << r.err;
    std::string out;
    EXPECT_TRUE(ReadFile(tmp_.Sub("out.jsonl"), &out));
    return out;
  }

  // The restored store dumps exactly as the source, pages included.
  void ExpectIdentical(const std::string& db) {
    EXPECT_TRUE(Dump(db, tmp_.Sub("pages2")) == dump_) << "dumps differ";
    for (const auto& entry : fs::directory_iterator(tmp_.Sub("pages"))) {
      std::string a, b;
      ASSERT_TRUE(ReadFile(entry.path().string(), &a));
      ASSERT_TRUE(ReadFile(tmp_.Sub("pages2") + "/" +
                               entry.path().filename().string(), &b))
          << entry.path() << " missing from the restored store";
      EXPECT_TRUE(a == b) << entry.path().filename() << " differs";
    }
    fs::remove_all(tmp_.Sub("pages2"));
  }

  TempDir tmp_;
  std::string dump_;
};

TEST_F(DataSafety, ImportStreamsPastTheBatchLimit) {
  size_t lines = CountLines(dump_);
  ASSERT_GT(lines, 100u);
  CliResult r = Mnemo("import --batch 7 --db " + Q(tmp_.Sub("copy")) +
                      " --pages " + Q(tmp_.Sub("pages")) + " " +
                      Q(tmp_.Sub("dump.jsonl")));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("imported " + std::to_string(lines) + " records"),
            std::string::npos) << r.out;
  ExpectIdentical(tmp_.Sub("copy"));
  // The import's close flushed: nothing left to replay in the log.
  EXPECT_LT(LogBytes(tmp_.Sub("copy")), 1024u);
  // --atomic: one batch (the file is within Options::max_batch_records).
  r = Mnemo("import --atomic --db " + Q(tmp_.Sub("atomic")) + " --pages " +
            Q(tmp_.Sub("pages")) + " " + Q(tmp_.Sub("dump.jsonl")));
  EXPECT_EQ(r.code, 0) << r.err;
  ExpectIdentical(tmp_.Sub("atomic"));
}

TEST_F(DataSafety, ImportStoppedAtABadLineResumesToAnIdenticalStore) {
  std::string bad = dump_;
  size_t at = 0;
  for (int n = 1; n < 60; ++n) at = bad.find('\n', at) + 1;  // line 60
  bad.insert(at, "{\"tenant\": \n");
  ASSERT_TRUE(WriteFile(tmp_.Sub("bad.jsonl"), bad));
  CliResult r = Mnemo("import --batch 7 --db " + Q(tmp_.Sub("copy")) +
                      " --pages " + Q(tmp_.Sub("pages")) + " " +
                      Q(tmp_.Sub("bad.jsonl")));
  ASSERT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("line 60: "), std::string::npos) << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.err, m, std::regex("lines 1-([0-9]+) are "
                                                     "imported \\(([0-9]+) "
                                                     "records")))
      << r.err;
  EXPECT_EQ(m[1], "56") << r.err;  // 8 whole batches of 7 lines
  EXPECT_EQ(m[2], "56") << r.err;
  ASSERT_NE(r.err.find("--resume-from 57"), std::string::npos) << r.err;
  // The line fixed (removed): the import goes on from the reported line.
  std::string fixed = bad;
  fixed.erase(at, std::string("{\"tenant\": \n").size());
  fixed.insert(at, "\n");  // keeps the line numbers
  ASSERT_TRUE(WriteFile(tmp_.Sub("fixed.jsonl"), fixed));
  r = Mnemo("import --batch 7 --resume-from 57 --db " + Q(tmp_.Sub("copy")) +
            " --pages " + Q(tmp_.Sub("pages")) + " " +
            Q(tmp_.Sub("fixed.jsonl")));
  ASSERT_EQ(r.code, 0) << r.err;
  ExpectIdentical(tmp_.Sub("copy"));
}

}  // namespace
}  // namespace mnemo::test
