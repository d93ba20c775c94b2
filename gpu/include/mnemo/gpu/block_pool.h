// Copyright (c) mnemo authors.
//
// BlockPool: fixed-size blocks carved out of chunks mapped into one reserved
// virtual range. Created through ChunkPool::AddPool; e.g. `vista` (decoded
// page pixels, embeddings) and `kv` (opaque model KV payloads).
//
// Blocks never straddle a chunk (block_bytes divides the chunk size). A block
// is named by its index in the pool's range, so its address is
// base() + index * block_bytes(), and consecutive indices are consecutive
// memory, also across chunk boundaries. Allocation is first fit over the
// chunks that have free blocks (lowest chunk first), which keeps chunks dense
// so emptied chunks can go back to the chunk pool.
//
// Errors: exhausting a pool (its max, or the global budget with nothing to
// reclaim) is ResourceExhausted; memory already handed out is untouched.
// Thread safety: all methods are safe to call concurrently (one mutex per
// pool; the single-block path takes it once).

#ifndef MNEMO_GPU_BLOCK_POOL_H_
#define MNEMO_GPU_BLOCK_POOL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include <mnemo/gpu/backend.h>
#include <mnemo/gpu/stats.h>
#include <mnemo/status.h>

namespace mnemo::gpu {

namespace internal {
class LevelBitset;
}
class ChunkPool;

struct BlockPoolOptions {
  std::string name;                      // unique within a ChunkPool
  std::size_t block_bytes = 64 << 10;    // divides the chunk size; >= chunk/4096
  std::size_t min_bytes = 0;             // never given away to other pools
  std::size_t max_bytes = 0;             // 0: up to the whole budget
  double weight = 1.0;                   // share under pressure (> 0)
  std::size_t reserve_chunks = 2;         // empty chunks kept mapped
};

// A run of consecutive blocks: [first, first + count).
struct Extent {
  std::uint32_t first = 0;
  std::uint32_t count = 0;
};

class BlockPool {
 public:
  ~BlockPool();
  BlockPool(const BlockPool&) = delete;
  BlockPool& operator=(const BlockPool&) = delete;

  const std::string& name() const { return options_.name; }
  std::size_t index() const { return index_; }
  std::size_t block_bytes() const { return options_.block_bytes; }
  std::size_t blocks_per_chunk() const { return blocks_per_chunk_; }
  std::size_t chunk_bytes() const { return chunk_bytes_; }
  std::uintptr_t base() const { return base_; }
  // Address of block `block` (valid while the block is allocated).
  void* BlockAddress(std::uint32_t block) const {
    return reinterpret_cast<void*>(base_ + block * options_.block_bytes);
  }
  ChunkPool* chunk_pool() const { return chunk_pool_; }
  double weight() const { return options_.weight; }
  // Chunks mapped into this pool now, and the most it may map.
  std::size_t mapped_chunks() const;
  std::size_t max_chunks() const { return slots_; }

  // One block. On success *block is allocated (contents unspecified).
  Status Alloc(std::uint32_t* block);
  // REQUIRES: `block` came from Alloc and was not freed since.
  void Free(std::uint32_t block);

  // Blocks for `bytes` bytes (>0), appended to *extents as runs. With
  // `contiguous` the result is a single extent (one pointer covers all the
  // bytes), else runs fill holes first. All or nothing: on failure nothing
  // is allocated and *extents is unchanged.
  Status AllocBytes(std::size_t bytes, bool contiguous,
                    std::vector<Extent>* extents);
  // Frees what AllocBytes returned for the same `bytes`.
  void FreeBytes(std::span<const Extent> extents, std::size_t bytes);

  // Unmaps up to `max_chunks` empty chunks and gives them back to the chunk
  // pool. With `try_only` it gives up (returns 0) when the pool is busy.
  std::size_t ReleaseEmptyChunks(std::size_t max_chunks, bool try_only);

  BlockPoolStats Stats() const;

 private:
  friend class ChunkPool;
  struct Chunk;
  BlockPool(ChunkPool* chunk_pool, std::size_t index,
            const BlockPoolOptions& options, std::size_t chunk_bytes,
            std::uintptr_t base, std::size_t slots);

  // All *Locked helpers require mu_.
  Status MapChunkLocked(std::size_t slot, bool allow_reclaim);
  void UnmapChunkLocked(std::size_t slot);
  Status FreshChunkLocked(std::size_t* slot);
  std::uint32_t TakeLocked(std::size_t slot, std::uint32_t from,
                           std::uint32_t n);
  void GiveLocked(std::uint32_t first, std::uint32_t n);
  Status AllocRunLocked(std::uint32_t n, Extent* out);
  Status AllocScatteredLocked(std::uint32_t n, std::vector<Extent>* out);
  Status AllocChunksLocked(std::uint32_t n, Extent* out);
  void MaybeReleaseLocked(std::size_t slot);
  // Tops the reserve up (refill thread); returns chunks mapped.
  std::size_t Refill();

  ChunkPool* const chunk_pool_;
  const std::size_t index_;
  const BlockPoolOptions options_;
  const std::size_t chunk_bytes_;
  const std::size_t blocks_per_chunk_;
  const std::size_t words_per_chunk_;
  const std::uintptr_t base_;
  const std::size_t slots_;

  mutable std::mutex mu_;
  std::vector<Chunk> chunks_;
  std::vector<std::uint64_t> free_bits_;  // 1 = free; words_per_chunk_ each
  std::unique_ptr<internal::LevelBitset> partial_;   // mapped, has free blocks
  std::unique_ptr<internal::LevelBitset> unmapped_;  // slot not mapped
  std::size_t mapped_ = 0, empty_ = 0, live_blocks_ = 0, live_bytes_ = 0;
  std::uint64_t allocs_ = 0, frees_ = 0, failures_ = 0;
  std::uint64_t maps_ = 0, unmaps_ = 0, map_ns_ = 0, unmap_ns_ = 0;
};

}  // namespace mnemo::gpu

#endif  // MNEMO_GPU_BLOCK_POOL_H_
