// Copyright (c) mnemo authors.
//
// End to end: compaction racing foreground threads, OCR legibility of a
// page produced by compaction, and the real LoCoMo conversations surviving
// compaction byte for byte.

#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "codec_test_util.h"
#include "mnemo/admin.h"
#include "store_test_util.h"
#include "workload/locomo.h"
#include "workload/synthetic.h"

namespace mnemo::test {
namespace {

TEST_F(StoreTest, CompactionRacesFourForegroundThreads) {
  workload::SyntheticOptions gen;
  gen.tenant = "t1";
  gen.start_time = kJan2024 - 90 * kDay;
  gen.sessions_per_agent = 4;
  gen.exchanges_per_session = 15;
  std::vector<Record> seed = workload::GenerateConversation(gen);
  std::vector<RecordId> seed_ids;
  ASSERT_TRUE(store_->PutBatch(WriteOptions(), seed, &seed_ids).ok());
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int i = 0; !done || i < 100; ++i) {
        RecordId id = seed_ids[rng() % seed_ids.size()];
        Record r;
        Status s = store_->Get(ReadOptions(), "t1", id, &r);
        if (s.ok() && r.text.empty()) ++failures;
        if (!s.ok() && !s.IsNotFound()) ++failures;
        RecordId fresh;
        if (!store_->Put(WriteOptions(),
                         MakeRecord("t1", "coder", "live", "fresh " + std::to_string(i),
                                    kJan2024 - (rng() % 60) * kDay),
                         &fresh).ok()) {
          ++failures;
        }
        if (i % 25 == 0) {
          RecordUpdate up;
          up.text = "edited by thread " + std::to_string(t);
          s = store_->Update(WriteOptions(), "t1", id, up, nullptr);
          if (!s.ok()) ++failures;
        }
        if (i > 2000) break;
      }
    });
  }
  for (int round = 0; round < 4; ++round) {
    CompactOptions options;
    options.now = kJan2024 + round * 30 * kDay;
    Status s = store_->Compact(options, nullptr);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  done = true;
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  // Everything still reads back, and a final run settles.
  CompactOptions options;
  options.now = kJan2024 + 400 * kDay;
  ASSERT_TRUE(store_->Compact(options, nullptr).ok());
  CompactResult again;
  ASSERT_TRUE(store_->Compact(options, &again).ok());
  EXPECT_FALSE(again.changed());
  for (size_t i = 0; i < seed_ids.size(); ++i) {
    Record r;
    ASSERT_TRUE(store_->Get(ReadOptions(), "t1", seed_ids[i], &r).ok());
    bool edited = r.text.rfind("edited by thread", 0) == 0;
    EXPECT_TRUE(edited || r.text == seed[i].text) << i;
  }
}

TEST_F(StoreTest, CompactedDialoguePageIsLegibleToOcr) {
  if (!codec::test::HaveTesseract()) {
    GTEST_SKIP() << "tesseract is not installed (tools/install_deps.sh installs it)";
  }
  std::string prose = codec::test::ReadCodecData("prose.txt");
  ASSERT_FALSE(prose.empty()) << "tests/codec/data/prose.txt missing";
  std::vector<codec::PageItem> items =
      codec::test::ParagraphItems(prose, 6000, /*with_headers=*/false);
  std::vector<Record> records;
  for (size_t i = 0; i < items.size(); ++i) {
    Record r = MakeRecord("t1", "talker", "s", items[i].body,
                          kJan2024 - 30 * kDay + static_cast<Micros>(i) * kSecond);
    r.role = i % 2 ? "assistant" : "user";
    records.push_back(std::move(r));
  }
  std::vector<RecordId> ids;
  ASSERT_TRUE(store_->PutBatch(WriteOptions(), records, &ids).ok());
  CompactOptions options;
  options.now = kJan2024;
  ASSERT_TRUE(store_->Compact(options, nullptr).ok());
  Record first;
  ASSERT_TRUE(store_->Get(ReadOptions(), "t1", ids[0], &first).ok());
  ASSERT_EQ(first.tier, Tier::kPixels);
  PageData page;
  ASSERT_TRUE(
      store_->GetPage(ReadOptions(), "t1", first.page.page_id, &page).ok());
  std::string png_path = dir_.Sub("page.png");
  ASSERT_TRUE(WriteFile(png_path, page.png));
  std::string ocr;
  ASSERT_TRUE(codec::test::RunTesseract(png_path, &ocr));
  auto manifest = nlohmann::json::parse(page.manifest_json);
  std::string reference = manifest["text"].get<std::string>();
  double cer = codec::test::CharacterErrorRate(reference, ocr);
  std::printf("compacted page: %zu chars, Tesseract CER %.3f%%\n",
              reference.size(), cer * 100);
  EXPECT_LE(cer, 0.01);
}

TEST(LocomoCompactionTest, EveryTurnSurvivesCompaction) {
  std::string path = LocomoPath();
  if (path.empty()) {
    GTEST_SKIP() << "../shared/data/locomo10.json not found (set MNEMO_LOCOMO)";
  }
  std::vector<Record> records;
  workload::LocomoSummary summary;
  ASSERT_TRUE(workload::LoadLocomo(path, workload::LocomoOptions(), &records,
                                   &summary).ok());
  TempDir dir;
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(Options(), dir.Sub("db"), &store).ok());
  std::vector<RecordId> ids;
  ASSERT_TRUE(store->PutBatch(WriteOptions(), records, &ids).ok());
  CompactOptions options;
  options.now = 1'893'456'000'000'000LL;  // 2030-01-01T00:00:00Z
  CompactResult result;
  ASSERT_TRUE(store->Compact(options, &result).ok());
  EXPECT_GT(result.pages_written, 0u);
  ReadOptions quiet;
  quiet.count_access = false;
  for (size_t i = 0; i < ids.size(); ++i) {
    Record r;
    ASSERT_TRUE(store->Get(quiet, "locomo", ids[i], &r).ok());
    ASSERT_EQ(r.text, records[i].text) << "turn " << i;
  }
  TierStats stats;
  ASSERT_TRUE(mnemo::GetTierStats(store.get(), "locomo", &stats).ok());
  std::printf("LoCoMo: %zu turns, %llu pages, text tokens %llu vs context tokens %llu\n",
              records.size(),
              static_cast<unsigned long long>(result.pages_written),
              static_cast<unsigned long long>(stats.text_tokens()),
              static_cast<unsigned long long>(stats.context_tokens()));
}

}  // namespace
}  // namespace mnemo::test
