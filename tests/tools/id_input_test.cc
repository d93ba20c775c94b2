// Copyright (c) mnemo authors.
//
// Ids given to the CLI: a flag taking an id (get/delete --id, page --page)
// accepts decimal digits from 1 to 2^64 - 1 and nothing else (a usage
// error naming the flag and the value, not a wrapped or saturated id), and
// an imported dump line whose id is above kMaxImportedRecordId is refused
// naming its line. The store is left as it was.

#include <gtest/gtest.h>

#include "cli_test_util.h"
#include "mnemo/record.h"
#include "test_util.h"

namespace mnemo::test {
namespace {

class IdInput : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = tmp_.Sub("db");
    MakeDemoStore(db_);
    before_ = DumpOf(db_);
  }

  TempDir tmp_;
  std::string db_, before_;
};

TEST_F(IdInput, IdFlagsRejectNegativeHugeAndNonNumericValues) {
  const std::string out = " --out " + Q(tmp_.Sub("page.png"));
  const std::pair<std::string, std::string> commands[] = {
      {"get", "--id"}, {"delete", "--id"}, {"page" + out, "--page"}};
  const char* values[] = {"-1",
                          "99999999999999999999999",
                          "18446744073709551616",
                          "abc",
                          "0x10",
                          "+5",
                          "1e3",
                          "0",
                          "12abc",
                          ""};
  for (const auto& [command, flag] : commands) {
    for (const char* value : values) {
      SCOPED_TRACE(command + " " + flag + " '" + value + "'");
      CliResult r =
          Mnemo(command + " --db " + Q(db_) + " " + flag + " " + Q(value));
      EXPECT_EQ(r.code, 2) << r.err;
      EXPECT_EQ(r.err.rfind("mnemo: ", 0), 0u) << r.err;
      EXPECT_NE(r.err.find(flag), std::string::npos) << r.err;
      if (*value != '\0') {
        EXPECT_NE(r.err.find(std::string("'") + value + "'"), std::string::npos)
            << r.err;
      }
    }
  }
  EXPECT_EQ(DumpOf(db_), before_) << "store changed";
}

TEST_F(IdInput, LargestIdIsAnIdNotAUsageError) {
  // 2^64 - 1 is a valid flag value (a store from before the import ceiling
  // may hold it): the record is simply not there.
  CliResult r = Mnemo("get --db " + Q(db_) + " --id 18446744073709551615");
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("18446744073709551615"), std::string::npos) << r.err;
}

std::string DumpLine(const std::string& id, const std::string& text) {
  return "{\"id\":" + id + ",\"tenant\":\"t\",\"agent\":\"a\",\"text\":\"" +
         text + "\"}\n";
}

TEST_F(IdInput, ImportedIdAboveTheCeilingNamesItsLine) {
  const std::string ceiling = RecordIdToString(kMaxImportedRecordId);
  const std::string over = RecordIdToString(kMaxImportedRecordId + 1);
  for (const std::string& bad :
       {"\"" + over + "\"", std::string("18446744073709551615"),
        std::string("\"18446744073709551615\"")}) {
    SCOPED_TRACE(bad);
    ASSERT_TRUE(WriteFile(tmp_.Sub("in.jsonl"), DumpLine("\"5\"", "fine") +
                                                    DumpLine(bad, "too high")));
    CliResult r =
        Mnemo("import --db " + Q(db_) + " " + Q(tmp_.Sub("in.jsonl")));
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_EQ(r.err.rfind("mnemo: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find("line 2: field 'id' is "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(ceiling), std::string::npos) << r.err;
    EXPECT_EQ(DumpOf(db_), before_) << "store changed";
  }
  // The ceiling itself imports, and reads back by id.
  ASSERT_TRUE(
      WriteFile(tmp_.Sub("in.jsonl"), DumpLine("\"" + ceiling + "\"", "top")));
  CliResult r = Mnemo("import --db " + Q(db_) + " " + Q(tmp_.Sub("in.jsonl")));
  ASSERT_EQ(r.code, 0) << r.err;
  r = Mnemo("get --db " + Q(db_) + " --id " + ceiling);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("top"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace mnemo::test
