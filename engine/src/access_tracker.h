// Copyright (c) mnemo authors.
//
// Gathers read counts in memory (sharded, one short lock per read) so that
// Get never writes; Drain hands the totals to the store, which writes them
// as merge operands in one batch.

#ifndef MNEMO_ENGINE_ACCESS_TRACKER_H_
#define MNEMO_ENGINE_ACCESS_TRACKER_H_

#include <array>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "mnemo/record.h"

namespace mnemo::internal {

class AccessTracker {
 public:
  struct Counts {
    uint64_t count = 0;
    Micros last = 0;
  };

  // Thread-safe.
  void Record(RecordId id, Micros now);
  // Moves every gathered count out. Thread-safe.
  std::vector<std::pair<RecordId, Counts>> Drain();
  // Puts counts back after a failed write, so they are retried.
  void Restore(const std::vector<std::pair<RecordId, Counts>>& counts);

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    std::mutex mu;
    std::unordered_map<RecordId, Counts> counts;
  };
  Shard& ShardFor(RecordId id) { return shards_[(id * 0x9e3779b97f4a7c15ull) >> 60]; }
  std::array<Shard, kShards> shards_;
};

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_ACCESS_TRACKER_H_
