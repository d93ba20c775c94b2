// Copyright (c) mnemo authors.
//
// `mnemo render`: pages written, JSON shape, exit codes. Skips when the
// mnemo binary has not been built.

#include <gtest/gtest.h>

#include <unistd.h>

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

}  // namespace
}  // namespace mnemo::codec
