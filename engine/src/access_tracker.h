// Copyright (c) mnemo authors.
//
// Access counts that are not in their records yet, by id, in two stages:
// - unflushed: reads Get counted since the last flush (sharded, one short
//   lock per read) so that Get never writes; Drain hands them to the
//   store, which writes them to the `access` family in one batch and then
//   moves them to the second stage with AddPending;
// - pending: counts written to the `access` family but not yet folded into
//   their records (record_table_access.cc). They are exact: readers that
//   report access counts (Get, Scan, the dump) add them to the record's
//   stored count, and the fold subtracts what it wrote into the records.
//
// A fold changes a record and its pending count in two steps (a RocksDB
// write, then SubtractPending); readers bracket "read the record, add its
// pending count" with ReadBegin/ReadValid (a sequence lock) and read again
// when a fold ran in between, so they never count a fold twice or miss it.

#ifndef MNEMO_ENGINE_ACCESS_TRACKER_H_
#define MNEMO_ENGINE_ACCESS_TRACKER_H_

#include <array>
#include <atomic>
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
  using IdCounts = std::vector<std::pair<RecordId, Counts>>;

  // Counts one read. Thread-safe.
  void Record(RecordId id, Micros now);
  // Counts one read (when `count`) and returns id's pending counts, under
  // one lock. Thread-safe.
  Counts RecordAndPending(RecordId id, Micros now, bool count);
  // Moves every unflushed count out. Thread-safe.
  IdCounts Drain();
  // Puts counts back after a failed write, so they are retried.
  void Restore(const IdCounts& counts);

  // Pending stage. Thread-safe.
  Counts Pending(RecordId id);
  // The pending counts of ids[0..n) into out[0..n). The table slots are
  // prefetched ahead, so the probes overlap.
  void PendingMany(const RecordId* ids, size_t n, Counts* out);
  // Starts loading id's slot into the cache (a reader calls it before its
  // RocksDB read, whose time the load then overlaps). Never blocks.
  void Prefetch(RecordId id) const;
  // Adds written counts (a flush's, or the `access` family's at open).
  void AddPending(const IdCounts& counts);
  // Removes counts a fold wrote into their records (count subtracted, the
  // last time left: the record's is as late).
  void SubtractPending(const IdCounts& counts);
  // Every pending count (the fold's input).
  IdCounts PendingCounts();
  // Ids with pending counts (an estimate while writers run).
  size_t pending_ids() const {
    return pending_ids_.load(std::memory_order_relaxed);
  }

  // The sequence lock between folds and readers. A reader calls ReadBegin,
  // reads records and their pending counts, and keeps what it read only if
  // ReadValid(begin). A fold runs inside a FoldScope.
  uint64_t ReadBegin();
  bool ReadValid(uint64_t begin) const {
    std::atomic_thread_fence(std::memory_order_acquire);
    return fold_seq_.load(std::memory_order_relaxed) == begin;
  }
  class FoldScope {
   public:
    explicit FoldScope(AccessTracker* tracker);
    ~FoldScope();
    FoldScope(const FoldScope&) = delete;
    FoldScope& operator=(const FoldScope&) = delete;

   private:
    AccessTracker* const tracker_;
  };

 private:
  static constexpr size_t kShards = 16;
  static constexpr size_t kMinSlots = 1024;
  // One open-addressing table per shard (linear probing, id 0 marks an
  // empty slot: ids start at 1): counting a read is one probe into a flat
  // array, no node allocation per id as std::unordered_map had (6% of a
  // counted Get's CPU in the bench's profile). A slot whose counts all
  // reach zero stays until the next Drain rebuilds the table.
  struct Slot {
    RecordId id = 0;
    Counts unflushed;
    Counts pending;
  };
  struct Shard {
    std::mutex mu;
    std::vector<Slot> slots;  // size 0 or a power of two
    size_t used = 0;
    size_t pending = 0;  // slots with pending.count > 0
    // Mirror of slots.data()/size()-1 for Prefetch (written under mu).
    std::atomic<const Slot*> table{nullptr};
    std::atomic<size_t> mask{0};
  };
  static size_t Home(RecordId id, size_t mask) {
    return (Mix(id) / kShards) & mask;
  }
  static void Published(Shard* shard);
  const Shard& ShardFor(RecordId id) const {
    return shards_[Mix(id) % kShards];
  }
  static uint64_t Mix(RecordId id) {
    id ^= id >> 33;
    id *= 0xff51afd7ed558ccdull;
    return id ^ (id >> 33);
  }
  Shard& ShardFor(RecordId id) { return shards_[Mix(id) % kShards]; }
  // The slot of `id`, added when absent and `add` (else null when absent).
  // REQUIRES: shard->mu held, id != 0.
  static Slot* SlotLocked(Shard* shard, RecordId id, bool add);
  static void Grow(Shard* shard);
  static void Merge(Counts* into, uint64_t count, Micros last);

  std::array<Shard, kShards> shards_;
  std::atomic<size_t> pending_ids_{0};
  // Odd while a fold writes; readers wait on fold_mu_ then.
  std::atomic<uint64_t> fold_seq_{0};
  std::mutex fold_mu_;
};

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_ACCESS_TRACKER_H_
