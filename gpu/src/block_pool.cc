// Copyright (c) mnemo authors.

#include <mnemo/gpu/block_pool.h>

#include <algorithm>
#include <bit>
#include <chrono>

#include <mnemo/gpu/chunk_pool.h>

#include "level_bitset.h"

namespace mnemo::gpu {
namespace {

using internal::LevelBitset;

std::uint64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// First index in [from, limit) whose bit equals `want`, or limit.
std::size_t NextBit(const std::uint64_t* w, std::size_t from,
                    std::size_t limit, bool want) {
  while (from < limit) {
    std::uint64_t word = want ? w[from >> 6] : ~w[from >> 6];
    word &= ~std::uint64_t{0} << (from & 63);
    if (word != 0) {
      return std::min(limit, (from & ~std::size_t{63}) + std::countr_zero(word));
    }
    from = (from & ~std::size_t{63}) + 64;
  }
  return limit;
}

void SetBits(std::uint64_t* w, std::size_t from, std::size_t n, bool value) {
  for (std::size_t i = from; i < from + n; ++i) {
    std::uint64_t bit = std::uint64_t{1} << (i & 63);
    if (value) {
      w[i >> 6] |= bit;
    } else {
      w[i >> 6] &= ~bit;
    }
  }
}

}  // namespace

struct BlockPool::Chunk {
  ChunkHandle handle = 0;
  std::uint32_t free_count = 0;
  bool mapped = false;
};

BlockPool::BlockPool(ChunkPool* chunk_pool, std::size_t index,
                     const BlockPoolOptions& options, std::size_t chunk_bytes,
                     std::uintptr_t base, std::size_t slots)
    : chunk_pool_(chunk_pool),
      index_(index),
      options_(options),
      chunk_bytes_(chunk_bytes),
      blocks_per_chunk_(chunk_bytes / options.block_bytes),
      words_per_chunk_((blocks_per_chunk_ + 63) / 64),
      base_(base),
      slots_(slots),
      chunks_(slots),
      free_bits_(slots * words_per_chunk_, 0),
      partial_(std::make_unique<LevelBitset>(slots)),
      unmapped_(std::make_unique<LevelBitset>(slots)) {
  for (std::size_t s = 0; s < slots_; ++s) unmapped_->Set(s);
}

BlockPool::~BlockPool() {
  std::lock_guard<std::mutex> lock(mu_);
  for (std::size_t s = 0; s < slots_; ++s) {
    if (!chunks_[s].mapped) continue;
    Chunk& p = chunks_[s];
    if (!chunk_pool_->backend()->Unmap(base_ + s * chunk_bytes_).ok()) continue;
    p.mapped = false;
    chunk_pool_->ReturnChunk(this, p.handle);
  }
  (void)chunk_pool_->backend()->Unreserve(base_, slots_ * chunk_bytes_);
}

Status BlockPool::MapChunkLocked(std::size_t slot, bool allow_reclaim) {
  ChunkHandle handle;
  MNEMO_RETURN_IF_ERROR(chunk_pool_->AcquireChunk(this, allow_reclaim, &handle));
  std::uint64_t t0 = NowNs();
  Status s = chunk_pool_->backend()->Map(base_ + slot * chunk_bytes_, handle);
  if (!s.ok()) {
    chunk_pool_->ReturnChunk(this, handle);
    return s.WithContext("pool " + options_.name + ": map chunk");
  }
  map_ns_ += NowNs() - t0;
  ++maps_;
  Chunk& p = chunks_[slot];
  p.handle = handle;
  p.free_count = static_cast<std::uint32_t>(blocks_per_chunk_);
  p.mapped = true;
  SetBits(&free_bits_[slot * words_per_chunk_], 0, blocks_per_chunk_, true);
  partial_->Set(slot);
  unmapped_->Clear(slot);
  ++mapped_;
  ++empty_;
  return Status::OK();
}

void BlockPool::UnmapChunkLocked(std::size_t slot) {
  Chunk& p = chunks_[slot];
  std::uint64_t t0 = NowNs();
  if (!chunk_pool_->backend()->Unmap(base_ + slot * chunk_bytes_).ok()) return;
  unmap_ns_ += NowNs() - t0;
  ++unmaps_;
  p.mapped = false;
  p.free_count = 0;
  SetBits(&free_bits_[slot * words_per_chunk_], 0, blocks_per_chunk_, false);
  partial_->Clear(slot);
  unmapped_->Set(slot);
  --mapped_;
  --empty_;
  chunk_pool_->ReturnChunk(this, p.handle);
}

Status BlockPool::FreshChunkLocked(std::size_t* slot) {
  std::size_t s = unmapped_->FindFirst();
  if (s == LevelBitset::kNone) {
    return Status::ResourceExhausted("pool " + options_.name +
                                     ": address range full");
  }
  MNEMO_RETURN_IF_ERROR(MapChunkLocked(s, true));
  *slot = s;
  return Status::OK();
}

std::uint32_t BlockPool::TakeLocked(std::size_t slot, std::uint32_t from,
                                    std::uint32_t n) {
  Chunk& p = chunks_[slot];
  if (p.free_count == blocks_per_chunk_) --empty_;
  SetBits(&free_bits_[slot * words_per_chunk_], from, n, false);
  p.free_count -= n;
  if (p.free_count == 0) partial_->Clear(slot);
  live_blocks_ += n;
  return static_cast<std::uint32_t>(slot * blocks_per_chunk_ + from);
}

void BlockPool::GiveLocked(std::uint32_t first, std::uint32_t n) {
  live_blocks_ -= n;
  while (n > 0) {
    std::size_t slot = first / blocks_per_chunk_;
    std::uint32_t in_chunk = first % blocks_per_chunk_;
    std::uint32_t cnt = std::min<std::uint32_t>(
        n, static_cast<std::uint32_t>(blocks_per_chunk_) - in_chunk);
    Chunk& p = chunks_[slot];
    SetBits(&free_bits_[slot * words_per_chunk_], in_chunk, cnt, true);
    if (p.free_count == 0) partial_->Set(slot);
    p.free_count += cnt;
    if (p.free_count == blocks_per_chunk_) {
      ++empty_;
      MaybeReleaseLocked(slot);
    }
    first += cnt;
    n -= cnt;
  }
}

void BlockPool::MaybeReleaseLocked(std::size_t slot) {
  if (empty_ > options_.reserve_chunks || chunk_pool_->OverBudget()) {
    UnmapChunkLocked(slot);
  }
}

Status BlockPool::Alloc(std::uint32_t* block) {
  std::unique_lock<std::mutex> lock(mu_);
  std::size_t s = partial_->FindFirst();
  if (s == LevelBitset::kNone) {
    Status st = FreshChunkLocked(&s);
    if (!st.ok()) {
      ++failures_;
      return st;
    }
  }
  const std::uint64_t* w = &free_bits_[s * words_per_chunk_];
  std::size_t i = 0;
  while (w[i] == 0) ++i;
  bool was_empty = chunks_[s].free_count == blocks_per_chunk_;
  *block = TakeLocked(s, static_cast<std::uint32_t>(i * 64 + std::countr_zero(w[i])), 1);
  ++allocs_;
  live_bytes_ += options_.block_bytes;
  bool refill = was_empty && empty_ < options_.reserve_chunks;
  lock.unlock();
  if (refill) chunk_pool_->NotifyRefill();
  return Status::OK();
}

void BlockPool::Free(std::uint32_t block) {
  std::lock_guard<std::mutex> lock(mu_);
  GiveLocked(block, 1);
  ++frees_;
  live_bytes_ -= options_.block_bytes;
}

Status BlockPool::AllocRunLocked(std::uint32_t n, Extent* out) {
  std::size_t s = partial_->FindFirst();
  // First fit over every chunk with room: a fresh chunk is the last resort,
  // since it is what makes waste grow under churn.
  while (s != LevelBitset::kNone) {
    if (chunks_[s].free_count >= n) {
      const std::uint64_t* w = &free_bits_[s * words_per_chunk_];
      std::size_t i = 0;
      while (i < blocks_per_chunk_) {
        std::size_t start = NextBit(w, i, blocks_per_chunk_, true);
        std::size_t end = NextBit(w, start, blocks_per_chunk_, false);
        if (end - start >= n) {
          *out = {TakeLocked(s, static_cast<std::uint32_t>(start), n), n};
          return Status::OK();
        }
        i = end;
      }
    }
    s = partial_->FindNext(s + 1);
  }
  MNEMO_RETURN_IF_ERROR(FreshChunkLocked(&s));
  *out = {TakeLocked(s, 0, n), n};
  return Status::OK();
}

Status BlockPool::AllocChunksLocked(std::uint32_t n, Extent* out) {
  std::size_t k = (n + blocks_per_chunk_ - 1) / blocks_per_chunk_;
  std::size_t s = unmapped_->FindFirst();
  while (s != LevelBitset::kNone) {
    std::size_t j = s;
    while (j < s + k && j < slots_ && unmapped_->Test(j)) ++j;
    if (j == s + k) break;
    s = j >= slots_ ? LevelBitset::kNone : unmapped_->FindNext(j);
  }
  if (s == LevelBitset::kNone) {
    return Status::ResourceExhausted("pool " + options_.name +
                                     ": no contiguous range of " +
                                     std::to_string(k) + " chunks");
  }
  for (std::size_t i = 0; i < k; ++i) {
    Status st = MapChunkLocked(s + i, true);
    if (!st.ok()) {
      while (i-- > 0) UnmapChunkLocked(s + i);
      return st;
    }
  }
  std::uint32_t left = n;
  for (std::size_t i = 0; i < k; ++i) {
    std::uint32_t take = std::min<std::uint32_t>(
        left, static_cast<std::uint32_t>(blocks_per_chunk_));
    TakeLocked(s + i, 0, take);
    left -= take;
  }
  *out = {static_cast<std::uint32_t>(s * blocks_per_chunk_), n};
  return Status::OK();
}

Status BlockPool::AllocScatteredLocked(std::uint32_t n,
                                       std::vector<Extent>* out) {
  std::vector<Extent> got;
  std::uint32_t left = n;
  while (left > 0) {
    std::size_t s = partial_->FindFirst();
    if (s == LevelBitset::kNone) {
      Status st = FreshChunkLocked(&s);
      if (!st.ok()) {
        for (const Extent& e : got) GiveLocked(e.first, e.count);
        return st;
      }
    }
    const std::uint64_t* w = &free_bits_[s * words_per_chunk_];
    std::size_t i = 0;
    while (left > 0 && i < blocks_per_chunk_) {
      std::size_t start = NextBit(w, i, blocks_per_chunk_, true);
      if (start >= blocks_per_chunk_) break;
      std::size_t end = std::min<std::size_t>(
          NextBit(w, start, blocks_per_chunk_, false), start + left);
      auto cnt = static_cast<std::uint32_t>(end - start);
      std::uint32_t first =
          TakeLocked(s, static_cast<std::uint32_t>(start), cnt);
      if (!got.empty() && got.back().first + got.back().count == first) {
        got.back().count += cnt;
      } else {
        got.push_back({first, cnt});
      }
      left -= cnt;
      i = end;
    }
  }
  out->insert(out->end(), got.begin(), got.end());
  return Status::OK();
}

Status BlockPool::AllocBytes(std::size_t bytes, bool contiguous,
                             std::vector<Extent>* extents) {
  if (bytes == 0) return Status::InvalidArgument("AllocBytes: zero bytes");
  std::size_t blocks = (bytes + options_.block_bytes - 1) / options_.block_bytes;
  if (blocks > slots_ * blocks_per_chunk_) {
    return Status::ResourceExhausted("pool " + options_.name +
                                     ": entry larger than the pool");
  }
  auto n = static_cast<std::uint32_t>(blocks);
  std::unique_lock<std::mutex> lock(mu_);
  Status st;
  if (!contiguous) {
    st = AllocScatteredLocked(n, extents);
  } else {
    Extent e;
    st = n <= blocks_per_chunk_ ? AllocRunLocked(n, &e) : AllocChunksLocked(n, &e);
    if (st.ok()) extents->push_back(e);
  }
  if (!st.ok()) {
    ++failures_;
    return st;
  }
  ++allocs_;
  live_bytes_ += bytes;
  bool refill = empty_ < options_.reserve_chunks;
  lock.unlock();
  if (refill) chunk_pool_->NotifyRefill();
  return Status::OK();
}

void BlockPool::FreeBytes(std::span<const Extent> extents, std::size_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const Extent& e : extents) GiveLocked(e.first, e.count);
  ++frees_;
  live_bytes_ -= bytes;
}

std::size_t BlockPool::ReleaseEmptyChunks(std::size_t max_chunks, bool try_only) {
  std::unique_lock<std::mutex> lock(mu_, std::defer_lock);
  if (try_only) {
    if (!lock.try_lock()) return 0;
  } else {
    lock.lock();
  }
  std::size_t released = 0;
  std::size_t s = partial_->FindFirst();
  while (s != LevelBitset::kNone && released < max_chunks && empty_ > 0) {
    std::size_t next = partial_->FindNext(s + 1);
    if (chunks_[s].free_count == blocks_per_chunk_) {
      UnmapChunkLocked(s);
      ++released;
    }
    s = next;
  }
  return released;
}

std::size_t BlockPool::Refill() {
  std::lock_guard<std::mutex> lock(mu_);
  std::size_t mapped = 0;
  while (empty_ < options_.reserve_chunks) {
    std::size_t s = unmapped_->FindFirst();
    if (s == LevelBitset::kNone) break;
    if (!MapChunkLocked(s, /*allow_reclaim=*/false).ok()) break;
    ++mapped;
  }
  return mapped;
}

std::size_t BlockPool::mapped_chunks() const {
  std::lock_guard<std::mutex> lock(mu_);
  return mapped_;
}

BlockPoolStats BlockPool::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  BlockPoolStats st;
  st.name = options_.name;
  st.block_bytes = options_.block_bytes;
  st.chunk_bytes = chunk_bytes_;
  st.min_chunks = options_.min_bytes / chunk_bytes_;
  st.max_chunks = slots_;
  st.weight = options_.weight;
  st.mapped_chunks = mapped_;
  st.empty_chunks = empty_;
  st.live_blocks = live_blocks_;
  st.live_bytes = live_bytes_;
  st.allocs = allocs_;
  st.frees = frees_;
  st.failures = failures_;
  st.chunk_maps = maps_;
  st.chunk_unmaps = unmaps_;
  st.map_ns = map_ns_;
  st.unmap_ns = unmap_ns_;
  for (std::size_t s = 0; s < slots_; ++s) {
    if (!chunks_[s].mapped) continue;
    std::size_t used = blocks_per_chunk_ - chunks_[s].free_count;
    ++st.occupancy_histogram[std::min<std::size_t>(9, used * 10 / blocks_per_chunk_)];
  }
  return st;
}

}  // namespace mnemo::gpu
