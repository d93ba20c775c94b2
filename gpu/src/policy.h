// Copyright (c) mnemo authors.
//
// Eviction policies of the hot cache, one instance per block pool, over
// entry slot numbers. The cache calls Inserted/Touched/Erased/Evicted under
// its lock; Victim proposes the next unpinned entry to evict (it may reorder
// its queues while looking) without removing it: the cache then calls
// Evicted. Not thread-safe on their own.

#ifndef MNEMO_GPU_SRC_POLICY_H_
#define MNEMO_GPU_SRC_POLICY_H_

#include <cstdint>
#include <functional>
#include <memory>

#include <mnemo/gpu/hot_cache.h>

namespace mnemo::gpu::internal {

class Policy {
 public:
  virtual ~Policy() = default;
  virtual void Inserted(std::uint32_t slot, std::uint64_t key_hash) = 0;
  virtual void Touched(std::uint32_t slot) = 0;
  // Left by Erase (no ghost is kept).
  virtual void Erased(std::uint32_t slot) = 0;
  // Left by eviction (ARC and S3-FIFO remember the key as a ghost).
  virtual void Evicted(std::uint32_t slot) = 0;
  // The next victim for which evictable(slot) holds; false when none.
  virtual bool Victim(const std::function<bool(std::uint32_t)>& evictable,
                      std::uint32_t* slot) = 0;
};

std::unique_ptr<Policy> NewPolicy(EvictionPolicy policy);

}  // namespace mnemo::gpu::internal

#endif  // MNEMO_GPU_SRC_POLICY_H_
