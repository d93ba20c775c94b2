// Copyright (c) mnemo authors.
//
// Costs that must not grow with the store (search_tail.cc, rocks_glue.cc):
// a search over a large indexing backlog scores the unindexed records
// itself and returns exactly what an indexed store returns, without
// indexing them (the backlog in StoreStats stays as it was); and the
// write-ahead logs stay bounded when a rarely written column family would
// pin them.

#include <filesystem>
#include <system_error>
#include <map>
#include <random>
#include <set>

#include "mnemo/admin.h"
#include "mnemo/search.h"
#include "store_test_util.h"

namespace mnemo::test {
namespace {

const char* const kWords[] = {"alpha", "bravo",  "charlie", "delta",
                              "echo",  "fox",    "golf",    "hotel",
                              "india", "juliet", "kilo",    "lima"};

// Deterministic texts of 3..12 words over a small vocabulary, so terms
// repeat within and across records (tf > 1, shared document frequency).
std::vector<Record> MakeRecords(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Record> out;
  for (size_t i = 0; i < n; ++i) {
    std::string text;
    for (size_t w = 0, len = 3 + rng() % 10; w < len; ++w) {
      if (!text.empty()) text += ' ';
      text += kWords[rng() % 12];
    }
    out.push_back(MakeRecord("t1", "agent" + std::to_string(rng() % 4),
                             "s" + std::to_string(rng() % 3), text));
  }
  return out;
}

class SearchBacklogTest : public ::testing::Test {
 protected:
  // `backlog`: searches never index (they score the backlog themselves);
  // `indexed`: searches index everything first. Neither has a background
  // indexer, so the backlog stays until a search or close indexes it.
  void Open(bool full_text_index = true) {
    backlog_.reset();
    indexed_.reset();
    Options o;
    o.search_index_interval_ms = 0;
    o.full_text_index = full_text_index;
    o.search_catch_up_records = 0;
    ASSERT_TRUE(Store::Open(o, dir_.Sub("backlog"), &backlog_).ok());
    o.search_catch_up_records = uint64_t{1} << 40;
    ASSERT_TRUE(Store::Open(o, dir_.Sub("indexed"), &indexed_).ok());
  }
  // Ids come from each store's clock: records are matched by the order
  // they were written in.
  void PutBoth(const std::vector<Record>& records) {
    std::vector<RecordId> a, b;
    ASSERT_TRUE(backlog_->PutBatch(WriteOptions(), records, &a).ok());
    ASSERT_TRUE(indexed_->PutBatch(WriteOptions(), records, &b).ok());
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) Pair(a[i], b[i]);
  }
  void Pair(RecordId a, RecordId b) {
    ids_.push_back({a, b});
    twin_[a] = b;
  }
  void UpdateAndDeleteBoth() {
    RecordUpdate u;
    u.text = "kilo kilo kilo lima zulu";
    for (size_t i = 0; i < ids_.size(); i += 17) {
      auto [a, b] = ids_[i];
      if (deleted_.count(a)) continue;
      ASSERT_TRUE(backlog_->Update(WriteOptions(), "t1", a, u, nullptr).ok());
      ASSERT_TRUE(indexed_->Update(WriteOptions(), "t1", b, u, nullptr).ok());
    }
    for (size_t i = 5; i < ids_.size(); i += 23) {
      auto [a, b] = ids_[i];
      if (!deleted_.insert(a).second) continue;
      ASSERT_TRUE(backlog_->Delete(WriteOptions(), "t1", a).ok());
      ASSERT_TRUE(indexed_->Delete(WriteOptions(), "t1", b).ok());
    }
  }
  static uint64_t Backlog(Store* store) {
    StoreStats stats;
    EXPECT_TRUE(mnemo::GetStats(store, &stats).ok());
    return stats.search_backlog;
  }
  // Every query, tenant-wide and per agent, plain BM25 and the default
  // ranking: the same hits, scores and counts from both stores.
  void ExpectSameResults() {
    const uint64_t backlog = Backlog(backlog_.get());
    for (const char* query : {"alpha", "kilo lima", "zulu", "echo fox golf",
                              "hotel india juliet alpha", "nothing"}) {
      for (const char* agent : {"", "agent0", "agent1", "agent3", "none"}) {
        for (uint32_t pool : {0u, 100u}) {
          SearchOptions o;
          o.filter.tenant = "t1";
          o.filter.agent = agent;
          o.query = query;
          o.k = 1000;
          o.exact_count = true;
          o.ranking.rerank_pool = pool;
          SearchResult a, b;
          ASSERT_TRUE(backlog_->Search(o, &a).ok());
          ASSERT_TRUE(indexed_->Search(o, &b).ok());
          SCOPED_TRACE(std::string(query) + " / " + agent);
          ASSERT_EQ(a.hits.size(), b.hits.size());
          EXPECT_EQ(a.matched, b.matched);
          for (size_t i = 0; i < a.hits.size(); ++i) {
            EXPECT_EQ(twin_[a.hits[i].id], b.hits[i].id) << i;
            EXPECT_EQ(a.hits[i].score, b.hits[i].score) << i;
          }
        }
      }
    }
    // The searches indexed nothing: the backlog is still all there.
    EXPECT_EQ(Backlog(backlog_.get()), backlog);
    EXPECT_EQ(Backlog(indexed_.get()), 0u);
  }

  TempDir dir_;
  std::unique_ptr<Store> backlog_, indexed_;
  std::vector<std::pair<RecordId, RecordId>> ids_;  // (backlog, indexed)
  std::map<RecordId, RecordId> twin_;
  std::set<RecordId> deleted_;
};

TEST_F(SearchBacklogTest, ScoresTheBacklogAsAnIndexedStoreWould) {
  Open();
  PutBoth(MakeRecords(400, 1));
  UpdateAndDeleteBoth();
  EXPECT_GE(Backlog(backlog_.get()), 350u);  // 400 less the deleted
  ExpectSameResults();
  // Close indexes the backlog; new records above it join indexed ones.
  Open();
  EXPECT_EQ(Backlog(backlog_.get()), 0u);
  PutBoth(MakeRecords(300, 2));
  UpdateAndDeleteBoth();
  EXPECT_GE(Backlog(backlog_.get()), 250u);
  ExpectSameResults();
}

// Records written with the index off lie below the id the store opens
// with: not noted in memory, read from the records family instead.
TEST_F(SearchBacklogTest, ScoresABacklogWrittenBeforeTheStoreOpened) {
  Open(/*full_text_index=*/false);
  PutBoth(MakeRecords(300, 3));
  Open();
  EXPECT_GE(Backlog(backlog_.get()), 300u);
  ExpectSameResults();
  PutBoth(MakeRecords(200, 4));
  UpdateAndDeleteBoth();
  ExpectSameResults();
}

TEST_F(SearchBacklogTest, RestoredRecordsAboveTheWatermarkAreFound) {
  Open();
  PutBoth(MakeRecords(50, 5));
  std::vector<Record> restored = MakeRecords(40, 6);
  for (size_t i = 0; i < restored.size(); ++i) {
    restored[i].id = 1000 + i;
    Pair(1000 + i, 1000 + i);
  }
  ASSERT_TRUE(mnemo::Import(backlog_.get(), WriteOptions(), restored).ok());
  ASSERT_TRUE(mnemo::Import(indexed_.get(), WriteOptions(), restored).ok());
  ExpectSameResults();
}

uint64_t WalBytes(const std::string& dir) {
  uint64_t bytes = 0;
  // A log the store deletes between the listing and the size query (the
  // bound at work) counts as gone, not as an error.
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() != ".log") continue;
    std::error_code size_ec;
    const uint64_t n = e.file_size(size_ec);
    if (!size_ec) bytes += n;
  }
  return bytes;
}

// The default family takes one write at open (the search watermark) and
// none after while the index is off; without a bound its log, and every
// log after it, would stay until close.
TEST(WalBoundTest, LogsStayBoundedBesideARarelyWrittenFamily) {
  TempDir dir;
  Options o;
  o.write_buffer_bytes = 1 << 20;
  o.max_wal_bytes = 2 << 20;  // the default's 32 MiB floor is above 16 MB
  o.full_text_index = false;
  o.track_access = false;
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(o, dir.Sub("db"), &store).ok());
  const std::string text(2000, 'x');
  uint64_t written = 0, most = 0;
  for (int batch = 0; batch < 80; ++batch) {
    std::vector<Record> records(
        100, MakeRecord("t1", "a" + std::to_string(batch % 3), "s", text));
    ASSERT_TRUE(store->PutBatch(WriteOptions(), records, nullptr).ok());
    written += 100 * text.size();
    most = std::max(most, WalBytes(store->dir()));
  }
  ASSERT_GT(written, 12 * o.write_buffer_bytes);
  // The bound (two memtables' worth), the memtables being filled and flushed
  // meanwhile, and slack; unbounded, the logs hold all 16 MB.
  EXPECT_LE(most, 8 * o.write_buffer_bytes) << "written " << written;
}

}  // namespace
}  // namespace mnemo::test
