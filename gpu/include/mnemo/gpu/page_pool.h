// Copyright (c) mnemo authors.
//
// PagePool: one device's memory budget, shared by named block pools.
//
// The budget is counted in physical pages (Backend::granularity(), 2 MiB).
// Created pages that no pool maps sit in a free list and are reused, so the
// hot path never creates memory; a background thread keeps a few empty
// pages mapped in each pool (its reserve). Pools grow on demand up to their
// max; when the budget is used up, a pool may take empty pages from pools
// that hold more than their min (an elastic move). Pages holding live
// blocks never move: callers hold raw pointers into them.
//
// SetBudget can shrink below what is in use: nothing is forced; the excess
// is reported as pending_shrink_pages and pages are given back as they
// empty. Trim unmaps every empty page and releases every free page, so
// memory returns to the device (or the OS, on the host backend).
//
// Thread safety: all methods are safe to call concurrently. Lock order:
// a BlockPool's lock, then the PagePool's lock; other pools are only
// try-locked, so no cycle can form.

#ifndef MNEMO_GPU_PAGE_POOL_H_
#define MNEMO_GPU_PAGE_POOL_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include <mnemo/gpu/backend.h>
#include <mnemo/gpu/block_pool.h>
#include <mnemo/gpu/stats.h>
#include <mnemo/status.h>

namespace mnemo::gpu {

struct PagePoolOptions {
  // Global budget; rounded down to whole pages. Must hold >= 1 page.
  std::size_t budget_bytes = std::size_t{1} << 30;
  // Pages created at Open so the first allocations find them ready.
  std::size_t precreate_pages = 0;
  // Keep each pool's reserve of empty mapped pages topped up from a
  // background thread (otherwise pools map on demand only).
  bool background_refill = true;
};

class PagePool {
 public:
  // Takes ownership of `backend`. On failure *out is untouched.
  static Status Open(std::unique_ptr<Backend> backend,
                     const PagePoolOptions& options,
                     std::unique_ptr<PagePool>* out);
  // Stops the refill thread, unmaps and releases everything.
  // REQUIRES: no lease or block of any pool is still in use.
  ~PagePool();
  PagePool(const PagePool&) = delete;
  PagePool& operator=(const PagePool&) = delete;

  // Adds a named pool (reserving max_bytes of address space, or the budget
  // when max_bytes is 0). AlreadyExists on a duplicate name,
  // InvalidArgument when block_bytes does not divide the page size or the
  // mins of all pools exceed the budget. The pool lives as long as this.
  Status AddPool(const BlockPoolOptions& options, BlockPool** out);
  // nullptr when absent.
  BlockPool* pool(std::string_view name) const;
  BlockPool* pool(std::size_t index) const;
  std::size_t pool_count() const;

  Backend* backend() const { return backend_.get(); }
  std::size_t page_bytes() const { return page_bytes_; }

  // Changes the budget. Growing is immediate. Shrinking releases free pages
  // and empty mapped pages now, and defers the rest (pages with live blocks
  // are never reclaimed by force). InvalidArgument when below the sum of
  // the pools' mins or below one page.
  Status SetBudget(std::size_t bytes);
  std::size_t budget_bytes() const;
  // Pages in use beyond the budget (0 when within it).
  std::size_t pending_shrink_pages() const;

  // Unmaps every empty page of every pool and releases every free page.
  Status Trim();

  PagePoolStats Stats() const;

 private:
  friend class BlockPool;
  struct PoolSlot {
    std::unique_ptr<BlockPool> pool;
    std::size_t held = 0;  // pages mapped into it
  };
  PagePool(std::unique_ptr<Backend> backend, const PagePoolOptions& options);

  // For BlockPool (its lock held): a page to map, or ResourceExhausted.
  // With `allow_reclaim`, empty pages of other pools may be taken.
  Status AcquirePage(BlockPool* pool, bool allow_reclaim, PageHandle* out);
  // For BlockPool: gives back a page it unmapped.
  void ReturnPage(BlockPool* pool, PageHandle page);
  bool OverBudget() const;
  // Asks the refill thread to top up pools' reserves.
  void NotifyRefill();

  Status TryAcquireLocked(std::size_t index, PageHandle* out);
  void UpdateHeadroomLocked();
  bool ReclaimFromOthers(BlockPool* pool);
  void ReleaseFreeHandlesLocked(std::size_t keep);
  void RefillLoop();

  std::unique_ptr<Backend> backend_;
  const PagePoolOptions options_;
  const std::size_t page_bytes_;

  mutable std::mutex mu_;
  std::size_t budget_pages_;
  std::size_t used_pages_ = 0;
  std::vector<PageHandle> free_handles_;
  std::vector<PoolSlot> pools_;
  std::uint64_t created_ = 0, released_ = 0, elastic_moves_ = 0;

  std::atomic<bool> has_headroom_{true};  // a refill could succeed
  std::atomic<bool> over_budget_{false};
  std::atomic<bool> refill_pending_{false};
  std::mutex refill_mu_;
  std::condition_variable refill_cv_;
  bool stopping_ = false;
  std::thread refill_thread_;
};

}  // namespace mnemo::gpu

#endif  // MNEMO_GPU_PAGE_POOL_H_
