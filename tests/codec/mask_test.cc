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

// Whether the pixels of `piece` scaled by `scale` are all paper / hold ink.
bool PieceIsBlank(const GrayImage& image, const SpanPiece& p, double scale) {
  for (int y = int(p.y * scale); y < int((p.y + p.h) * scale + 0.999); ++y) {
    for (int x = int(p.x * scale); x < int((p.x + p.w) * scale + 0.999); ++x) {
      if (image.Row(y)[x] != 255) return false;
    }
  }
  return true;
}

bool PieceUnchanged(const GrayImage& a, const GrayImage& b, const SpanPiece& p) {
  for (int y = p.y; y < p.y + p.h; ++y) {
    if (!std::equal(a.Row(y) + p.x, a.Row(y) + p.x + p.w, b.Row(y) + p.x))
      return false;
  }
  return true;
}

TEST(MaskTest, RemovedItemLeavesNoInkNoTextAndKeepsTheOthers) {
  Page page = ThreeItemPage();
  const GrayImage before = page.image;
  const PageManifest original = page.manifest;
  const ItemSpan gone = original.items[1];
  // Items flow: the forgotten one shares its first line with item 11.
  ASSERT_EQ(gone.first_line, original.items[0].first_line);
  size_t masked = 0;
  ASSERT_TRUE(MaskItems({22}, &page.image, &page.manifest, &masked).ok());
  EXPECT_EQ(masked, 1u);
  for (const SpanPiece& p : SpanPieces(original, gone)) {
    EXPECT_TRUE(PieceIsBlank(page.image, p, 1.0)) << "line " << p.line;
  }
  for (int k : {0, 2}) {  // kept items: every pixel of their pieces as before
    const ItemSpan& s = original.items[k];
    for (const SpanPiece& p : SpanPieces(original, s)) {
      EXPECT_TRUE(PieceUnchanged(page.image, before, p))
          << "item " << s.id << " line " << p.line;
      EXPECT_FALSE(PieceIsBlank(page.image, p, 1.0)) << "item " << s.id;
    }
    EXPECT_EQ(page.manifest.items[k].id, s.id);
    EXPECT_EQ(page.manifest.items[k].text, s.text);
    EXPECT_EQ(page.manifest.text.substr(page.manifest.items[k].text_begin,
                                        page.manifest.items[k].text_end -
                                            page.manifest.items[k].text_begin),
              s.text);
  }
  const ItemSpan& tomb = page.manifest.items[1];
  EXPECT_EQ(tomb.id, kRemovedItemId);
  EXPECT_TRUE(tomb.text.empty());
  EXPECT_EQ(tomb.source_begin, tomb.source_end);
  EXPECT_EQ(tomb.y, gone.y);
  EXPECT_EQ(tomb.x_begin, gone.x_begin);
  EXPECT_EQ(tomb.text_begin, tomb.text_end);
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
  for (const SpanPiece& p : SpanPieces(page.manifest, gone)) {
    EXPECT_TRUE(PieceIsBlank(small, p, scale)) << "line " << p.line;
  }
  const ItemSpan& kept = page.manifest.items[0];  // its pieces keep ink
  bool ink = false;
  for (SpanPiece p : SpanPieces(page.manifest, kept)) {
    p.y += 2, p.h -= 4, p.x += 2, p.w -= 4;  // inner part, away from the edge
    ink = ink || !PieceIsBlank(small, p, scale);
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
  outside.manifest.lines[outside.manifest.items[1].first_line].y =
      outside.manifest.params.height;
  EXPECT_TRUE(
      MaskItems({22}, &outside.image, &outside.manifest).IsInvalidArgument());
  Page bad_range = ThreeItemPage();
  bad_range.manifest.items[2].text_end =
      static_cast<uint32_t>(bad_range.manifest.text.size() + 1);
  EXPECT_TRUE(
      MaskItems({22}, &bad_range.image, &bad_range.manifest).IsInvalidArgument());
  GrayImage empty;
  Page p2 = ThreeItemPage();
  EXPECT_TRUE(MaskItems({22}, &empty, &p2.manifest).IsInvalidArgument());
}

}  // namespace
}  // namespace mnemo::codec
