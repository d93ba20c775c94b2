// Copyright (c) mnemo authors.
//
// The context builder under the default policy: a hit on a decayed page
// comes back legible (its kept text, or a fresh crop that Tesseract reads),
// never as the blurry page alone; only a page whose text a policy forgot
// goes out as it is, marked decayed-only. Every part says its source.

#include <cctype>
#include <filesystem>
#include <fstream>

#include "codec_test_util.h"
#include "mnemo/search.h"
#include "store_test_util.h"

namespace mnemo::test {
namespace {

using Source = ContextPart::Source;
using codec::test::HaveTesseract;
using codec::test::NormalizeForCer;
using codec::test::RunTesseract;

// Short turns (one line each on a page), a few with distinctive words.
std::string TurnText(int i) {
  if (i == 17) return "The harbor lighthouse keeper painted the door green in May";
  if (i == 18) return "Then she planted tomatoes behind the old stone wall";
  if (i == 30) return "We argued about the lighthouse budget for an hour";
  return "turn " + std::to_string(i) + " was about the weather and the trains";
}

class ContextLegibleTest : public StoreTest {
 protected:
  // 40 turns from mid 2023, compacted with the default policy once the
  // clock says 2025: every page has decayed, the text is kept.
  void FillAndDecay(bool forget_text = false) {
    for (int i = 0; i < 40; ++i) {
      Record r = MakeRecord("t1", "a", "s", TurnText(i),
                            kJan2024 - 200 * kDay + i * kSecond * 60);
      r.role = "user";
      r.importance = 0;
      RecordId id = 0;
      ASSERT_TRUE(store_->Put(WriteOptions(), r, &id).ok());
      ids_.push_back(id);
    }
    clock_.Set(kJan2024 + 400 * kDay);
    CompactOptions c;  // now = 0: the store's (manual) clock
    c.policy.forget_text_when_decayed = forget_text;
    CompactResult result;
    ASSERT_TRUE(store_->Compact(c, &result).ok());
    ASSERT_GT(result.pages_decayed, 0u);
    Record r;
    ReadOptions ro;
    ro.count_access = false;
    ASSERT_TRUE(store_->Get(ro, "t1", ids_[17], &r).ok());
    ASSERT_EQ(r.tier, Tier::kDecayed);
    ASSERT_EQ(r.text_forgotten, forget_text);
  }

  Context Build(const std::string& query, size_t budget,
                const std::string& profile = "base", size_t neighbors = 1,
                bool images = true) {
    ContextOptions o;
    o.filter.tenant = "t1";
    o.filter.agent = "a";
    o.query = query;
    o.token_budget = budget;
    o.profile = profile;
    o.recent_records = 0;
    o.neighbor_records = neighbors;
    o.images = images;
    // Plain BM25: these tests pin how a hit's neighbours ride along with
    // it, so the neighbours must not be hits of their own.
    o.ranking.rerank_pool = 0;
    Context c;
    Status s = store_->BuildContext(o, &c);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return c;
  }

  // The part whose hit records include `id`, or null.
  static const ContextPart* PartOf(const Context& c, RecordId id) {
    for (const auto& p : c.parts) {
      for (RecordId r : p.records) {
        if (r == id) return &p;
      }
    }
    return nullptr;
  }

  std::string Ocr(const std::string& png) {
    std::string path = dir_.Sub("crop.png");
    std::ofstream(path, std::ios::binary) << png;
    std::string text;
    EXPECT_TRUE(RunTesseract(path, &text));
    return NormalizeForCer(text);
  }

  std::vector<RecordId> ids_;
};

TEST_F(ContextLegibleTest, HitOnDecayedPageComesBackAsLegibleImage) {
  if (!HaveTesseract()) GTEST_SKIP() << "tesseract not on PATH";
  FillAndDecay();
  Context c = Build("painted", 4000);
  const ContextPart* part = PartOf(c, ids_[17]);
  ASSERT_NE(part, nullptr);
  ASSERT_EQ(part->source, Source::kRerendered);
  EXPECT_EQ(part->kind, ContextPart::Kind::kPage);
  EXPECT_TRUE(part->cropped);
  EXPECT_EQ(part->neighbors, (std::vector<RecordId>{ids_[16], ids_[18]}));
  EXPECT_LT(part->height, 100);  // cropped to the inked lines
  EXPECT_LT(part->tokens, TurnText(17).size() / 4);
  std::string ocr = Ocr(part->png);
  EXPECT_NE(ocr.find(NormalizeForCer(TurnText(17))), std::string::npos) << ocr;
  // The neighbour too (case folded: Tesseract sometimes reads a lone "s"
  // as "S" on this line, which is not what this test is about).
  auto lower = [](std::string t) {
    for (char& ch : t) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return t;
  };
  EXPECT_NE(lower(ocr).find(lower(NormalizeForCer(TurnText(18)))), std::string::npos) << ocr;
  EXPECT_NE(ocr.find("user:"), std::string::npos) << ocr;  // the header
  for (const auto& p : c.parts) {
    EXPECT_NE(p.source, Source::kDecayedOnly);
    EXPECT_NE(p.source, Source::kStoredPage);  // never the blurry page
  }
}

TEST_F(ContextLegibleTest, TextForReadersWithoutImagesAndTheCheaperForm) {
  FillAndDecay();
  Context text = Build("painted", 4000, "base", 1, /*images=*/false);
  const ContextPart* part = PartOf(text, ids_[17]);
  ASSERT_NE(part, nullptr);
  ASSERT_EQ(part->source, Source::kText);
  EXPECT_EQ(part->kind, ContextPart::Kind::kText);
  // The exact kept text, one line per record in time order, with headers.
  size_t before = part->text.find("user: " + TurnText(16));
  size_t hit = part->text.find("user: " + TurnText(17));
  size_t after = part->text.find("user: " + TurnText(18));
  ASSERT_NE(hit, std::string::npos) << part->text;
  EXPECT_LT(before, hit);
  EXPECT_LT(hit, after);
  EXPECT_NE(after, std::string::npos);
  EXPECT_EQ(part->neighbors, (std::vector<RecordId>{ids_[16], ids_[18]}));
  EXPECT_EQ(text.vision_tokens, 0u);
  // The same window as an image is what goes out when it costs fewer
  // tokens than that text (a few short lines at a VLM profile do).
  for (const char* profile : {"base", "qwen"}) {
    Context image = Build("painted", 4000, profile);
    const ContextPart* crop = PartOf(image, ids_[17]);
    ASSERT_NE(crop, nullptr);
    EXPECT_EQ(crop->source, Source::kRerendered) << profile;
    EXPECT_EQ(crop->neighbors, part->neighbors);
    EXPECT_LT(crop->tokens, part->tokens) << profile;
  }
}

TEST_F(ContextLegibleTest, NeighbourHitRidesAlongAndBudgetHolds) {
  FillAndDecay();
  // "tomatoes" hits record 18, "painted" record 17 (its neighbour): one
  // part shows both.
  Context c = Build("painted tomatoes", 4000);
  const ContextPart* a = PartOf(c, ids_[17]);
  const ContextPart* b = PartOf(c, ids_[18]);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a, b);
  EXPECT_EQ(c.parts.size(), 1u);
  Context alone = Build("painted", 4000, "base", 0);
  ASSERT_NE(PartOf(alone, ids_[17]), nullptr);
  EXPECT_TRUE(PartOf(alone, ids_[17])->neighbors.empty());
  for (size_t budget : {1, 2, 3, 5, 8, 20, 100}) {
    Context x = Build("lighthouse weather", budget), y = Build("lighthouse weather", budget);
    EXPECT_LE(x.total_tokens(), budget);
    ASSERT_EQ(x.parts.size(), y.parts.size());
    for (size_t i = 0; i < x.parts.size(); ++i) {
      EXPECT_EQ(x.parts[i].png, y.parts[i].png);  // deterministic pixels
      EXPECT_EQ(x.parts[i].records, y.parts[i].records);
      EXPECT_NE(x.parts[i].source, Source::kDecayedOnly);
    }
  }
}

TEST_F(ContextLegibleTest, ForgottenTextLeavesOnlyTheDecayedPage) {
  FillAndDecay(/*forget_text=*/true);
  Context c = Build("painted", 4000);
  const ContextPart* part = PartOf(c, ids_[17]);
  ASSERT_NE(part, nullptr);
  EXPECT_EQ(part->source, Source::kDecayedOnly);
  EXPECT_EQ(part->kind, ContextPart::Kind::kPage);
  EXPECT_TRUE(part->neighbors.empty());
  PageData page;
  ASSERT_TRUE(store_->GetPage(ReadOptions(), "t1", part->page_id, &page).ok());
  EXPECT_EQ(page.info.tier, Tier::kDecayed);
  EXPECT_EQ(part->png, page.png);
  // A reader without images gets nothing of it: no text is left.
  Context text = Build("painted", 4000, "base", 1, /*images=*/false);
  EXPECT_EQ(PartOf(text, ids_[17]), nullptr);
  EXPECT_GT(text.dropped, 0u);
}

TEST_F(ContextLegibleTest, SourcesOfFreshAndFullResolutionRecords) {
  for (int i = 0; i < 30; ++i) {
    Record r = MakeRecord("t1", "a", "s", TurnText(i), kJan2024 - 30 * kDay + i);
    r.importance = 0;
    ASSERT_TRUE(store_->Put(WriteOptions(), r, nullptr).ok());
  }
  CompactOptions c;  // 30 days old: pixels, not decayed
  CompactResult result;
  ASSERT_TRUE(store_->Compact(c, &result).ok());
  ASSERT_GT(result.pages_written, 0u);
  ASSERT_EQ(result.pages_decayed, 0u);
  RecordId fresh = PutText("a", "s", "a fresh lighthouse note", kJan2024 - kHour);
  Context ctx = Build("lighthouse", 4000);
  const ContextPart* text = PartOf(ctx, fresh);
  ASSERT_NE(text, nullptr);
  EXPECT_EQ(text->source, Source::kText);
  bool stored = false;
  for (const auto& p : ctx.parts) {
    if (p.kind == ContextPart::Kind::kPage) {
      EXPECT_EQ(p.source, Source::kStoredPage);
      stored = true;
    }
  }
  EXPECT_TRUE(stored);
}

}  // namespace
}  // namespace mnemo::test
