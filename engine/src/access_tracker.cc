// Copyright (c) mnemo authors.

#include "access_tracker.h"

#include <algorithm>

namespace mnemo::internal {

void AccessTracker::Merge(Counts* into, uint64_t count, Micros last) {
  into->count += count;
  into->last = std::max(into->last, last);
}

void AccessTracker::Published(Shard* shard) {
  shard->table.store(shard->slots.data(), std::memory_order_relaxed);
  shard->mask.store(shard->slots.empty() ? 0 : shard->slots.size() - 1,
                    std::memory_order_relaxed);
}

void AccessTracker::Grow(Shard* shard) {
  std::vector<Slot> old = std::move(shard->slots);
  shard->slots.assign(std::max(kMinSlots, old.size() * 2), Slot());
  shard->used = 0;
  Published(shard);
  for (const Slot& s : old) {
    if (s.id != 0) *SlotLocked(shard, s.id, /*add=*/true) = s;
  }
}

// A stale table pointer only prefetches a line of freed memory (a
// prefetch never faults) or of the wrong slot.
void AccessTracker::Prefetch(RecordId id) const {
  const Shard& shard = ShardFor(id);
  const Slot* table = shard.table.load(std::memory_order_relaxed);
  if (table == nullptr) return;
  __builtin_prefetch(table + Home(id, shard.mask.load(std::memory_order_relaxed)));
}

void AccessTracker::PendingMany(const RecordId* ids, size_t n, Counts* out) {
  if (pending_ids() == 0) {
    std::fill(out, out + n, Counts());
    return;
  }
  // Grouped by shard (one lock per shard, not per id; a counting sort of
  // up to kGroup ids on the stack), each group's slots prefetched a few
  // ahead (more lines in flight than the core's fill buffers would only be
  // dropped).
  constexpr size_t kGroup = 64, kAhead = 8;
  for (size_t at = 0; at < n; at += kGroup) {
    const size_t m = std::min(kGroup, n - at);
    uint8_t shard_of[kGroup];
    uint8_t order[kGroup];
    size_t start[kShards + 1] = {};
    for (size_t i = 0; i < m; ++i) {
      shard_of[i] = static_cast<uint8_t>(Mix(ids[at + i]) % kShards);
      ++start[shard_of[i] + 1];
    }
    for (size_t k = 0; k < kShards; ++k) start[k + 1] += start[k];
    size_t fill[kShards];
    std::copy(start, start + kShards, fill);
    for (size_t i = 0; i < m; ++i) order[fill[shard_of[i]]++] = uint8_t(i);
    for (size_t i = 0; i < std::min(m, kAhead); ++i) Prefetch(ids[at + order[i]]);
    for (size_t k = 0; k < kShards; ++k) {
      if (start[k] == start[k + 1]) continue;
      Shard& shard = shards_[k];
      std::lock_guard<std::mutex> lock(shard.mu);
      for (size_t j = start[k]; j < start[k + 1]; ++j) {
        if (j + kAhead < m) Prefetch(ids[at + order[j + kAhead]]);
        const RecordId id = ids[at + order[j]];
        const Slot* slot =
            id == 0 ? nullptr : SlotLocked(&shard, id, /*add=*/false);
        out[at + order[j]] = slot == nullptr ? Counts() : slot->pending;
      }
    }
  }
}

AccessTracker::Slot* AccessTracker::SlotLocked(Shard* shard, RecordId id,
                                               bool add) {
  if (shard->slots.empty()) {
    if (!add) return nullptr;
    Grow(shard);
  }
  if (add && (shard->used + 1) * 2 > shard->slots.size()) Grow(shard);
  const size_t mask = shard->slots.size() - 1;
  size_t i = Home(id, mask);
  while (shard->slots[i].id != 0 && shard->slots[i].id != id) {
    i = (i + 1) & mask;
  }
  Slot& slot = shard->slots[i];
  if (slot.id == 0) {
    if (!add) return nullptr;
    slot.id = id;
    ++shard->used;
  }
  return &slot;
}

void AccessTracker::Record(RecordId id, Micros now) {
  if (id == 0) return;  // no record has id 0
  Shard& shard = ShardFor(id);
  std::lock_guard<std::mutex> lock(shard.mu);
  Merge(&SlotLocked(&shard, id, /*add=*/true)->unflushed, 1, now);
}

AccessTracker::Counts AccessTracker::RecordAndPending(RecordId id, Micros now,
                                                      bool count) {
  if (id == 0) return Counts();
  Shard& shard = ShardFor(id);
  std::lock_guard<std::mutex> lock(shard.mu);
  if (!count && shard.pending == 0) return Counts();
  Slot* slot = SlotLocked(&shard, id, /*add=*/count);
  if (slot == nullptr) return Counts();
  if (count) Merge(&slot->unflushed, 1, now);
  return slot->pending;
}

AccessTracker::Counts AccessTracker::Pending(RecordId id) {
  return RecordAndPending(id, 0, /*count=*/false);
}

// Takes the unflushed counts; the table is rebuilt with the slots that
// still have pending counts (which also drops slots left empty).
AccessTracker::IdCounts AccessTracker::Drain() {
  IdCounts out;
  for (Shard& shard : shards_) {
    std::vector<Slot> taken;
    std::lock_guard<std::mutex> lock(shard.mu);
    taken.swap(shard.slots);
    shard.used = 0;
    Published(&shard);
    for (const Slot& s : taken) {
      if (s.id == 0) continue;
      if (s.unflushed.count > 0) out.emplace_back(s.id, s.unflushed);
      if (s.pending.count > 0) {
        SlotLocked(&shard, s.id, /*add=*/true)->pending = s.pending;
      }
    }
  }
  return out;
}

void AccessTracker::Restore(const IdCounts& counts) {
  for (const auto& [id, c] : counts) {
    if (id == 0) continue;
    Shard& shard = ShardFor(id);
    std::lock_guard<std::mutex> lock(shard.mu);
    Merge(&SlotLocked(&shard, id, /*add=*/true)->unflushed, c.count, c.last);
  }
}

void AccessTracker::AddPending(const IdCounts& counts) {
  for (const auto& [id, c] : counts) {
    if (id == 0 || c.count == 0) continue;
    Shard& shard = ShardFor(id);
    std::lock_guard<std::mutex> lock(shard.mu);
    Slot* slot = SlotLocked(&shard, id, /*add=*/true);
    if (slot->pending.count == 0) {
      ++shard.pending;
      pending_ids_.fetch_add(1, std::memory_order_relaxed);
    }
    Merge(&slot->pending, c.count, c.last);
  }
}

void AccessTracker::SubtractPending(const IdCounts& counts) {
  for (const auto& [id, c] : counts) {
    if (id == 0 || c.count == 0) continue;
    Shard& shard = ShardFor(id);
    std::lock_guard<std::mutex> lock(shard.mu);
    Slot* slot = SlotLocked(&shard, id, /*add=*/false);
    if (slot == nullptr || slot->pending.count == 0) continue;
    slot->pending.count -= std::min(slot->pending.count, c.count);
    if (slot->pending.count == 0) {
      slot->pending.last = 0;
      --shard.pending;
      pending_ids_.fetch_sub(1, std::memory_order_relaxed);
    }
  }
}

AccessTracker::IdCounts AccessTracker::PendingCounts() {
  IdCounts out;
  for (Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    for (const Slot& s : shard.slots) {
      if (s.id != 0 && s.pending.count > 0) out.emplace_back(s.id, s.pending);
    }
  }
  return out;
}

uint64_t AccessTracker::ReadBegin() {
  uint64_t seq = fold_seq_.load(std::memory_order_acquire);
  while (seq % 2 != 0) {  // a fold is writing: wait for it
    { std::lock_guard<std::mutex> wait(fold_mu_); }
    seq = fold_seq_.load(std::memory_order_acquire);
  }
  return seq;
}

AccessTracker::FoldScope::FoldScope(AccessTracker* tracker)
    : tracker_(tracker) {
  tracker_->fold_mu_.lock();
  tracker_->fold_seq_.fetch_add(1, std::memory_order_seq_cst);  // odd
}

AccessTracker::FoldScope::~FoldScope() {
  tracker_->fold_seq_.fetch_add(1, std::memory_order_seq_cst);  // even
  tracker_->fold_mu_.unlock();
}

}  // namespace mnemo::internal
