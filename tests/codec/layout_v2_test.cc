// Copyright (c) mnemo authors.
//
// Layout version 2: items flow and share lines, prose is reflowed with
// paragraph marks, LINE blocks keep their breaks and are set in columns,
// structured items get "HH:MM TAG" headers, date marks and a legend; the
// manifest locates every item exactly (line boxes, x_begin/x_end, text
// ranges) and its source ranges still cover each item exactly once.

#include <gtest/gtest.h>

#include <map>

#include "codec_test_util.h"
#include "layout_test_util.h"
#include "mnemo/codec/manifest.h"
#include "mnemo/codec/page.h"

namespace mnemo::codec {
namespace {

using test::ExpectExactCoverage;
using test::Lines;

constexpr int64_t kDay = 86400LL * 1000000;
// 2023-05-08 13:56:00 UTC.
constexpr int64_t kMay8 = 1683554160LL * 1000000;

class LayoutV2Test : public test::RendererTest {
 protected:
};

TEST_F(LayoutV2Test, ShortItemsShareALineWithTheDelimiterBetween) {
  std::vector<PageItem> items = {{1, "", "alpha one"}, {2, "", "beta two"}};
  std::vector<Page> pages = PackOk(items);
  ASSERT_EQ(pages.size(), 1u);
  const PageManifest& m = pages[0].manifest;
  EXPECT_EQ(m.text, "alpha one" + std::string(kItemDelimiter) + "beta two");
  ASSERT_EQ(m.items.size(), 2u);
  EXPECT_EQ(m.items[0].first_line, m.items[1].first_line);
  EXPECT_LT(m.items[0].x_end, m.items[1].x_begin);
  EXPECT_EQ(m.items[0].text, "alpha one");
  EXPECT_EQ(m.items[1].text, "beta two");
  EXPECT_EQ(m.params.layout_version, 3u);
  ExpectExactCoverage(pages, items);
}

TEST_F(LayoutV2Test, HardWrappedProseIsReflowedWithParagraphMarks) {
  const std::string body =
      "The quick brown fox jumps over the lazy dog and keeps running\n"
      "across the field until the evening light fades over the hills\n"
      "and the farmer calls the dogs back home for the night.\n"
      "\n"
      "A second paragraph follows after one blank line, also wrapped\n"
      "by hand at about sixty columns as commit messages often are.";
  std::vector<PageItem> items = {{7, "", body}};
  std::vector<Page> pages = PackOk(items);
  ASSERT_EQ(pages.size(), 1u);
  const PageManifest& m = pages[0].manifest;
  std::string flowed = body;
  flowed.replace(flowed.find("\n\n"), 2, std::string(kParagraphMark));
  for (size_t i; (i = flowed.find('\n')) != std::string::npos;) flowed[i] = ' ';
  // Line breaks only where a line is full (at a space): one flowing text.
  std::string drawn = m.text;
  for (size_t i; (i = drawn.find('\n')) != std::string::npos;) drawn[i] = ' ';
  EXPECT_EQ(drawn, flowed);
  EXPECT_EQ(m.line_count, 2u);  // the source has six lines
  ExpectExactCoverage(pages, items);
}

TEST_F(LayoutV2Test, ShortLogLinesKeepTheirBreaksInColumns) {
  std::string body;
  std::vector<std::string> lines;
  for (int i = 0; i < 400; ++i) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "12:%02d:%02d INFO worker-%d done job %05d",
                  i / 60 % 60, i % 60, i % 7, i * 37);
    lines.push_back(buf);
    body += buf;
    body += '\n';
  }
  body.pop_back();
  std::vector<PageItem> items = {{3, "", body}};
  std::vector<Page> pages = PackOk(items);
  ASSERT_FALSE(pages.empty());
  const PageManifest& m = pages[0].manifest;
  EXPECT_GE(m.columns, 2u);
  // Reading order: column 1 top to bottom, then column 2; each source line
  // is one page line.
  std::vector<std::string> page_lines = Lines(m.text);
  ASSERT_GT(page_lines.size(), static_cast<size_t>(LinesPerPage(DefaultProfile())));
  for (size_t k = 0; k < page_lines.size(); ++k) EXPECT_EQ(page_lines[k], lines[k]);
  const int rows = LinesPerPage(DefaultProfile());
  EXPECT_GT(m.lines[rows].x, m.lines[0].x + m.lines[0].w);  // a gutter
  EXPECT_EQ(m.lines[rows].y, m.lines[0].y);
  ExpectExactCoverage(pages, items);
  EXPECT_GE(FillFactor(m), 0.6);
}

TEST_F(LayoutV2Test, OverlongLinesInLineBlocksWrapWithAMark) {
  std::string body = "short\n" + std::string(600, 'x') + "\nend";
  std::vector<PageItem> items = {{4, "", body}};
  std::vector<Page> pages = PackOk(items);
  ASSERT_EQ(pages.size(), 1u);
  const std::string wrap(kWrapMark);
  EXPECT_NE(pages[0].manifest.text.find("\n" + wrap + "xxx"), std::string::npos)
      << pages[0].manifest.text;
  ExpectExactCoverage(pages, items);
}

TEST_F(LayoutV2Test, StructuredItemsGetTimeTagDatesAndALegend) {
  std::vector<PageItem> items = {
      {1, "", "Hey Mel!", kMay8, "Caroline"},
      {2, "", "Hi Caroline.", kMay8 + 60000000, "Melanie"},
      {3, "", "Morning.", kMay8 + kDay, "Carl"},
      {4, "", "Same day.", kMay8 + kDay + 60000000, "Caroline"}};
  std::vector<Page> pages = PackOk(items);
  ASSERT_EQ(pages.size(), 1u);
  const PageManifest& m = pages[0].manifest;
  const std::vector<std::string> lines = Lines(m.text);
  const std::string dot(kLegendSeparator);
  EXPECT_EQ(lines[0], "2023-05-08" + dot + "CA = Caroline" + dot +
                          "ME = Melanie" + dot + "CR = Carl");
  EXPECT_EQ(m.items[0].text, "13:56 CA Hey Mel!");
  EXPECT_EQ(m.items[1].text, "13:57 ME Hi Caroline.");
  EXPECT_EQ(m.items[2].text, "2023-05-09 13:56 CR Morning.");
  EXPECT_EQ(m.items[3].text, "13:57 CA Same day.");
  // Decorations are not source: the spans cover the bodies alone.
  ExpectExactCoverage(pages, items);
}

// The band at the top of each page carries its date and legend; a day
// change within a page is marked inline.
TEST_F(LayoutV2Test, EveryPageStartsWithItsDateAndLegend) {
  std::vector<PageItem> items;
  for (uint64_t i = 1; i <= 900; ++i) {
    items.push_back({i, "", "message number " + std::to_string(i) +
                                " about the weekend plans and the garden",
                     kMay8 + static_cast<int64_t>(i) * 60000000,
                     i % 2 ? "Caroline" : "Melanie"});
  }
  std::vector<Page> pages = PackOk(items);
  ASSERT_GE(pages.size(), 2u);
  for (const Page& p : pages) {
    const PageManifest& m = p.manifest;
    const std::string band = Lines(m.text)[0];
    EXPECT_EQ(band.substr(0, 8), "2023-05-") << m.page_index;
    EXPECT_NE(band.find("CA = Caroline"), std::string::npos) << band;
    EXPECT_NE(band.find("ME = Melanie"), std::string::npos) << band;
    EXPECT_GE(FillFactor(m), p.manifest.page_index + 1 < pages.size() ? 0.85 : 0);
  }
  ExpectExactCoverage(pages, items);
}

TEST_F(LayoutV2Test, ProsePagesFillUp) {
  std::string prose = test::ReadCodecData("prose.txt");
  if (prose.empty()) GTEST_SKIP() << "tests/codec/data/prose.txt missing";
  std::vector<PageItem> items = test::ParagraphItems(prose, 40000, false);
  std::vector<Page> pages = PackOk(items);
  ASSERT_GE(pages.size(), 2u);
  EXPECT_GE(FillFactor(pages[0].manifest), 0.85);
  EXPECT_EQ(pages[0].manifest.columns, 1u);
  ExpectExactCoverage(pages, items);
}

TEST_F(LayoutV2Test, ManifestV2RoundTripsAndLocatesPieces) {
  std::vector<PageItem> items;
  for (uint64_t i = 1; i <= 60; ++i) {
    items.push_back({i, "", "record " + std::to_string(i) + " with a few words"});
  }
  std::vector<Page> pages = PackOk(items);
  ASSERT_EQ(pages.size(), 1u);
  const PageManifest& m = pages[0].manifest;
  std::string bytes, again;
  ASSERT_TRUE(SerializeManifest(m, &bytes).ok());
  PageManifest back, from_json;
  ASSERT_TRUE(ParseManifest(bytes, &back).ok());
  ASSERT_TRUE(ManifestFromJson(ManifestToJson(back), &from_json).ok());
  ASSERT_TRUE(SerializeManifest(from_json, &again).ok());
  EXPECT_EQ(bytes, again);
  for (const ItemSpan& s : back.items) {
    std::vector<SpanPiece> pieces = SpanPieces(back, s);
    ASSERT_EQ(pieces.size(), s.line_count);
    EXPECT_EQ(pieces.front().x, s.x_begin);
    EXPECT_EQ(pieces.back().x + pieces.back().w, s.x_end);
  }
}

}  // namespace
}  // namespace mnemo::codec
