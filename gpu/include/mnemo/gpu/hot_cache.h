// Copyright (c) mnemo authors.
//
// HotCache: entries (page pixels, embeddings, KV payloads) resident in the
// block pools of one ChunkPool, keyed by (pool, record or page id, content
// hash). A Lease pins an entry and exposes its memory; only unpinned
// entries are evicted, by a per-pool policy (LRU default, ARC, S3-FIFO).
//
// Eviction of an entry:
//   - kRebuildable entries (e.g. page pixels, re-decodable from the stored
//     PNG) are dropped;
//   - kSpill entries are copied to the host tier (a byte-bounded LRU in host
//     memory); what falls out of the host tier goes to the SpillSink (the
//     engine's RocksDB column family) when one is set, else it is lost and
//     counted in `drops`.
// Lookup serves the device first, then reloads from the host tier, then
// from the sink, byte-exact, and says where it was served from in
// Lease::residence().
//
// When a pool is full, the cache evicts first from pools holding more than
// their weighted share of the budget, then from the pool itself. Pinned
// entries are never touched; if everything is pinned, the call fails with
// ResourceExhausted and nothing changes.
//
// Generations: each entry slot carries a generation bumped when the entry
// leaves; an EntryRef (slot, generation) taken from a lease can be re-pinned
// later and fails with NotFound once the entry was evicted, so a stale
// reference can never reach another entry's memory.
//
// Thread safety: all methods are safe to call concurrently (one mutex;
// copies to and from the device for spill/reload happen under it).
// Leases may be released from any thread.

#ifndef MNEMO_GPU_HOT_CACHE_H_
#define MNEMO_GPU_HOT_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include <mnemo/gpu/block_pool.h>
#include <mnemo/gpu/chunk_pool.h>
#include <mnemo/gpu/spill.h>
#include <mnemo/gpu/stats.h>
#include <mnemo/status.h>

namespace mnemo::gpu {

struct CacheKey {
  std::uint32_t pool = 0;          // ChunkPool pool index (BlockPool::index())
  std::uint64_t id = 0;            // record or page id
  std::uint64_t content_hash = 0;  // changes when the content does
  bool operator==(const CacheKey&) const = default;
};

enum class EvictionPolicy : unsigned char { kLru = 0, kArc = 1, kS3Fifo = 2 };
const char* EvictionPolicyName(EvictionPolicy policy);

enum class Durability : unsigned char {
  kSpill = 0,        // keep the bytes: host tier, then the sink
  kRebuildable = 1,  // drop on eviction; the owner can rebuild them
};

struct EntryOptions {
  Durability durability = Durability::kSpill;
  // One extent (a single pointer covers the entry; needed for DLPack).
  bool contiguous = true;
};

struct CacheOptions {
  EvictionPolicy policy = EvictionPolicy::kLru;
  // Host tier capacity; 0 sends evicted kSpill entries straight to the sink.
  std::size_t host_tier_bytes = std::size_t{256} << 20;
  // Not owned; must outlive the cache. nullptr: no store tier.
  SpillSink* sink = nullptr;
};

// Re-pinnable weak reference to an entry (see "Generations" above).
struct EntryRef {
  std::uint32_t slot = ~0u;
  std::uint32_t generation = 0;
};

class HotCache;

// A pin on one entry: while it lives, the entry stays resident at the same
// address. Move-only; releasing (or destroying) it unpins.
class Lease {
 public:
  Lease() = default;
  ~Lease() { Release(); }
  Lease(Lease&& other) noexcept { *this = std::move(other); }
  Lease& operator=(Lease&& other) noexcept;
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  bool valid() const { return cache_ != nullptr; }
  // First byte of the entry in pool memory (a device address on CUDA).
  void* data() const { return data_; }
  std::size_t size() const { return size_; }
  const CacheKey& key() const { return key_; }
  BlockPool* pool() const { return pool_; }
  // The entry's block runs; one run when it is contiguous.
  std::span<const Extent> extents() const { return {extents_, num_extents_}; }
  bool contiguous() const { return num_extents_ == 1; }
  // Where the lookup that produced this lease was served from.
  Residence residence() const { return residence_; }
  EntryRef ref() const { return ref_; }
  HotCache* cache() const { return cache_; }
  // Unpins now; the lease becomes invalid. Safe on an invalid lease.
  void Release();

 private:
  friend class HotCache;
  HotCache* cache_ = nullptr;
  void* data_ = nullptr;
  std::size_t size_ = 0;
  CacheKey key_;
  BlockPool* pool_ = nullptr;
  const Extent* extents_ = nullptr;  // owned by the entry; stable while pinned
  std::size_t num_extents_ = 0;
  Residence residence_ = Residence::kDevice;
  EntryRef ref_;
};

class HotCache {
 public:
  // `chunk_pool` must outlive the cache. The cache uses every pool of `chunk_pool`
  // (present and added later).
  static Status Open(ChunkPool* chunk_pool, const CacheOptions& options,
                     std::unique_ptr<HotCache>* out);
  // REQUIRES: no lease alive. Frees every entry's blocks (nothing spilled).
  ~HotCache();
  HotCache(const HotCache&) = delete;
  HotCache& operator=(const HotCache&) = delete;

  // Copies `size` bytes into a new entry. When the key is already resident
  // the data is ignored (same key, same content). *lease (optional)
  // receives a pin. ResourceExhausted when no room can be made.
  Status Insert(const CacheKey& key, const void* data, std::size_t size,
                const EntryOptions& options, Lease* lease);
  // Creates an entry of `size` bytes with unspecified contents for the
  // caller to fill (e.g. decode straight into pool memory) and pins it.
  // Lookups see Busy until Publish(lease). AlreadyExists when resident.
  Status Allocate(const CacheKey& key, std::size_t size,
                  const EntryOptions& options, Lease* lease);
  Status Publish(const Lease& lease);

  // Pins the entry, reloading it from the host tier or the sink when it was
  // spilled. *lease is released first and stays invalid on failure.
  // NotFound when no tier has it; Busy while an Allocate()d entry is not
  // yet published.
  Status Lookup(const CacheKey& key, Lease* lease);
  // Pins the entry `ref` names; NotFound once it left the device.
  Status Pin(EntryRef ref, Lease* lease);
  // Whether the key is resident in the pools (no pin, no reload).
  bool Resident(const CacheKey& key) const;

  // Removes the key from every tier (the sink included). A pinned entry
  // disappears from lookups now and frees its blocks at the last release.
  Status Erase(const CacheKey& key);
  // Like Erase, but leaves the sink's copy: for an owner that has just
  // replaced the bytes in the sink and must drop the stale copies in the
  // pools and the host tier (the next Lookup reloads from the sink).
  void Drop(const CacheKey& key);

  // Copies between host memory and the leased entry (any backend).
  Status Write(const Lease& lease, std::size_t offset, const void* src,
               std::size_t n);
  Status Read(const Lease& lease, std::size_t offset, void* dst,
              std::size_t n) const;

  // Evicts unpinned entries until the chunk pool is within its budget (after
  // ChunkPool::SetBudget shrank it), spilling as usual. Returns OK even when
  // pins keep it over budget: the rest is deferred.
  Status EnforceBudget();

  ChunkPool* chunk_pool() const { return chunk_pool_; }
  CacheStats Stats() const;

 private:
  struct Impl;
  friend class Lease;
  HotCache(ChunkPool* chunk_pool, const CacheOptions& options);
  void Unpin(EntryRef ref);

  ChunkPool* const chunk_pool_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mnemo::gpu

#endif  // MNEMO_GPU_HOT_CACHE_H_
