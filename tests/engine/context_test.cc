// Copyright (c) mnemo authors.
//
// The context builder: never over budget, deterministic, text for fresh
// records and page images (whole or cropped) for compacted ones.

#include "mnemo/search.h"
#include "store_test_util.h"

namespace mnemo::test {
namespace {

class ContextTest : public StoreTest {
 protected:
  void Fill() {
    for (int i = 0; i < 60; ++i) {
      Record r = MakeRecord("t1", "a", "s",
                            "turn " + std::to_string(i) +
                                (i % 10 == 3 ? " about the harbor lighthouse"
                                             : " about the weather"),
                            kJan2024 - (60 - i) * kDay);
      r.importance = 0;
      ASSERT_TRUE(store_->Put(WriteOptions(), r, nullptr).ok());
    }
    CompactOptions c;
    c.now = kJan2024;
    CompactResult result;
    ASSERT_TRUE(store_->Compact(c, &result).ok());
    ASSERT_GT(result.pages_written, 0u);
  }
  Context Build(size_t budget, bool crop = false) {
    ContextOptions o;
    o.filter.tenant = "t1";
    o.filter.agent = "a";
    o.query = "lighthouse";
    o.token_budget = budget;
    o.crop_pages = crop;
    Context c;
    Status s = store_->BuildContext(o, &c);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return c;
  }
};

TEST_F(ContextTest, NeverExceedsTheBudgetAndIsDeterministic) {
  Fill();
  for (size_t budget : {1, 5, 20, 100, 255, 256, 300, 600, 1000, 4000}) {
    for (bool crop : {false, true}) {
      Context a = Build(budget, crop), b = Build(budget, crop);
      EXPECT_LE(a.total_tokens(), budget);
      size_t sum = 0;
      for (const auto& p : a.parts) sum += p.tokens;
      EXPECT_EQ(sum, a.total_tokens());
      ASSERT_EQ(a.parts.size(), b.parts.size());
      for (size_t i = 0; i < a.parts.size(); ++i) {
        EXPECT_EQ(a.parts[i].records, b.parts[i].records);
        EXPECT_EQ(a.parts[i].png, b.parts[i].png);
        EXPECT_EQ(a.parts[i].text, b.parts[i].text);
        if (i > 0) EXPECT_LE(a.parts[i - 1].event_time, a.parts[i].event_time);
      }
    }
  }
}

TEST_F(ContextTest, TextForFreshRecordsPagesForOldOnes) {
  Fill();
  RecordId fresh = PutText("a", "s", "a fresh note on the lighthouse",
                           kJan2024 - kHour);
  Context c = Build(4000);
  bool fresh_as_text = false, page_seen = false;
  for (const auto& p : c.parts) {
    if (p.kind == ContextPart::Kind::kText && p.records[0] == fresh) {
      fresh_as_text = p.text.find("fresh note") != std::string::npos;
    }
    if (p.kind == ContextPart::Kind::kPage) {
      page_seen = true;
      EXPECT_EQ(p.png.substr(1, 3), "PNG");
      EXPECT_FALSE(p.cropped);
    }
  }
  EXPECT_TRUE(fresh_as_text);
  EXPECT_TRUE(page_seen);
  Context cropped = Build(4000, true);
  for (const auto& p : cropped.parts) {
    if (p.kind != ContextPart::Kind::kPage) continue;
    EXPECT_TRUE(p.cropped);
    EXPECT_LT(p.tokens, 256u);  // a few lines cost less than the page
    EXPECT_GT(p.height, 0);
  }
}

TEST_F(ContextTest, RecentOnlyWithoutQuery) {
  for (int i = 0; i < 20; ++i) PutText("a", "s", "line " + std::to_string(i));
  ContextOptions o;
  o.filter.tenant = "t1";
  o.filter.agent = "a";
  o.recent_records = 5;
  Context c;
  ASSERT_TRUE(store_->BuildContext(o, &c).ok());
  ASSERT_EQ(c.parts.size(), 5u);
  EXPECT_NE(c.parts.back().text.find("line 19"), std::string::npos);
  EXPECT_EQ(c.vision_tokens, 0u);
}

TEST_F(ContextTest, BadArgumentsAndTenantIsolation) {
  PutText("a", "s", "secret plans", 0, "t2");
  ContextOptions o;
  o.filter.tenant = "t1";
  Context c;
  EXPECT_TRUE(store_->BuildContext(o, &c).IsInvalidArgument());  // no agent
  o.filter.agent = "a";
  o.token_budget = 0;
  EXPECT_TRUE(store_->BuildContext(o, &c).IsInvalidArgument());
  o.token_budget = 100;
  o.profile = "nope";
  EXPECT_TRUE(store_->BuildContext(o, &c).IsInvalidArgument());
  o.profile = "base";
  o.query = "secret";
  ASSERT_TRUE(store_->BuildContext(o, &c).ok());
  EXPECT_TRUE(c.parts.empty());
}

}  // namespace
}  // namespace mnemo::test
