// Copyright (c) mnemo authors.

#include <mnemo/gpu/page_pool.h>

#include <algorithm>

#include "level_bitset.h"

namespace mnemo::gpu {

PagePool::PagePool(std::unique_ptr<Backend> backend,
                   const PagePoolOptions& options)
    : backend_(std::move(backend)),
      options_(options),
      page_bytes_(backend_->granularity()),
      budget_pages_(options.budget_bytes / page_bytes_) {}

Status PagePool::Open(std::unique_ptr<Backend> backend,
                      const PagePoolOptions& options,
                      std::unique_ptr<PagePool>* out) {
  if (backend == nullptr) return Status::InvalidArgument("null backend");
  if (options.budget_bytes < backend->granularity()) {
    return Status::InvalidArgument("page pool budget below one page");
  }
  std::unique_ptr<PagePool> pp(new PagePool(std::move(backend), options));
  std::size_t n = std::min(options.precreate_pages, pp->budget_pages_);
  for (std::size_t i = 0; i < n; ++i) {
    PageHandle h;
    MNEMO_RETURN_IF_ERROR(pp->backend_->CreatePage(&h));
    pp->free_handles_.push_back(h);
    ++pp->created_;
  }
  if (options.background_refill) {
    pp->refill_thread_ = std::thread([p = pp.get()] { p->RefillLoop(); });
  }
  *out = std::move(pp);
  return Status::OK();
}

PagePool::~PagePool() {
  {
    std::lock_guard<std::mutex> lock(refill_mu_);
    stopping_ = true;
  }
  refill_cv_.notify_all();
  if (refill_thread_.joinable()) refill_thread_.join();
  // ReturnPage only touches pools_[i].held, so pools die one by one with
  // the vector intact.
  for (std::size_t i = pools_.size(); i-- > 0;) pools_[i].pool.reset();
  std::lock_guard<std::mutex> lock(mu_);
  ReleaseFreeHandlesLocked(0);
}

Status PagePool::AddPool(const BlockPoolOptions& o, BlockPool** out) {
  if (o.name.empty()) return Status::InvalidArgument("pool name is empty");
  if (o.block_bytes == 0 || page_bytes_ % o.block_bytes != 0 ||
      page_bytes_ / o.block_bytes > 4096) {
    return Status::InvalidArgument(
        "pool " + o.name + ": block_bytes must divide the page size (" +
        std::to_string(page_bytes_) + ") into at most 4096 blocks");
  }
  if (!(o.weight > 0)) {
    return Status::InvalidArgument("pool " + o.name + ": weight must be > 0");
  }
  std::size_t min_pages = (o.min_bytes + page_bytes_ - 1) / page_bytes_;
  std::size_t slots;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::size_t mins = min_pages;
    for (const PoolSlot& p : pools_) {
      if (p.pool->name() == o.name) {
        return Status::AlreadyExists("pool " + o.name);
      }
      mins += p.pool->options_.min_bytes / page_bytes_;
    }
    if (mins > budget_pages_) {
      return Status::InvalidArgument("pool mins exceed the budget");
    }
    slots = o.max_bytes ? (o.max_bytes + page_bytes_ - 1) / page_bytes_
                        : budget_pages_;
  }
  slots = std::min(slots, internal::LevelBitset::kMaxBits);
  std::uintptr_t base;
  MNEMO_RETURN_IF_ERROR(backend_->Reserve(slots * page_bytes_, &base)
                            .WithContext("pool " + o.name));
  BlockPoolOptions opts = o;
  opts.min_bytes = min_pages * page_bytes_;
  std::lock_guard<std::mutex> lock(mu_);
  auto* p = new BlockPool(this, pools_.size(), opts, page_bytes_, base, slots);
  pools_.push_back({std::unique_ptr<BlockPool>(p), 0});
  *out = p;
  return Status::OK();
}

BlockPool* PagePool::pool(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const PoolSlot& p : pools_) {
    if (p.pool->name() == name) return p.pool.get();
  }
  return nullptr;
}

BlockPool* PagePool::pool(std::size_t index) const {
  std::lock_guard<std::mutex> lock(mu_);
  return index < pools_.size() ? pools_[index].pool.get() : nullptr;
}

std::size_t PagePool::pool_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pools_.size();
}

void PagePool::UpdateHeadroomLocked() {
  has_headroom_.store(used_pages_ < budget_pages_, std::memory_order_relaxed);
  over_budget_.store(used_pages_ > budget_pages_, std::memory_order_relaxed);
}

Status PagePool::TryAcquireLocked(std::size_t index, PageHandle* out) {
  PoolSlot& me = pools_[index];
  if (me.held >= me.pool->slots_) {
    return Status::ResourceExhausted("pool " + me.pool->name() +
                                     ": at its max");
  }
  std::size_t reserved = 0;
  for (std::size_t j = 0; j < pools_.size(); ++j) {
    std::size_t min_j = pools_[j].pool->options_.min_bytes / page_bytes_;
    if (j != index && pools_[j].held < min_j) reserved += min_j - pools_[j].held;
  }
  if (used_pages_ + 1 + reserved > budget_pages_) {
    return Status::ResourceExhausted("pool " + me.pool->name() +
                                     ": page budget used up");
  }
  if (!free_handles_.empty()) {
    *out = free_handles_.back();
    free_handles_.pop_back();
  } else {
    MNEMO_RETURN_IF_ERROR(backend_->CreatePage(out));
    ++created_;
  }
  ++used_pages_;
  ++me.held;
  UpdateHeadroomLocked();
  return Status::OK();
}

Status PagePool::AcquirePage(BlockPool* pool, bool allow_reclaim,
                             PageHandle* out) {
  Status st;
  {
    std::lock_guard<std::mutex> lock(mu_);
    st = TryAcquireLocked(pool->index(), out);
    if (st.ok() || !allow_reclaim) return st;
    if (pools_[pool->index()].held >= pool->slots_) return st;
  }
  if (!ReclaimFromOthers(pool)) return st;
  std::lock_guard<std::mutex> lock(mu_);
  st = TryAcquireLocked(pool->index(), out);
  if (st.ok()) ++elastic_moves_;
  return st;
}

bool PagePool::ReclaimFromOthers(BlockPool* pool) {
  std::vector<std::pair<double, BlockPool*>> victims;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const PoolSlot& p : pools_) {
      std::size_t min_p = p.pool->options_.min_bytes / page_bytes_;
      if (p.pool.get() == pool || p.held <= min_p) continue;
      victims.push_back({p.held / p.pool->options_.weight, p.pool.get()});
    }
  }
  std::sort(victims.begin(), victims.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& v : victims) {
    if (v.second->ReleaseEmptyPages(1, /*try_only=*/true) > 0) return true;
  }
  return false;
}

void PagePool::ReturnPage(BlockPool* pool, PageHandle page) {
  std::lock_guard<std::mutex> lock(mu_);
  --used_pages_;
  --pools_[pool->index()].held;
  if (used_pages_ + free_handles_.size() >= budget_pages_) {
    if (backend_->ReleasePage(page).ok()) ++released_;
  } else {
    free_handles_.push_back(page);
  }
  UpdateHeadroomLocked();
}

bool PagePool::OverBudget() const {
  return over_budget_.load(std::memory_order_relaxed);
}

void PagePool::ReleaseFreeHandlesLocked(std::size_t keep) {
  while (free_handles_.size() > keep) {
    if (backend_->ReleasePage(free_handles_.back()).ok()) ++released_;
    free_handles_.pop_back();
  }
}

Status PagePool::SetBudget(std::size_t bytes) {
  std::size_t pages = bytes / page_bytes_;
  std::vector<BlockPool*> pools;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::size_t mins = 0;
    for (const PoolSlot& p : pools_) {
      mins += p.pool->options_.min_bytes / page_bytes_;
      pools.push_back(p.pool.get());
    }
    if (pages == 0 || pages < mins) {
      return Status::InvalidArgument("budget below one page or the pool mins");
    }
    budget_pages_ = pages;
    ReleaseFreeHandlesLocked(pages > used_pages_ ? pages - used_pages_ : 0);
    UpdateHeadroomLocked();
    if (used_pages_ <= budget_pages_) return Status::OK();
  }
  // Over budget: empty pages go now; pages with live blocks wait.
  for (BlockPool* p : pools) p->ReleaseEmptyPages(~std::size_t{0}, false);
  return Status::OK();
}

std::size_t PagePool::budget_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return budget_pages_ * page_bytes_;
}

std::size_t PagePool::pending_shrink_pages() const {
  std::lock_guard<std::mutex> lock(mu_);
  return used_pages_ > budget_pages_ ? used_pages_ - budget_pages_ : 0;
}

Status PagePool::Trim() {
  std::vector<BlockPool*> pools;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const PoolSlot& p : pools_) pools.push_back(p.pool.get());
  }
  for (BlockPool* p : pools) p->ReleaseEmptyPages(~std::size_t{0}, false);
  std::lock_guard<std::mutex> lock(mu_);
  ReleaseFreeHandlesLocked(0);
  return Status::OK();
}

void PagePool::NotifyRefill() {
  if (!options_.background_refill ||
      !has_headroom_.load(std::memory_order_relaxed) ||
      refill_pending_.exchange(true)) {
    return;
  }
  { std::lock_guard<std::mutex> lock(refill_mu_); }
  refill_cv_.notify_one();
}

void PagePool::RefillLoop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(refill_mu_);
      refill_cv_.wait(lock, [this] { return stopping_ || refill_pending_.load(); });
      if (stopping_) return;
    }
    refill_pending_.store(false);
    std::vector<BlockPool*> pools;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const PoolSlot& p : pools_) pools.push_back(p.pool.get());
    }
    for (BlockPool* p : pools) p->Refill();
  }
}

PagePoolStats PagePool::Stats() const {
  PagePoolStats st;
  std::vector<BlockPool*> pools;
  {
    std::lock_guard<std::mutex> lock(mu_);
    st.backend = backend_->name();
    st.page_bytes = page_bytes_;
    st.budget_pages = budget_pages_;
    st.used_pages = used_pages_;
    st.free_handles = free_handles_.size();
    st.pending_shrink_pages =
        used_pages_ > budget_pages_ ? used_pages_ - budget_pages_ : 0;
    st.pages_created = created_;
    st.pages_released = released_;
    st.elastic_moves = elastic_moves_;
    for (const PoolSlot& p : pools_) pools.push_back(p.pool.get());
  }
  for (BlockPool* p : pools) st.pools.push_back(p->Stats());
  return st;
}

}  // namespace mnemo::gpu
