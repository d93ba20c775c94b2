// Copyright (c) mnemo authors.
//
// The full-text index built behind ingest (search_indexer.cc): updates,
// deletes and restores on either side of the search watermark, read your
// writes, concurrency, reopen, and compaction of unindexed records. Most
// tests turn the background indexer off, so records stay unindexed until
// a search; BM25 scores show that no record is counted twice or lost from
// the statistics.

#include <cmath>
#include <thread>

#include "mnemo/admin.h"
#include "mnemo/search.h"
#include "store_test_util.h"

namespace mnemo::test {
namespace {

double Bm25(double tf, double dl, double avgdl, double n, double df) {
  double idf = std::log(1 + (n - df + 0.5) / (df + 0.5));
  return idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * dl / avgdl));
}

class SearchIndexerTest : public StoreTest {
 protected:
  void SetUp() override {
    options_.search_index_interval_ms = 0;  // only searches index
    StoreTest::SetUp();
  }
  SearchResult Find(const std::string& query, const std::string& agent = "") {
    SearchOptions o;
    o.filter.tenant = "t1";
    o.filter.agent = agent;
    o.query = query;
    o.k = 1000;
    // Plain BM25: these tests pin the postings (exact scores, exactly the
    // records holding a word), not the query-time re-ranking on top.
    o.ranking.rerank_pool = 0;
    SearchResult result;
    Status s = store_->Search(o, &result);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return result;
  }
  std::vector<RecordId> Ids(const std::string& query,
                            const std::string& agent = "") {
    std::vector<RecordId> ids;
    for (const auto& hit : Find(query, agent).hits) ids.push_back(hit.id);
    return ids;
  }
  double Score(const std::string& query) {
    SearchResult r = Find(query);
    EXPECT_EQ(r.hits.size(), 1u);
    return r.hits.empty() ? -1 : r.hits[0].score;
  }
  void UpdateText(RecordId id, const std::string& text) {
    RecordUpdate u;
    u.text = text;
    ASSERT_TRUE(store_->Update(WriteOptions(), "t1", id, u, nullptr).ok());
  }
  // "alpha beta" updated to "alpha delta epsilon", next to "gamma".
  void CheckUpdated(RecordId a) {
    EXPECT_TRUE(Ids("beta").empty());
    EXPECT_EQ(Ids("delta"), std::vector<RecordId>{a});
    EXPECT_NEAR(Score("alpha"), Bm25(1, 3, 2, 2, 1), 1e-9);
  }
};

TEST_F(SearchIndexerTest, UpdateBeforeIndexingIndexesOnlyTheNewText) {
  RecordId a = PutText("a", "s", "alpha beta");
  PutText("a", "s", "gamma");
  UpdateText(a, "alpha delta epsilon");
  CheckUpdated(a);
}

TEST_F(SearchIndexerTest, UpdateAfterIndexingReplacesThePostings) {
  RecordId a = PutText("a", "s", "alpha beta");
  PutText("a", "s", "gamma");
  EXPECT_EQ(Ids("beta"), std::vector<RecordId>{a});
  UpdateText(a, "alpha delta epsilon");
  CheckUpdated(a);
}

TEST_F(SearchIndexerTest, DeleteBeforeAndAfterIndexing) {
  RecordId a = PutText("a", "s", "alpha beta");
  RecordId b = PutText("a", "s", "beta gamma");
  ASSERT_TRUE(store_->Delete(WriteOptions(), "t1", a).ok());  // unindexed
  EXPECT_EQ(Ids("beta"), std::vector<RecordId>{b});
  EXPECT_NEAR(Score("beta"), Bm25(1, 2, 2, 1, 1), 1e-9);
  RecordId c = PutText("a", "s", "beta delta");
  EXPECT_EQ(Ids("delta"), std::vector<RecordId>{c});  // indexed now
  ASSERT_TRUE(store_->Delete(WriteOptions(), "t1", c).ok());
  EXPECT_TRUE(Ids("delta").empty());
  EXPECT_NEAR(Score("beta"), Bm25(1, 2, 2, 1, 1), 1e-9);
}

TEST_F(SearchIndexerTest, RestoreBelowAndAboveTheWatermark) {
  RecordId seed = PutText("a", "s", "seed words");
  EXPECT_EQ(Ids("seed"), std::vector<RecordId>{seed});  // watermark = seed
  Record below = MakeRecord("t1", "a", "s", "restored giraffe");
  below.id = 42;
  Record above = MakeRecord("t1", "a", "s", "restored okapi");
  above.id = seed + (RecordId{1} << 20);
  for (Record* r : {&below, &above}) {
    r->created_time = r->updated_time = r->event_time = kJan2024;
  }
  ASSERT_TRUE(mnemo::Import(store_.get(), WriteOptions(), {below, above}).ok());
  EXPECT_EQ(Ids("giraffe"), std::vector<RecordId>{RecordId{42}});
  EXPECT_EQ(Ids("okapi"), std::vector<RecordId>{above.id});
  RecordId after = PutText("a", "s", "fresh words");
  EXPECT_GT(after, above.id);
  EXPECT_NEAR(Score("giraffe"), Bm25(1, 2, 2, 4, 1), 1e-9);
  Reopen();  // nothing is indexed twice after a restart
  EXPECT_NEAR(Score("okapi"), Bm25(1, 2, 2, 4, 1), 1e-9);
  EXPECT_EQ(Ids("fresh"), std::vector<RecordId>{after});
}

TEST_F(SearchIndexerTest, BulkDeletesOfUnindexedRecords) {
  RecordId kiwi = PutText("a", "s1", "alpha kiwi");
  RecordId mango = PutText("a", "s2", "alpha mango");
  PutText("b", "s", "alpha papaya");
  uint64_t n = 0;
  ASSERT_TRUE(store_->DeleteSession(WriteOptions(), "t1", "a", "s1", &n).ok());
  EXPECT_EQ(n, 1u);
  ASSERT_TRUE(store_->DeleteAgent(WriteOptions(), "t1", "b", &n).ok());
  EXPECT_TRUE(Ids("kiwi").empty());
  EXPECT_TRUE(Ids("papaya").empty());
  EXPECT_EQ(Ids("alpha"), std::vector<RecordId>{mango});
  EXPECT_NEAR(Score("mango"), Bm25(1, 2, 2, 1, 1), 1e-9);
  RecordId guava = PutText("b", "s", "alpha guava");
  EXPECT_EQ(Ids("alpha", "b"), std::vector<RecordId>{guava});
  EXPECT_NEAR(Score("guava"), Bm25(1, 2, 2, 2, 1), 1e-9);
  (void)kiwi;
}

TEST_F(SearchIndexerTest, ReadYourWritesWithTheBackgroundIndexer) {
  store_.reset();
  options_.search_index_interval_ms = 1;
  Reopen();
  for (int i = 0; i < 200; ++i) {
    RecordId id = PutText("a", "s", "note w" + std::to_string(i));
    ASSERT_EQ(Ids("w" + std::to_string(i)), std::vector<RecordId>{id}) << i;
  }
  EXPECT_EQ(Find("note").hits.size(), 200u);
}

TEST_F(SearchIndexerTest, ConcurrentPutsDeletesAndSearches) {
  store_.reset();
  options_.search_index_interval_ms = 1;
  Reopen();
  constexpr int kThreads = 4, kPerThread = 150;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string word = "t" + std::to_string(t) + "x" + std::to_string(i);
        RecordId id = PutText("a" + std::to_string(t % 2), "s", "shared " + word);
        if (Ids(word) != std::vector<RecordId>{id}) failures++;
        if (i % 10 == 0) {
          if (!store_->Delete(WriteOptions(), "t1", id).ok()) failures++;
          if (!Ids(word).empty()) failures++;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Find("shared").hits.size(), size_t{kThreads * (kPerThread - 15)});
}

TEST_F(SearchIndexerTest, ReadOnlyOpenSearchesWhatCloseIndexed) {
  RecordId id = PutText("a", "s", "closing words");
  store_.reset();
  options_.read_only = true;
  Reopen();
  EXPECT_EQ(Ids("closing"), std::vector<RecordId>{id});
}

TEST_F(SearchIndexerTest, RecordsWrittenWhileOffAreIndexedWhenOn) {
  store_.reset();
  options_.full_text_index = false;
  Reopen();
  RecordId id = PutText("a", "s", "dormant words");
  EXPECT_TRUE(Ids("dormant").empty());
  store_.reset();
  options_.full_text_index = true;
  Reopen();
  EXPECT_EQ(Ids("dormant"), std::vector<RecordId>{id});
}

TEST_F(SearchIndexerTest, CompactionIndexesBeforeForgettingText) {
  Record r = MakeRecord("t1", "a", "s", "ancient marker", kJan2024 - 200 * kDay);
  r.importance = 0;
  RecordId id;
  ASSERT_TRUE(store_->Put(WriteOptions(), r, &id).ok());
  CompactOptions c;
  c.now = kJan2024;
  c.policy.forget_text_when_decayed = true;
  ASSERT_TRUE(store_->Compact(c, nullptr).ok());
  SearchResult found = Find("marker");
  ASSERT_EQ(found.hits.size(), 1u);
  EXPECT_EQ(found.hits[0].id, id);
  EXPECT_TRUE(found.hits[0].record.text_forgotten);
}

}  // namespace
}  // namespace mnemo::test
