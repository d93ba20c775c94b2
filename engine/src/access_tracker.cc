// Copyright (c) mnemo authors.

#include "access_tracker.h"

#include <algorithm>

namespace mnemo::internal {

void AccessTracker::Record(RecordId id, Micros now) {
  Shard& shard = ShardFor(id);
  std::lock_guard<std::mutex> lock(shard.mu);
  Counts& c = shard.counts[id];
  c.count += 1;
  c.last = std::max(c.last, now);
}

std::vector<std::pair<RecordId, AccessTracker::Counts>> AccessTracker::Drain() {
  std::vector<std::pair<RecordId, Counts>> out;
  for (Shard& shard : shards_) {
    std::unordered_map<RecordId, Counts> taken;
    {
      std::lock_guard<std::mutex> lock(shard.mu);
      taken.swap(shard.counts);
    }
    out.insert(out.end(), taken.begin(), taken.end());
  }
  return out;
}

void AccessTracker::Restore(
    const std::vector<std::pair<RecordId, Counts>>& counts) {
  for (const auto& [id, c] : counts) {
    Shard& shard = ShardFor(id);
    std::lock_guard<std::mutex> lock(shard.mu);
    Counts& mine = shard.counts[id];
    mine.count += c.count;
    mine.last = std::max(mine.last, c.last);
  }
}

}  // namespace mnemo::internal
