// Copyright (c) mnemo authors.
//
// The full-text index in its own RocksDB instance (store format 8,
// engine/src/record_table_search.h): a change of records and index cut
// between its two writes, a lost index directory, the move of a format-7
// store's index, checkpoints and read-only opens. Every case ends with a
// deep Verify and searches that find exactly the records' current text.

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "fault_injection.h"
#include "keys.h"
#include "mnemo/admin.h"
#include "mnemo/search.h"
#include "older_format.h"
#include "store_test_util.h"
#include "test_hooks.h"

namespace mnemo::test {
namespace {

namespace fs = std::filesystem;

class SearchIndexDbTest : public StoreTest {
 protected:
  void TearDown() override {
    internal::SetIndexCommitsDropped(false);
    store_.reset();  // before fs_, which a store may run on
    internal::SetTestEnv(nullptr);
  }

  std::vector<RecordId> Find(const std::string& query, Store* store = nullptr) {
    SearchOptions o;
    o.filter.tenant = "t1";
    o.query = query;
    o.k = 20;
    o.ranking.rerank_pool = 0;
    SearchResult result;
    Status s = (store ? store : store_.get())->Search(o, &result);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::vector<RecordId> ids;
    for (const auto& hit : result.hits) ids.push_back(hit.id);
    std::sort(ids.begin(), ids.end());
    return ids;
  }
  void ExpectVerifyClean(const std::string& where) {
    VerifyOptions options;
    options.deep = true;
    VerifyReport report;
    Status s = mnemo::Verify(store_.get(), options, &report);
    ASSERT_TRUE(s.ok()) << where << ": " << s.ToString();
    std::string problems;
    for (const VerifyProblem& p : report.problems) {
      problems += "\n  " + p.message;
    }
    EXPECT_EQ(report.problem_count, 0u) << where << problems;
    // Postings of records that are gone are not problems (searches skip
    // them) but are what a lost index write leaves: none here either.
    EXPECT_EQ(report.stale_postings, 0u) << where;
  }
  std::string Marker() { return ReadBack(dir_.Sub("db") + "/MNEMO"); }
  std::string IndexDir() { return dir_.Sub("db") + "/" + internal::kIndexDir; }
  std::string ReadBack(const std::string& path) {
    std::string text;
    EXPECT_TRUE(ReadFile(path, &text)) << path;
    return text;
  }
  // Records of the store at `dir` above its index's watermark, as a
  // read-only open (which indexes nothing) sees them.
  uint64_t Backlog(const std::string& dir) {
    Options read_only = options_;
    read_only.read_only = true;
    std::unique_ptr<Store> reader;
    Status s = Store::Open(read_only, dir, &reader);
    EXPECT_TRUE(s.ok()) << s.ToString();
    StoreStats stats;
    if (s.ok()) s = mnemo::GetStats(reader.get(), &stats);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return stats.search_backlog;
  }

  // Three records of agent a, one of agent b, all indexed.
  void PutIndexed() {
    alpha_ = PutText("a", "s", "alpha harbour");
    bravo_ = PutText("a", "s", "bravo crane");
    charlie_ = PutText("a", "s", "charlie harbour dock");
    delta_ = PutText("b", "s", "delta harbour");
    ASSERT_EQ(Find("harbour"),
              (std::vector<RecordId>{alpha_, charlie_, delta_}));
  }

  RecordId alpha_ = 0, bravo_ = 0, charlie_ = 0, delta_ = 0;
  internal::FaultInjectionFs fs_;
};

// Update and Delete write the records, and a kill takes the process before
// the index's write: the next open finds the agent's intent ahead of its
// applied mark and rebuilds its index from its records.
TEST_F(SearchIndexDbTest, AKillBetweenTheTwoWritesIsRepairedByTheNextOpen) {
  PutIndexed();
  store_.reset();
  internal::SetIndexCommitsDropped(true);
  Reopen();
  RecordUpdate update;
  update.text = "echo lighthouse";
  ASSERT_TRUE(
      store_->Update(WriteOptions(), "t1", alpha_, update, nullptr).ok());
  ASSERT_TRUE(store_->Delete(WriteOptions(), "t1", bravo_).ok());
  // The index never got the new text: the change is half done.
  EXPECT_TRUE(Find("echo").empty());
  store_.reset();
  internal::SetIndexCommitsDropped(false);
  Reopen();
  EXPECT_EQ(Find("echo"), std::vector<RecordId>{alpha_});
  EXPECT_TRUE(Find("alpha").empty());
  EXPECT_TRUE(Find("bravo").empty());
  EXPECT_EQ(Find("harbour"), (std::vector<RecordId>{charlie_, delta_}));
  ExpectVerifyClean("after the rebuild");
  // The marks now agree: a second open rebuilds nothing and finds the same.
  Reopen();
  EXPECT_EQ(Find("echo"), std::vector<RecordId>{alpha_});
  ExpectVerifyClean("reopened");
}

// The disk fills up as the index's instance flushes (a checkpoint asks it
// to): that instance refuses writes until there is space, while the
// records' still takes them. An Update and a Delete change the records,
// and the calls say that their index did not. A search meanwhile fails
// rather than serve the old postings; once there is space, the running
// writer rebuilds those agents before its next search, with no reopen.
TEST_F(SearchIndexDbTest, AFailedIndexWriteIsRepairedBeforeTheNextSearch) {
  store_.reset();
  internal::SetTestEnv(fs_.env());
  Reopen();
  PutIndexed();
  internal::FaultPlan full;
  full.kind = internal::FaultPlan::Kind::kNoSpace;
  full.fail_after = 0;
  full.path_contains = {"/" + std::string(internal::kIndexDir) + "/", ".sst"};
  fs_.Arm(full);
  EXPECT_FALSE(mnemo::Checkpoint(store_.get(), dir_.Sub("checkpoint")).ok());
  RecordUpdate update;
  update.text = "echo lighthouse";
  Status s = store_->Update(WriteOptions(), "t1", alpha_, update, nullptr);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("the records were written"), std::string::npos)
      << s.ToString();
  EXPECT_FALSE(store_->Delete(WriteOptions(), "t1", bravo_).ok());
  Record r;
  ASSERT_TRUE(store_->Get(ReadOptions(), "t1", alpha_, &r).ok());
  EXPECT_EQ(r.text, "echo lighthouse");
  EXPECT_TRUE(store_->Get(ReadOptions(), "t1", bravo_, &r).IsNotFound());
  SearchOptions o;
  o.filter.tenant = "t1";
  o.query = "alpha";
  SearchResult result;
  s = store_->Search(o, &result);
  EXPECT_FALSE(s.ok()) << result.hits.size() << " hits";
  fs_.Disarm();
  // RocksDB's own recovery of the instance (its retry of the failed flush)
  // answers Busy until it has run: searches fail until then.
  auto start = std::chrono::steady_clock::now();
  while (!store_->Search(o, &result).ok() &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(60)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(Find("echo"), std::vector<RecordId>{alpha_});
  EXPECT_TRUE(Find("alpha").empty());
  EXPECT_TRUE(Find("bravo").empty());
  EXPECT_EQ(Find("harbour"), (std::vector<RecordId>{charlie_, delta_}));
  ExpectVerifyClean("repaired by the running writer");
  store_.reset();
  internal::SetTestEnv(nullptr);
  Reopen();
  EXPECT_EQ(Find("echo"), std::vector<RecordId>{alpha_});
  EXPECT_EQ(Find("harbour"), (std::vector<RecordId>{charlie_, delta_}));
  ExpectVerifyClean("reopened");
}

// A whole agent deleted with its index write lost: the rebuild leaves the
// agent without postings and the other agents as they were.
TEST_F(SearchIndexDbTest, ALostAgentDeleteIsRepairedByTheNextOpen) {
  PutIndexed();
  store_.reset();
  internal::SetIndexCommitsDropped(true);
  Reopen();
  uint64_t deleted = 0;
  ASSERT_TRUE(store_->DeleteAgent(WriteOptions(), "t1", "a", &deleted).ok());
  ASSERT_EQ(deleted, 3u);
  store_.reset();
  internal::SetIndexCommitsDropped(false);
  Reopen();
  EXPECT_EQ(Find("harbour"), std::vector<RecordId>{delta_});
  ExpectVerifyClean("after the rebuild");
}

// The index is derived data: without its directory (a restored backup
// holds none) a writer's open starts an empty one and the indexer
// rebuilds it; searches meanwhile score the records themselves.
TEST_F(SearchIndexDbTest, ALostIndexDirectoryIsRebuilt) {
  PutIndexed();
  store_.reset();
  std::error_code ec;
  ASSERT_GT(fs::remove_all(IndexDir(), ec), 0u);
  Reopen();
  EXPECT_EQ(Find("harbour"), (std::vector<RecordId>{alpha_, charlie_, delta_}));
  EXPECT_EQ(Find("crane"), std::vector<RecordId>{bravo_});
  ExpectVerifyClean("rebuilt");
}

// A format-7 store keeps its index in its own database: a read-only open
// searches it there; a writer's open moves it out, and the store's
// database keeps none of it.
TEST_F(SearchIndexDbTest, AFormatSevenStoreMovesItsIndexOut) {
  PutIndexed();
  store_.reset();
  ASSERT_TRUE(MoveIndexBackIntoStore(dir_.Sub("db")));
  ASSERT_TRUE(WriteFile(dir_.Sub("db") + "/MNEMO", "mnemo store format 7\n"));
  ASSERT_FALSE(fs::exists(IndexDir()));
  Options read_only = options_;
  read_only.read_only = true;
  std::unique_ptr<Store> reader;
  ASSERT_TRUE(Store::Open(read_only, dir_.Sub("db"), &reader).ok());
  EXPECT_EQ(Find("harbour", reader.get()),
            (std::vector<RecordId>{alpha_, charlie_, delta_}));
  reader.reset();
  EXPECT_EQ(Marker(), "mnemo store format 7\n");

  Reopen();
  EXPECT_EQ(Marker(), "mnemo store format 8\n");
  EXPECT_TRUE(fs::exists(IndexDir()));
  EXPECT_EQ(Find("harbour"), (std::vector<RecordId>{alpha_, charlie_, delta_}));
  ExpectVerifyClean("moved");
  StoreStats stats;
  ASSERT_TRUE(mnemo::GetStats(store_.get(), &stats).ok());
  bool index_family = false;
  for (const auto& f : stats.families) {
    index_family = index_family || f.name == "search/postings";
  }
  EXPECT_TRUE(index_family);
  // A kill between format 8's marker and the removal of the old keys
  // leaves them in the store's database: the next open removes them (and,
  // the index directory gone too here, rebuilds the index).
  store_.reset();
  ASSERT_TRUE(MoveIndexBackIntoStore(dir_.Sub("db")));
  Reopen();
  EXPECT_EQ(Find("harbour"), (std::vector<RecordId>{alpha_, charlie_, delta_}));
  ExpectVerifyClean("leftovers removed");
}

// A checkpoint carries the index; a read-only open of it searches it.
TEST_F(SearchIndexDbTest, ACheckpointCarriesTheIndex) {
  PutIndexed();
  const std::string copy = dir_.Sub("copy");
  ASSERT_TRUE(mnemo::Checkpoint(store_.get(), copy).ok());
  EXPECT_TRUE(fs::exists(copy + "/" + internal::kIndexDir + "/CURRENT"));
  EXPECT_FALSE(fs::exists(copy + ".search-tmp"));
  Options read_only = options_;
  read_only.read_only = true;
  std::unique_ptr<Store> reader;
  ASSERT_TRUE(Store::Open(read_only, copy, &reader).ok());
  EXPECT_EQ(Find("harbour", reader.get()),
            (std::vector<RecordId>{alpha_, charlie_, delta_}));
}

// A backup carries the index: a read-only open of the restored store
// searches it with nothing left to index, and a writer open rebuilds
// nothing. A later backup is incremental and carries the later index.
TEST_F(SearchIndexDbTest, ABackupCarriesTheIndex) {
  PutIndexed();
  const std::string backups = dir_.Sub("backups");
  BackupInfo info;
  ASSERT_TRUE(mnemo::Backup(store_.get(), backups, &info).ok());
  EXPECT_GT(info.index_bytes, 0u);
  EXPECT_GT(info.size_bytes, info.index_bytes);
  const RecordId echo = PutText("a", "s", "echo lighthouse");
  ASSERT_EQ(Find("lighthouse"), std::vector<RecordId>{echo});  // indexed
  ASSERT_TRUE(mnemo::Backup(store_.get(), backups, &info).ok());
  EXPECT_EQ(info.backup_count, 2u);
  const std::string restored = dir_.Sub("restored");
  ASSERT_TRUE(mnemo::RestoreBackup(backups, restored).ok());
  EXPECT_TRUE(fs::exists(restored + "/" + internal::kIndexDir + "/CURRENT"));
  EXPECT_EQ(ReadBack(restored + "/MNEMO"), "mnemo store format 8\n");
  EXPECT_EQ(Backlog(restored), 0u);
  store_.reset();
  ASSERT_TRUE(Store::Open(options_, restored, &store_).ok());
  EXPECT_EQ(Find("harbour"), (std::vector<RecordId>{alpha_, charlie_, delta_}));
  EXPECT_EQ(Find("lighthouse"), std::vector<RecordId>{echo});
  ExpectVerifyClean("restored");
}

// A change whose records reached the records' backup and whose index did
// not (it fell between the index's backup and the records', here a change
// whose index write was dropped): the restored store's first writer open
// rebuilds that agent's index.
TEST_F(SearchIndexDbTest, ABackupTakenMidChangeIsReconciledOnOpen) {
  PutIndexed();
  store_.reset();
  internal::SetIndexCommitsDropped(true);
  Reopen();
  RecordUpdate update;
  update.text = "echo lighthouse";
  ASSERT_TRUE(
      store_->Update(WriteOptions(), "t1", alpha_, update, nullptr).ok());
  const std::string backups = dir_.Sub("backups");
  ASSERT_TRUE(mnemo::Backup(store_.get(), backups, nullptr).ok());
  internal::SetIndexCommitsDropped(false);
  const std::string restored = dir_.Sub("restored");
  ASSERT_TRUE(mnemo::RestoreBackup(backups, restored).ok());
  store_.reset();
  ASSERT_TRUE(Store::Open(options_, restored, &store_).ok());
  EXPECT_EQ(Find("echo"), std::vector<RecordId>{alpha_});
  EXPECT_TRUE(Find("alpha").empty());
  EXPECT_EQ(Find("harbour"), (std::vector<RecordId>{charlie_, delta_}));
  ExpectVerifyClean("reconciled");
}

// A backup whose index is gone (or one made before format 8 kept the
// index apart) restores the records alone: a read-only open scores them
// itself, and the first writer open rebuilds the index. A read-only
// instance's backup (through a checkpoint) carries the index too.
TEST_F(SearchIndexDbTest, ABackupWithoutItsIndexRestoresAndRebuildsIt) {
  PutIndexed();
  store_.reset();
  Options read_only = options_;
  read_only.read_only = true;
  std::unique_ptr<Store> reader;
  ASSERT_TRUE(Store::Open(read_only, dir_.Sub("db"), &reader).ok());
  const std::string backups = dir_.Sub("backups");
  ASSERT_TRUE(mnemo::Backup(reader.get(), backups, nullptr).ok());
  reader.reset();
  const std::string index_backups = backups + "/" + internal::kIndexDir;
  ASSERT_TRUE(fs::exists(index_backups));
  std::error_code ec;
  ASSERT_GT(fs::remove_all(index_backups, ec), 0u);
  const std::string restored = dir_.Sub("restored");
  ASSERT_TRUE(mnemo::RestoreBackup(backups, restored).ok());
  EXPECT_FALSE(fs::exists(restored + "/" + internal::kIndexDir));
  EXPECT_EQ(Backlog(restored), 4u);
  ASSERT_TRUE(Store::Open(read_only, restored, &reader).ok());
  EXPECT_EQ(Find("harbour", reader.get()),
            (std::vector<RecordId>{alpha_, charlie_, delta_}));
  reader.reset();
  ASSERT_TRUE(Store::Open(options_, restored, &store_).ok());
  EXPECT_EQ(Find("harbour"), (std::vector<RecordId>{alpha_, charlie_, delta_}));
  EXPECT_EQ(Find("crane"), std::vector<RecordId>{bravo_});
  ExpectVerifyClean("rebuilt");
}

}  // namespace
}  // namespace mnemo::test
