// Copyright (c) mnemo authors.
//
// Layout geometry that fills pages of line-oriented documents (Markdown,
// changelogs, man pages, commit records): LINE-block lines flow where their
// break carries no meaning (list items after their marker, a description
// after its term, HTML, Markdown paragraph lines, ``` fences next to their
// code), words hyphenated at a hard wrap are drawn whole, a long run of
// short code lines gets a band of its own with several columns while the
// text around it stays one full-width column, and a shorter run of short
// lines is set inline, its breaks drawn as the line mark. In every case the
// manifest still covers each source byte exactly once.

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "codec_test_util.h"
#include "layout_test_util.h"
#include "mnemo/codec/manifest.h"
#include "mnemo/codec/page.h"

namespace mnemo::codec {
namespace {

using test::ExpectExactCoverage;
using test::Lines;

class LayoutFillTest : public test::RendererTest {
 protected:
  // The page text of a one-page, one-item layout of `body`, after checking
  // that the item's source is covered exactly.
  std::string OnePage(const std::string& body) {
    std::vector<Page> pages = PackOk({{1, "", body}});
    EXPECT_EQ(pages.size(), 1u);
    if (pages.empty()) return "";
    ExpectExactCoverage(pages, {{1, "", body}});
    return pages[0].manifest.text;
  }
  // The text with its line breaks as spaces (where a long line wraps).
  static std::string Flat(std::string text) {
    for (char& c : text) c = c == '\n' ? ' ' : c;
    return text;
  }
  // `text` with each whitespace run as one space, none at the start.
  static std::string Squeeze(const std::string& text) {
    std::string out;
    for (char c : text) {
      const bool space = c == ' ' || c == '\n';
      if (space && (out.empty() || out.back() == ' ')) continue;
      out.push_back(space ? ' ' : c);
    }
    return out;
  }
  // `text` as one paragraph hard-wrapped at `width` characters.
  static std::string Wrap(std::string text, size_t width) {
    for (char& c : text) c = c == '\n' ? ' ' : c;
    std::string out, line;
    size_t b = 0;
    while (b < text.size()) {
      size_t e = text.find(' ', b);
      if (e == std::string::npos) e = text.size();
      const std::string word = text.substr(b, e - b);
      if (word.empty()) {
        b = e + 1;
        continue;
      }
      if (!line.empty() && line.size() + 1 + word.size() > width) {
        out += line + "\n";
        line.clear();
      }
      line += (line.empty() ? "" : " ") + word;
      b = e + 1;
    }
    return out + line;
  }
};

const std::string kPara(kParagraphMark);
const std::string kLine(kLineMark);

TEST_F(LayoutFillTest, ListItemsFlowAfterTheirMarkers) {
  // A Debian changelog entry: its bullets, "[ Name ]" and a bullet's
  // wrapped second line flow; the markers show where each item starts.
  const std::string body =
      "pkg (1.0-1) unstable; urgency=medium\n"
      "  * New upstream release\n"
      "  * Fix the build with newer compilers, which refuse the old\n"
      "    declarations\n"
      "  [ Jane Doe ]\n"
      "  * Update watch file\n"
      "    - drop the old mirror";
  EXPECT_EQ(
      OnePage(body),
      "pkg (1.0-1) unstable; urgency=medium * New upstream release * Fix the "
      "build with newer compilers, which refuse the old declarations [ Jane "
      "Doe ] * Update watch file - drop the old mirror");
}

TEST_F(LayoutFillTest, ManPageTermsAndDescriptionsJoin) {
  const std::string body =
      "NAME\n"
      "       ls - list directory contents\n"
      "\n"
      "       -a, --all\n"
      "              do not ignore entries starting with .\n"
      "\n"
      "       --block-size=SIZE\n"
      "              with -l, scale sizes by SIZE when printing them; e.g.,\n"
      "              '--block-size=M'; see SIZE format below\n"
      "\n"
      "       Example:\n"
      "              ls -la /tmp";
  EXPECT_EQ(Flat(OnePage(body)),
            "NAME ls - list directory contents" + kPara +
                "-a, --all do not ignore entries starting with ." + kPara +
                "--block-size=SIZE with -l, scale sizes by SIZE when printing "
                "them; e.g., '--block-size=M'; see SIZE format below" +
                kPara + "Example: ls -la /tmp");
}

TEST_F(LayoutFillTest, CodeAfterATermOrOpenerKeepsItsLines) {
  // Lines ending in an opener or ":" after a code word are code: no join.
  // Short, they are set inline, each break drawn as the line mark and the
  // next line's indentation kept.
  const std::string body =
      "int main() {\n"
      "    return run(argc, argv);\n"
      "}\n"
      "def f(x):\n"
      "    return x";
  EXPECT_EQ(OnePage(body), "int main() {" + kLine +
                               "    return run(argc, argv);" + kLine + "}" +
                               kLine + "def f(x):" + kLine + "    return x");
}

TEST_F(LayoutFillTest, HtmlAndMarkdownParagraphLinesFlow) {
  EXPECT_EQ(
      OnePage("<p align=\"center\">\n  <a href=\"https://x.test/\">\n"
              "    <img src=\"logo.svg\" width=\"90px\">\n  </a>\n</p>"),
      "<p align=\"center\"> <a href=\"https://x.test/\"> <img src=\"logo.svg\" "
      "width=\"90px\"> </a> </p>");
  EXPECT_EQ(
      Flat(OnePage(
          "[![CI](https://ci.test/badge.svg)](https://ci.test/)\n"
          "[![npm](https://npm.test/v.svg)](https://npm.test/p)\n\n"
          "Using [Conventional Commits](https://cc.test/) as a standard\n"
          "for your commit messages, makes [SemVer](https://s.test/)\n"
          "`easy` as can be")),
      "[![CI](https://ci.test/badge.svg)](https://ci.test/) "
      "[![npm](https://npm.test/v.svg)](https://npm.test/p)" +
          kPara +
          "Using [Conventional Commits](https://cc.test/) as a standard for "
          "your commit messages, makes [SemVer](https://s.test/) `easy` as can "
          "be");
  EXPECT_EQ(
      OnePage("---\ntitle: npm-access\nsection: 1\ndescription: Set access "
              "level\n---"),
      "--- title: npm-access section: 1 description: Set access level ---");
  // Short lines that are not a paragraph's keep their breaks (as marks).
  EXPECT_EQ(OnePage("apples\npears\nplums"),
            "apples" + kLine + "pears" + kLine + "plums");
}

TEST_F(LayoutFillTest, FencesJoinTheCodeNextToThem) {
  EXPECT_EQ(OnePage("Install it:\n\n```sh\nnpm install -g tool\n```\n\nDone."),
            "Install it:" + kPara + "```sh npm install -g tool ```" + kPara +
                "Done.");
  // Inside the fence the code keeps its breaks (short: inline, as line
  // marks) and indentation.
  EXPECT_EQ(
      OnePage("Config:\n\n```js\n{\n  a: 1,\n}\n```"),
      "Config:" + kPara + "```js {" + kLine + "  a: 1," + kLine + "} ```");
  EXPECT_EQ(OnePage("```\nnpm ci\n```"), "``` npm ci ```");
}

TEST_F(LayoutFillTest, WordsHyphenatedAtAHardWrapAreDrawnWhole) {
  const std::string body =
      "Tells curl to use HTTP Basic authentication with the re-\n"
      "mote host. This is the default and this option is point-\n"
      "less, unless you use it to override a previously set op\xE2\x80\x90\n"
      "tion or one with a well-known name, such as the X-\n"
      "Forwarded header, or the option that is named --di-\n"
      "gest.";
  std::vector<PageItem> items = {{7, "", body}};
  std::vector<Page> pages = PackOk(items);
  ASSERT_EQ(pages.size(), 1u);
  const PageManifest& m = pages[0].manifest;
  // Between lowercase letters the hyphen ("-" or U+2010, as man pages
  // hyphenate) and the break are hidden; before a capital the hyphen stays
  // and the break is a space.
  EXPECT_EQ(
      Flat(m.text),
      "Tells curl to use HTTP Basic authentication with the remote host. This "
      "is the default and this option is pointless, unless you use it to "
      "override a previously set option or one with a well-known name, such "
      "as the X- Forwarded header, or the option that is named --digest.");
  ExpectExactCoverage(pages, items);
  // The span still maps every source byte, the hidden hyphens included.
  ASSERT_EQ(m.items.size(), 1u);
  EXPECT_EQ(m.items[0].source_begin, 0u);
  EXPECT_EQ(m.items[0].source_end, body.size());
}

TEST_F(LayoutFillTest, LongRunsOfShortCodeLinesGetABandOfColumns) {
  const std::string prose = test::ReadCodecData("prose.txt").substr(0, 2400);
  const std::string before = Wrap(prose.substr(0, 1200), 72);
  const std::string after = Wrap(prose.substr(1200), 72);
  std::string code = "```js\n";
  std::vector<std::string> code_lines;
  for (int i = 0; i < 200; ++i) {
    code_lines.push_back("let v" + std::to_string(i) + " = f(" +
                         std::to_string(i) + ");");
    code += code_lines.back() + "\n";
  }
  code += "```";
  std::vector<PageItem> items = {
      {1, "", before + "\n\n" + code + "\n\n" + after}};
  std::vector<Page> pages = PackOk(items);
  ASSERT_EQ(pages.size(), 1u);
  const PageManifest& m = pages[0].manifest;
  ExpectExactCoverage(pages, items);
  EXPECT_GE(m.columns, 2u);
  const std::vector<std::string> text = Lines(m.text);
  ASSERT_EQ(text.size(), m.lines.size());
  // The code lines in order, in one band: several column x, one row range.
  std::set<int32_t> xs;
  int32_t code_top = INT32_MAX, code_bottom = 0;
  size_t next = 1;  // code_lines[0] shares its line with the fence
  for (size_t k = 0; k < text.size(); ++k) {
    if (next < code_lines.size() - 1 && text[k] == code_lines[next]) {
      ++next;
      xs.insert(m.lines[k].x);
      code_top = std::min(code_top, m.lines[k].y);
      code_bottom = std::max(code_bottom, m.lines[k].y + m.lines[k].h);
    }
  }
  EXPECT_EQ(next, code_lines.size() - 1);
  EXPECT_GE(xs.size(), 2u);
  // Text before the band is above it, text after below it; both run the
  // full width (wider than a column of the band).
  const int32_t column =
      (*xs.rbegin() - *xs.begin()) / static_cast<int32_t>(xs.size() - 1);
  bool wide_above = false, wide_below = false;
  for (size_t k = 0; k < m.lines.size(); ++k) {
    if (text[k].find(' ') == std::string::npos || m.lines[k].w <= column)
      continue;
    wide_above |= m.lines[k].y + m.lines[k].h <= code_top;
    wide_below |= m.lines[k].y >= code_bottom;
    EXPECT_TRUE(m.lines[k].y + m.lines[k].h <= code_top ||
                m.lines[k].y >= code_bottom)
        << "line " << k << " overlaps the band: " << text[k];
  }
  EXPECT_TRUE(wide_above);
  EXPECT_TRUE(wide_below);
}

TEST_F(LayoutFillTest, MarkdownPagesWithCodeAndListsFillThePage) {
  // Sections of a README: heading, a hard-wrapped paragraph, a bullet list,
  // a one-line fenced command; enough of them for more than one page.
  const std::string prose = test::ReadCodecData("prose.txt");
  std::string doc;
  for (int s = 0; s < 30; ++s) {
    const size_t at = (static_cast<size_t>(s) * 700) % (prose.size() - 900);
    doc += "## Section " + std::to_string(s) + "\n\n" +
           Wrap(prose.substr(at, 700), 76) +
           "\n\n- first option, with a `flag`\n- second option\n  - nested "
           "detail\n- third option\n\n```sh\nnpm install --save tool@" +
           std::to_string(s) + "\n```\n\n";
  }
  std::vector<PageItem> items = {{1, "", doc}};
  std::vector<Page> pages = PackOk(items);
  ASSERT_GE(pages.size(), 2u);
  ExpectExactCoverage(pages, items);
  for (size_t p = 0; p + 1 < pages.size(); ++p) {
    EXPECT_EQ(pages[p].manifest.columns, 1u);
    EXPECT_GE(FillFactor(pages[p].manifest), 0.85) << "page " << p;
  }
}

TEST_F(LayoutFillTest, ShortCodeExamplesAreSetInlineWithLineMarks) {
  // A README whose sections each show a short example: a few shell lines
  // and a small JSON config (median line ~12 characters). One code line
  // per page row left three quarters of each page empty (fill ~0.25 under
  // layout v2); inline, each break drawn as the line mark, pages fill.
  const std::string prose = test::ReadCodecData("prose.txt");
  std::string doc;
  std::vector<std::string> code;
  for (int s = 0; s < 60; ++s) {
    const size_t at = (static_cast<size_t>(s) * 500) % (prose.size() - 700);
    const std::string n = std::to_string(s);
    const std::vector<std::string> lines = {"$ npm install tool" + n,
                                            "$ tool init",
                                            "$ tool run --watch",
                                            "{",
                                            "  \"name\": \"app" + n + "\",",
                                            "  \"port\": 80" + n,
                                            "}"};
    doc += "### Step " + n + "\n\n" + Wrap(prose.substr(at, 300), 76) +
           "\n\n```sh\n";
    for (const std::string& l : lines) {
      doc += l + "\n";
      code.push_back(l);
    }
    doc += "```\n\n";
  }
  std::vector<PageItem> items = {{1, "", doc}};
  std::vector<Page> pages = PackOk(items);
  ASSERT_GE(pages.size(), 2u);
  ExpectExactCoverage(pages, items);
  std::string all;
  for (size_t p = 0; p < pages.size(); ++p) {
    all += pages[p].manifest.text + "\n";
    EXPECT_EQ(pages[p].manifest.columns, 1u);
    if (p + 1 < pages.size()) {
      EXPECT_GE(FillFactor(pages[p].manifest), 0.85) << "page " << p;
    }
  }
  // Every code line is drawn, in order, followed by its break as the mark
  // (the last one of a block by the fence). Compared with whitespace runs
  // folded: page rows break at spaces, and a line's indentation is not
  // drawn at the start of a row.
  const std::string flat = Squeeze(all);
  size_t at = 0;
  for (size_t k = 0; k < code.size(); ++k) {
    const std::string line = Squeeze(code[k]) + (k % 7 == 6 ? " ```" : kLine);
    const size_t found = flat.find(line, at);
    ASSERT_NE(found, std::string::npos) << "code line " << k << ": " << line;
    at = found + line.size() - 1;
  }
}

TEST_F(LayoutFillTest, RunsOfLongLinesKeepTheirRows) {
  // Log lines of ~110 characters: inline they would save few rows, so each
  // keeps a row of its own (no line marks).
  std::string body, want;
  for (int i = 0; i < 8; ++i) {
    const std::string line =
        "2024-05-07T09:00:0" + std::to_string(i) +
        "Z INFO request handled method=GET path=/api/v1/items/" +
        std::to_string(1000 + i) + " status=200 bytes=5120 duration_ms=12";
    body += (i ? "\n" : "") + line;
    want += (i ? "\n" : "") + line;
  }
  EXPECT_EQ(OnePage(body), want);
}

}  // namespace
}  // namespace mnemo::codec
