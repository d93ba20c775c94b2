// Copyright (c) mnemo authors.
//
// Crash safety of the full-text index, which is built behind ingest: a
// child writes and deletes records (search_crash_workload.h) and reports
// what the store acknowledged; the parent SIGKILLs it at random moments,
// reopens the store and checks that a search finds every acknowledged,
// undeleted record by its own word, and never a deleted one.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "mnemo/search.h"
#include "search_crash_workload.h"
#include "store_test_util.h"

namespace mnemo::test {
namespace {

struct Acks {
  std::map<uint64_t, std::pair<RecordId, size_t>> batches;  // first, size
  std::set<RecordId> deleted;
};

// Runs the writer for `run_ms`, kills it and adds what it acknowledged
// to *acks; returns the next unused batch number.
uint64_t RunWriter(const std::string& dir, uint64_t first, int run_ms,
                   Acks* acks) {
  KilledChild child = RunAndKill("mnemo_search_crash_writer",
                                 {dir, std::to_string(first)}, run_ms);
  EXPECT_TRUE(child.killed) << "writer exited early: " << child.status;
  uint64_t next = first;
  for (const std::string& line : child.lines) {
    unsigned long long batch, id;
    size_t size;
    if (sscanf(line.c_str(), "P %llu %llu %zu", &batch, &id, &size) == 3) {
      acks->batches[batch] = {id, size};
      next = std::max<uint64_t>(next, batch + 1);
    } else if (sscanf(line.c_str(), "D %llu", &id) == 1) {
      acks->deleted.insert(id);
    }
  }
  return next + 1000;  // skip batches that may be partly written
}

std::vector<RecordId> FindWord(Store* store, const std::string& word) {
  SearchOptions o;
  o.filter.tenant = "crash";
  o.query = word;
  o.ranking.rerank_pool = 0;  // exactly the records holding the word
  SearchResult result;
  Status s = store->Search(o, &result);
  EXPECT_TRUE(s.ok()) << s.ToString();
  std::vector<RecordId> ids;
  for (const auto& hit : result.hits) ids.push_back(hit.id);
  return ids;
}

// Every acknowledged record is found by its word unless it is gone, and
// only a record the workload deletes may be gone.
void Check(Store* store, const Acks& acks, int round) {
  ReadOptions quiet;
  quiet.count_access = false;
  for (const auto& [batch, ack] : acks.batches) {
    for (size_t i = 0; i < ack.second; ++i) {
      RecordId id = ack.first + i;
      std::vector<RecordId> found = FindWord(store, SearchCrashWord(batch, i));
      Record r;
      Status s = store->Get(quiet, "crash", id, &r);
      bool may_go = i == 0 && (DeletedEarly(batch) || DeletedLate(batch));
      if (s.IsNotFound() && may_go) {
        ASSERT_TRUE(found.empty()) << "round " << round << ": deleted " << id;
        continue;
      }
      ASSERT_TRUE(s.ok()) << "round " << round << ": " << s.ToString();
      ASSERT_EQ(acks.deleted.count(id), 0u) << "delete of " << id << " lost";
      ASSERT_EQ(found, std::vector<RecordId>{id})
          << "round " << round << " batch " << batch << " item " << i;
    }
  }
}

TEST(SearchCrashTest, EveryAcknowledgedRecordIsFoundAfterKill) {
  TempDir dir;
  std::string db = dir.Sub("db");
  std::mt19937 rng(20261203);
  Acks acks;
  uint64_t next_batch = 0;
  constexpr int kRounds = 12;
  for (int round = 0; round < kRounds; ++round) {
    next_batch = RunWriter(db, next_batch, 60 + rng() % 240, &acks);
    std::unique_ptr<Store> store;
    Options options;
    // Only the searches index, and the first one indexes the whole backlog:
    // with the default search_catch_up_records a backlog over 2048 records
    // (a fast writer's 300 ms) is scored by every search instead, and this
    // check searches once per record (quadratic: minutes).
    options.search_index_interval_ms = 0;
    options.search_catch_up_records = uint64_t{1} << 40;
    Status s = Store::Open(options, db, &store);
    ASSERT_TRUE(s.ok()) << "round " << round << ": " << s.ToString();
    ASSERT_NO_FATAL_FAILURE(Check(store.get(), acks, round));
  }
  EXPECT_GT(acks.batches.size(), 50u) << "the writer acknowledged too little";
  EXPECT_GT(acks.deleted.size(), 10u);
}

}  // namespace
}  // namespace mnemo::test
