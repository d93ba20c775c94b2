// Copyright (c) mnemo authors.
//
// Layout and packing: wrapping, long tokens, tabs, escapes, fallback,
// rejection reasons, manifest coverage and determinism.

#include <gtest/gtest.h>

#include <algorithm>

#include "codec_test_util.h"
#include "mnemo/codec/manifest.h"
#include "mnemo/codec/page.h"
#include "mnemo/codec/png.h"

namespace mnemo::codec {
namespace {

class LayoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Status s = Renderer::Create(*FindProfile("tiny"), &renderer_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  std::vector<Page> PackOk(const std::vector<PageItem>& items) {
    std::vector<Page> pages;
    Status s = renderer_->Pack(items, &pages);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return pages;
  }
  // Concatenates an item's source ranges over all pages.
  static std::string Covered(const std::vector<Page>& pages, uint64_t id,
                             const std::string& source) {
    std::string out;
    uint32_t expect = 0;
    for (const Page& p : pages) {
      for (const ItemSpan& s : p.manifest.items) {
        if (s.id != id) continue;
        EXPECT_EQ(s.source_begin, expect);
        out += source.substr(s.source_begin, s.source_end - s.source_begin);
        expect = s.source_end;
      }
    }
    return out;
  }
  std::unique_ptr<Renderer> renderer_;
};

TEST_F(LayoutTest, ProfilesAreListedAndFound) {
  EXPECT_EQ(Profiles().size(), 5u);
  ASSERT_NE(FindProfile("base"), nullptr);
  EXPECT_EQ(FindProfile("base")->vision_tokens, 256);
  EXPECT_EQ(FindProfile("qwen")->vision_tokens, (896 / 28) * (896 / 28));
  EXPECT_EQ(FindProfile("nope"), nullptr);
  EXPECT_EQ(DefaultProfile().name, "base");
  EXPECT_EQ(EstimateTextTokens("abcdefgh"), 2u);
  EXPECT_EQ(EstimateTextTokens("héllo"), 2u);  // 5 code points
}

TEST_F(LayoutTest, WrapsWordsAndDropsOnlyTheBreakSpace) {
  PageItem item{7, "", std::string(40, 'w') + " " + std::string(40, 'w') +
                           " " + std::string(40, 'w')};
  auto pages = PackOk({item});
  ASSERT_EQ(pages.size(), 1u);
  const auto& m = pages[0].manifest;
  ASSERT_EQ(m.items.size(), 1u);
  EXPECT_GT(m.line_count, 1u);
  std::string joined = m.text;
  for (char& c : joined) c = c == '\n' ? ' ' : c;
  EXPECT_EQ(joined, item.body);  // wraps at spaces, words intact
  EXPECT_EQ(Covered(pages, 7, ItemSource(item)), ItemSource(item));
}

TEST_F(LayoutTest, HardBreaksOverlongTokens) {
  std::string hash(600, 'a');
  for (size_t i = 0; i < hash.size(); ++i) hash[i] = "0123456789abcdef"[i % 16];
  PageItem item{1, "", "sha " + hash + " end"};
  auto pages = PackOk({item});
  const auto& m = pages[0].manifest;
  EXPECT_GE(m.line_count, 3u);
  std::string no_breaks;
  for (char c : m.text) {
    if (c != '\n') no_breaks.push_back(c);
  }
  EXPECT_NE(no_breaks.find(hash), std::string::npos);
  EXPECT_EQ(Covered(pages, 1, ItemSource(item)), ItemSource(item));
}

TEST_F(LayoutTest, KeepsNewlinesTabsAndEscapesControls) {
  PageItem item{2, "2024-05-07 09:00 user", "a\tb\n\nc\r\nd\x1b" "e\xe2\x80\x8b"};
  auto pages = PackOk({item});
  const auto& m = pages[0].manifest;
  // Layout v2: the header line flows into the body; the blank line is a
  // paragraph mark; the two short lines "c", "d..." keep their break (the
  // "\r\n"), drawn inline as the line mark (layout v3).
  EXPECT_EQ(
      m.text,
      "2024-05-07 09:00 user a\tb \xC2\xA7 c \xE2\x86\xB5 d<U+001B>e<U+200B>");
  EXPECT_EQ(m.line_count, 1u);
  EXPECT_EQ(Covered(pages, 2, ItemSource(item)), ItemSource(item));
}

// Bidi controls (a "Trojan Source" override, marks, isolates) are shown,
// never dropped and never applied: the page says what the text holds.
TEST_F(LayoutTest, DrawsBidiControlsAsVisibleEscapes) {
  PageItem item{4, "",
                "pay \xe2\x80\xae" "001$ \xe2\x80\x8f" "x\xe2\x81\xa6"
                "y\xe2\x81\xa9"};
  std::vector<Page> pages;
  std::vector<RejectedItem> rejected;
  ASSERT_TRUE(renderer_->Pack({item}, &pages, &rejected).ok());
  EXPECT_TRUE(rejected.empty());
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_EQ(pages[0].manifest.text,
            "pay <U+202E>001$ <U+200F>x<U+2066>y<U+2069>");
  EXPECT_EQ(Covered(pages, 4, ItemSource(item)), ItemSource(item));
  for (const char* control : {"\xe2\x80\x8e", "\xe2\x80\xaa", "\xe2\x80\xab",
                              "\xe2\x80\xac", "\xe2\x80\xad", "\xe2\x81\xa7",
                              "\xe2\x81\xa8"}) {
    EXPECT_TRUE(renderer_->CheckRenderable(std::string("a") + control).ok());
  }
  // A joiner outside an emoji sequence is shown, not applied (emoji_test.cc
  // covers joiners inside emoji sequences).
  pages.clear();
  ASSERT_TRUE(renderer_->Pack({{5, "", "a\xe2\x80\x8d" "b"}}, &pages).ok());
  EXPECT_EQ(pages[0].manifest.text, "a<U+200D>b");
}

TEST_F(LayoutTest, FallsBackToCjkFont) {
  PageItem item{3, "", "memory \xe8\xae\xb0\xe5\xbf\x86 ok"};  // 记忆
  std::vector<Page> pages;
  Status s = renderer_->Pack({item}, &pages);
  const auto& files = renderer_->params().font_files;
  if (std::find(files.begin(), files.end(), "wqy-microhei.ttc") == files.end()) {
    GTEST_SKIP() << "no CJK fallback font installed";
  }
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(pages[0].manifest.text, item.body);
}

TEST_F(LayoutTest, RejectsWhatCannotBeRenderedFaithfully) {
  struct Case {
    std::string text;
    std::string reason;
  };
  const Case cases[] = {
      {"shalom \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d", "right-to-left"},
      {"namaste \xe0\xa4\xa8\xe0\xa4\xae", "complex shaping"},
      {"cafe\xcc\x81", "combining mark"},
      {"private \xee\x80\x80", "no font"},
  };
  for (const Case& c : cases) {
    Status s = renderer_->CheckRenderable(c.text);
    EXPECT_TRUE(s.IsNotSupported()) << c.text;
    EXPECT_NE(s.message().find(c.reason), std::string::npos) << s.ToString();
  }
  EXPECT_TRUE(renderer_->CheckRenderable("bad \xff utf8").IsInvalidArgument());
  // Pack fails naming the item, or skips it when asked to.
  std::vector<PageItem> items = {{1, "", "fine"}, {2, "", cases[0].text}};
  std::vector<Page> pages;
  Status s = renderer_->Pack(items, &pages);
  EXPECT_TRUE(s.IsNotSupported());
  EXPECT_NE(s.message().find("item 2"), std::string::npos) << s.ToString();
  EXPECT_TRUE(pages.empty());
  std::vector<RejectedItem> rejected;
  ASSERT_TRUE(renderer_->Pack(items, &pages, &rejected).ok());
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].id, 2u);
  EXPECT_EQ(pages.size(), 1u);
}

TEST_F(LayoutTest, PacksInOrderAcrossPagesCoveringEveryByteOnce) {
  auto items = test::ParagraphItems(test::ReadCodecData("prose.txt"), 9000, true);
  auto pages = PackOk(items);
  ASSERT_GE(pages.size(), 2u);
  uint64_t last_id = 0;
  for (const Page& p : pages) {
    EXPECT_LE(p.manifest.line_count,
              p.manifest.columns *
                  static_cast<uint32_t>(LinesPerPage(*FindProfile("tiny"))));
    for (const ItemSpan& s : p.manifest.items) {
      EXPECT_GE(s.id, last_id);
      last_id = s.id;
      EXPECT_LE(s.x + s.w, 512);
      EXPECT_LE(s.y + s.h, 512);
    }
  }
  bool saw_continuation = false;
  for (const PageItem& item : items) {
    EXPECT_EQ(Covered(pages, item.id, ItemSource(item)), ItemSource(item));
  }
  for (const Page& p : pages) {
    for (const ItemSpan& s : p.manifest.items) saw_continuation |= s.continued;
  }
  EXPECT_TRUE(saw_continuation);
}

TEST_F(LayoutTest, OutputBytesAreDeterministic) {
  auto items = test::ParagraphItems(test::ReadCodecData("dialogue.txt"), 3000, true);
  std::string png[2], manifest[2];
  for (int run = 0; run < 2; ++run) {
    std::unique_ptr<Renderer> fresh;  // a fresh glyph cache each run
    ASSERT_TRUE(Renderer::Create(*FindProfile("tiny"), &fresh).ok());
    std::vector<Page> pages;
    ASSERT_TRUE(fresh->Pack(items, &pages).ok());
    ASSERT_TRUE(EncodePng(pages[0].image, 4, &png[run]).ok());
    ASSERT_TRUE(SerializeManifest(pages[0].manifest, &manifest[run]).ok());
  }
  EXPECT_EQ(png[0], png[1]);
  EXPECT_EQ(manifest[0], manifest[1]);
}

TEST_F(LayoutTest, BadProfileOrMissingFontFails) {
  RenderProfile p = DefaultProfile();
  p.font = "NoSuchFont.ttf";
  std::unique_ptr<Renderer> r;
  EXPECT_TRUE(Renderer::Create(p, &r).IsNotFound());
  p = DefaultProfile();
  p.height = 4;
  EXPECT_TRUE(Renderer::Create(p, &r).IsInvalidArgument());
}

}  // namespace
}  // namespace mnemo::codec
