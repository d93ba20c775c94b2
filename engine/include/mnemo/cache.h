// Copyright (c) mnemo authors.
//
// The store's hot cache: pages of compacted memory decoded into the `vista`
// block pool, and host-computed per-page payloads (embeddings, model KV) in
// the `kv` pool, on the GPU when one is usable and in host memory
// otherwise (same interface; see mnemo/gpu/). The VLM host reads pinned
// entries through gpu::Lease (data pointer, extents) or DLPack
// (gpu::ExportDLPack).
//
// The calls are on mnemo::Cache, reached through Store::cache(); like the
// store's record calls they name the tenant first, and a page of another
// tenant is NotFound.

#ifndef MNEMO_CACHE_H_
#define MNEMO_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mnemo/gpu/hot_cache.h"
#include "mnemo/status.h"

namespace mnemo {

struct CacheConfig {
  // Open the hot cache with the store.
  // Default: false
  bool enabled = false;
  // Try the CUDA backend first; fall back to host memory (with the reason
  // in CacheReport::backend_reason) when no usable GPU is present.
  // Default: true
  bool use_gpu = true;
  // Bytes of (device) memory all pools share.
  // Default: 256 MiB
  size_t budget_bytes = size_t{256} << 20;
  // Host memory for entries evicted from the device before they spill to
  // the store's `spill` column family.
  // Default: 64 MiB
  size_t host_tier_bytes = size_t{64} << 20;
  // Eviction policy: "lru", "arc" or "s3fifo".
  // Default: "lru"
  std::string policy = "lru";
};

// A page decoded into the vista pool (8-bit gray, width * height bytes,
// row-major) and pinned until `lease` is released. Leases must be released
// before the store is closed.
struct PinnedPage {
  uint64_t page_id = 0;
  int width = 0;
  int height = 0;
  // The page's revision: it changes whenever the pixels do (a record on
  // the page deleted, updated or expired, the page decayed). Cache::PutKv
  // with this PinnedPage refuses a payload once it no longer matches.
  uint64_t revision = 0;
  gpu::Lease lease;
};

struct CacheReport {
  std::string backend;          // "host" or "cuda:0"
  std::string backend_reason;   // why the host backend was chosen, if so
  gpu::ChunkPoolStats pools;
  gpu::CacheStats cache;
};

struct ScanOptions;  // mnemo/options.h

// The hot cache of an open store (Store::cache(); never null, owned by the
// store and valid until it is closed). Thread-safe. Each call is
// FailedPrecondition when the store was opened without
// Options::cache.enabled.
class Cache {
 public:
  Cache() = default;
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;
  virtual ~Cache() = default;

  // Decodes pages of `tenant` into the vista pool (or finds them there) and
  // pins them; appends one PinnedPage per id to *pages. NotFound when a page
  // does not exist or belongs to another tenant (nothing stays pinned).
  virtual Status PinPages(std::string_view tenant,
                          const std::vector<uint64_t>& page_ids,
                          std::vector<PinnedPage>* pages) = 0;

  // Pins the pages holding the records a Store::Scan with `range` would
  // return (one page of scan results; the tenant is range.tenant).
  virtual Status PinRange(const ScanOptions& range,
                          std::vector<PinnedPage>* pages) = 0;

  // Stores a host-computed payload for a page (e.g. kind "embedding" or
  // "kv:<model>") in the kv pool, written through to the store so it
  // survives eviction and restarts; GetKv reads it back byte-exact from the
  // device, the host tier or the store (NotFound when none was stored).
  // A payload derived from the page's pixels must be stored with the
  // PinnedPage those pixels came from: that overload is Aborted, naming the
  // page, when the page changed since it was pinned (a record on it was
  // deleted, updated or expired, so the payload may hold text that is
  // gone). The page_id overload checks nothing of the sort: it is for
  // payloads that do not derive from the pixels. Both write under the
  // page's lock, so a payload is either written before a change of the page
  // (which drops it) or refused after it.
  virtual Status PutKv(std::string_view tenant, uint64_t page_id,
                       std::string_view kind, std::string_view bytes) = 0;
  virtual Status PutKv(std::string_view tenant, const PinnedPage& pinned,
                       std::string_view kind, std::string_view bytes) = 0;
  virtual Status GetKv(std::string_view tenant, uint64_t page_id,
                       std::string_view kind, std::string* bytes) = 0;

  // Backend, pool occupancy/waste and hit/eviction/spill counters.
  virtual Status GetReport(CacheReport* report) = 0;
};

}  // namespace mnemo

#endif  // MNEMO_CACHE_H_
