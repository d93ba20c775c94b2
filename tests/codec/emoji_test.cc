// Copyright (c) mnemo authors.
//
// Emoji and symbols on pages: drawn by the monochrome fallback fonts
// (Symbola, Unifont's upper planes), presentation selectors consumed without
// a glyph, ZWJ sequences shown as their components, skin-tone modifiers and
// regional indicators drawn, keycaps drawn over their base, tags escaped.
// Skips (with the reason) when fonts-symbola is not installed.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "mnemo/codec/page.h"
#include "mnemo/codec/png.h"

namespace mnemo::codec {
namespace {

class EmojiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Renderer::Create(DefaultProfile(), &renderer_).ok());
    const auto& files = renderer_->params().font_files;
    if (std::find(files.begin(), files.end(), "Symbola_hint.ttf") ==
        files.end()) {
      GTEST_SKIP() << "fonts-symbola (Symbola_hint.ttf) not installed";
    }
  }

  // The single page of `body`; fails the test when it does not render.
  Page RenderOne(const std::string& body, uint64_t id = 1) {
    std::vector<Page> pages;
    std::vector<RejectedItem> rejected;
    Status s = renderer_->Pack({{id, "", body}}, &pages, &rejected);
    EXPECT_TRUE(s.ok()) << s.ToString();
    for (const RejectedItem& r : rejected) {
      ADD_FAILURE() << "rejected: " << r.reason.ToString();
    }
    if (pages.size() != 1) {
      ADD_FAILURE() << "expected one page, got " << pages.size();
      return Page();
    }
    return std::move(pages[0]);
  }

  static std::vector<uint8_t> Pixels(const Page& page) {
    std::vector<uint8_t> px;
    for (int y = 0; y < page.image.height; ++y) {
      const uint8_t* row = page.image.Row(y);
      px.insert(px.end(), row, row + page.image.width);
    }
    return px;
  }

  // Ink in black-pixel equivalents: sum of (255 - gray) / 255. Symbola's
  // pictographs are thin line art, so a 10 px emoji is mostly gray.
  static int Ink(const Page& page) {
    long sum = 0;
    for (uint8_t v : Pixels(page)) sum += 255 - v;
    return static_cast<int>(sum / 255);
  }

  std::unique_ptr<Renderer> renderer_;
};

// A chat record as agents store them: emoji with and without U+FE0F.
TEST_F(EmojiTest, ChatRecordWithEmojiRendersAndMapsEveryByte) {
  const std::string body =
      "\xf0\x9f\x93\xa2 release is out! \xf0\x9f\x8e\x89 thanks all "
      "\xe2\x9c\x85 tests green, \xe2\x9a\xa0\xef\xb8\x8f one flaky "
      "\xf0\x9f\x90\x9b \xe2\x9d\xa4\xef\xb8\x8f \xf0\x9f\x9a\x80";
  const PageItem item{7, "2024-05-07 14:03 alice", body};
  std::vector<Page> pages;
  std::vector<RejectedItem> rejected;
  ASSERT_TRUE(renderer_->Pack({item}, &pages, &rejected).ok());
  EXPECT_TRUE(rejected.empty());
  ASSERT_EQ(pages.size(), 1u);
  // Laid-out text keeps every byte, the selectors' bytes too (the header's
  // newline flows into the body as a space: layout v2).
  EXPECT_EQ(pages[0].manifest.text, item.header + " " + body);
  ASSERT_EQ(pages[0].manifest.items.size(), 1u);
  EXPECT_EQ(pages[0].manifest.items[0].source_begin, 0u);
  EXPECT_EQ(pages[0].manifest.items[0].source_end, ItemSource(item).size());
}

// The emoji is a real glyph: inked, and different emoji differ.
TEST_F(EmojiTest, EmojiGlyphIsInked) {
  const int megaphone = Ink(RenderOne("\xf0\x9f\x93\xa2"));  // U+1F4E2
  const int party = Ink(RenderOne("\xf0\x9f\x8e\x89"));      // U+1F389
  EXPECT_GT(megaphone, 15);
  EXPECT_GT(party, 15);
  EXPECT_NE(Pixels(RenderOne("\xf0\x9f\x93\xa2")),
            Pixels(RenderOne("\xf0\x9f\x8e\x89")));
  EXPECT_EQ(Ink(RenderOne("")), 0);
}

// U+FE0F / U+FE0E pick a presentation: consumed, drawn as nothing.
TEST_F(EmojiTest, VariationSelectorsDrawNothing) {
  const Page bare = RenderOne("\xe2\x9d\xa4 ok");               // U+2764
  const Page emoji = RenderOne("\xe2\x9d\xa4\xef\xb8\x8f ok");  // + FE0F
  const Page text = RenderOne("\xe2\x9d\xa4\xef\xb8\x8e ok");   // + FE0E
  EXPECT_GT(Ink(bare), 0);
  EXPECT_EQ(Pixels(bare), Pixels(emoji));
  EXPECT_EQ(Pixels(bare), Pixels(text));
  EXPECT_EQ(emoji.manifest.text, "\xe2\x9d\xa4\xef\xb8\x8f ok");
}

// ZWJ sequences show their components (Unicode TR51's fallback display).
TEST_F(EmojiTest, ZwjSequenceShowsItsComponents) {
  // U+1F468 ZWJ U+1F4BB "technologist" vs the two emoji side by side.
  const Page joined = RenderOne("\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x92\xbb");
  const Page apart = RenderOne("\xf0\x9f\x91\xa8\xf0\x9f\x92\xbb");
  EXPECT_GT(Ink(joined), 0);
  EXPECT_EQ(Pixels(joined), Pixels(apart));
  EXPECT_EQ(joined.manifest.text,
            "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x92\xbb");
}

// A skin-tone modifier is drawn after its base as its own swatch.
TEST_F(EmojiTest, SkinToneModifierIsDrawn) {
  const Page base = RenderOne("\xf0\x9f\x91\x8d");                   // U+1F44D
  const Page toned = RenderOne("\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd");  // +1F3FD
  EXPECT_GT(Ink(toned), Ink(base));
  EXPECT_EQ(toned.manifest.text, "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd");
}

// Regional-indicator flags draw their two letters; keycaps draw over their
// base; a keycap without a base is refused naming the code point.
TEST_F(EmojiTest, FlagsAndKeycaps) {
  const Page flag = RenderOne("\xf0\x9f\x87\xa9\xf0\x9f\x87\xaa");  // DE
  EXPECT_GT(Ink(flag), 15);
  const Page keycap = RenderOne("1\xef\xb8\x8f\xe2\x83\xa3");  // 1 FE0F 20E3
  EXPECT_GT(Ink(keycap), Ink(RenderOne("1")));
  Status s = renderer_->CheckRenderable("x\xe2\x83\xa3");
  EXPECT_TRUE(s.IsNotSupported());
  EXPECT_NE(s.message().find("U+20E3"), std::string::npos) << s.ToString();
}

// Tag sequences (subdivision flags) show their tags as escapes.
TEST_F(EmojiTest, TagCharactersAreEscaped) {
  // U+1F3F4 + tags "gb" + cancel tag.
  const Page page = RenderOne(
      "\xf0\x9f\x8f\xb4\xf3\xa0\x81\xa7\xf3\xa0\x81\xa2\xf3\xa0\x81\xbf");
  EXPECT_EQ(page.manifest.text, "\xf0\x9f\x8f\xb4<U+E0067><U+E0062><U+E007F>");
}

// What no font can draw stays text, and the error names the code point.
TEST_F(EmojiTest, UnknownEmojiIsRefusedNamingTheCodePoint) {
  Status s = renderer_->CheckRenderable("new \xf0\x9f\xab\xbf");  // U+1FAFF
  EXPECT_TRUE(s.IsNotSupported());
  EXPECT_NE(s.message().find("U+1FAFF"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("byte 4"), std::string::npos) << s.ToString();
}

TEST_F(EmojiTest, EmojiPagesAreDeterministic) {
  const std::string body =
      "\xf0\x9f\x91\x8b hi \xf0\x9f\x91\x8d\xf0\x9f\x8f\xbb "
      "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x94\xac \xe2\x9c\xa8";
  std::string png1, png2;
  ASSERT_TRUE(EncodePng(RenderOne(body).image, 4, &png1).ok());
  std::unique_ptr<Renderer> other;
  ASSERT_TRUE(Renderer::Create(DefaultProfile(), &other).ok());
  std::vector<Page> pages;
  ASSERT_TRUE(other->Pack({{1, "", body}}, &pages).ok());
  ASSERT_EQ(pages.size(), 1u);
  ASSERT_TRUE(EncodePng(pages[0].image, 4, &png2).ok());
  EXPECT_EQ(png1, png2);
}

}  // namespace
}  // namespace mnemo::codec
