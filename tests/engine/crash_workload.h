// Copyright (c) mnemo authors.
//
// The deterministic workload shared by crash_writer and crash_test: batch
// number -> records, so the checker knows every byte that was written.

#ifndef MNEMO_TESTS_ENGINE_CRASH_WORKLOAD_H_
#define MNEMO_TESTS_ENGINE_CRASH_WORKLOAD_H_

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "mnemo/record.h"

namespace mnemo::test {

inline size_t CrashBatchSize(uint64_t batch) {
  return 1 + (batch * 2654435761u >> 7) % 16;
}

inline std::string CrashText(uint64_t batch, size_t item) {
  std::string text = "batch " + std::to_string(batch) + " item " +
                     std::to_string(item) + ": ";
  size_t pad = (batch * 31 + item * 17) % 400;
  for (size_t i = 0; i < pad; ++i) text.push_back('a' + (batch + i) % 26);
  return text;
}

// Event times of the crash workloads: batch b happened b minutes after this
// epoch (2023-01-01), so a compacting clock ages them into every tier.
inline constexpr Micros kCrashEpoch = 1'672'531'200'000'000LL;

inline std::vector<Record> CrashBatch(uint64_t batch) {
  std::vector<Record> records(CrashBatchSize(batch));
  for (size_t i = 0; i < records.size(); ++i) {
    Record& r = records[i];
    r.ns = {"crash", "writer", "s" + std::to_string(batch % 4)};
    r.text = CrashText(batch, i);
    r.metadata = {{"batch", std::to_string(batch)},
                  {"item", std::to_string(i)}};
    r.event_time = kCrashEpoch + static_cast<Micros>(batch % 20000) * 60'000'000 +
                   static_cast<Micros>(i);
  }
  return records;
}

// A batch the child acknowledged: ids first .. first + size - 1.
struct BatchAck {
  RecordId first = 0;
  size_t size = 0;
};

// Parses the children's "<batch> <first id> <size>" acknowledgement lines.
inline std::map<uint64_t, BatchAck> ParseBatchAcks(
    const std::vector<std::string>& lines) {
  std::map<uint64_t, BatchAck> acks;
  for (const std::string& line : lines) {
    unsigned long long batch, id;
    size_t size;
    if (sscanf(line.c_str(), "%llu %llu %zu", &batch, &id, &size) == 3) {
      acks[batch] = {id, size};
    }
  }
  return acks;
}

}  // namespace mnemo::test

#endif  // MNEMO_TESTS_ENGINE_CRASH_WORKLOAD_H_
