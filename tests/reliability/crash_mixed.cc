// Copyright (c) mnemo authors.
//
// Child process of crash_loop_test: a randomized mixed workload (put
// batches, updates, deletes on one thread; compaction with an advancing
// clock on another) that prints the protocol of crash_mixed_workload.h
// until it is killed.
//
// usage: mnemo_crash_mixed DIR FIRST_OP SEED DAY

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "crash_mixed_workload.h"
#include "mnemo/store.h"

namespace mnemo::test {
namespace {

[[noreturn]] void Die(const char* what, const Status& s) {
  std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
  std::fflush(stderr);
  std::_Exit(1);
}

std::vector<RecordId> LiveIds(Store* store) {
  std::vector<RecordId> ids;
  ScanOptions scan;
  scan.tenant = kMixTenant;
  scan.agent = kMixAgent;
  scan.limit = 10000;
  do {
    ScanResult result;
    Status s = store->Scan(ReadOptions(), scan, &result);
    if (!s.ok()) Die("scan", s);
    for (const Record& r : result.records) ids.push_back(r.id);
    scan.cursor = result.next_cursor;
  } while (!scan.cursor.empty());
  return ids;
}

void Line(const char* fmt, unsigned long long a, unsigned long long b,
          unsigned long long c = 0) {
  std::printf(fmt, a, b, c);
  std::fflush(stdout);
}

void PutBatch(Store* store, uint64_t op, int day, std::mt19937_64* rng,
              std::vector<RecordId>* live) {
  std::vector<Record> records(1 + (*rng)() % 8);
  for (size_t i = 0; i < records.size(); ++i) {
    Record& r = records[i];
    r.ns = {kMixTenant, kMixAgent, "s" + std::to_string(op % 3)};
    r.text = MixText(op, static_cast<int>(i));
    r.metadata = {{"op", std::to_string(op)}};
    r.importance = static_cast<float>((*rng)() % 5) / 4.0f;
    r.event_time = kMixEpoch + day * kDayMicros +
                   static_cast<Micros>(op % 100000) * 1000;
  }
  Line("?P %llu %llu\n", op, records.size());
  std::vector<RecordId> ids;
  Status s = store->PutBatch(WriteOptions(), records, &ids);
  if (!s.ok()) Die("put", s);
  Line("!P %llu %llu %llu\n", op, ids[0], ids.size());
  live->insert(live->end(), ids.begin(), ids.end());
}

void Mutate(Store* store, uint64_t op, std::mt19937_64* rng,
            std::vector<RecordId>* live) {
  size_t pick = (*rng)() % live->size();
  RecordId id = (*live)[pick];
  if ((*rng)() % 3 != 0) {
    RecordUpdate update;
    update.text = MixText(op, -1);
    Line("?U %llu %llu\n", op, id);
    Status s = store->Update(WriteOptions(), kMixTenant, id, update, nullptr);
    if (!s.ok()) Die("update", s);
    Line("!U %llu %llu\n", op, id);
    return;
  }
  Line("?D %llu %llu\n", op, id);
  Status s = store->Delete(WriteOptions(), kMixTenant, id);
  if (!s.ok()) Die("delete", s);
  Line("!D %llu %llu\n", op, id);
  (*live)[pick] = live->back();
  live->pop_back();
}

int Main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: mnemo_crash_mixed DIR FIRST_OP SEED DAY\n");
    return 2;
  }
  std::unique_ptr<Store> store;
  Status s = Store::Open(Options(), argv[1], &store);
  if (!s.ok()) Die("open", s);
  uint64_t op = std::strtoull(argv[2], nullptr, 10);
  std::mt19937_64 rng(std::strtoull(argv[3], nullptr, 10));
  int day = std::atoi(argv[4]);
  std::vector<RecordId> live = LiveIds(store.get());
  std::thread compactor([&store, day] {
    for (int d = day + 8;; d += 2) {
      CompactOptions options;
      options.now = kMixEpoch + d * kDayMicros;
      options.threads = 1 + d % 2;
      options.policy.max_records_per_group = 30;
      Status c = store->Compact(options, nullptr);
      if (!c.ok()) Die("compact", c);
    }
  });
  compactor.detach();
  for (;; ++op) {
    if (live.empty() || rng() % 10 < 5) {
      PutBatch(store.get(), op, day, &rng, &live);
    } else {
      Mutate(store.get(), op, &rng, &live);
    }
  }
}

}  // namespace
}  // namespace mnemo::test

int main(int argc, char** argv) { return mnemo::test::Main(argc, argv); }
