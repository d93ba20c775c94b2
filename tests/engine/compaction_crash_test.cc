// Copyright (c) mnemo authors.
//
// Crash safety during compaction: a child compacts (with an advancing
// clock) while it writes; the parent SIGKILLs it at random moments, then
// checks that every acknowledged record reads back exactly, that every
// record on a page points at pages that exist and list it, and that a
// last compaction finishes and a second one changes nothing.

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

std::map<uint64_t, Ack> RunCompactorAndKill(const std::string& dir,
                                            uint64_t first, long day,
                                            int run_ms) {
  KilledChild child = RunAndKill(
      "mnemo_crash_compactor",
      {dir, std::to_string(first), std::to_string(day)}, run_ms);
  EXPECT_TRUE(child.killed) << "compactor exited early: " << child.status;
  return ParseBatchAcks(child.lines);
}

// Every record of the writer's agent resolves, and if it is on pages, the
// pages exist, list it, and hold its span.
void CheckPagesResolve(Store* store, size_t* on_pages) {
  ScanOptions scan;
  scan.tenant = "crash";
  scan.agent = "writer";
  scan.limit = 10000;
  ReadOptions quiet;
  quiet.count_access = false;
  std::map<uint64_t, std::string> manifests;  // page id -> manifest JSON
  do {
    ScanResult result;
    Status s = store->Scan(quiet, scan, &result);
    ASSERT_TRUE(s.ok()) << s.ToString();
    for (const Record& r : result.records) {
      if (!r.page.valid()) continue;
      ASSERT_NE(r.tier, Tier::kHot);
      if (++*on_pages % 16 == 0) {  // full location check on a sample
        RecordLocation where;
        s = store->LocateRecord("crash", r.id, &where);
        ASSERT_TRUE(s.ok()) << "record " << r.id << ": " << s.ToString();
        ASSERT_FALSE(where.rects.empty()) << "record " << r.id;
      }
      for (uint32_t k = 0; k < r.page.page_count; ++k) {
        uint64_t page_id = r.page.page_id + k;
        auto it = manifests.find(page_id);
        if (it == manifests.end()) {
          PageData page;
          s = store->GetPage(ReadOptions(), "crash", page_id, &page);
          ASSERT_TRUE(s.ok()) << "record " << r.id << ": " << s.ToString();
          it = manifests.emplace(page_id, std::move(page.manifest_json)).first;
        }
        ASSERT_NE(it->second.find(std::to_string(r.id)), std::string::npos);
      }
    }
    scan.cursor = result.next_cursor;
  } while (!scan.cursor.empty());
}

TEST(CompactionCrashTest, KillsDuringCompactionLoseNothing) {
  TempDir dir;
  std::string db = dir.Sub("db");
  std::mt19937 rng(4242);
  std::map<uint64_t, Ack> acked;
  uint64_t next_batch = 0;
  constexpr int kRounds = 20;
  size_t on_pages = 0;
  for (int round = 0; round < kRounds; ++round) {
    // Kills land 150-600 ms in; on a loaded machine (sanitizer builds, CI)
    // the child may not reach the page phase that soon, so until a round
    // has left records on pages, each round waits 250 ms longer.
    int delay_ms = 150 + static_cast<int>(rng() % 450);
    if (on_pages == 0) delay_ms += 250 * round;
    auto acks = RunCompactorAndKill(db, next_batch, round * 4, delay_ms);
    for (auto& [batch, ack] : acks) {
      acked[batch] = ack;
      next_batch = std::max(next_batch, batch + 1);
    }
    next_batch += 100;
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
    on_pages = 0;
    CheckPagesResolve(store.get(), &on_pages);
  }
  EXPECT_GT(acked.size(), 100u);
  EXPECT_GT(on_pages, 0u) << "no compaction was interrupted with pages";
  // The next run resumes and completes; the one after changes nothing.
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(Options(), db, &store).ok());
  CompactOptions options;
  options.now = kCrashEpoch + 4000 * kDayMicros;
  CompactResult result;
  ASSERT_TRUE(store->Compact(options, &result).ok());
  ASSERT_TRUE(store->Compact(options, &result).ok());
  EXPECT_FALSE(result.changed());
  for (const auto& [batch, ack] : acked) {
    for (size_t i = 0; i < ack.size; ++i) {
      Record r;
      ASSERT_TRUE(store->Get(ReadOptions(), "crash", ack.first + i, &r).ok());
      ASSERT_EQ(r.text, CrashText(batch, i));
      ASSERT_EQ(r.tier, Tier::kDecayed);
    }
  }
}

}  // namespace
}  // namespace mnemo::test
