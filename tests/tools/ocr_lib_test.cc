// Copyright (c) mnemo authors.
//
// mnemo_ocr: the character error rate against hand-counted edits, the
// normalisation rules one by one, the upscaler's geometry and determinism,
// and the in-process Tesseract engine reading a page the codec rendered.
// The OCR cases skip (with the reason) when Tesseract has no eng data.

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "codec_test_util.h"
#include "mnemo/codec/page.h"
#include "mnemo/codec/profile.h"
#include "mnemo/ocr/ocr.h"

namespace mnemo::ocr {
namespace {

CerCount Cer(std::string_view ref, std::string_view ocr, CerOptions o = {}) {
  return CharErrorRate(ref, ocr, o);
}

TEST(CharErrorRateTest, KnownEditCounts) {
  // kitten -> sitting: k/s, e/i substituted, g inserted.
  CerCount c = Cer("kitten", "sitting");
  EXPECT_EQ(c.edits, 3u);
  EXPECT_EQ(c.reference_chars, 6u);
  EXPECT_EQ(c.ocr_chars, 7u);
  EXPECT_DOUBLE_EQ(c.rate(), 0.5);
  EXPECT_EQ(Cer("flaw", "lawn").edits, 2u);
  EXPECT_EQ(Cer("same text", "same text").edits, 0u);
  EXPECT_EQ(Cer("abc", "").edits, 3u);
  EXPECT_EQ(Cer("", "xy").edits, 2u);
  // The two orders give the same distance.
  EXPECT_EQ(Cer("sitting", "kitten").edits, 3u);
}

TEST(CharErrorRateTest, CountsCodePointsNotBytes) {
  // One substituted accented letter is one edit of a 5-code-point word.
  CerCount c = Cer("caf\u00e9s", "cafes");
  EXPECT_EQ(c.edits, 1u);
  EXPECT_EQ(c.reference_chars, 5u);
  EXPECT_EQ(Cer("\U0001F4E2 ok", "ok").edits, 2u);  // emoji + space
}

TEST(CharErrorRateTest, EmptyReference) {
  EXPECT_DOUBLE_EQ(Cer("", "").rate(), 0.0);
  EXPECT_DOUBLE_EQ(Cer("  \n", "noise").rate(), 1.0);
}

TEST(CharErrorRateTest, WhitespaceRunsFold) {
  EXPECT_EQ(Cer("a  b\n\nc\td ", " a b c d").edits, 0u);
  EXPECT_EQ(NormalizeForCer("  x \n\n y\t", {}), "x y");
  CerOptions keep;
  keep.fold_whitespace = false;
  EXPECT_EQ(Cer("a  b", "a b", keep).edits, 1u);
}

TEST(CharErrorRateTest, TypographyFoldsButBacktickStaysAnError) {
  EXPECT_EQ(Cer("\"it's\" - fine", "\u201cit\u2019s\u201d \u2014 fine").edits,
            0u);
  EXPECT_EQ(Cer("office flow", "o\ufb03ce \ufb02ow").edits, 0u);
  EXPECT_EQ(Cer("it's", "it`s").edits, 1u);  // a real misreading
  CerOptions exact;
  exact.fold_typography = false;
  EXPECT_EQ(Cer("it's", "it\u2019s", exact).edits, 1u);
}

TEST(CharErrorRateTest, HyphensAndMinusFoldToAsciiHyphen) {
  // Man pages set U+2010; OCR reads every hyphen-like dash as '-'.
  EXPECT_EQ(Cer("\u2010\u2010all a\u2011b 3\u22121", "--all a-b 3-1").edits,
            0u);
  CerOptions exact;
  exact.fold_typography = false;
  EXPECT_EQ(Cer("\u2010x", "-x", exact).edits, 1u);
}

TEST(CharErrorRateTest, CharactersTheReaderCannotOutputAreUnscoredAndCounted) {
  CerOptions o;
  o.readable = U" abcdefghijklmnopqrstuvwxyz'*";
  // The backtick (outside the set) may be read as anything or nothing.
  CerCount c = Cer("a `b` c", "a 'b' c", o);
  EXPECT_EQ(c.edits, 0u);
  EXPECT_EQ(c.unscored, 2u);
  EXPECT_EQ(c.reference_chars, 7u);
  EXPECT_EQ(Cer("a `b` c", "a b c", o).edits, 0u);
  // Readable neighbours are still scored, and one unscored character
  // absorbs at most one OCR character.
  EXPECT_EQ(Cer("a `b` c", "a 'x' c", o).edits, 1u);
  EXPECT_EQ(Cer("a `b` c", "a '''b' c", o).edits, 2u);
  EXPECT_EQ(Cer("x`y", "xy", o).edits, 0u);
  // A readable character is never free, and OCR characters outside the set
  // are errors like any other.
  EXPECT_EQ(Cer("a*b", "ab", o).edits, 1u);
  EXPECT_EQ(Cer("ab", "a`b", o).edits, 1u);
  // Whitespace is never unscored; without a set everything is scored.
  EXPECT_EQ(Cer("a\tb", "ab", o).unscored, 0u);
  CerCount all = Cer("a `b` c", "a 'b' c");
  EXPECT_EQ(all.edits, 2u);
  EXPECT_EQ(all.unscored, 0u);
  CerCount sum = c;
  sum += c;
  EXPECT_EQ(sum.unscored, 4u);
}

TEST(CharErrorRateTest, ExcludedLayoutMarksAreIgnoredOnBothSides) {
  CerOptions marks;
  marks.excluded =
      CodePoints("\u00b7\u00b6");  // flow delimiter, paragraph mark
  // The marks count when not excluded ...
  EXPECT_EQ(Cer("one \u00b7 two\u00b6", "one two").edits, 3u);
  // ... and vanish when excluded, wherever either side has them.
  EXPECT_EQ(Cer("one \u00b7 two\u00b6", "one two", marks).edits, 0u);
  EXPECT_EQ(Cer("one two", "one\u00b7two", marks).edits, 0u);
  EXPECT_EQ(Cer("one \u00b7 two", "one - two", marks).edits,
            2u);  // "-" is read
}

TEST(CharErrorRateTest, CountsAggregate) {
  CerCount total = Cer("kitten", "sitting");
  total += Cer("abcd", "abcd");
  EXPECT_EQ(total.edits, 3u);
  EXPECT_EQ(total.reference_chars, 10u);
  EXPECT_DOUBLE_EQ(total.rate(), 0.3);  // not the mean of 0.5 and 0
}

TEST(CharErrorRateTest, MalformedUtf8IsComparedNotRejected) {
  EXPECT_EQ(CodePoints("a\xff"
                       "b")
                .size(),
            3u);
  EXPECT_EQ(CodePoints("a\xff"
                       "b")[1],
            U'\uFFFD');
  EXPECT_EQ(Cer("a\xe2\x82", "a").edits, 2u);  // truncated sequence: 2 bytes
}

TEST(CharErrorRateTest, CodecTestUtilUsesTheLibrary) {
  EXPECT_DOUBLE_EQ(codec::test::CharacterErrorRate("kitten", "sitting"), 0.5);
  EXPECT_EQ(codec::test::NormalizeForCer(" \u201cq\u201d\n"), "\"q\"");
}

codec::GrayImage Gradient(int w, int h) {
  codec::GrayImage img;
  img.Reset(w, h, 255);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x)
      img.Row(y)[x] = static_cast<uint8_t>((x * 37 + y * 11) % 256);
  }
  return img;
}

TEST(UpscaleTest, GeometryFlatAreasAndDeterminism) {
  codec::GrayImage flat;
  flat.Reset(5, 3, 200);
  codec::GrayImage out;
  ASSERT_TRUE(Upscale(flat, 3, &out).ok());
  EXPECT_EQ(out.width, 15);
  EXPECT_EQ(out.height, 9);
  for (uint8_t p : out.pixels) ASSERT_EQ(p, 200);  // taps sum to exactly 1
  const codec::GrayImage g = Gradient(17, 9);
  codec::GrayImage a, b;
  ASSERT_TRUE(Upscale(g, 3, &a).ok());
  ASSERT_TRUE(Upscale(g, 3, &b).ok());
  EXPECT_EQ(a.pixels, b.pixels);
  // Factor 1 copies; odd factors put a sample on every source pixel centre.
  ASSERT_TRUE(Upscale(g, 1, &b).ok());
  EXPECT_EQ(b.pixels, g.pixels);
  for (int y = 0; y < g.height; ++y) {
    for (int x = 0; x < g.width; ++x) {
      ASSERT_EQ(a.Row(3 * y + 1)[3 * x + 1], g.Row(y)[x]) << x << "," << y;
    }
  }
}

TEST(UpscaleTest, BadInputIsRefused) {
  codec::GrayImage out, empty;
  EXPECT_TRUE(Upscale(empty, 2, &out).IsInvalidArgument());
  const codec::GrayImage g = Gradient(4, 4);
  EXPECT_TRUE(Upscale(g, 0, &out).IsInvalidArgument());
  EXPECT_TRUE(Upscale(g, 9, &out).IsInvalidArgument());
  codec::GrayImage wide;
  wide.Reset(20000, 1, 255);
  Status s = Upscale(wide, 4, &out);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.ToString().find("80000x4"), std::string::npos) << s.ToString();
}

class OcrEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Status s = OcrEngine::Open(OcrOptions(), &engine_);
    if (s.IsNotFound()) GTEST_SKIP() << s.ToString();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  // The first page of the prose corpus, rendered with the base profile.
  codec::Page ProsePage() {
    std::unique_ptr<codec::Renderer> renderer;
    EXPECT_TRUE(
        codec::Renderer::Create(*codec::FindProfile("base"), &renderer).ok());
    std::vector<codec::Page> pages;
    const std::string prose = codec::test::ReadCodecData("prose.txt");
    EXPECT_FALSE(prose.empty()) << "tests/codec/data/prose.txt missing";
    EXPECT_TRUE(
        renderer->Pack(codec::test::ParagraphItems(prose, 3000, false), &pages)
            .ok());
    EXPECT_FALSE(pages.empty());
    return pages.empty() ? codec::Page() : std::move(pages[0]);
  }
  std::unique_ptr<OcrEngine> engine_;
};

TEST_F(OcrEngineTest, ReadsARenderedPageAndAgainTheSame) {
  const codec::Page page = ProsePage();
  std::string text, again;
  OcrRequest request;  // psm 6, native size
  ASSERT_TRUE(engine_->Read(page.image, request, &text).ok());
  const CerCount c = CharErrorRate(page.manifest.text, text, {});
  std::printf("prose page at 1x: CER %.3f%%\n", 100 * c.rate());
  EXPECT_LE(c.rate(), 0.02) << text;
  ASSERT_TRUE(engine_->Read(page.image, request, &again).ok());  // reusable
  EXPECT_EQ(text, again);
}

TEST_F(OcrEngineTest, CropReadsOnlyThatPart) {
  // The page on the right half of a canvas twice as wide, blank paper left.
  const codec::Page page = ProsePage();
  const int w = page.image.width, h = page.image.height;
  codec::GrayImage canvas;
  canvas.Reset(2 * w, h, 255);
  for (int y = 0; y < h; ++y) {
    std::copy(page.image.Row(y), page.image.Row(y) + w, canvas.Row(y) + w);
  }
  OcrRequest request;
  request.crop = CropRect{w, 0, w, h};
  std::string text, whole;
  ASSERT_TRUE(engine_->Read(canvas, request, &text).ok());
  ASSERT_TRUE(engine_->Read(page.image, OcrRequest(), &whole).ok());
  EXPECT_EQ(text, whole);
  request.crop = CropRect{0, 0, w, h};
  ASSERT_TRUE(engine_->Read(canvas, request, &text).ok());
  EXPECT_EQ(NormalizeForCer(text, {}), "");
}

TEST_F(OcrEngineTest, BlankPageReadsNothingAndBadRequestsAreRefused) {
  codec::GrayImage blank;
  blank.Reset(300, 200, 255);
  std::string text = "stale";
  ASSERT_TRUE(engine_->Read(blank, OcrRequest(), &text).ok());
  EXPECT_EQ(NormalizeForCer(text, {}), "");
  OcrRequest bad;
  bad.psm = 4;
  EXPECT_TRUE(engine_->Read(blank, bad, &text).IsInvalidArgument());
  bad = OcrRequest();
  bad.upscale = 5;
  EXPECT_TRUE(engine_->Read(blank, bad, &text).IsInvalidArgument());
  bad = OcrRequest();
  bad.crop = CropRect{250, 0, 100, 10};
  Status s = engine_->Read(blank, bad, &text);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.ToString().find("crop 100x10+250+0"), std::string::npos)
      << s.ToString();
  EXPECT_TRUE(engine_->Read(codec::GrayImage(), OcrRequest(), &text)
                  .IsInvalidArgument());
}

// Reads `page` at 3x the way the codec report does (column by column when
// set in columns) and returns its CER, characters the model cannot output
// unscored.
CerCount ReadAt3x(OcrEngine* engine, const codec::Page& page) {
  CerOptions o;
  EXPECT_TRUE(engine->Charset(&o.readable).ok());
  o.excluded = CodePoints(std::string(codec::kItemDelimiter) +
                          std::string(codec::kParagraphMark) +
                          std::string(codec::kWrapMark));
  OcrRequest request;
  request.upscale = 3;
  std::string text;
  for (const CropRect& r :
       ReadingRegions(page.manifest, page.image.width, page.image.height)) {
    request.crop = r;
    std::string piece;
    EXPECT_TRUE(engine->Read(page.image, request, &piece).ok());
    text += piece + "\n";
  }
  return CharErrorRate(page.manifest.text, text, o);
}

codec::Page FirstFullPage(const std::vector<codec::PageItem>& items) {
  std::unique_ptr<codec::Renderer> renderer;
  EXPECT_TRUE(
      codec::Renderer::Create(*codec::FindProfile("base"), &renderer).ok());
  std::vector<codec::Page> pages;
  EXPECT_TRUE(renderer->Pack(items, &pages).ok());
  EXPECT_GE(pages.size(), 2u) << "the items did not fill a page";
  return pages.empty() ? codec::Page() : std::move(pages[0]);
}

// Items of `chars` bytes or more, item i's body made by body(i) (ids from 1).
std::vector<codec::PageItem> ItemsOf(
    const std::function<std::string(uint64_t)>& body, size_t chars) {
  std::vector<codec::PageItem> items;
  for (size_t total = 0; total < chars;) {
    codec::PageItem item;
    item.id = items.size() + 1;
    item.body = body(item.id);
    total += item.body.size();
    items.push_back(std::move(item));
  }
  return items;
}

// Reads the first full page of `items` at 3x and prints its CER as `what`.
CerCount ReadFirstFullPageAt3x(OcrEngine* engine,
                               const std::vector<codec::PageItem>& items,
                               const char* what) {
  const CerCount c = ReadAt3x(engine, FirstFullPage(items));
  std::printf("%s at 3x: CER %.3f%% (%llu / %llu)\n", what, 100 * c.rate(),
              static_cast<unsigned long long>(c.edits),
              static_cast<unsigned long long>(c.reference_chars));
  return c;
}

// The IDs class target (issue 16): CER <= 1.5% at 3x on a full base page of
// hex ids, request ids, paths, sizes and timestamps (0/O, 1/l, 5/S, 8/B).
// Measured 0.54% (it is ~4% at native size, legibility_test.cc).
TEST_F(OcrEngineTest, IdentifierPageReadsWithinTheIdsTargetAt3x) {
  const CerCount c = ReadFirstFullPageAt3x(
      engine_.get(), codec::test::IdentifierItems(40000), "identifier page");
  EXPECT_GT(c.reference_chars, 8000u);
  EXPECT_EQ(c.unscored, 0u);
  EXPECT_LE(c.rate(), 0.015);
}

// Markdown emphasis and snake_case: '*' and '_' are drawn narrower and a
// little bolder (codec font_set.cc kReshapes) so that "**" and "__" read as
// two marks, not as '#' or an underline that OCR drops. Measured: 0.42%
// with the reshaped glyphs, 5.5% with DejaVu Sans' own.
TEST_F(OcrEngineTest, EmphasisAndUnderscoresReadAt3x) {
  const char* kWords[] = {
      "parse",         "config", "read_file",    "__init__", "max_retries",
      "**Breaking:**", "*note*", "tool_call_id", "__main__", "**fix**"};
  auto body = [&](uint64_t id) {
    std::string text;
    for (int w = 0; w < 12; ++w)
      text += std::string(kWords[(id * 7 + w * 3) % 10]) + " ";
    return text + "(#" + std::to_string(10000 + id) + ")";
  };
  const CerCount c = ReadFirstFullPageAt3x(
      engine_.get(), ItemsOf(body, 30000), "emphasis/underscore page");
  EXPECT_LE(c.rate(), 0.02);
}

// The pronoun "I" in dialogue: DejaVu Sans draws 'I' as a bare bar that
// Tesseract read as '|' (154 times on 3 LoCoMo pages); with slab serifs
// (codec font_set.cc kReshapes) it reads as 'I'. Measured on this page:
// 0.50% with the serifs, 5.4% with DejaVu Sans' own 'I'.
TEST_F(OcrEngineTest, PronounIReadsAsIAt3x) {
  const char* kSentences[] = {"I think I can make it on Friday.",
                              "Yes, I did, and I loved it!",
                              "Honestly I was nervous, but I went anyway.",
                              "If I had known, I would have called you.",
                              "I'm glad I asked.",
                              "Then I said: I will try again tomorrow.",
                              "Do you think I should? I am not sure.",
                              "I love that idea."};
  auto body = [&](uint64_t id) {
    std::string text;
    for (int w = 0; w < 4; ++w)
      text += std::string(kSentences[(id * 3 + w * 5) % 8]) + " ";
    return text;
  };
  const CerCount c = ReadFirstFullPageAt3x(engine_.get(), ItemsOf(body, 30000),
                                           "pronoun I page");
  EXPECT_LE(c.rate(), 0.01);
}

TEST_F(OcrEngineTest, CharsetIsTheModelsOutputSet) {
  std::u32string set;
  ASSERT_TRUE(engine_->Charset(&set).ok());
  for (char32_t cp : std::u32string(U" aZ09.,;:'\"*#_-/()[]{}<>=+|")) {
    EXPECT_NE(set.find(cp), std::u32string::npos)
        << "U+" << std::hex << uint32_t{cp};
  }
  // Debian's eng model has no backtick: no glyph can be read back as one.
  EXPECT_EQ(set.find(U'`'), std::u32string::npos);
  EXPECT_GT(set.size(), 90u);
  EXPECT_LT(set.size(), 1000u);
}

TEST(ModelCharsetTest, MissingOrMalformedFilesAreNamed) {
  std::u32string set;
  Status s = ModelCharset("/nonexistent/x.traineddata", &set);
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_NE(s.ToString().find("/nonexistent/x.traineddata"), std::string::npos);
  const std::string path = ::testing::TempDir() + "/garbage.traineddata";
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fputs("not a traineddata file at all", f);
  std::fclose(f);
  s = ModelCharset(path, &set);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.ToString().find("garbage.traineddata"), std::string::npos);
  std::remove(path.c_str());
}

TEST(OcrEngineOpenTest, MissingLanguageDataIsNotFoundNamingIt) {
  std::unique_ptr<OcrEngine> engine;
  OcrOptions options;
  options.tessdata_dir = "/nonexistent/tessdata";
  Status s = OcrEngine::Open(options, &engine);
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_NE(s.ToString().find("/nonexistent/tessdata"), std::string::npos);
  EXPECT_EQ(engine, nullptr);
  options = OcrOptions();
  options.language = "";
  EXPECT_TRUE(OcrEngine::Open(options, &engine).IsInvalidArgument());
}

}  // namespace
}  // namespace mnemo::ocr

// OpenMP threads inside Tesseract are slow on a busy machine and invisible
// to the thread sanitizer: run them in this thread (see ocr.h).
int main(int argc, char** argv) {
  mnemo::ocr::RunOcrSingleThreaded();
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
