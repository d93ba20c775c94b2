// Copyright (c) mnemo authors.
//
// mnemo verify --ocr on a real store: pages compacted by the engine, read
// by the real Tesseract in the real `mnemo` binary. A clean store reads
// below the threshold; a legible page whose image is replaced by blank
// paper fails the check by name; a blanked decayed page does not (decayed
// pages are reported apart); --sample is a fixed sample; bad flags are
// usage errors. Skips (with the reason) when Tesseract has no eng data.

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "cli_test_util.h"
#include "codec_test_util.h"
#include "mnemo/codec/png.h"
#include "mnemo/ocr/ocr.h"
#include "mnemo/store.h"
#include "test_util.h"
#include "workload/page_files.h"

namespace mnemo::test {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr Micros kDay = 86'400'000'000LL;
constexpr Micros kNow = 1717200000LL * 1000000;  // 2024-06-01T00:00:00Z

// Prose paragraphs of tests/codec/data as records of one agent.
std::vector<Record> Paragraphs(const std::string& agent, size_t chars,
                               Micros when, size_t skip) {
  const std::string prose = codec::test::ReadCodecData("prose.txt");
  std::vector<codec::PageItem> items =
      codec::test::ParagraphItems(prose, chars + 4000, false);
  std::vector<Record> out;
  size_t total = 0;
  for (size_t i = skip; i < items.size() && total < chars; ++i) {
    Record r;
    r.ns = {"t1", agent, "s1"};
    r.role = i % 2 ? "assistant" : "user";
    r.text = items[i].body;
    r.importance = 0;
    r.event_time = when + static_cast<Micros>(out.size()) * 1'000'000;
    total += r.text.size();
    out.push_back(std::move(r));
  }
  return out;
}

// One store for the suite: agents a (two pages) and b (one) recent enough
// to stay legible pixels, agent old (one page) old enough to decay.
class VerifyOcrTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::unique_ptr<ocr::OcrEngine> engine;
    Status s = ocr::OcrEngine::Open(ocr::OcrOptions(), &engine);
    if (!s.ok()) {
      skip_reason_ = new std::string(s.ToString());
      return;
    }
    dir_ = new TempDir();
    std::vector<Record> records = Paragraphs("a", 24000, kNow - 30 * kDay, 0);
    for (Record& r : Paragraphs("b", 3000, kNow - 20 * kDay, 3))
      records.push_back(r);
    for (Record& r : Paragraphs("old", 2500, kNow - 400 * kDay, 6))
      records.push_back(r);
    std::unique_ptr<Store> store;
    ASSERT_TRUE(Store::Open(Options(), Src(), &store).ok());
    ASSERT_TRUE(store->PutBatch(WriteOptions(), records, nullptr).ok());
    CompactOptions options;
    options.now = kNow;
    CompactResult result;
    ASSERT_TRUE(store->Compact(options, &result).ok());
    ASSERT_GE(result.pages_written, 4u);
    ASSERT_GE(result.pages_decayed, 1u);
    ready_ = true;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
    delete skip_reason_;
    skip_reason_ = nullptr;
  }
  void SetUp() override {
    if (skip_reason_)
      GTEST_SKIP() << "no Tesseract eng data: " << *skip_reason_;
    // A failed suite setup fails every test instead of passing as skipped.
    ASSERT_TRUE(ready_) << "the suite's store could not be built";
  }
  static std::string Src() { return dir_->Sub("src"); }

  // A copy of the store (through dump/import with pages) in which the PNG
  // of the first page of `tier` is blank paper of the same size; *page
  // receives its id.
  std::string CopyWithBlankPage(const std::string& name,
                                const std::string& tier, std::string* page) {
    const std::string pages = dir_->Sub(name + "-pages"),
                      dump = dir_->Sub(name + ".jsonl");
    CliResult r = Mnemo("dump --db " + Q(Src()) + " --include-pages " +
                        Q(pages) + " --out " + Q(dump));
    EXPECT_EQ(r.code, 0) << r.err;
    std::set<std::string> jsons;
    for (const auto& e : fs::directory_iterator(pages)) {
      if (e.path().extension() == ".json") jsons.insert(e.path().string());
    }
    for (const std::string& path : jsons) {
      std::string text;
      EXPECT_TRUE(ReadFile(path, &text));
      Json j = Json::parse(text);
      if (j["tier"] != tier) continue;
      *page = j["page_id"].get<std::string>();
      codec::GrayImage blank;
      blank.Reset(j["width"].get<int>(), j["height"].get<int>(), 255);
      std::string png;
      EXPECT_TRUE(codec::EncodePng(blank, 8, &png).ok());
      EXPECT_TRUE(WriteFile(pages + "/page-" + *page + ".png", png));
      break;
    }
    EXPECT_FALSE(page->empty()) << "no " << tier << " page";
    const std::string db = dir_->Sub(name);
    r = Mnemo("import --db " + Q(db) + " --pages " + Q(pages) + " " + Q(dump));
    EXPECT_EQ(r.code, 0) << r.err;
    return db;
  }

  static TempDir* dir_;
  static std::string* skip_reason_;
  static bool ready_;
};

TempDir* VerifyOcrTest::dir_ = nullptr;
std::string* VerifyOcrTest::skip_reason_ = nullptr;
bool VerifyOcrTest::ready_ = false;

TEST_F(VerifyOcrTest, CleanStoreReadsBelowTheThresholdAndExitsZero) {
  CliResult r = Mnemo("verify --db " + Q(Src()) +
                      " --ocr --json");  // defaults: psm by page, 3x
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const Json j = Json::parse(r.out);
  EXPECT_TRUE(j["ok"].get<bool>());  // the structural checks are still there
  EXPECT_GT(j["records_checked"].get<int>(), 0);
  const Json& o = j["ocr"];
  EXPECT_TRUE(o["ok"].get<bool>());
  EXPECT_EQ(o["upscale"], 3);
  EXPECT_EQ(o["psm"], "auto");
  EXPECT_LE(o["legible"]["cer"].get<double>(), 0.02) << o.dump(1);
  EXPECT_GE(o["legible"]["pages"].get<int>(), 3);
  EXPECT_EQ(o["legible"]["pages_read"], o["legible"]["pages"]);
  EXPECT_GE(o["decayed"]["pages_read"].get<int>(), 1);
  EXPECT_NE(o["decayed"]["note"].get<std::string>().find("not counted"),
            std::string::npos);
  std::set<std::string> agents;
  for (const Json& a : o["agents"])
    agents.insert(a["tenant"].get<std::string>() + "/" +
                  a["agent"].get<std::string>());
  EXPECT_EQ(agents, (std::set<std::string>{"t1/a", "t1/b", "t1/old"}));
  for (const Json& p : o["pages"]) {
    EXPECT_TRUE(p.contains("cer")) << p.dump();
    if (p["tier"] == "pixels") {
      EXPECT_FALSE(p["above_max_cer"].get<bool>()) << p.dump();
    }
  }
  std::printf("clean store: legible CER %.3f%% over %d pages, decayed %.1f%%\n",
              100 * o["legible"]["cer"].get<double>(),
              o["legible"]["pages"].get<int>(),
              100 * o["decayed"]["cer"].get<double>());
}

TEST_F(VerifyOcrTest, BlankDecayedPageIsReportedApartAndDoesNotFail) {
  std::string page;
  const std::string db = CopyWithBlankPage("blank-decayed", "decayed", &page);
  CliResult r = Mnemo("verify --db " + Q(db) + " --ocr --upscale 1");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("page " + page + " t1/old decayed"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("CER 100.00%"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not counted against --max-cer"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("max-cer 2.00%: ok"), std::string::npos) << r.out;
}

TEST_F(VerifyOcrTest, BlankLegiblePageFailsNamingThePage) {
  std::string page;
  const std::string db = CopyWithBlankPage("blank-legible", "pixels", &page);
  CliResult r = Mnemo("verify --db " + Q(db) + " --ocr --upscale 1");
  ASSERT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("mnemo: store " + db), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("page " + page + " (100.00%)"), std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find("page " + page), std::string::npos);
  EXPECT_NE(r.out.find("[above --max-cer]"), std::string::npos) << r.out;
  // A threshold above what the blank page costs passes the same store.
  r = Mnemo("verify --db " + Q(db) + " --ocr --upscale 1 --max-cer 1");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
}

std::vector<std::string> SampledPages(const std::string& db) {
  CliResult r =
      Mnemo("verify --db " + Q(db) + " --ocr --sample 1 --upscale 1 --json");
  EXPECT_EQ(r.code, 0) << r.err;
  std::vector<std::string> pages;
  const Json j = Json::parse(r.out);
  for (const Json& p : j["ocr"]["pages"]) {
    pages.push_back(p["page"].get<std::string>() + " " +
                    p["tier"].get<std::string>());
  }
  return pages;
}

TEST_F(VerifyOcrTest, SampleIsFixedAndTakesEachTier) {
  const std::vector<std::string> first = SampledPages(Src());
  ASSERT_EQ(first.size(), 2u);  // one legible page, one decayed page
  EXPECT_NE(first[0].find("pixels"), first[1].find("pixels"));
  EXPECT_EQ(SampledPages(Src()), first);
}

TEST_F(VerifyOcrTest, BadFlagsAreUsageErrors) {
  const std::string db = " --db " + Q(Src());
  for (const char* flags :
       {"--ocr --psm 4", "--ocr --upscale 0", "--ocr --upscale 5",
        "--ocr --max-cer 1.5", "--ocr --max-cer x", "--ocr --sample -1",
        "--sample 3", "--psm 3", "--max-cer 0.1", "--upscale 2"}) {
    CliResult r = Mnemo(std::string("verify") + db + " " + flags);
    EXPECT_EQ(r.code, 2) << flags << ": " << r.err;
    const std::string flag =
        std::string(flags).substr(std::string(flags).rfind("--"));
    EXPECT_NE(r.err.find(flag.substr(0, flag.find(' '))), std::string::npos)
        << flags << ": " << r.err;
  }
  CliResult r =
      Mnemo("verify" + db + " --ocr --tessdata /nonexistent/tessdata");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("mnemo: store"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/nonexistent/tessdata"), std::string::npos) << r.err;
  r = Mnemo("verify --db " + Q(dir_->Sub("missing")) + " --ocr");
  EXPECT_EQ(r.code, 1) << r.err;
}

}  // namespace
}  // namespace mnemo::test
