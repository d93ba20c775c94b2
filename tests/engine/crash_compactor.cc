// Copyright (c) mnemo authors.
//
// Child process of compaction_crash_test: one thread compacts with an
// advancing clock, another writes batches (acknowledged on stdout as
// "<batch> <first id> <size>"), until the process is killed.
//
// usage: mnemo_crash_compactor DIR FIRST_BATCH START_DAY

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "crash_workload.h"
#include "mnemo/store.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: mnemo_crash_compactor DIR FIRST_BATCH START_DAY\n");
    return 2;
  }
  std::unique_ptr<mnemo::Store> store;
  mnemo::Status s = mnemo::Store::Open(mnemo::Options(), argv[1], &store);
  if (!s.ok()) {
    std::fprintf(stderr, "open: %s\n", s.ToString().c_str());
    return 1;
  }
  uint64_t first_batch = std::strtoull(argv[2], nullptr, 10);
  long start_day = std::strtol(argv[3], nullptr, 10);
  std::thread compactor([&] {
    for (long day = start_day;; day += 3) {
      mnemo::CompactOptions options;
      options.now = mnemo::test::kCrashEpoch + day * mnemo::kDayMicros;
      options.threads = 2;
      options.policy.max_records_per_group = 40;
      mnemo::Status c = store->Compact(options, nullptr);
      if (!c.ok()) {
        std::fprintf(stderr, "compact: %s\n", c.ToString().c_str());
        std::_Exit(1);
      }
    }
  });
  for (uint64_t batch = first_batch;; ++batch) {
    std::vector<mnemo::Record> records = mnemo::test::CrashBatch(batch);
    std::vector<mnemo::RecordId> ids;
    s = store->PutBatch(mnemo::WriteOptions(), records, &ids);
    if (!s.ok()) {
      std::fprintf(stderr, "put: %s\n", s.ToString().c_str());
      std::_Exit(1);
    }
    std::printf("%llu %llu %zu\n", static_cast<unsigned long long>(batch),
                static_cast<unsigned long long>(ids[0]), ids.size());
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}
