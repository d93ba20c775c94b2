// Copyright (c) mnemo authors.
//
// HotCache internals shared by hot_cache.cc (public calls) and
// cache_evict.cc (making room, spill tiers, reload). Every *Locked function
// requires Impl::mu.

#ifndef MNEMO_GPU_SRC_CACHE_IMPL_H_
#define MNEMO_GPU_SRC_CACHE_IMPL_H_

#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <mnemo/gpu/hot_cache.h>

#include "policy.h"

namespace mnemo::gpu {

struct CacheKeyHash {
  std::size_t operator()(const CacheKey& k) const {
    std::uint64_t x = k.id * 0x9E3779B97F4A7C15ull ^ k.content_hash ^
                      (std::uint64_t{k.pool} << 56);
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ull;
    return static_cast<std::size_t>(x ^ (x >> 29));
  }
};

struct HotCache::Impl {
  struct Entry {
    CacheKey key;
    std::uint32_t generation = 0;
    std::uint32_t pins = 0;
    std::size_t size = 0;
    std::vector<Extent> extents;
    Durability durability = Durability::kSpill;
    bool live = false;    // holds blocks
    bool ready = true;    // Allocate()d entries wait for Publish
    bool doomed = false;  // erased while pinned: freed at last unpin
  };
  struct HostItem {
    std::string bytes;
    bool contiguous = true;
    std::list<CacheKey>::iterator pos;
  };

  HotCache* self = nullptr;
  ChunkPool* chunk_pool = nullptr;
  CacheOptions options;
  mutable std::mutex mu;
  std::vector<Entry> entries;
  std::vector<std::uint32_t> free_slots;
  std::unordered_map<CacheKey, std::uint32_t, CacheKeyHash> index;
  std::vector<std::unique_ptr<internal::Policy>> policies;  // per pool
  std::vector<BlockPool*> pool_ptrs;  // cache of chunk_pool->pool(i)
  std::unordered_map<CacheKey, HostItem, CacheKeyHash> host;
  std::list<CacheKey> host_lru;  // front = most recent
  std::size_t host_bytes = 0;
  std::size_t resident_bytes = 0, pinned = 0;
  CacheStats counters;

  internal::Policy& PolicyFor(std::uint32_t pool);
  // Pool by index without the chunk pool's lock (pools are never removed).
  BlockPool* PoolLocked(std::uint32_t index);
  Status CheckPool(const CacheKey& key, BlockPool** pool) const;
  void PinLocked(std::uint32_t slot, Residence residence, Lease* lease);
  // Allocates blocks, evicting unpinned entries as needed.
  Status AllocLocked(BlockPool* pool, std::size_t size, bool contiguous,
                     std::vector<Extent>* extents);
  bool EvictOneLocked(BlockPool* target);
  bool EvictFromLocked(std::uint32_t pool);
  Status EvictSlotLocked(std::uint32_t slot);
  // Frees the entry's blocks and retires the slot (generation bump).
  void FreeSlotLocked(std::uint32_t slot);
  // Removes the key from the pools and the host tier (not the sink).
  void DropLocked(const CacheKey& key);
  // Creates an entry (blocks allocated) and indexes it.
  Status NewEntryLocked(const CacheKey& key, std::size_t size,
                        const EntryOptions& options, std::uint32_t* slot);
  Status CopyLocked(const Entry& e, std::size_t offset, void* host,
                    std::size_t n, bool to_device) const;
  void HostPutLocked(const CacheKey& key, std::string bytes, bool contiguous);
  void SinkPutLocked(const CacheKey& key, const std::string& bytes);
  // Lookup miss: host tier, then sink. NotFound when neither has it.
  Status ReloadLocked(const CacheKey& key, Lease* lease);
  std::string SpillKey(const CacheKey& key) const;
};

}  // namespace mnemo::gpu

#endif  // MNEMO_GPU_SRC_CACHE_IMPL_H_
