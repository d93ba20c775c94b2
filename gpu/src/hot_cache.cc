// Copyright (c) mnemo authors.

#include <mnemo/gpu/hot_cache.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "cache_impl.h"

namespace mnemo::gpu {

const char* EvictionPolicyName(EvictionPolicy policy) {
  switch (policy) {
    case EvictionPolicy::kArc: return "arc";
    case EvictionPolicy::kS3Fifo: return "s3fifo";
    case EvictionPolicy::kLru: break;
  }
  return "lru";
}

Lease& Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    Release();
    cache_ = std::exchange(other.cache_, nullptr);
    data_ = other.data_;
    size_ = other.size_;
    key_ = other.key_;
    pool_ = other.pool_;
    extents_ = other.extents_;
    num_extents_ = other.num_extents_;
    residence_ = other.residence_;
    ref_ = other.ref_;
  }
  return *this;
}

void Lease::Release() {
  if (cache_ == nullptr) return;
  std::exchange(cache_, nullptr)->Unpin(ref_);
}

HotCache::HotCache(ChunkPool* chunk_pool, const CacheOptions& options)
    : chunk_pool_(chunk_pool), impl_(std::make_unique<Impl>()) {
  impl_->self = this;
  impl_->chunk_pool = chunk_pool;
  impl_->options = options;
}

Status HotCache::Open(ChunkPool* chunk_pool, const CacheOptions& options,
                      std::unique_ptr<HotCache>* out) {
  if (chunk_pool == nullptr) return Status::InvalidArgument("null chunk pool");
  out->reset(new HotCache(chunk_pool, options));
  return Status::OK();
}

HotCache::~HotCache() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  for (std::uint32_t s = 0; s < impl_->entries.size(); ++s) {
    if (impl_->entries[s].live) impl_->FreeSlotLocked(s);
  }
}

Status HotCache::Impl::CheckPool(const CacheKey& key, BlockPool** pool) const {
  *pool = const_cast<Impl*>(this)->PoolLocked(key.pool);
  if (*pool == nullptr) {
    return Status::InvalidArgument("cache key names pool " +
                                   std::to_string(key.pool) + ", not added");
  }
  return Status::OK();
}

void HotCache::Impl::PinLocked(std::uint32_t slot, Residence residence, Lease* lease) {
  if (lease == nullptr) return;
  lease->Release();
  Entry& e = entries[slot];
  if (e.pins++ == 0) ++pinned;
  BlockPool* pool = PoolLocked(e.key.pool);
  lease->cache_ = self;
  lease->data_ = pool->BlockAddress(e.extents.front().first);
  lease->size_ = e.size;
  lease->key_ = e.key;
  lease->pool_ = pool;
  lease->extents_ = e.extents.data();
  lease->num_extents_ = e.extents.size();
  lease->residence_ = residence;
  lease->ref_ = {slot, e.generation};
}

Status HotCache::Impl::NewEntryLocked(const CacheKey& key, std::size_t size,
                                      const EntryOptions& options,
                                      std::uint32_t* slot) {
  BlockPool* pool;
  MNEMO_RETURN_IF_ERROR(CheckPool(key, &pool));
  std::vector<Extent> extents;
  MNEMO_RETURN_IF_ERROR(AllocLocked(pool, size, options.contiguous, &extents));
  std::uint32_t s;
  if (!free_slots.empty()) {
    s = free_slots.back();
    free_slots.pop_back();
  } else {
    s = static_cast<std::uint32_t>(entries.size());
    entries.emplace_back();
  }
  Entry& e = entries[s];
  e.key = key;
  e.pins = 0;
  e.size = size;
  e.extents = std::move(extents);
  e.durability = options.durability;
  e.live = true;
  e.ready = true;
  e.doomed = false;
  index[key] = s;
  resident_bytes += size;
  PolicyFor(key.pool).Inserted(s, CacheKeyHash()(key));
  *slot = s;
  return Status::OK();
}

void HotCache::Impl::FreeSlotLocked(std::uint32_t slot) {
  Entry& e = entries[slot];
  PoolLocked(e.key.pool)->FreeBytes(e.extents, e.size);
  auto it = index.find(e.key);
  if (it != index.end() && it->second == slot) index.erase(it);
  resident_bytes -= e.size;
  e.extents.clear();
  e.live = false;
  ++e.generation;
  free_slots.push_back(slot);
}

Status HotCache::Impl::CopyLocked(const Entry& e, std::size_t offset,
                                  void* host_buf, std::size_t n,
                                  bool to_device) const {
  if (offset > e.size || n > e.size - offset) {
    return Status::InvalidArgument("copy beyond the entry");
  }
  BlockPool* pool = const_cast<Impl*>(this)->PoolLocked(e.key.pool);
  Backend* b = chunk_pool->backend();
  auto* h = static_cast<char*>(host_buf);
  std::size_t pos = 0;  // entry offset where the current extent starts
  for (const Extent& x : e.extents) {
    std::size_t len = x.count * pool->block_bytes();
    if (n > 0 && offset < pos + len) {
      std::size_t in = offset - pos, take = std::min(n, len - in);
      char* dev = static_cast<char*>(pool->BlockAddress(x.first)) + in;
      MNEMO_RETURN_IF_ERROR(to_device ? b->CopyToDevice(dev, h, take)
                                      : b->CopyToHost(h, dev, take));
      h += take;
      offset += take;
      n -= take;
    }
    pos += len;
  }
  return Status::OK();
}

Status HotCache::Insert(const CacheKey& key, const void* data,
                        std::size_t size, const EntryOptions& options,
                        Lease* lease) {
  if (size == 0 || data == nullptr) {
    return Status::InvalidArgument("Insert: empty entry");
  }
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto it = impl_->index.find(key);
  if (it != impl_->index.end()) {
    if (!impl_->entries[it->second].ready) return Status::Busy("being filled");
    impl_->PinLocked(it->second, Residence::kDevice, lease);
    return Status::OK();
  }
  std::uint32_t slot;
  MNEMO_RETURN_IF_ERROR(impl_->NewEntryLocked(key, size, options, &slot));
  Status s = impl_->CopyLocked(impl_->entries[slot], 0,
                               const_cast<void*>(data), size, true);
  if (!s.ok()) {
    impl_->PolicyFor(key.pool).Erased(slot);
    impl_->FreeSlotLocked(slot);
    return s;
  }
  auto host = impl_->host.find(key);  // a spilled copy is now stale
  if (host != impl_->host.end()) {
    impl_->host_bytes -= host->second.bytes.size();
    impl_->host_lru.erase(host->second.pos);
    impl_->host.erase(host);
  }
  impl_->PinLocked(slot, Residence::kDevice, lease);
  return Status::OK();
}

Status HotCache::Allocate(const CacheKey& key, std::size_t size,
                          const EntryOptions& options, Lease* lease) {
  if (lease == nullptr || size == 0) {
    return Status::InvalidArgument("Allocate needs a lease and a size");
  }
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->index.count(key)) return Status::AlreadyExists("cache key");
  std::uint32_t slot;
  MNEMO_RETURN_IF_ERROR(impl_->NewEntryLocked(key, size, options, &slot));
  impl_->entries[slot].ready = false;
  impl_->PinLocked(slot, Residence::kDevice, lease);
  return Status::OK();
}

Status HotCache::Publish(const Lease& lease) {
  if (lease.cache() != this) return Status::InvalidArgument("foreign lease");
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->entries[lease.ref().slot].ready = true;
  return Status::OK();
}

Status HotCache::Lookup(const CacheKey& key, Lease* lease) {
  if (lease == nullptr) return Status::InvalidArgument("null lease");
  lease->Release();
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto it = impl_->index.find(key);
  if (it != impl_->index.end()) {
    if (!impl_->entries[it->second].ready) return Status::Busy("being filled");
    ++impl_->counters.hits[0];
    impl_->PolicyFor(key.pool).Touched(it->second);
    impl_->PinLocked(it->second, Residence::kDevice, lease);
    return Status::OK();
  }
  BlockPool* pool;
  MNEMO_RETURN_IF_ERROR(impl_->CheckPool(key, &pool));
  Status s = impl_->ReloadLocked(key, lease);
  if (s.IsNotFound()) ++impl_->counters.misses;
  return s;
}

Status HotCache::Pin(EntryRef ref, Lease* lease) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (ref.slot >= impl_->entries.size()) return Status::NotFound("entry ref");
  const Impl::Entry& e = impl_->entries[ref.slot];
  if (e.generation != ref.generation || !e.live || e.doomed || !e.ready) {
    return Status::NotFound("entry ref is stale");
  }
  impl_->PinLocked(ref.slot, Residence::kDevice, lease);
  return Status::OK();
}

bool HotCache::Resident(const CacheKey& key) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->index.count(key) != 0;
}

void HotCache::Unpin(EntryRef ref) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Impl::Entry& e = impl_->entries[ref.slot];
  if (e.generation != ref.generation || e.pins == 0) return;
  if (--e.pins == 0) {
    --impl_->pinned;
    if (e.doomed) impl_->FreeSlotLocked(ref.slot);
  }
}

Status HotCache::Erase(const CacheKey& key) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->DropLocked(key);
  if (impl_->options.sink != nullptr) {
    return impl_->options.sink->Erase(impl_->SpillKey(key));
  }
  return Status::OK();
}

void HotCache::Drop(const CacheKey& key) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->DropLocked(key);
}

void HotCache::Impl::DropLocked(const CacheKey& key) {
  auto h = host.find(key);
  if (h != host.end()) {
    host_bytes -= h->second.bytes.size();
    host_lru.erase(h->second.pos);
    host.erase(h);
  }
  auto it = index.find(key);
  if (it != index.end()) {
    std::uint32_t slot = it->second;
    PolicyFor(key.pool).Erased(slot);
    index.erase(it);
    if (entries[slot].pins > 0) {
      entries[slot].doomed = true;
    } else {
      FreeSlotLocked(slot);
    }
  }
}

Status HotCache::Write(const Lease& lease, std::size_t offset, const void* src,
                       std::size_t n) {
  if (lease.cache() != this) return Status::InvalidArgument("foreign lease");
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->CopyLocked(impl_->entries[lease.ref().slot], offset,
                           const_cast<void*>(src), n, true);
}

Status HotCache::Read(const Lease& lease, std::size_t offset, void* dst,
                      std::size_t n) const {
  if (lease.cache() != this) return Status::InvalidArgument("foreign lease");
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->CopyLocked(impl_->entries[lease.ref().slot], offset, dst, n,
                           false);
}

Status HotCache::EnforceBudget() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  while (chunk_pool_->pending_shrink_chunks() > 0) {
    bool evicted = false;
    for (std::uint32_t p = 0; p < chunk_pool_->pool_count() && !evicted; ++p) {
      evicted = impl_->EvictFromLocked(p);
    }
    if (!evicted) break;  // the rest is pinned: deferred
  }
  return Status::OK();
}

CacheStats HotCache::Stats() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  CacheStats st = impl_->counters;
  st.entries = impl_->index.size();
  st.pinned = impl_->pinned;
  st.resident_bytes = impl_->resident_bytes;
  st.host_tier_entries = impl_->host.size();
  st.host_tier_bytes = impl_->host_bytes;
  return st;
}

}  // namespace mnemo::gpu
