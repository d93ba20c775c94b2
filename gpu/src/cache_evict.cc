// Copyright (c) mnemo authors.
//
// Making room in the pools: choosing the pool to shrink (weighted shares of
// the budget), spilling victims to the host where and the sink, and reloading
// spilled entries on lookup.

#include <algorithm>

#include "cache_impl.h"

namespace mnemo::gpu {

internal::Policy& HotCache::Impl::PolicyFor(std::uint32_t pool) {
  while (policies.size() <= pool) {
    policies.push_back(internal::NewPolicy(options.policy));
  }
  return *policies[pool];
}

BlockPool* HotCache::Impl::PoolLocked(std::uint32_t index) {
  if (index >= pool_ptrs.size()) {
    std::size_t n = chunk_pool->pool_count();
    for (std::size_t i = pool_ptrs.size(); i < n; ++i) {
      pool_ptrs.push_back(chunk_pool->pool(i));
    }
    if (index >= pool_ptrs.size()) return nullptr;
  }
  return pool_ptrs[index];
}

Status HotCache::Impl::AllocLocked(BlockPool* pool, std::size_t size,
                                   bool contiguous,
                                   std::vector<Extent>* extents) {
  for (std::size_t budget = entries.size() + 1;; --budget) {
    Status s = pool->AllocBytes(size, contiguous, extents);
    if (s.ok() || !s.IsResourceExhausted()) return s;
    if (budget == 0 || !EvictOneLocked(pool)) return s;
  }
}

bool HotCache::Impl::EvictOneLocked(BlockPool* target) {
  // A pool at its own max can only make room by evicting its own entries.
  std::size_t n = chunk_pool->pool_count();
  if (n == 1 || target->mapped_chunks() >= target->max_chunks()) {
    return EvictFromLocked(static_cast<std::uint32_t>(target->index()));
  }
  double total_weight = 0;
  for (std::size_t i = 0; i < n; ++i) total_weight += chunk_pool->pool(i)->weight();
  double budget = static_cast<double>(chunk_pool->budget_bytes() / chunk_pool->chunk_bytes());
  std::vector<std::pair<double, std::uint32_t>> order;  // (overage, pool)
  for (std::size_t i = 0; i < n; ++i) {
    BlockPool* p = chunk_pool->pool(i);
    double share = budget * p->weight() / total_weight;
    order.push_back({p->mapped_chunks() - share, static_cast<std::uint32_t>(i)});
  }
  std::sort(order.begin(), order.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  // Under its share, the target takes from pools over theirs first;
  // otherwise it gives up its own entries first.
  auto target_idx = static_cast<std::uint32_t>(target->index());
  double target_over = 0;
  for (const auto& o : order) {
    if (o.second == target_idx) target_over = o.first;
  }
  if (target_over >= 0 && EvictFromLocked(target_idx)) return true;
  for (const auto& o : order) {
    if (o.second != target_idx && o.first > 0 && EvictFromLocked(o.second)) {
      return true;
    }
  }
  if (EvictFromLocked(target_idx)) return true;
  for (const auto& o : order) {
    if (o.second != target_idx && EvictFromLocked(o.second)) return true;
  }
  return false;
}

bool HotCache::Impl::EvictFromLocked(std::uint32_t pool) {
  std::uint32_t slot;
  auto evictable = [&](std::uint32_t s) {
    const Entry& e = entries[s];
    return e.live && e.pins == 0 && e.ready && !e.doomed;
  };
  if (!PolicyFor(pool).Victim(evictable, &slot)) return false;
  return EvictSlotLocked(slot).ok();
}

Status HotCache::Impl::EvictSlotLocked(std::uint32_t slot) {
  Entry& e = entries[slot];
  if (e.durability == Durability::kSpill) {
    std::string bytes(e.size, '\0');
    Status s = CopyLocked(e, 0, bytes.data(), e.size, /*to_device=*/false);
    if (!s.ok()) {
      ++counters.spill_errors;
      return s;
    }
    bool contiguous = e.extents.size() == 1;
    HostPutLocked(e.key, std::move(bytes), contiguous);
  } else {
    ++counters.drops;
  }
  ++counters.evictions;
  PolicyFor(e.key.pool).Evicted(slot);
  FreeSlotLocked(slot);
  return Status::OK();
}

void HotCache::Impl::HostPutLocked(const CacheKey& key, std::string bytes,
                                   bool contiguous) {
  if (bytes.size() > options.host_tier_bytes) {
    SinkPutLocked(key, bytes);
    return;
  }
  auto old = host.find(key);
  if (old != host.end()) {
    host_bytes -= old->second.bytes.size();
    host_lru.erase(old->second.pos);
    host.erase(old);
  }
  counters.spill_host_bytes += bytes.size();
  host_bytes += bytes.size();
  host_lru.push_front(key);
  host[key] = HostItem{std::move(bytes), contiguous, host_lru.begin()};
  while (host_bytes > options.host_tier_bytes) {
    auto it = host.find(host_lru.back());
    SinkPutLocked(it->first, it->second.bytes);
    host_bytes -= it->second.bytes.size();
    host.erase(it);
    host_lru.pop_back();
  }
}

void HotCache::Impl::SinkPutLocked(const CacheKey& key,
                                   const std::string& bytes) {
  if (options.sink == nullptr) {
    ++counters.drops;
    return;
  }
  if (options.sink->Put(SpillKey(key), bytes).ok()) {
    counters.spill_store_bytes += bytes.size();
  } else {
    ++counters.spill_errors;
  }
}

std::string HotCache::Impl::SpillKey(const CacheKey& key) const {
  BlockPool* p = const_cast<Impl*>(this)->PoolLocked(key.pool);
  return EncodeSpillKey(p ? p->name() : "", key.id, key.content_hash);
}

Status HotCache::Impl::ReloadLocked(const CacheKey& key, Lease* lease) {
  std::string bytes;
  bool contiguous = true;
  Residence where = Residence::kHost;
  auto it = host.find(key);
  if (it != host.end()) {
    bytes = std::move(it->second.bytes);
    contiguous = it->second.contiguous;
    host_bytes -= bytes.size();
    host_lru.erase(it->second.pos);
    host.erase(it);
  } else {
    if (options.sink == nullptr) return Status::NotFound("cache key");
    MNEMO_RETURN_IF_ERROR(options.sink->Get(SpillKey(key), &bytes));
    where = Residence::kStore;
  }
  EntryOptions eo;
  eo.contiguous = contiguous;
  std::uint32_t slot;
  Status s = bytes.empty() ? Status::Corruption("empty spilled entry")
                           : NewEntryLocked(key, bytes.size(), eo, &slot);
  if (s.ok()) {
    s = CopyLocked(entries[slot], 0, bytes.data(), bytes.size(), true);
    if (!s.ok()) {
      PolicyFor(key.pool).Erased(slot);
      FreeSlotLocked(slot);
    }
  }
  if (!s.ok()) {
    if (where == Residence::kHost) HostPutLocked(key, std::move(bytes), contiguous);
    return s;
  }
  counters.reload_bytes += bytes.size();
  ++counters.hits[static_cast<int>(where)];
  PinLocked(slot, where, lease);
  return Status::OK();
}

}  // namespace mnemo::gpu
