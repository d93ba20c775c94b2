// Copyright (c) mnemo authors.
//
// Full-text search through the public API: hand-checked BM25 scores,
// analysis (case folding, stemming, stop words), filters and paging,
// tenant isolation, and index consistency after update, delete, bulk
// delete, reopen and compaction to every tier.

#include "mnemo/search.h"

#include <cmath>

#include "mnemo/admin.h"
#include "store_test_util.h"

namespace mnemo::test {
namespace {

class SearchTest : public StoreTest {
 protected:
  SearchResult Find(const std::string& query, const std::string& tenant = "t1",
                    const std::string& agent = "", size_t k = 10) {
    SearchOptions o;
    o.filter.tenant = tenant;
    o.filter.agent = agent;
    o.query = query;
    o.k = k;
    // Plain BM25: these tests pin the index and its scores; the ranking
    // refinements have their own tests (search_rank_test.cc).
    o.ranking.rerank_pool = 0;
    return Run(o);
  }
  SearchResult Run(const SearchOptions& o) {
    SearchResult result;
    Status s = store_->Search(o, &result);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return result;
  }
  static std::vector<RecordId> Ids(const SearchResult& r) {
    std::vector<RecordId> ids;
    for (const auto& hit : r.hits) ids.push_back(hit.id);
    return ids;
  }
};

// BM25 with k1 = 1.2, b = 0.75 and idf = ln(1 + (N - df + .5) / (df + .5)).
double Bm25(double tf, double dl, double avgdl, double n, double df) {
  double idf = std::log(1 + (n - df + 0.5) / (df + 0.5));
  return idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * dl / avgdl));
}

TEST_F(SearchTest, ScoresMatchHandComputedBm25) {
  // Terms after analysis: [appl banana], [appl appl cherri], [banana date].
  RecordId a = PutText("a", "s", "apple banana");
  RecordId b = PutText("a", "s", "apples, apple and cherries");
  PutText("a", "s", "Banana date");
  SearchResult r = Find("apple");
  ASSERT_EQ(r.hits.size(), 2u);
  double avgdl = 7.0 / 3;
  EXPECT_EQ(r.hits[0].id, b);  // tf 2 beats tf 1
  EXPECT_NEAR(r.hits[0].score, Bm25(2, 3, avgdl, 3, 2), 1e-9);
  EXPECT_EQ(r.hits[1].id, a);
  EXPECT_NEAR(r.hits[1].score, Bm25(1, 2, avgdl, 3, 2), 1e-9);
  SearchResult two = Find("apple cherry");
  ASSERT_EQ(two.hits.size(), 2u);
  EXPECT_NEAR(two.hits[0].score,
              Bm25(2, 3, avgdl, 3, 2) + Bm25(1, 3, avgdl, 3, 1), 1e-9);
  EXPECT_EQ(two.matched, 2u);
}

TEST_F(SearchTest, AnalysisFoldsCaseStemsAndDropsStopWords) {
  RecordId run = PutText("a", "s", "She was RUNNING to the Café");
  RecordId school = PutText("a", "s", "ÉCOLE and Straße");
  EXPECT_EQ(Ids(Find("runs")), std::vector<RecordId>{run});
  EXPECT_EQ(Ids(Find("café")), std::vector<RecordId>{run});
  EXPECT_EQ(Ids(Find("école")), std::vector<RecordId>{school});
  EXPECT_EQ(Ids(Find("STRASSE")), std::vector<RecordId>{school});
  EXPECT_TRUE(Find("the was to and").hits.empty());  // only stop words
  EXPECT_TRUE(Find("").hits.empty());
}

TEST_F(SearchTest, CjkIsIndexedPerCharacter) {
  RecordId id = PutText("a", "s", "我们去东京看樱花");
  EXPECT_EQ(Ids(Find("东京")), std::vector<RecordId>{id});
}

TEST_F(SearchTest, TenantIsRequiredAndIsolates) {
  SearchOptions o;
  o.query = "x";
  SearchResult r;
  EXPECT_TRUE(store_->Search(o, &r).IsInvalidArgument());
  RecordId mine = PutText("a", "s", "secret launch codes", 0, "t1");
  double alone = Find("launch").hits.at(0).score;
  // Another tenant with many matching records: no hits, no score change.
  for (int i = 0; i < 20; ++i) PutText("a", "s", "launch launch", 0, "t2");
  SearchResult r1 = Find("launch", "t1");
  ASSERT_EQ(Ids(r1), std::vector<RecordId>{mine});
  EXPECT_DOUBLE_EQ(r1.hits[0].score, alone);
  EXPECT_EQ(Find("launch", "t2").hits.size(), 10u);
  for (const auto& hit : Find("launch", "t2", "", 100).hits) {
    EXPECT_EQ(hit.record.ns.tenant, "t2");
  }
  EXPECT_TRUE(Find("secret", "t3").hits.empty());
}

TEST_F(SearchTest, FiltersAndPaging) {
  std::vector<RecordId> ids;
  for (int i = 0; i < 30; ++i) {
    Record r = MakeRecord("t1", i % 2 ? "a" : "b", i % 3 ? "s1" : "s2",
                          "ticket " + std::to_string(i) + " deploy",
                          kJan2024 + i * kSecond);
    r.role = i % 5 ? "user" : "tool";
    r.kind = i % 7 ? "message" : "fact";
    RecordId id;
    ASSERT_TRUE(store_->Put(WriteOptions(), r, &id).ok());
    ids.push_back(id);
  }
  SearchOptions o;
  o.filter.tenant = "t1";
  o.query = "deploy";
  o.k = 1000;
  std::vector<RecordId> all = Ids(Run(o));
  ASSERT_EQ(all.size(), 30u);
  std::vector<RecordId> paged;
  o.k = 7;
  for (o.offset = 0; o.offset < 35; o.offset += 7) {
    for (RecordId id : Ids(Run(o))) paged.push_back(id);
  }
  EXPECT_EQ(paged, all);
  o.offset = 0;
  o.k = 100;
  o.filter.agent = "a";
  o.filter.session = "s2";
  o.filter.role = "user";
  for (const auto& hit : Run(o).hits) {
    EXPECT_EQ(hit.record.ns.agent, "a");
    EXPECT_EQ(hit.record.ns.session, "s2");
    EXPECT_EQ(hit.record.role, "user");
  }
  SearchOptions t;
  t.filter.tenant = "t1";
  t.query = "deploy";
  t.filter.kind = "fact";
  t.filter.start_time = kJan2024 + 5 * kSecond;
  t.filter.end_time = kJan2024 + 22 * kSecond;
  EXPECT_EQ(Run(t).hits.size(), 3u);  // facts i = 7, 14, 21
}

// With exact_count, `matched` counts what the filter lets through, whatever page is asked
// for, and not records deleted or expired since they were indexed.
TEST_F(SearchTest, MatchedCountsOnlyRecordsThatPassTheFilter) {
  std::vector<RecordId> ids;
  for (int i = 0; i < 30; ++i) {
    Record r = MakeRecord("t1", i % 2 ? "a" : "b", i % 3 ? "s1" : "s2",
                          "ticket " + std::to_string(i) + " deploy",
                          kJan2024 + i * kSecond);
    r.role = i % 5 ? "user" : "tool";
    RecordId id;
    ASSERT_TRUE(store_->Put(WriteOptions(), r, &id).ok());
    ids.push_back(id);
  }
  SearchOptions o;
  o.filter.tenant = "t1";
  o.query = "deploy";
  o.k = 2;
  o.filter.role = "tool";  // i = 0, 5, 10, 15, 20, 25
  EXPECT_EQ(Run(o).matched, 30u);  // without exact_count: before the filter
  o.exact_count = true;
  SearchResult tools = Run(o);
  EXPECT_EQ(tools.hits.size(), 2u);
  EXPECT_EQ(tools.matched, 6u);
  o.offset = 4;
  EXPECT_EQ(Run(o).hits.size(), 2u);
  EXPECT_EQ(Run(o).matched, 6u);
  o.offset = 0;
  o.filter.session = "s2";  // and i % 3 == 0: i = 0, 15
  EXPECT_EQ(Run(o).matched, 2u);
  o.filter.session.reset();
  o.filter.start_time = kJan2024 + 12 * kSecond;  // i = 15, 20, 25
  EXPECT_EQ(Run(o).matched, 3u);
  ASSERT_TRUE(store_->Delete(WriteOptions(), "t1", ids[20]).ok());
  EXPECT_EQ(Run(o).matched, 2u);
  o.filter.role = "nobody";
  EXPECT_EQ(Run(o).matched, 0u);
  EXPECT_TRUE(Run(o).hits.empty());
}

TEST_F(SearchTest, UpdateAndDeleteKeepTheIndexExact) {
  RecordId id = PutText("a", "s", "the quick brown fox");
  RecordId other = PutText("a", "s", "a lazy brown dog");
  RecordUpdate u;
  u.text = "a slow green turtle";
  ASSERT_TRUE(store_->Update(WriteOptions(), "t1", id, u, nullptr).ok());
  EXPECT_TRUE(Find("quick").hits.empty());
  EXPECT_EQ(Ids(Find("turtle")), std::vector<RecordId>{id});
  EXPECT_EQ(Ids(Find("brown")), std::vector<RecordId>{other});
  ASSERT_TRUE(store_->Delete(WriteOptions(), "t1", other).ok());
  EXPECT_TRUE(Find("brown").hits.empty());
  EXPECT_TRUE(Find("dog").hits.empty());
  Reopen();
  EXPECT_EQ(Ids(Find("turtle")), std::vector<RecordId>{id});
  EXPECT_TRUE(Find("dog").hits.empty());
}

TEST_F(SearchTest, BulkDeletesRemoveHits) {
  PutText("a", "s1", "alpha one");
  RecordId kept = PutText("a", "s2", "alpha two");
  PutText("b", "s1", "alpha three");
  uint64_t n = 0;
  ASSERT_TRUE(store_->DeleteSession(WriteOptions(), "t1", "a", "s1", &n).ok());
  EXPECT_EQ(Find("alpha").hits.size(), 2u);
  ASSERT_TRUE(store_->DeleteAgent(WriteOptions(), "t1", "b", &n).ok());
  EXPECT_EQ(Ids(Find("alpha")), std::vector<RecordId>{kept});
  // An agent re-created after DeleteAgent starts from a clean index.
  RecordId again = PutText("b", "s1", "alpha four");
  EXPECT_EQ(Ids(Find("alpha", "t1", "b")), std::vector<RecordId>{again});
}

// The postings memtable keeps one insert hint per agent; DeleteAgent's
// range deletions must not take one (they start exactly at an agent's
// prefix). Agents interleaved, one deleted between indexed chunks, then
// written again: every agent's hits stay exact, before and after a reopen.
TEST_F(SearchTest, DeleteAgentBetweenIndexedChunksKeepsOtherAgents) {
  const std::vector<std::string> agents = {"a", "ab", "b", "c"};
  auto write_round = [&](int round) {
    std::vector<Record> batch;
    for (int i = 0; i < 40; ++i) {
      for (const std::string& agent : agents) {
        batch.push_back(MakeRecord("t1", agent, "s",
                                   "word" + std::to_string(i % 7) + " round" +
                                       std::to_string(round) + " shared"));
      }
    }
    std::vector<RecordId> ids;
    ASSERT_TRUE(store_->PutBatch(WriteOptions(), batch, &ids).ok());
  };
  write_round(1);
  for (const std::string& agent : agents) {  // indexes round 1
    EXPECT_EQ(Find("round1", "t1", agent, 100).hits.size(), 40u) << agent;
  }
  uint64_t n = 0;
  ASSERT_TRUE(store_->DeleteAgent(WriteOptions(), "t1", "ab", &n).ok());
  EXPECT_EQ(n, 40u);
  write_round(2);
  auto check = [&] {
    for (const std::string& agent : agents) {
      const size_t round1 = agent == "ab" ? 0 : 40;
      EXPECT_EQ(Find("round1", "t1", agent, 100).hits.size(), round1) << agent;
      EXPECT_EQ(Find("round2", "t1", agent, 100).hits.size(), 40u) << agent;
      EXPECT_EQ(Find("shared", "t1", agent, 100).hits.size(), round1 + 40)
          << agent;
    }
  };
  check();
  Reopen();
  check();
}

TEST_F(SearchTest, PutBatchAndRestoreAreIndexed) {
  std::vector<Record> batch;
  for (int i = 0; i < 50; ++i) {
    batch.push_back(MakeRecord("t1", "a", "s", "note " + std::to_string(i) +
                                                    (i == 17 ? " zebra" : "")));
  }
  std::vector<RecordId> ids;
  ASSERT_TRUE(store_->PutBatch(WriteOptions(), batch, &ids).ok());
  EXPECT_EQ(Ids(Find("zebra")), std::vector<RecordId>{ids[17]});
  EXPECT_EQ(Find("note", "t1", "", 100).hits.size(), 50u);
  Record r = MakeRecord("t1", "a", "s", "restored giraffe");
  r.id = 42;  // below every live id: out of order in the posting list
  r.created_time = r.updated_time = r.event_time = kJan2024;
  ASSERT_TRUE(mnemo::Import(store_.get(), WriteOptions(), {r}).ok());
  EXPECT_EQ(Ids(Find("giraffe")), std::vector<RecordId>{RecordId{42}});
  EXPECT_EQ(Find("note restored", "t1", "", 100).hits.size(), 51u);
}

TEST_F(SearchTest, ExpiredRecordsAreNotReturned) {
  Record r = MakeRecord("t1", "a", "s", "ephemeral token");
  r.expires_at = kJan2024 + kSecond;
  RecordId id;
  ASSERT_TRUE(store_->Put(WriteOptions(), r, &id).ok());
  EXPECT_EQ(Find("token").hits.size(), 1u);
  clock_.Advance(2 * kSecond);
  EXPECT_TRUE(Find("token").hits.empty());
}

TEST_F(SearchTest, RecordsStayFindableInEveryTier) {
  std::vector<RecordId> ids;
  Micros ages[] = {kDay / 2, 3 * kDay, 30 * kDay, 200 * kDay};
  for (int i = 0; i < 4; ++i) {
    Record r = MakeRecord("t1", "a", "s",
                          "memory marker" + std::to_string(i) + " of the lake",
                          kJan2024 - ages[i]);
    r.importance = 0;
    RecordId id;
    ASSERT_TRUE(store_->Put(WriteOptions(), r, &id).ok());
    ids.push_back(id);
  }
  CompactOptions c;
  c.now = kJan2024;
  c.policy.forget_text_when_decayed = true;
  CompactResult result;
  ASSERT_TRUE(store_->Compact(c, &result).ok());
  for (int i = 0; i < 4; ++i) {
    SearchResult r = Find("marker" + std::to_string(i));
    ASSERT_EQ(Ids(r), std::vector<RecordId>{ids[i]}) << i;
    EXPECT_EQ(r.hits[0].record.tier, static_cast<Tier>(i));
  }
  SearchResult decayed = Find("marker3");
  EXPECT_TRUE(decayed.hits[0].record.text_forgotten);
  EXPECT_TRUE(decayed.hits[0].record.page.valid());
  EXPECT_TRUE(decayed.hits[0].snippet.empty());
  EXPECT_EQ(Find("lake").hits.size(), 4u);
  VerifyOptions deep;
  deep.deep = true;
  VerifyReport report;
  ASSERT_TRUE(mnemo::Verify(store_.get(), deep, &report).ok());
  EXPECT_EQ(report.problem_count, 0u) << report.problems[0].message;
  EXPECT_EQ(report.stale_postings, 0u);
  // Deleting a record whose text was forgotten: never returned again. Its
  // postings cannot be unindexed (no text): verify counts them as stale,
  // not as problems, and repair removes them.
  ASSERT_TRUE(store_->Delete(WriteOptions(), "t1", ids[3]).ok());
  EXPECT_TRUE(Find("marker3").hits.empty());
  EXPECT_EQ(Find("lake").hits.size(), 3u);
  ASSERT_TRUE(mnemo::Verify(store_.get(), deep, &report).ok());
  EXPECT_EQ(report.problem_count, 0u) << report.problems[0].message;
  EXPECT_GT(report.stale_postings, 0u);
  deep.repair = true;
  ASSERT_TRUE(mnemo::Verify(store_.get(), deep, &report).ok());
  deep.repair = false;
  ASSERT_TRUE(mnemo::Verify(store_.get(), deep, &report).ok());
  EXPECT_EQ(report.stale_postings, 0u);
  EXPECT_EQ(Find("lake").hits.size(), 3u);
}

TEST_F(SearchTest, SnippetCentersOnTheFirstHit) {
  std::string text(300, 'x');
  text += " the important needle is here ";
  text += std::string(300, 'y');
  PutText("a", "s", text);
  SearchOptions o;
  o.filter.tenant = "t1";
  o.query = "needle";
  o.snippet_bytes = 60;
  SearchResult r = Run(o);
  ASSERT_EQ(r.hits.size(), 1u);
  EXPECT_NE(r.hits[0].snippet.find("needle"), std::string::npos);
  EXPECT_LE(r.hits[0].snippet.size(), 60u + 6);  // plus two ellipses
}

TEST_F(SearchTest, IndexOffFindsNothingButStoresRecords) {
  store_.reset();
  options_.full_text_index = false;
  Reopen();
  RecordId id = PutText("a", "s", "unindexed words");
  EXPECT_TRUE(Find("unindexed").hits.empty());
  Record r;
  EXPECT_TRUE(store_->Get(ReadOptions(), "t1", id, &r).ok());
}

TEST_F(SearchTest, UnknownLanguageFailsOpen) {
  store_.reset();
  options_.search_language = "klingon";
  std::unique_ptr<Store> store;
  EXPECT_TRUE(Store::Open(options_, dir_.Sub("db"), &store).IsInvalidArgument());
  options_.search_language = "german";
  Reopen();
  RecordId id = PutText("a", "s", "Die Häuser");
  EXPECT_EQ(Ids(Find("Haus")), std::vector<RecordId>{id});
}

}  // namespace
}  // namespace mnemo::test
