// Copyright (c) mnemo authors.
//
// The corpus codec report (bench/codec_corpus_report.h) on a tiny generated
// corpus: the table's structure and sane values (real renderer, real
// Tesseract). Not a timing test: MB/s are only checked to be positive.

#include "codec_corpus_report.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "codec_test_util.h"
#include "mnemo/codec/profile.h"

namespace mnemo::bench {
namespace {

namespace fs = std::filesystem;

class CorpusReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mnemo-corpus-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "prose");
    fs::create_directories(dir_ / "logs");
    std::ofstream(dir_ / "manifest.json") << "{\"format\": 1}\n";
    // Documents: the prose paragraphs, enough for a few tiny pages.
    std::ofstream prose(dir_ / "prose" / "items.jsonl");
    for (const codec::PageItem& i :
         codec::test::ParagraphItems(codec::test::ReadCodecData("prose.txt"), 9000, false)) {
      prose << nlohmann::json({{"body", i.body}, {"source", "prose.txt"}}).dump() << "\n";
    }
    // Records with speaker and time.
    std::ofstream logs(dir_ / "logs" / "items.jsonl");
    for (int n = 0; n < 160; ++n) {
      char time[32], body[96];
      std::snprintf(time, sizeof time, "2024-03-%02dT%02d:%02d:07Z", 1 + n / 60, n % 24, n % 60);
      std::snprintf(body, sizeof body, "GET /api/v1/items/%d returned 200 in %d ms", 1000 + n,
                    3 + n % 17);
      logs << nlohmann::json({{"body", body}, {"speaker", n % 3 ? "nginx" : "worker"},
                              {"time", time}, {"source", "generated"}})
                  .dump()
           << "\n";
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  CorpusReportOptions Options() const {
    CorpusReportOptions o;
    o.corpus_dir = dir_.string();
    o.profiles = {"tiny"};
    o.cer_pages = 1;
    return o;
  }

  fs::path dir_;
};

TEST_F(CorpusReportTest, ClassesFullPagesAndSaneValues) {
  CorpusReport r;
  CorpusReportOptions o = Options();
  o.cer_dump_dir = (dir_ / "dump").string();
  ASSERT_TRUE(MeasureCorpus(o, &r).ok());
  EXPECT_FALSE(r.token_counter.empty());
  ASSERT_EQ(r.classes.size(), 2u);
  EXPECT_EQ(r.classes[0].name, "prose");  // report order, not directory order
  EXPECT_EQ(r.classes[1].name, "logs");
  for (const ClassFigures& f : r.classes) {
    SCOPED_TRACE(f.name);
    EXPECT_EQ(f.profile, "tiny");
    EXPECT_EQ(f.rejected, 0u);
    ASSERT_GE(f.full_pages, 1u);
    EXPECT_EQ(f.full_pages + 1, f.pages);
    EXPECT_GT(f.fill, 0.05);
    EXPECT_LE(f.fill, 1.0);
    EXPECT_EQ(f.vision_tokens, f.full_pages * 64);  // tiny: 64 per page
    EXPECT_GT(f.text_tokens, f.vision_tokens / 4);
    EXPECT_DOUBLE_EQ(f.ratio, double(f.text_tokens) / f.vision_tokens);
    EXPECT_GT(f.render_mbps, 0);
    EXPECT_GT(f.png_mbps, 0);
    if (!r.cer_note.empty()) continue;  // no Tesseract language data
    EXPECT_EQ(f.cer_pages_read, 1);
    EXPECT_EQ(f.psm, "6");
    EXPECT_GE(f.cer_native, 0);
    EXPECT_LT(f.cer_native, 0.5);  // a page of real text, not noise
    EXPECT_GE(f.cer_3x, 0);
    EXPECT_LT(f.cer_3x, 0.5);
    EXPECT_GE(f.cer_unscored, 0);
    EXPECT_LT(f.cer_unscored, 0.01);  // plain ASCII text
    // --cer-dump: the page read, its reference and the 3x reading.
    for (const char* ext : {".png", ".ref.txt", ".ocr3x.txt"}) {
      EXPECT_TRUE(fs::exists(dir_ / "dump" / (f.name + "-p0" + ext))) << ext;
    }
  }
  ASSERT_EQ(r.mixes.size(), 1u);
  const MixFigures& m = r.mixes[0];
  EXPECT_EQ(m.classes.size(), 2u);
  EXPECT_NEAR(m.ratio, (r.classes[0].ratio + r.classes[1].ratio) / 2, 1e-9);
  EXPECT_NEAR(m.fill, (r.classes[0].fill + r.classes[1].fill) / 2, 1e-9);
}

TEST_F(CorpusReportTest, RecordsCountTheirSpeakerAndTime) {
  CorpusReportOptions o = Options();
  o.cer_pages = 0;
  CorpusReport r;
  ASSERT_TRUE(MeasureCorpus(o, &r).ok());
  std::vector<CorpusClass> classes;
  ASSERT_TRUE(LoadCorpus(dir_.string(), &classes).ok());
  ASSERT_EQ(classes[1].name, "logs");
  EXPECT_TRUE(classes[1].records);
  EXPECT_FALSE(classes[0].records);
  const codec::PageItem& first = classes[1].items[0];
  EXPECT_EQ(first.speaker, "worker");
  EXPECT_EQ(RecordText(first), "2024-03-01 00:00 worker: GET /api/v1/items/1000 returned 200 in 3 ms");
  // Either layout shows the speaker on the page.
  const auto items = RenderItems(classes[1], false);
  EXPECT_EQ(items[0].body, RecordText(first));
  EXPECT_TRUE(items[0].speaker.empty());
}

TEST_F(CorpusReportTest, WeightsChooseTheMix) {
  CorpusReportOptions o = Options();
  o.cer_pages = 0;
  o.weights = {{"prose", 1}, {"logs", 0}};
  CorpusReport r;
  ASSERT_TRUE(MeasureCorpus(o, &r).ok());
  ASSERT_EQ(r.mixes[0].classes, std::vector<std::string>{"prose"});
  EXPECT_DOUBLE_EQ(r.mixes[0].ratio, r.classes[0].ratio);
  EXPECT_EQ(r.mixes[0].cer_3x, -1);  // not measured
  o.weights = {{"poetry", 1}};
  Status s = MeasureCorpus(o, &r);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.ToString().find("poetry"), std::string::npos);
}

TEST_F(CorpusReportTest, MarkdownAndJsonCarryEveryRow) {
  CorpusReportOptions o = Options();
  o.cer_pages = 0;
  CorpusReport r;
  ASSERT_TRUE(MeasureCorpus(o, &r).ok());
  const std::string md = CorpusReportMarkdown(r);
  EXPECT_NE(md.find("| class | records | full/pages | fill | text tok | vision tok | ratio |"),
            std::string::npos);
  EXPECT_NE(md.find("| prose | "), std::string::npos);
  EXPECT_NE(md.find("| logs | "), std::string::npos);
  EXPECT_NE(md.find("| **mix** | 2 classes |"), std::string::npos);
  EXPECT_NE(md.find(r.token_counter), std::string::npos);
  const nlohmann::json j = CorpusReportJson(r);
  ASSERT_EQ(j["classes"].size(), 2u);
  EXPECT_EQ(j["classes"][1]["class"], "logs");
  EXPECT_TRUE(j["classes"][0]["cer"].is_null());
  EXPECT_DOUBLE_EQ(j["mix"]["tiny"]["token_ratio"].get<double>(), r.mixes[0].ratio);
}

TEST(CerSampleTest, PagesSpreadOverTheClass) {
  EXPECT_EQ(CerSamplePages(10, 3), (std::vector<size_t>{0, 3, 6}));
  EXPECT_EQ(CerSamplePages(16, 3), (std::vector<size_t>{0, 5, 10}));
  EXPECT_EQ(CerSamplePages(2, 3), (std::vector<size_t>{0, 1}));
  EXPECT_EQ(CerSamplePages(4, 4), (std::vector<size_t>{0, 1, 2, 3}));
  EXPECT_TRUE(CerSamplePages(0, 3).empty());
  EXPECT_TRUE(CerSamplePages(7, 0).empty());
}

// A band line across the page, then two columns: three regions in reading
// order, each around its own lines only.
TEST(ReadingRegionsTest, BandThenColumnsInReadingOrder) {
  codec::PageManifest m;
  m.columns = 2;
  m.lines.push_back({8, 8, 900, 12});  // band
  for (int k = 0; k < 5; ++k) m.lines.push_back({8, 20 + 12 * k, 400, 12});
  for (int k = 0; k < 6; ++k)
    m.lines.push_back({520, 20 + 12 * k, 380 - k, 12});
  const std::vector<ocr::CropRect> r = ocr::ReadingRegions(m, 1024, 1024);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].x, 4);
  EXPECT_EQ(r[0].y, 4);
  EXPECT_EQ(r[0].w, 908);
  EXPECT_EQ(r[0].h, 20);
  EXPECT_EQ(r[1].x, 4);
  EXPECT_EQ(r[1].y, 16);
  EXPECT_EQ(r[1].w, 408);
  EXPECT_EQ(r[1].h, 5 * 12 + 8);
  EXPECT_EQ(r[2].x, 516);
  EXPECT_EQ(r[2].w, 388);
  EXPECT_EQ(r[2].h, 6 * 12 + 8);
  // Clipped to the page; one column and no band: one region.
  m.lines = {{0, 0, 1024, 12}, {0, 12, 1024, 12}};
  const std::vector<ocr::CropRect> one = ocr::ReadingRegions(m, 1024, 24);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].x, 0);
  EXPECT_EQ(one[0].w, 1024);
  EXPECT_EQ(one[0].h, 24);
}

// A page as a stack of bands: full-width text, two columns, full-width
// text again, two more columns. Each band and each column is its own
// region, in reading order (the full-width text after a band of columns
// is not joined to that band's last column).
TEST(ReadingRegionsTest, StackOfBandsInReadingOrder) {
  codec::PageManifest m;
  m.columns = 2;
  auto band = [&](int y, int rows) {
    for (int k = 0; k < rows; ++k) m.lines.push_back({8, y + 12 * k, 900, 12});
  };
  auto columns = [&](int y, int rows) {
    for (int x : {8, 520})
      for (int k = 0; k < rows; ++k) m.lines.push_back({x, y + 12 * k, 380, 12});
  };
  band(8, 2);       // y 8..32
  columns(32, 5);   // y 32..92
  band(92, 3);      // y 92..128
  columns(128, 4);  // y 128..176
  const std::vector<ocr::CropRect> r = ocr::ReadingRegions(m, 1024, 1024);
  ASSERT_EQ(r.size(), 6u);
  const int expect_x[] = {4, 4, 516, 4, 4, 516};
  const int expect_y[] = {4, 28, 28, 88, 124, 124};
  const int expect_h[] = {32, 68, 68, 44, 56, 56};
  for (size_t i = 0; i < r.size(); ++i) {
    EXPECT_EQ(r[i].x, expect_x[i]) << "region " << i;
    EXPECT_EQ(r[i].y, expect_y[i]) << "region " << i;
    EXPECT_EQ(r[i].h, expect_h[i]) << "region " << i;
  }
  EXPECT_EQ(r[3].w, 908);  // the middle band spans the page again
  EXPECT_EQ(r[2].w, 388);
}

// Pages the renderer set in columns: every line box lies inside exactly
// one region, and the regions do not overlap.
TEST(ReadingRegionsTest, RenderedColumnPagesAreCovered) {
  std::unique_ptr<codec::Renderer> r;
  ASSERT_TRUE(codec::Renderer::Create(*codec::FindProfile("base"), &r).ok());
  std::string body;
  for (int n = 0; n < 900; ++n)
    body += "key_" + std::to_string(n) + " = " + std::to_string(n * 7) + "\n";
  codec::PageItem item;
  item.id = 1;
  item.body = body;
  std::vector<codec::Page> pages;
  ASSERT_TRUE(r->Pack({item}, &pages).ok());
  int column_pages = 0;
  for (const codec::Page& p : pages) {
    if (p.manifest.columns < 2) continue;
    ++column_pages;
    const auto regions =
        ocr::ReadingRegions(p.manifest, p.image.width, p.image.height);
    EXPECT_GE(regions.size(), p.manifest.columns);
    auto inside = [](const codec::LineBox& b, const ocr::CropRect& c) {
      return b.x >= c.x && b.y >= c.y && b.x + b.w <= c.x + c.w &&
             b.y + b.h <= c.y + c.h;
    };
    for (const codec::LineBox& b : p.manifest.lines) {
      int n = 0;
      for (const ocr::CropRect& c : regions) n += inside(b, c);
      EXPECT_EQ(n, 1) << "line at " << b.x << "," << b.y;
    }
    for (size_t i = 0; i < regions.size(); ++i) {
      for (size_t j = i + 1; j < regions.size(); ++j) {
        const ocr::CropRect &a = regions[i], &c = regions[j];
        const bool apart = a.x + a.w <= c.x || c.x + c.w <= a.x ||
                           a.y + a.h <= c.y || c.y + c.h <= a.y;
        EXPECT_TRUE(apart) << "regions " << i << " and " << j << " overlap";
      }
    }
  }
  EXPECT_GT(column_pages, 0) << "short lines were not set in columns";
}

TEST_F(CorpusReportTest, ClassesFilterAndUnknownClass) {
  CorpusReportOptions o = Options();
  o.cer_pages = 0;
  o.classes = {"logs"};
  CorpusReport r;
  ASSERT_TRUE(MeasureCorpus(o, &r).ok());
  ASSERT_EQ(r.classes.size(), 1u);
  EXPECT_EQ(r.classes[0].name, "logs");
  o.classes = {"poetry"};
  Status s = MeasureCorpus(o, &r);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.ToString().find("--classes poetry"), std::string::npos)
      << s.ToString();
}

TEST_F(CorpusReportTest, BadInputIsNamed) {
  CorpusReport r;
  CorpusReportOptions o = Options();
  o.corpus_dir = (dir_ / "nowhere").string();
  EXPECT_TRUE(MeasureCorpus(o, &r).IsNotFound());
  o = Options();
  o.profiles = {"huge"};
  EXPECT_TRUE(MeasureCorpus(o, &r).IsInvalidArgument());
  std::ofstream(dir_ / "logs" / "items.jsonl", std::ios::app) << "{\"body\": 7}\n";
  Status s = MeasureCorpus(Options(), &r);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.ToString().find("items.jsonl:161"), std::string::npos) << s.ToString();
}

TEST_F(CorpusReportTest, CommandLineUsageErrorsExitTwo) {
  const std::string corpus = dir_.string();
  std::vector<std::string> args = {"mnemo-codec-bench", "--report", "--corpus", corpus,
                                   "--cer-pages", "many"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  EXPECT_EQ(RunCorpusReportMain(static_cast<int>(argv.size()), argv.data()), 2);
  args[4] = "--cer-read";
  args[5] = "sideways";
  argv.clear();
  for (std::string& a : args) argv.push_back(a.data());
  EXPECT_EQ(RunCorpusReportMain(static_cast<int>(argv.size()), argv.data()), 2);
  args[4] = "--bogus";
  argv.clear();
  for (std::string& a : args) argv.push_back(a.data());
  EXPECT_EQ(RunCorpusReportMain(static_cast<int>(argv.size()), argv.data()), 2);
}

}  // namespace
}  // namespace mnemo::bench
