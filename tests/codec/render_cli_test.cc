// Copyright (c) mnemo authors.
//
// `mnemo render`: pages written, JSON shape, exit codes. Skips when the
// mnemo binary has not been built.

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "test_util.h"

namespace mnemo::codec {
namespace {

using mnemo::test::RunCommand;

std::string Mnemo() { return mnemo::test::BinDir() + "/mnemo"; }

class RenderCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(Mnemo().c_str(), X_OK) != 0) GTEST_SKIP() << "mnemo not built";
  }
  mnemo::test::TempDir dir_;
};

TEST_F(RenderCliTest, WritesPagesAndPrintsJson) {
  std::string text;
  for (int i = 0; i < 40; ++i) {
    text += "Paragraph " + std::to_string(i) +
            " talks about gardens, boats and the weather in some detail, "
            "long enough to wrap across a few lines of a small page.\n\n";
  }
  ASSERT_TRUE(mnemo::test::WriteFile(dir_.Sub("in.txt"), text));
  std::string out;
  ASSERT_EQ(RunCommand(Mnemo() + " render --in " + dir_.Sub("in.txt") +
                           " --profile tiny --out " + dir_.Sub("pages") + " --json",
                       &out), 0) << out;
  for (const char* key : {"\"profile\":\"tiny\"", "\"page_px\":[512,512]",
                          "\"vision_tokens_per_page\":64", "\"pages\":[",
                          "\"text_tokens_est\":", "\"png_bytes\":"}) {
    EXPECT_NE(out.find(key), std::string::npos) << key << " in " << out;
  }
  std::string png;
  EXPECT_TRUE(mnemo::test::ReadFile(dir_.Sub("pages/page-0000.png"), &png));
  EXPECT_EQ(png.substr(1, 3), "PNG");
  EXPECT_TRUE(mnemo::test::ReadFile(dir_.Sub("pages/page-0001.png"), &png));
}

TEST_F(RenderCliTest, BadInputExitCodes) {
  std::string out;
  EXPECT_EQ(RunCommand(Mnemo() + " render --in /nonexistent --out " + dir_.path(),
                       &out, true), 2);
  EXPECT_NE(out.find("mnemo: "), std::string::npos);
  ASSERT_TRUE(mnemo::test::WriteFile(dir_.Sub("ok.txt"), "hello"));
  EXPECT_EQ(RunCommand(Mnemo() + " render --in " + dir_.Sub("ok.txt") +
                           " --profile nope --out " + dir_.path(), &out, true), 2);
  ASSERT_TRUE(mnemo::test::WriteFile(dir_.Sub("bad.txt"), "ok \xff\xfe"));
  EXPECT_EQ(RunCommand(Mnemo() + " render --in " + dir_.Sub("bad.txt") +
                           " --out " + dir_.path(), &out, true), 1);
  EXPECT_NE(out.find("invalid UTF-8"), std::string::npos) << out;
}

// A directory is not a text file: an error naming it, no "0 page(s)".
TEST_F(RenderCliTest, DirectoryInputIsAnError) {
  std::string out;
  EXPECT_EQ(RunCommand(Mnemo() + " render --in " + dir_.path() + " --out " +
                           dir_.Sub("pages"), &out, true), 2) << out;
  EXPECT_NE(out.find("mnemo: --in '" + dir_.path() + "' is a directory"),
            std::string::npos) << out;
  EXPECT_EQ(out.find("page(s)"), std::string::npos) << out;
}

// A bidi override is drawn as a visible escape, never dropped; a paragraph
// that cannot be rendered is named with its line and fails the command.
TEST_F(RenderCliTest, NothingIsDroppedSilently) {
  ASSERT_TRUE(mnemo::test::WriteFile(
      dir_.Sub("bidi.txt"), "first\n\nevil \xe2\x80\xae" "gnp.exe\n\nlast\n"));
  std::string out;
  ASSERT_EQ(RunCommand(Mnemo() + " render --in " + dir_.Sub("bidi.txt") +
                           " --profile tiny --out " + dir_.Sub("a") + " --json",
                       &out, true), 0) << out;
  EXPECT_NE(out.find("evil <U+202E>gnp.exe"), std::string::npos) << out;
  EXPECT_NE(out.find("\"rejected\":[]"), std::string::npos) << out;

  ASSERT_TRUE(mnemo::test::WriteFile(
      dir_.Sub("rtl.txt"),
      "first\n\n\nshalom \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d\n\nlast\n"));
  EXPECT_EQ(RunCommand(Mnemo() + " render --in " + dir_.Sub("rtl.txt") +
                           " --profile tiny --out " + dir_.Sub("b"),
                       &out, true),
            1);
  EXPECT_NE(out.find("paragraph 2 (line 4) not rendered"), std::string::npos)
      << out;
  EXPECT_NE(
      out.find("1 paragraph(s) of " + dir_.Sub("rtl.txt") + " not rendered"),
      std::string::npos)
      << out;
  std::string png;
  EXPECT_TRUE(mnemo::test::ReadFile(dir_.Sub("b/page-0000.png"), &png));
}

// One paragraph over the limit is refused up front (its layout would take
// gigabytes), naming the paragraph and its line; nothing is written.
TEST_F(RenderCliTest, OverlongParagraphIsRefused) {
  std::string text = "short\n\n" + std::string((1 << 20) + 1, 'x') + "\n";
  ASSERT_TRUE(mnemo::test::WriteFile(dir_.Sub("long.txt"), text));
  std::string out;
  EXPECT_EQ(RunCommand(Mnemo() + " render --in " + dir_.Sub("long.txt") +
                           " --out " + dir_.Sub("c"), &out, true), 1);
  EXPECT_NE(out.find("paragraph 2 (line 3)"), std::string::npos) << out;
  EXPECT_NE(out.find("at most 1048576 bytes"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("c")));
}

}  // namespace
}  // namespace mnemo::codec
