// Copyright (c) mnemo authors.
//
// LocationHints: the record table's in-memory id -> location hints
// (record_table_slots.cc). Internal to the record table.

#ifndef MNEMO_ENGINE_RECORD_TABLE_HINTS_H_
#define MNEMO_ENGINE_RECORD_TABLE_HINTS_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "mnemo/record.h"

namespace mnemo::internal {

// A bounded hint id -> records key location of recently written or read
// records, so that most Gets of recent records skip the ids lookup. Only
// a hint: a records key names its id, so a stale location simply misses
// and the reader asks `ids`. Three ways per 64-byte bucket: one cache
// line per lookup, and ids that meet in a bucket do not evict each other
// (direct-mapped, ~7% of the bench's Gets paid the ids lookup). Each
// shard's table grows with the ids it holds, up to the cap: a small
// store's hints stay in cache instead of spreading its lookups (and
// evicting the memtable's nodes) over the whole bound.
class LocationHints {
 public:
  // `max_bytes`: bound on the tables' memory (Options::location_hint_bytes;
  // at least kMinBuckets a shard).
  explicit LocationHints(size_t max_bytes);
  bool Find(RecordId id, std::string* key) const;  // key = loc + id
  void Put(RecordId id, std::string_view location);  // 12 bytes
  void Erase(RecordId id);
  // Starts loading id's bucket into cache, so that a Find or Put a little
  // later (after an encode, beside a RocksDB read) does not wait for it.
  void Prefetch(RecordId id) const;

 private:
  static constexpr size_t kShards = 64;
  static constexpr size_t kWays = 3;
  static constexpr size_t kMinBuckets = 12;   // per shard: 768 bytes
  struct alignas(64) Bucket {
    RecordId ids[kWays] = {};  // 0: empty (ids start at 1)
    char locations[kWays][12] = {};
    uint8_t next = 0;  // the way the next new id replaces
  };
  static_assert(sizeof(Bucket) == 64);
  struct Shard {
    mutable std::mutex mu;
    std::vector<Bucket> buckets = std::vector<Bucket>(kMinBuckets);
    size_t used = 0;  // ways holding an id
    // Mirror of buckets.data()/size() for Prefetch (written under mu).
    std::atomic<const Bucket*> table{nullptr};
    std::atomic<size_t> count{0};
  };
  // Ids carry a clock part and a counter: a run's number is mixed before
  // use, so the runs spread over every shard and bucket.
  static uint64_t Mix(RecordId id) {
    id ^= id >> 33;
    id *= 0xff51afd7ed558ccdull;
    return id ^ (id >> 33);
  }
  // Ids are placed by runs of kRun: a run's ids share a shard and sit in
  // consecutive buckets from a mixed start, so a batch's consecutive ids
  // fill neighbouring lines (that the hardware prefetcher streams) instead
  // of one random line each.
  static constexpr RecordId kRun = 64;
  Shard& ShardOf(RecordId id) const {
    return shards_[Mix(id / kRun) % kShards];
  }
  static size_t BucketIn(RecordId id, size_t buckets) {
    return (Mix(id / kRun) / kShards + id % kRun) % buckets;
  }
  // Stores id in its bucket of `shard` (REQUIRES: shard.mu held).
  static void PutLocked(Shard* shard, RecordId id, const char* location);
  // Doubles the shard's table (up to max_buckets), keeping what fits.
  static void Grow(Shard* shard, size_t max_buckets);
  // Sets the shard's Prefetch mirror (REQUIRES: shard.mu held, or no other
  // thread sees the shard yet).
  static void Publish(Shard* shard);
  size_t max_buckets_;  // per shard
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_RECORD_TABLE_HINTS_H_
