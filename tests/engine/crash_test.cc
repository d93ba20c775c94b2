// Copyright (c) mnemo authors.
//
// Crash safety: a child process writes batches and reports each one the
// store acknowledged; the parent SIGKILLs it at random moments, reopens the
// store and checks that every acknowledged record is there, byte for byte,
// and that no batch is partly visible.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>
#include <thread>

#include "crash_workload.h"
#include "store_test_util.h"

namespace mnemo::test {
namespace {

using Ack = BatchAck;

// Runs the writer for `run_ms`, kills it with SIGKILL, and returns the
// batches it acknowledged.
std::map<uint64_t, Ack> RunWriter(const std::string& dir, uint64_t first,
                                  int run_ms) {
  KilledChild child = RunAndKill("mnemo_crash_writer",
                                 {dir, std::to_string(first)}, run_ms);
  EXPECT_TRUE(child.killed) << "writer exited early: " << child.status;
  return ParseBatchAcks(child.lines);
}

TEST(CrashTest, KilledWriterLosesNoAcknowledgedBatch) {
  TempDir dir;
  std::string db = dir.Sub("db");
  std::mt19937 rng(20261128);
  std::map<uint64_t, Ack> acked;
  uint64_t next_batch = 0;
  constexpr int kRounds = 25;
  for (int round = 0; round < kRounds; ++round) {
    auto acks = RunWriter(db, next_batch, 40 + rng() % 160);
    for (auto& [batch, ack] : acks) {
      acked[batch] = ack;
      next_batch = std::max(next_batch, batch + 1);
    }
    next_batch += 1000;  // batches that may be partly written are skipped

    std::unique_ptr<Store> store;
    Status s = Store::Open(Options(), db, &store);
    ASSERT_TRUE(s.ok()) << "round " << round << ": " << s.ToString();
    ReadOptions quiet;
    quiet.count_access = false;
    for (const auto& [batch, ack] : acked) {
      for (size_t i = 0; i < ack.size; ++i) {
        Record r;
        s = store->Get(quiet, "crash", ack.first + i, &r);
        ASSERT_TRUE(s.ok()) << "round " << round << " batch " << batch << ": "
                            << s.ToString();
        ASSERT_EQ(r.text, CrashText(batch, i));
      }
    }
    // No batch is partly visible: count records per batch over all sessions.
    std::map<uint64_t, size_t> seen;
    ScanOptions scan;
    scan.tenant = "crash";
    scan.agent = "writer";
    scan.limit = 10000;
    do {
      ScanResult result;
      ASSERT_TRUE(store->Scan(quiet, scan, &result).ok());
      for (const Record& r : result.records) {
        seen[std::stoull(std::string(r.metadata.Get("batch").value_or("")))]++;
      }
      scan.cursor = result.next_cursor;
    } while (!scan.cursor.empty());
    for (const auto& [batch, count] : seen) {
      EXPECT_EQ(count, CrashBatchSize(batch)) << "partial batch " << batch;
    }
  }
  EXPECT_GT(acked.size(), 50u) << "the writer acknowledged too little to test";
}

}  // namespace
}  // namespace mnemo::test
