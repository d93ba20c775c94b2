// Copyright (c) mnemo authors.

#include <mnemo/gpu/chunk_pool.h>

#include <algorithm>

#include "level_bitset.h"

namespace mnemo::gpu {

ChunkPool::ChunkPool(std::unique_ptr<Backend> backend,
                   const ChunkPoolOptions& options)
    : backend_(std::move(backend)),
      options_(options),
      chunk_bytes_(backend_->granularity()),
      budget_chunks_(options.budget_bytes / chunk_bytes_) {}

Status ChunkPool::Open(std::unique_ptr<Backend> backend,
                      const ChunkPoolOptions& options,
                      std::unique_ptr<ChunkPool>* out) {
  if (backend == nullptr) return Status::InvalidArgument("null backend");
  if (options.budget_bytes < backend->granularity()) {
    return Status::InvalidArgument("chunk pool budget below one chunk");
  }
  std::unique_ptr<ChunkPool> pp(new ChunkPool(std::move(backend), options));
  {
    port::MutexLock lock(&pp->mu_);  // not shared yet: for the analysis
    std::size_t n = std::min(options.precreate_chunks, pp->budget_chunks_);
    for (std::size_t i = 0; i < n; ++i) {
      ChunkHandle h;
      MNEMO_RETURN_IF_ERROR(pp->backend_->CreateChunk(&h));
      pp->free_handles_.push_back(h);
      ++pp->created_;
    }
  }
  if (options.background_refill) {
    pp->refill_thread_ = std::thread([p = pp.get()] { p->RefillLoop(); });
  }
  *out = std::move(pp);
  return Status::OK();
}

// Pools are destroyed without mu_ (each BlockPool's destructor returns its
// chunks through ReturnChunk, which takes it); nothing else runs by now.
ChunkPool::~ChunkPool() NO_THREAD_SAFETY_ANALYSIS {
  {
    port::MutexLock lock(&refill_mu_);
    stopping_ = true;
  }
  refill_cv_.SignalAll();
  if (refill_thread_.joinable()) refill_thread_.join();
  // ReturnChunk only touches pools_[i].held, so pools die one by one with
  // the vector intact.
  for (std::size_t i = pools_.size(); i-- > 0;) pools_[i].pool.reset();
  port::MutexLock lock(&mu_);
  ReleaseFreeHandlesLocked(0);
}

Status ChunkPool::AddPool(const BlockPoolOptions& o, BlockPool** out) {
  if (o.name.empty()) return Status::InvalidArgument("pool name is empty");
  if (o.block_bytes == 0 || chunk_bytes_ % o.block_bytes != 0 ||
      chunk_bytes_ / o.block_bytes > 4096) {
    return Status::InvalidArgument(
        "pool " + o.name + ": block_bytes must divide the chunk size (" +
        std::to_string(chunk_bytes_) + ") into at most 4096 blocks");
  }
  if (!(o.weight > 0)) {
    return Status::InvalidArgument("pool " + o.name + ": weight must be > 0");
  }
  std::size_t min_chunks = (o.min_bytes + chunk_bytes_ - 1) / chunk_bytes_;
  std::size_t slots;
  {
    port::MutexLock lock(&mu_);
    std::size_t mins = min_chunks;
    for (const PoolSlot& p : pools_) {
      if (p.pool->name() == o.name) {
        return Status::AlreadyExists("pool " + o.name);
      }
      mins += p.pool->options_.min_bytes / chunk_bytes_;
    }
    if (mins > budget_chunks_) {
      return Status::InvalidArgument("pool mins exceed the budget");
    }
    slots = o.max_bytes ? (o.max_bytes + chunk_bytes_ - 1) / chunk_bytes_
                        : budget_chunks_;
  }
  slots = std::min(slots, internal::LevelBitset::kMaxBits);
  std::uintptr_t base;
  MNEMO_RETURN_IF_ERROR(backend_->Reserve(slots * chunk_bytes_, &base)
                            .WithContext("pool " + o.name));
  BlockPoolOptions opts = o;
  opts.min_bytes = min_chunks * chunk_bytes_;
  port::MutexLock lock(&mu_);
  auto* p = new BlockPool(this, pools_.size(), opts, chunk_bytes_, base, slots);
  pools_.push_back({std::unique_ptr<BlockPool>(p), 0});
  *out = p;
  return Status::OK();
}

BlockPool* ChunkPool::pool(std::string_view name) const {
  port::MutexLock lock(&mu_);
  for (const PoolSlot& p : pools_) {
    if (p.pool->name() == name) return p.pool.get();
  }
  return nullptr;
}

BlockPool* ChunkPool::pool(std::size_t index) const {
  port::MutexLock lock(&mu_);
  return index < pools_.size() ? pools_[index].pool.get() : nullptr;
}

std::size_t ChunkPool::pool_count() const {
  port::MutexLock lock(&mu_);
  return pools_.size();
}

void ChunkPool::UpdateHeadroomLocked() {
  has_headroom_.store(used_chunks_ < budget_chunks_, std::memory_order_relaxed);
  over_budget_.store(used_chunks_ > budget_chunks_, std::memory_order_relaxed);
}

Status ChunkPool::TryAcquireLocked(std::size_t index, ChunkHandle* out) {
  PoolSlot& me = pools_[index];
  if (me.held >= me.pool->slots_) {
    return Status::ResourceExhausted("pool " + me.pool->name() +
                                     ": at its max");
  }
  std::size_t reserved = 0;
  for (std::size_t j = 0; j < pools_.size(); ++j) {
    std::size_t min_j = pools_[j].pool->options_.min_bytes / chunk_bytes_;
    if (j != index && pools_[j].held < min_j) reserved += min_j - pools_[j].held;
  }
  if (used_chunks_ + 1 + reserved > budget_chunks_) {
    return Status::ResourceExhausted("pool " + me.pool->name() +
                                     ": chunk budget used up");
  }
  if (!free_handles_.empty()) {
    *out = free_handles_.back();
    free_handles_.pop_back();
  } else {
    MNEMO_RETURN_IF_ERROR(backend_->CreateChunk(out));
    ++created_;
  }
  ++used_chunks_;
  ++me.held;
  UpdateHeadroomLocked();
  return Status::OK();
}

Status ChunkPool::AcquireChunk(BlockPool* pool, bool allow_reclaim,
                             ChunkHandle* out) {
  Status st;
  {
    port::MutexLock lock(&mu_);
    st = TryAcquireLocked(pool->index(), out);
    if (st.ok() || !allow_reclaim) return st;
    if (pools_[pool->index()].held >= pool->slots_) return st;
  }
  if (!ReclaimFromOthers(pool)) return st;
  port::MutexLock lock(&mu_);
  st = TryAcquireLocked(pool->index(), out);
  if (st.ok()) ++elastic_moves_;
  return st;
}

bool ChunkPool::ReclaimFromOthers(BlockPool* pool) {
  std::vector<std::pair<double, BlockPool*>> victims;
  {
    port::MutexLock lock(&mu_);
    for (const PoolSlot& p : pools_) {
      std::size_t min_p = p.pool->options_.min_bytes / chunk_bytes_;
      if (p.pool.get() == pool || p.held <= min_p) continue;
      victims.push_back({p.held / p.pool->options_.weight, p.pool.get()});
    }
  }
  std::sort(victims.begin(), victims.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& v : victims) {
    if (v.second->ReleaseEmptyChunks(1, /*try_only=*/true) > 0) return true;
  }
  return false;
}

void ChunkPool::ReturnChunk(BlockPool* pool, ChunkHandle chunk) {
  port::MutexLock lock(&mu_);
  --used_chunks_;
  --pools_[pool->index()].held;
  if (used_chunks_ + free_handles_.size() >= budget_chunks_) {
    if (backend_->ReleaseChunk(chunk).ok()) ++released_;
  } else {
    free_handles_.push_back(chunk);
  }
  UpdateHeadroomLocked();
}

bool ChunkPool::OverBudget() const {
  return over_budget_.load(std::memory_order_relaxed);
}

void ChunkPool::ReleaseFreeHandlesLocked(std::size_t keep) {
  while (free_handles_.size() > keep) {
    if (backend_->ReleaseChunk(free_handles_.back()).ok()) ++released_;
    free_handles_.pop_back();
  }
}

Status ChunkPool::SetBudget(std::size_t bytes) {
  std::size_t chunks = bytes / chunk_bytes_;
  std::vector<BlockPool*> pools;
  {
    port::MutexLock lock(&mu_);
    std::size_t mins = 0;
    for (const PoolSlot& p : pools_) {
      mins += p.pool->options_.min_bytes / chunk_bytes_;
      pools.push_back(p.pool.get());
    }
    if (chunks == 0 || chunks < mins) {
      return Status::InvalidArgument("budget below one chunk or the pool mins");
    }
    budget_chunks_ = chunks;
    ReleaseFreeHandlesLocked(chunks > used_chunks_ ? chunks - used_chunks_ : 0);
    UpdateHeadroomLocked();
    if (used_chunks_ <= budget_chunks_) return Status::OK();
  }
  // Over budget: empty chunks go now; chunks with live blocks wait.
  for (BlockPool* p : pools) p->ReleaseEmptyChunks(~std::size_t{0}, false);
  return Status::OK();
}

std::size_t ChunkPool::budget_bytes() const {
  port::MutexLock lock(&mu_);
  return budget_chunks_ * chunk_bytes_;
}

std::size_t ChunkPool::pending_shrink_chunks() const {
  port::MutexLock lock(&mu_);
  return used_chunks_ > budget_chunks_ ? used_chunks_ - budget_chunks_ : 0;
}

Status ChunkPool::Trim() {
  std::vector<BlockPool*> pools;
  {
    port::MutexLock lock(&mu_);
    for (const PoolSlot& p : pools_) pools.push_back(p.pool.get());
  }
  for (BlockPool* p : pools) p->ReleaseEmptyChunks(~std::size_t{0}, false);
  port::MutexLock lock(&mu_);
  ReleaseFreeHandlesLocked(0);
  return Status::OK();
}

void ChunkPool::NotifyRefill() {
  if (!options_.background_refill ||
      !has_headroom_.load(std::memory_order_relaxed) ||
      refill_pending_.exchange(true)) {
    return;
  }
  { port::MutexLock lock(&refill_mu_); }
  refill_cv_.Signal();
}

void ChunkPool::RefillLoop() {
  for (;;) {
    {
      port::MutexLock lock(&refill_mu_);
      while (!stopping_ && !refill_pending_.load()) refill_cv_.Wait(&refill_mu_);
      if (stopping_) return;
    }
    refill_pending_.store(false);
    std::vector<BlockPool*> pools;
    {
      port::MutexLock lock(&mu_);
      for (const PoolSlot& p : pools_) pools.push_back(p.pool.get());
    }
    for (BlockPool* p : pools) p->Refill();
  }
}

ChunkPoolStats ChunkPool::Stats() const {
  ChunkPoolStats st;
  std::vector<BlockPool*> pools;
  {
    port::MutexLock lock(&mu_);
    st.backend = backend_->name();
    st.chunk_bytes = chunk_bytes_;
    st.budget_chunks = budget_chunks_;
    st.used_chunks = used_chunks_;
    st.free_handles = free_handles_.size();
    st.pending_shrink_chunks =
        used_chunks_ > budget_chunks_ ? used_chunks_ - budget_chunks_ : 0;
    st.chunks_created = created_;
    st.chunks_released = released_;
    st.elastic_moves = elastic_moves_;
    for (const PoolSlot& p : pools_) pools.push_back(p.pool.get());
  }
  for (BlockPool* p : pools) st.pools.push_back(p->Stats());
  return st;
}

}  // namespace mnemo::gpu
