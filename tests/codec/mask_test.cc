// Copyright (c) mnemo authors.
//
// MaskItems: a removed item leaves no ink and no text; kept items keep
// their pixels, text and indices; decayed pages; determinism; bad input.

#include "mnemo/codec/mask.h"

#include <gtest/gtest.h>

#include "mnemo/codec/downscale.h"
#include "mnemo/codec/manifest.h"
#include "mnemo/codec/page.h"

namespace mnemo::codec {
namespace {

// Three items on one page; the middle one has descenders and accents.
Page ThreeItemPage() {
  std::unique_ptr<Renderer> r;
  EXPECT_TRUE(Renderer::Create(DefaultProfile(), &r).ok());
  std::vector<Page> pages;
  EXPECT_TRUE(r->Pack({{11, "", "keep the first line of text"},
                       {22, "",
                        "forget: gypsy jiggly quay Ångström Éclair\n"
                        "a second line of the secret, pqgjy"},
                       {33, "", "keep the last line too"}},
                      &pages)
                  .ok());
  EXPECT_EQ(pages.size(), 1u);
  return pages.empty() ? Page() : std::move(pages[0]);
}

bool RowIsBlank(const GrayImage& image, int y) {
  const uint8_t* row = image.Row(y);
  return std::all_of(row, row + image.width,
                     [](uint8_t p) { return p == 255; });
}

TEST(MaskTest, RemovedItemLeavesNoInkNoTextAndKeepsTheOthers) {
  Page page = ThreeItemPage();
  const GrayImage before = page.image;
  const PageManifest original = page.manifest;
  const ItemSpan gone = original.items[1];
  size_t masked = 0;
  ASSERT_TRUE(MaskItems({22}, &page.image, &page.manifest, &masked).ok());
  EXPECT_EQ(masked, 1u);
  for (int y = gone.y; y < gone.y + gone.h; ++y)
    EXPECT_TRUE(RowIsBlank(page.image, y)) << y;
  for (int k : {0, 2}) {  // kept items: every row of their line boxes as before
    const ItemSpan& s = original.items[k];
    for (int y = s.y; y < s.y + s.h; ++y) {
      ASSERT_TRUE(std::equal(page.image.Row(y),
                             page.image.Row(y) + page.image.width,
                             before.Row(y)))
          << "item " << s.id << " row " << y;
    }
    EXPECT_EQ(page.manifest.items[k].id, s.id);
    EXPECT_EQ(page.manifest.items[k].text, s.text);
  }
  const ItemSpan& tomb = page.manifest.items[1];
  EXPECT_EQ(tomb.id, kRemovedItemId);
  EXPECT_TRUE(tomb.text.empty());
  EXPECT_EQ(tomb.source_begin, tomb.source_end);
  EXPECT_EQ(tomb.y, gone.y);
  EXPECT_EQ(page.manifest.line_count, original.line_count);
  EXPECT_EQ(page.manifest.text.find("secret"), std::string::npos);
  EXPECT_EQ(page.manifest.text.find("gypsy"), std::string::npos);
  EXPECT_NE(page.manifest.text.find("keep the first line"), std::string::npos);
  EXPECT_NE(page.manifest.text.find("keep the last line"), std::string::npos);
  // Still one line of page text per line.
  EXPECT_EQ(
      std::count(page.manifest.text.begin(), page.manifest.text.end(), '\n') +
          1,
      static_cast<long>(page.manifest.line_count));
}

TEST(MaskTest, MaskedManifestRoundTripsBinaryAndJson) {
  Page page = ThreeItemPage();
  ASSERT_TRUE(MaskItems({22}, &page.image, &page.manifest).ok());
  std::string binary;
  ASSERT_TRUE(SerializeManifest(page.manifest, &binary).ok());
  PageManifest parsed, from_json;
  ASSERT_TRUE(ParseManifest(binary, &parsed).ok());
  ASSERT_TRUE(ManifestFromJson(ManifestToJson(parsed), &from_json).ok());
  std::string again;
  ASSERT_TRUE(SerializeManifest(from_json, &again).ok());
  EXPECT_EQ(binary, again);
  EXPECT_EQ(ManifestToJson(parsed).find("secret"), std::string::npos);
}

TEST(MaskTest, DecayedPageBlanksEveryRowTheItemReachesAtItsScale) {
  Page page = ThreeItemPage();
  const ItemSpan gone = page.manifest.items[1];
  GrayImage small;
  ASSERT_TRUE(Downscale(page.image, *FindProfile("small"), &small).ok());
  ASSERT_TRUE(MaskItems({22}, &small, &page.manifest).ok());
  const double scale =
      static_cast<double>(small.height) / page.manifest.params.height;
  int first = static_cast<int>(gone.y * scale);
  int last = static_cast<int>((gone.y + gone.h) * scale + 0.999);
  for (int y = first; y < last; ++y) EXPECT_TRUE(RowIsBlank(small, y)) << y;
  const ItemSpan& kept = page.manifest.items[0];  // its inner rows keep ink
  bool ink = false;
  for (int y = static_cast<int>(kept.y * scale) + 1;
       y < static_cast<int>((kept.y + kept.h) * scale) - 1; ++y) {
    ink = ink || !RowIsBlank(small, y);
  }
  EXPECT_TRUE(ink);
}

TEST(MaskTest, DeterministicAndNoOpForUnknownIds) {
  Page a = ThreeItemPage(), b = ThreeItemPage();
  ASSERT_TRUE(MaskItems({22, 33}, &a.image, &a.manifest).ok());
  ASSERT_TRUE(MaskItems({33, 22}, &b.image, &b.manifest).ok());
  EXPECT_EQ(a.image.pixels, b.image.pixels);
  EXPECT_EQ(a.manifest.text, b.manifest.text);
  Page c = ThreeItemPage();
  const GrayImage before = c.image;
  size_t masked = 7;
  ASSERT_TRUE(
      MaskItems({99, kRemovedItemId}, &c.image, &c.manifest, &masked).ok());
  EXPECT_EQ(masked, 0u);
  EXPECT_EQ(c.image.pixels, before.pixels);
}

TEST(MaskTest, InconsistentManifestIsRejectedAndNothingChanges) {
  Page page = ThreeItemPage();
  page.manifest.text += "\nan extra line";
  const GrayImage before = page.image;
  Status s = MaskItems({22}, &page.image, &page.manifest);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_EQ(page.image.pixels, before.pixels);
  Page outside = ThreeItemPage();
  outside.manifest.items[1].y = outside.manifest.params.height;
  EXPECT_TRUE(
      MaskItems({22}, &outside.image, &outside.manifest).IsInvalidArgument());
  GrayImage empty;
  Page p2 = ThreeItemPage();
  EXPECT_TRUE(MaskItems({22}, &empty, &p2.manifest).IsInvalidArgument());
}

}  // namespace
}  // namespace mnemo::codec
