// Copyright (c) mnemo authors.

#include "access_tracker.h"

#include <algorithm>

namespace mnemo::internal {

void AccessTracker::Grow(Shard* shard) {
  std::vector<Slot> old = std::move(shard->slots);
  shard->slots.assign(std::max(kMinSlots, old.size() * 2), Slot());
  shard->used = 0;
  for (const Slot& s : old) {
    if (s.id != 0) AddLocked(shard, s.id, s.counts.count, s.counts.last);
  }
}

void AccessTracker::AddLocked(Shard* shard, RecordId id, uint64_t count,
                              Micros last) {
  if ((shard->used + 1) * 2 > shard->slots.size()) Grow(shard);
  const size_t mask = shard->slots.size() - 1;
  size_t i = (Mix(id) / kShards) & mask;
  while (shard->slots[i].id != 0 && shard->slots[i].id != id) {
    i = (i + 1) & mask;
  }
  Slot& slot = shard->slots[i];
  if (slot.id == 0) {
    slot.id = id;
    ++shard->used;
  }
  slot.counts.count += count;
  slot.counts.last = std::max(slot.counts.last, last);
}

void AccessTracker::Record(RecordId id, Micros now) {
  if (id == 0) return;  // no record has id 0
  Shard& shard = ShardFor(id);
  std::lock_guard<std::mutex> lock(shard.mu);
  AddLocked(&shard, id, 1, now);
}

std::vector<std::pair<RecordId, AccessTracker::Counts>> AccessTracker::Drain() {
  std::vector<std::pair<RecordId, Counts>> out;
  for (Shard& shard : shards_) {
    std::vector<Slot> taken;
    {
      std::lock_guard<std::mutex> lock(shard.mu);
      taken.swap(shard.slots);
      shard.used = 0;
    }
    for (const Slot& s : taken) {
      if (s.id != 0) out.emplace_back(s.id, s.counts);
    }
  }
  return out;
}

void AccessTracker::Restore(
    const std::vector<std::pair<RecordId, Counts>>& counts) {
  for (const auto& [id, c] : counts) {
    if (id == 0) continue;
    Shard& shard = ShardFor(id);
    std::lock_guard<std::mutex> lock(shard.mu);
    AddLocked(&shard, id, c.count, c.last);
  }
}

}  // namespace mnemo::internal
