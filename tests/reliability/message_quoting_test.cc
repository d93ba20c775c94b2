// Copyright (c) mnemo authors.
//
// Untrusted strings in messages: a namespace, label, metadata key, file
// name or flag value holding a NUL, a terminal escape, a bidi override or
// bytes that are not UTF-8 appears escaped in every message (engine
// Status messages and the CLI's "mnemo: ..." lines), never raw: raw, a NUL
// cut the message short and ESC[31m coloured the user's terminal.

#include <gtest/gtest.h>

#include <string>

#include "cli_test_util.h"
#include "mnemo/quote.h"
#include "mnemo/search.h"
#include "mnemo/store.h"
#include "store_test_util.h"
#include "test_util.h"

namespace mnemo::test {
namespace {

using namespace std::string_literals;

// NUL, then a terminal escape that turns the text red.
const std::string kHostile = "t\0x\x1b[31mred"s;

bool HasRawControl(const std::string& message) {
  for (unsigned char c : message) {
    if ((c < 0x20 && c != '\n') || c == 0x7f) return true;
  }
  return message.find("\xe2\x80\xae") != std::string::npos;  // U+202E
}

TEST(QuoteForMessage, EscapesWhatCouldHideOrRewriteText) {
  EXPECT_EQ(QuoteForMessage(kHostile), R"('t\x00x\x1b[31mred')");
  EXPECT_EQ(QuoteForMessage("caf\xc3\xa9 \xf0\x9f\x98\x80"),
            "'caf\xc3\xa9 \xf0\x9f\x98\x80'");  // printable UTF-8 as is
  EXPECT_EQ(QuoteForMessage("a\nb\tc\rd\x7f"), R"('a\nb\tc\rd\x7f')");
  EXPECT_EQ(QuoteForMessage("it's a\\b"), R"('it\'s a\\b')");
  // C1 control U+0085, bidi override U+202E, isolate U+2066, invalid
  // UTF-8 (a lone continuation byte, a truncated sequence, an overlong
  // slash, a surrogate).
  EXPECT_EQ(QuoteForMessage("\xc2\x85"), R"('\u{0085}')");
  EXPECT_EQ(QuoteForMessage("abc\xe2\x80\xae"
                            "cba"),
            R"('abc\u{202e}cba')");
  EXPECT_EQ(QuoteForMessage("\xe2\x81\xa6"), R"('\u{2066}')");
  EXPECT_EQ(QuoteForMessage("\x80x\xe2\x80"), R"('\x80x\xe2\x80')");
  EXPECT_EQ(QuoteForMessage("\xc0\xaf\xed\xa0\x80"),
            R"('\xc0\xaf\xed\xa0\x80')");
  // Long names are cut (never inside a character) and say so.
  EXPECT_EQ(QuoteForMessage(std::string(300, 'n'), 8), "'nnnnnnnn'...");
  EXPECT_EQ(QuoteForMessage("\xc3\xa9\xc3\xa9", 3), "'\xc3\xa9\xc3\xa9'");
  EXPECT_EQ(QuoteForMessage(""), "''");
  // A whole message: layout and earlier escapes stay, controls go.
  EXPECT_EQ(EscapeForTerminal("a\n\tb \\x1b 'c' \x1b[2J\xe2\x80\xae\xff"),
            "a\n\tb \\x1b 'c' \\x1b[2J\\u{202e}\\xff");
}

class MessageQuoting : public StoreTest {};

TEST_F(MessageQuoting, NamespaceWithNulAndEscapeIsQuotedInStatus) {
  RecordId id = 0;
  Status s =
      store_->Put(WriteOptions(), MakeRecord(kHostile, "a", "s", "x"), &id);
  ASSERT_TRUE(s.IsInvalidArgument());
  EXPECT_FALSE(HasRawControl(s.message())) << s.message();
  EXPECT_NE(s.message().find(R"(tenant 't\x00x\x1b[31mred')"),
            std::string::npos)
      << s.message();

  Record r = MakeRecord("t", "a", "s", "x");
  r.role = "us\x1b[0mer";
  s = store_->Put(WriteOptions(), r, &id);
  ASSERT_TRUE(s.IsInvalidArgument());
  EXPECT_FALSE(HasRawControl(s.message())) << s.message();
  EXPECT_NE(s.message().find(R"(role 'us\x1b[0mer')"), std::string::npos)
      << s.message();

  r = MakeRecord("t", "a", "s", "x");
  r.metadata.Set("k\xff\x1b]0;title\x07", "v");
  s = store_->Put(WriteOptions(), r, &id);
  ASSERT_TRUE(s.IsInvalidArgument());
  EXPECT_FALSE(HasRawControl(s.message())) << s.message();
  EXPECT_NE(s.message().find(R"('k\xff\x1b]0;title\x07')"), std::string::npos)
      << s.message();

  SearchOptions search;
  search.filter.tenant = "t";
  search.filter.agent =
      "\xe2\x80\xae"
      "a\x1b";
  search.query = "x";
  SearchResult result;
  s = store_->Search(search, &result);
  ASSERT_FALSE(s.ok());
  EXPECT_FALSE(HasRawControl(s.message())) << s.message();
}

TEST(MessageQuotingCli, UntrustedStringsNeverReachTheTerminalRaw) {
  TempDir tmp;
  std::string db = tmp.Sub("db");
  MakeDemoStore(db);
  std::string before = DumpOf(db);
  // A tenant with NUL and ESC[31m in an import line (JSON escapes).
  ASSERT_TRUE(
      WriteFile(tmp.Sub("in.jsonl"),
                R"({"tenant":"t\u0000x\u001b[31mred","agent":"a","text":"y"})"
                "\n"));
  CliResult r = Mnemo("import --db " + Q(db) + " " + Q(tmp.Sub("in.jsonl")));
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_FALSE(HasRawControl(r.err)) << r.err;
  EXPECT_NE(r.err.find(R"(line 1: record: tenant 't\x00x\x1b[31mred')"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(DumpOf(db), before);
  // A flag value, a file name and an unknown command.
  r = Mnemo("search --db " + Q(db) + " --tenant " + Q("\x1b[31m") +
            " --query x");
  EXPECT_NE(r.code, 0);
  EXPECT_FALSE(HasRawControl(r.err)) << r.err;
  EXPECT_NE(r.err.find("\\x1b[31m"), std::string::npos) << r.err;
  r = Mnemo("import --db " + Q(db) + " " +
            Q(tmp.Sub("in\x1b[2J\xe2\x80\xae.jsonl")));
  EXPECT_EQ(r.code, 1);
  EXPECT_FALSE(HasRawControl(r.err)) << r.err;
  EXPECT_NE(r.err.find("in\\x1b[2J\\u{202e}.jsonl"), std::string::npos)
      << r.err;
  r = Mnemo(Q("\x1b[31mdump"));
  EXPECT_EQ(r.code, 2);
  EXPECT_FALSE(HasRawControl(r.err)) << r.err;
}

}  // namespace
}  // namespace mnemo::test
