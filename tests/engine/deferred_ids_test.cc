// Copyright (c) mnemo authors.
//
// New records' ids entries written after the records (format 6,
// engine/src/record_table_pending.h): while they wait every read finds the
// records, and a store whose writer never wrote them (SetIdsFlushHeld: as
// if killed before its next flush) gets them back at its next open, from
// the memtables and the table files written above the ids watermark; a
// read-only open and a checkpoint find them too. Kills in the middle of
// writes: crash_test.cc and the reliability crash loop.

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "mnemo/admin.h"
#include "mnemo/search.h"
#include "store_test_util.h"
#include "test_hooks.h"

namespace mnemo::test {
namespace {

class DeferredIdsTest : public StoreTest {
 protected:
  void TearDown() override {
    store_.reset();
    internal::SetIdsFlushHeld(false);
  }

  // `n` records of agent "a": n/2 by PutBatch, the rest by Put.
  std::vector<RecordId> PutMany(int n, const std::string& tag) {
    std::vector<Record> batch;
    for (int i = 0; i < n / 2; ++i) {
      batch.push_back(
          MakeRecord("t1", "a", "s", tag + " batch " + std::to_string(i)));
    }
    std::vector<RecordId> ids;
    EXPECT_TRUE(store_->PutBatch(WriteOptions(), batch, &ids).ok());
    for (int i = n / 2; i < n; ++i) {
      ids.push_back(PutText("a", "s", tag + " single " + std::to_string(i)));
    }
    return ids;
  }

  void ExpectAll(Store* store, const std::vector<RecordId>& ids,
                 const std::string& where) {
    for (RecordId id : ids) {
      Record r;
      Status s = store->Get(ReadOptions(), "t1", id, &r);
      ASSERT_TRUE(s.ok()) << where << ": record " << id << ": " << s.ToString();
    }
  }

  void ExpectVerifyClean(Store* store, const std::string& where) {
    VerifyOptions options;
    options.deep = true;
    VerifyReport report;
    ASSERT_TRUE(mnemo::Verify(store, options, &report).ok()) << where;
    std::string problems;
    for (const VerifyProblem& p : report.problems) problems += "\n" + p.message;
    EXPECT_EQ(report.problem_count, 0u) << where << problems;
  }

  // What the last open of `db` recovered, from its info log (each open
  // starts a new LOG).
  std::vector<std::string> RecoveryLines(const std::string& db = "db") {
    std::ifstream log(dir_.Sub(db) + "/LOG");
    std::vector<std::string> lines;
    for (std::string line; std::getline(log, line);) {
      size_t at = line.find("recovered the ids entries of ");
      if (at != std::string::npos) lines.push_back(line.substr(at));
    }
    return lines;
  }

  uint64_t IdsTaskRuns() {
    StoreStats stats;
    EXPECT_TRUE(GetStats(store_.get(), &stats).ok());
    for (const BackgroundTaskStats& task : stats.background) {
      if (task.name == "ids_flush") return task.runs;
    }
    ADD_FAILURE() << "no ids_flush task in stats";
    return 0;
  }
};

TEST_F(DeferredIdsTest, HeldEntriesAreReadThenRecoveredFromTableFiles) {
  std::vector<RecordId> early = PutMany(50, "early");
  Reopen();  // a clean close: the watermark at the id mark
  internal::SetIdsFlushHeld(true);
  Reopen();
  std::vector<RecordId> late = PutMany(400, "late");
  ExpectAll(store_.get(), early, "held");
  ExpectAll(store_.get(), late, "held");
  ExpectVerifyClean(store_.get(), "held");
  SearchOptions search;
  search.filter.tenant = "t1";
  search.query = "late";
  search.k = 1000;
  SearchResult found;
  ASSERT_TRUE(store_->Search(search, &found).ok());
  EXPECT_EQ(found.hits.size(), late.size());
  // Closing flushes the memtables but writes no ids entries: the records
  // now lie in table files only, their entries nowhere.
  internal::SetIdsFlushHeld(false);
  Reopen();
  ASSERT_EQ(RecoveryLines(),
            std::vector<std::string>{"recovered the ids entries of 400 records"});
  ExpectAll(store_.get(), early, "recovered");
  ExpectAll(store_.get(), late, "recovered");
  ExpectVerifyClean(store_.get(), "recovered");
  std::vector<RecordId> after = PutMany(100, "after");
  EXPECT_GT(after.front(), late.back());
  Reopen();
  EXPECT_TRUE(RecoveryLines().empty()) << "a clean close leaves none";
  ExpectAll(store_.get(), late, "reopened");
  ExpectAll(store_.get(), after, "reopened");
}

TEST_F(DeferredIdsTest, ReadOnlyOpenAndCheckpointFindWaitingEntries) {
  std::vector<RecordId> early = PutMany(40, "early");
  internal::SetIdsFlushHeld(true);
  Reopen();
  std::vector<RecordId> late = PutMany(200, "late");
  Options ro_options;
  ro_options.read_only = true;
  std::unique_ptr<Store> reader;
  ASSERT_TRUE(Store::Open(ro_options, dir_.Sub("db"), &reader).ok());
  ExpectAll(reader.get(), early, "read-only");
  ExpectAll(reader.get(), late, "read-only");
  ExpectVerifyClean(reader.get(), "read-only");
  reader.reset();
  ASSERT_TRUE(mnemo::Checkpoint(store_.get(), dir_.Sub("copy")).ok());
  internal::SetIdsFlushHeld(false);
  std::unique_ptr<Store> copy;
  ASSERT_TRUE(Store::Open(Options(), dir_.Sub("copy"), &copy).ok());
  ExpectAll(copy.get(), early, "checkpoint");
  ExpectAll(copy.get(), late, "checkpoint");
  ExpectVerifyClean(copy.get(), "checkpoint");
}

// Inserts of 32 records or more write their own ids entries, so nothing
// waits; the ids task still moves the watermark past them. The open after
// a crash (a checkpoint of the live store stands for one) then reads
// nothing back: with the watermark left behind it read back every record
// written since, which for a bulk loader is the whole store.
TEST_F(DeferredIdsTest, WatermarkFollowsInsertsThatWriteTheirOwnEntries) {
  std::vector<RecordId> ids;
  for (int b = 0; b < 5; ++b) {
    std::vector<Record> batch;
    for (int i = 0; i < 40; ++i) {
      batch.push_back(MakeRecord("t1", "a", "s",
                                 "bulk " + std::to_string(b * 40 + i)));
    }
    std::vector<RecordId> got;
    ASSERT_TRUE(store_->PutBatch(WriteOptions(), batch, &got).ok());
    ids.insert(ids.end(), got.begin(), got.end());
  }
  // Two more runs of the task: one of them began after the writes.
  const uint64_t runs = IdsTaskRuns();
  for (int i = 0; i < 300 && IdsTaskRuns() < runs + 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GE(IdsTaskRuns(), runs + 2);
  ASSERT_TRUE(mnemo::Checkpoint(store_.get(), dir_.Sub("copy")).ok());
  std::unique_ptr<Store> copy;
  ASSERT_TRUE(Store::Open(Options(), dir_.Sub("copy"), &copy).ok());
  EXPECT_TRUE(RecoveryLines("copy").empty());
  ExpectAll(copy.get(), ids, "checkpoint");
  ExpectVerifyClean(copy.get(), "checkpoint");
}

// Ids run consecutive while the clock stays within about 4 ms of them
// (so new records fill whole ids blocks), and jump to the clock after.
TEST_F(DeferredIdsTest, IdsFollowTheClockAndRunConsecutiveNearIt) {
  RecordId first = PutText("a", "s", "one");
  EXPECT_EQ(first, static_cast<RecordId>(kJan2024) << 8);
  clock_.Advance(100);  // 100 us: 25,600 clock ids ahead
  EXPECT_EQ(PutText("a", "s", "two"), first + 1);
  clock_.Advance(kSecond);
  EXPECT_EQ(PutText("a", "s", "three"),
            static_cast<RecordId>(kJan2024 + 100 + kSecond) << 8);
}

// A search right after a run of Puts (their entries all waiting) finds
// each record once: the index catches up through the waiting entries.
// Single Puts take consecutive ids, so neighbour context (RankingOptions)
// adds the turns on either side, as for a batch.
TEST_F(DeferredIdsTest, SearchRightAfterPutsFindsEachRecordOnce) {
  std::vector<RecordId> ids;
  for (int i = 0; i < 40; ++i) {
    std::string text = "turn " + std::to_string(i) + ": the itinerary";
    if (i == 7) text = "turn 7: the ferry leaves from the old harbour";
    ids.push_back(PutText("planner", "trip", text));
  }
  SearchOptions search;
  search.filter.tenant = "t1";
  search.query = "harbour";
  SearchResult found;
  ASSERT_TRUE(store_->Search(search, &found).ok());
  ASSERT_EQ(found.hits.size(), 3u);
  EXPECT_EQ(found.hits[0].id, ids[7]);
  std::set<RecordId> context = {found.hits[1].id, found.hits[2].id};
  EXPECT_EQ(context, (std::set<RecordId>{ids[6], ids[8]}));
  search.query = "itinerary";
  search.k = 100;
  search.ranking.neighbour_weight = 0;
  ASSERT_TRUE(store_->Search(search, &found).ok());
  std::set<RecordId> hits;
  for (const SearchHit& hit : found.hits) hits.insert(hit.id);
  EXPECT_EQ(hits.size(), found.hits.size()) << "a record found twice";
  EXPECT_EQ(hits.size(), 39u);
}

}  // namespace
}  // namespace mnemo::test
