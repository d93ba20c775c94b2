// Copyright (c) mnemo authors.
//
// The ranking refinements of RankingOptions, each pinned on a fixture
// where it alone changes the answer: neighbour context, session evidence,
// the speaker field, time phrases, pseudo-relevance feedback; and the
// time-phrase parser.

#include "mnemo/search.h"
#include "search_time.h"
#include "store_test_util.h"

namespace mnemo::test {
namespace {

constexpr Micros kDayUs = 86'400'000'000LL;
// 2023-05-08 and 2023-06-08, 00:00 UTC.
constexpr Micros kMay8 = 19485 * kDayUs;
constexpr Micros kJune8 = 19516 * kDayUs;

// Every refinement off: plain BM25.
RankingOptions Plain() {
  RankingOptions r;
  r.neighbour_weight = r.session_weight = r.role_weight = r.time_boost = 0;
  r.prf_docs = 0;
  return r;
}

class SearchRankTest : public StoreTest {
 protected:
  RecordId Put(const std::string& session, const std::string& role,
               const std::string& text, Micros event_time = 0) {
    Record r = MakeRecord("t1", "a", session, text, event_time);
    r.role = role;
    RecordId id = 0;
    Status s = store_->Put(WriteOptions(), r, &id);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return id;
  }
  std::vector<RecordId> Find(const std::string& query, RankingOptions r) {
    SearchOptions o;
    o.filter.tenant = "t1";
    o.query = query;
    o.ranking = r;
    SearchResult result;
    Status s = store_->Search(o, &result);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::vector<RecordId> ids;
    for (const auto& hit : result.hits) ids.push_back(hit.id);
    return ids;
  }
  static bool Has(const std::vector<RecordId>& ids, RecordId id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  }
};

TEST_F(SearchRankTest, NeighbourContextFindsTheReplyToAQuestion) {
  // Adjacent in id to the question but of another session: no context.
  RecordId other = Put("s0", "bob", "the cello, for ten years now");
  Put("s1", "ann", "what instrument do you play these days");
  RecordId reply = Put("s1", "bob", "the cello, for ten years now");
  EXPECT_FALSE(Has(Find("which instrument does bob play", Plain()), reply));
  RankingOptions r = Plain();
  r.neighbour_weight = 0.5;
  std::vector<RecordId> ids = Find("which instrument does bob play", r);
  EXPECT_TRUE(Has(ids, reply));
  EXPECT_FALSE(Has(ids, other));
  r.rerank_pool = 0;  // no pool, no refinement
  EXPECT_FALSE(Has(Find("which instrument does bob play", r), reply));
}

TEST_F(SearchRankTest, SessionEvidenceLiftsTurnsOfTheBestSession) {
  Put("trip", "ann", "the hiking trip to the glacier, the glacier was huge");
  Put("trip", "ann", "filler words about nothing at all");
  RecordId in_trip = Put("trip", "ann", "we took photos");
  Put("home", "ann", "filler words about nothing again");
  RecordId at_home = Put("home", "ann", "we took photos");
  RankingOptions r = Plain();
  std::vector<RecordId> plain = Find("glacier trip photos", r);
  ASSERT_GE(plain.size(), 3u);
  EXPECT_EQ(plain[1], at_home);  // a tie, and newer first
  r.session_weight = 0.5;
  std::vector<RecordId> ids = Find("glacier trip photos", r);
  ASSERT_GE(ids.size(), 3u);
  EXPECT_EQ(ids[1], in_trip);
}

TEST_F(SearchRankTest, SpeakerFieldPrefersTheNamedSpeaker) {
  RecordId caroline = Put("s1", "Caroline", "I painted a sunset by the lake");
  Put("s1", "filler", "unrelated words here");
  RecordId melanie = Put("s1", "Melanie", "I painted a sunset by the lake");
  EXPECT_EQ(Find("What did Caroline paint?", Plain()).front(), melanie);
  RankingOptions r = Plain();
  r.role_weight = 2;
  EXPECT_EQ(Find("What did Caroline paint?", r).front(), caroline);
}

TEST_F(SearchRankTest, TimePhraseBoostsRecordsInThePeriod) {
  RecordId may = Put("s1", "ann", "a pottery class", kMay8 + 3600'000'000LL);
  Put("s2", "ann", "unrelated words", kMay8 + 7200'000'000LL);
  RecordId june = Put("s3", "ann", "a pottery class", kJune8);
  EXPECT_EQ(Find("pottery class in May 2023", Plain()).front(), june);
  RankingOptions r = Plain();
  r.time_boost = 1;
  EXPECT_EQ(Find("pottery class in May 2023", r).front(), may);
  EXPECT_EQ(Find("pottery class on 8 May, 2023", r).front(), may);
  EXPECT_EQ(Find("pottery class in May", r).front(), may);
  EXPECT_EQ(Find("pottery class in June 2023", r).front(), june);
  // "may" the verb names no month.
  EXPECT_EQ(Find("pottery class you may like", r).front(), june);
}

TEST_F(SearchRankTest, FeedbackAddsTermsOfTheBestHits) {
  Put("s1", "ann", "my dog Rex loves the park");
  Put("s1", "ann", "nothing to see");
  Put("s1", "ann", "more words here");
  RecordId rex = Put("s2", "ann", "Rex chased a ball");
  EXPECT_FALSE(Has(Find("dog", Plain()), rex));
  RankingOptions r = Plain();
  r.prf_docs = 1;
  r.prf_terms = 5;
  EXPECT_TRUE(Has(Find("dog", r), rex));
}

TEST_F(SearchRankTest, BadRankingOptionsAreRejected) {
  SearchOptions o;
  o.filter.tenant = "t1";
  o.query = "x";
  SearchResult result;
  o.ranking.neighbour_weight = -1;
  EXPECT_TRUE(store_->Search(o, &result).IsInvalidArgument());
  o.ranking.neighbour_weight = 0.5;
  o.ranking.rerank_pool = 100000;
  EXPECT_TRUE(store_->Search(o, &result).IsInvalidArgument());
}

TEST(SearchTimeTest, ParsesDaysMonthsAndYears) {
  using internal::ParseTimePhrases;
  auto one = [](const std::string& q) {
    auto p = ParseTimePhrases(q);
    EXPECT_EQ(p.size(), 1u) << q;
    return p.empty() ? internal::TimePeriod() : p[0];
  };
  internal::TimePeriod day = one("What happened on 8 May, 2023?");
  EXPECT_EQ(day.start, kMay8);
  EXPECT_EQ(day.end, kMay8 + kDayUs);
  EXPECT_EQ(one("what happened on May 8th, 2023").start, kMay8);
  internal::TimePeriod month = one("in May 2023");
  EXPECT_EQ(month.start, kMay8 - 7 * kDayUs);
  EXPECT_EQ(month.end, kJune8 - 7 * kDayUs);
  EXPECT_EQ(one("camping in June").month, 6);
  EXPECT_EQ(one("trips in 2022").end, 19358 * kDayUs);  // 2023-01-01
  EXPECT_TRUE(ParseTimePhrases("you may go; march on").empty());
  EXPECT_TRUE(internal::InPeriods(kJune8, {one("in June")}));
  EXPECT_FALSE(internal::InPeriods(kMay8, {one("in June")}));
}

}  // namespace
}  // namespace mnemo::test
