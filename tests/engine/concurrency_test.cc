// Copyright (c) mnemo authors.
//
// Many threads putting, getting, scanning, updating and deleting at once.
// Run under TSAN in the sanitizer build (-DMNEMO_SANITIZE=thread).

#include <thread>

#include "mnemo/admin.h"
#include "store_test_util.h"

namespace mnemo::test {
namespace {

TEST_F(StoreTest, ConcurrentPutGetScanUpdateDelete) {
  constexpr int kThreads = 6;
  constexpr int kOps = 400;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  std::vector<std::vector<RecordId>> kept(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string agent = "agent" + std::to_string(t % 3);
      std::vector<RecordId> mine;
      for (int i = 0; i < kOps; ++i) {
        RecordId id;
        std::string text = "t" + std::to_string(t) + " i" + std::to_string(i);
        Status s = store_->Put(WriteOptions(),
                               MakeRecord("t1", agent, "s" + std::to_string(t),
                                          text),
                               &id);
        if (!s.ok()) ++failures;
        mine.push_back(id);
        Record out;
        s = store_->Get(ReadOptions(), "t1", id, &out);
        if (!s.ok() || out.text != text) ++failures;
        if (i % 10 == 0) {
          ScanOptions scan;
          scan.tenant = "t1";
          scan.agent = agent;
          scan.limit = 50;
          ScanResult result;
          if (!store_->Scan(ReadOptions(), scan, &result).ok()) ++failures;
        }
        if (i % 7 == 0) {
          RecordUpdate up;
          up.text = text + " (edited)";
          if (!store_->Update(WriteOptions(), "t1", id, up, nullptr).ok()) {
            ++failures;
          }
        }
        if (i % 5 == 0 && mine.size() > 1) {
          RecordId victim = mine[mine.size() - 2];
          if (!store_->Delete(WriteOptions(), "t1", victim).ok()) ++failures;
          mine.erase(mine.end() - 2);
        }
        if (i % 100 == 0) (void)mnemo::FlushAccessCounts(store_.get());
      }
      kept[t] = mine;
    });
  }
  // A bulk delete of a session nobody writes to, racing the writers.
  threads.emplace_back([&] {
    for (int i = 0; i < 50; ++i) {
      RecordId id;
      (void)store_->Put(WriteOptions(), MakeRecord("t1", "agent0", "victim", "v"),
                        &id);
    }
    uint64_t deleted = 0;
    if (!store_
             ->DeleteSession(WriteOptions(), "t1", "agent0", "victim", &deleted)
             .ok() ||
        deleted != 50) {
      ++failures;
    }
  });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  size_t expected = 0;
  for (int t = 0; t < kThreads; ++t) {
    expected += kept[t].size();
    for (RecordId id : kept[t]) {
      Record out;
      ASSERT_TRUE(store_->Get(ReadOptions(), "t1", id, &out).ok()) << id;
    }
  }
  size_t scanned = 0;
  for (int a = 0; a < 3; ++a) {
    ScanOptions scan;
    scan.tenant = "t1";
    scan.agent = "agent" + std::to_string(a);
    scan.limit = 10000;
    ScanResult result;
    ASSERT_TRUE(store_->Scan(ReadOptions(), scan, &result).ok());
    scanned += result.records.size();
  }
  EXPECT_EQ(scanned, expected);
}

TEST_F(StoreTest, ConcurrentGetsCountEveryAccess) {
  RecordId id = PutText("a", "s", "hot record");
  constexpr int kThreads = 4, kReads = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      Record out;
      for (int i = 0; i < kReads; ++i) {
        EXPECT_TRUE(store_->Get(ReadOptions(), "t1", id, &out).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(mnemo::FlushAccessCounts(store_.get()).ok());
  ReadOptions quiet;
  quiet.count_access = false;
  Record out;
  ASSERT_TRUE(store_->Get(quiet, "t1", id, &out).ok());
  EXPECT_EQ(out.access_count, static_cast<uint64_t>(kThreads * kReads));
}

}  // namespace
}  // namespace mnemo::test
