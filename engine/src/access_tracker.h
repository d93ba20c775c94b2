// Copyright (c) mnemo authors.
//
// Gathers read counts in memory (sharded, one short lock per read) so that
// Get never writes; Drain hands the totals to the store, which writes them
// as merge operands in one batch.

#ifndef MNEMO_ENGINE_ACCESS_TRACKER_H_
#define MNEMO_ENGINE_ACCESS_TRACKER_H_

#include <array>
#include <mutex>
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
  static constexpr size_t kMinSlots = 1024;
  // One open-addressing table per shard (linear probing, id 0 marks an
  // empty slot: ids start at 1): counting a read is one probe into a flat
  // array, no node allocation per id as std::unordered_map had (6% of a
  // counted Get's CPU in the bench's profile).
  struct Slot {
    RecordId id = 0;
    Counts counts;
  };
  struct Shard {
    std::mutex mu;
    std::vector<Slot> slots;  // size 0 or a power of two
    size_t used = 0;
  };
  static uint64_t Mix(RecordId id) {
    id ^= id >> 33;
    id *= 0xff51afd7ed558ccdull;
    return id ^ (id >> 33);
  }
  Shard& ShardFor(RecordId id) { return shards_[Mix(id) % kShards]; }
  // Adds to id's counts. REQUIRES: shard->mu held, id != 0.
  static void AddLocked(Shard* shard, RecordId id, uint64_t count, Micros last);
  static void Grow(Shard* shard);
  std::array<Shard, kShards> shards_;
};

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_ACCESS_TRACKER_H_
