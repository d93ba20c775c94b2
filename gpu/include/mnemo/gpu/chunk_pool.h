// Copyright (c) mnemo authors.
//
// ChunkPool: one device's memory budget, shared by named block pools.
//
// The budget is counted in chunks: physical allocations of
// Backend::granularity() bytes (2 MiB), the unit the device maps. (Not to
// be confused with the engine's rendered pages, which live in blocks.)
// Created chunks that no pool maps sit in a free list and are reused, so the
// hot path never creates memory; a background thread keeps a few empty
// chunks mapped in each pool (its reserve). Pools grow on demand up to their
// max; when the budget is used up, a pool may take empty chunks from pools
// that hold more than their min (an elastic move). Chunks holding live
// blocks never move: callers hold raw pointers into them.
//
// SetBudget can shrink below what is in use: nothing is forced; the excess
// is reported as pending_shrink_chunks and chunks are given back as they
// empty. Trim unmaps every empty chunk and releases every free chunk, so
// memory returns to the device (or the OS, on the host backend).
//
// Thread safety: all methods are safe to call concurrently. Lock order:
// a BlockPool's lock, then the ChunkPool's lock; other pools are only
// try-locked, so no cycle can form. The members mu_ guards are annotated
// (GUARDED_BY) and clang checks them (-Wthread-safety).

#ifndef MNEMO_GPU_CHUNK_POOL_H_
#define MNEMO_GPU_CHUNK_POOL_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include <mnemo/gpu/backend.h>
#include <mnemo/gpu/block_pool.h>
#include <mnemo/gpu/stats.h>
#include <mnemo/port/mutex.h>
#include <mnemo/status.h>

namespace mnemo::gpu {

struct ChunkPoolOptions {
  // Global budget; rounded down to whole chunks. Must hold >= 1 chunk.
  std::size_t budget_bytes = std::size_t{1} << 30;
  // Chunks created at Open so the first allocations find them ready.
  std::size_t precreate_chunks = 0;
  // Keep each pool's reserve of empty mapped chunks topped up from a
  // background thread (otherwise pools map on demand only).
  bool background_refill = true;
};

class ChunkPool {
 public:
  // Takes ownership of `backend`. On failure *out is untouched.
  static Status Open(std::unique_ptr<Backend> backend,
                     const ChunkPoolOptions& options,
                     std::unique_ptr<ChunkPool>* out);
  // Stops the refill thread, unmaps and releases everything.
  // REQUIRES: no lease or block of any pool is still in use.
  ~ChunkPool();
  ChunkPool(const ChunkPool&) = delete;
  ChunkPool& operator=(const ChunkPool&) = delete;

  // Adds a named pool (reserving max_bytes of address space, or the budget
  // when max_bytes is 0). AlreadyExists on a duplicate name,
  // InvalidArgument when block_bytes does not divide the chunk size or the
  // mins of all pools exceed the budget. The pool lives as long as this.
  Status AddPool(const BlockPoolOptions& options, BlockPool** out);
  // nullptr when absent.
  BlockPool* pool(std::string_view name) const;
  BlockPool* pool(std::size_t index) const;
  std::size_t pool_count() const;

  Backend* backend() const { return backend_.get(); }
  std::size_t chunk_bytes() const { return chunk_bytes_; }

  // Changes the budget. Growing is immediate. Shrinking releases free chunks
  // and empty mapped chunks now, and defers the rest (chunks with live blocks
  // are never reclaimed by force). InvalidArgument when below the sum of
  // the pools' mins or below one chunk.
  Status SetBudget(std::size_t bytes);
  std::size_t budget_bytes() const;
  // Chunks in use beyond the budget (0 when within it).
  std::size_t pending_shrink_chunks() const;

  // Unmaps every empty chunk of every pool and releases every free chunk.
  Status Trim();

  ChunkPoolStats Stats() const;

 private:
  friend class BlockPool;
  struct PoolSlot {
    std::unique_ptr<BlockPool> pool;
    std::size_t held = 0;  // chunks mapped into it
  };
  ChunkPool(std::unique_ptr<Backend> backend, const ChunkPoolOptions& options);

  // For BlockPool (its lock held): a chunk to map, or ResourceExhausted.
  // With `allow_reclaim`, empty chunks of other pools may be taken.
  Status AcquireChunk(BlockPool* pool, bool allow_reclaim, ChunkHandle* out)
      EXCLUDES(mu_);
  // For BlockPool: gives back a chunk it unmapped.
  void ReturnChunk(BlockPool* pool, ChunkHandle chunk) EXCLUDES(mu_);
  bool OverBudget() const;
  // Asks the refill thread to top up pools' reserves.
  void NotifyRefill();

  Status TryAcquireLocked(std::size_t index, ChunkHandle* out) REQUIRES(mu_);
  void UpdateHeadroomLocked() REQUIRES(mu_);
  bool ReclaimFromOthers(BlockPool* pool) EXCLUDES(mu_);
  void ReleaseFreeHandlesLocked(std::size_t keep) REQUIRES(mu_);
  void RefillLoop() EXCLUDES(mu_, refill_mu_);

  std::unique_ptr<Backend> backend_;
  const ChunkPoolOptions options_;
  const std::size_t chunk_bytes_;

  mutable port::Mutex mu_;
  std::size_t budget_chunks_ GUARDED_BY(mu_);
  std::size_t used_chunks_ GUARDED_BY(mu_) = 0;
  std::vector<ChunkHandle> free_handles_ GUARDED_BY(mu_);
  std::vector<PoolSlot> pools_ GUARDED_BY(mu_);
  std::uint64_t created_ GUARDED_BY(mu_) = 0;
  std::uint64_t released_ GUARDED_BY(mu_) = 0;
  std::uint64_t elastic_moves_ GUARDED_BY(mu_) = 0;

  std::atomic<bool> has_headroom_{true};  // a refill could succeed
  std::atomic<bool> over_budget_{false};
  std::atomic<bool> refill_pending_{false};
  port::Mutex refill_mu_;
  port::CondVar refill_cv_;  // signalled under refill_mu_: no lost wake-up
  bool stopping_ GUARDED_BY(refill_mu_) = false;
  std::thread refill_thread_;
};

}  // namespace mnemo::gpu

#endif  // MNEMO_GPU_CHUNK_POOL_H_
