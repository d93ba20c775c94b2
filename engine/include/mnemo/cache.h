// Copyright (c) mnemo authors.
//
// The store's hot cache: pages of compacted memory decoded into the `vista`
// block pool, and host-computed per-page payloads (embeddings, model KV) in
// the `kv` pool, on the GPU when one is usable and in host memory
// otherwise (same interface; see mnemo/gpu/). The VLM host reads pinned
// entries through gpu::Lease (data pointer, extents) or DLPack
// (gpu::ExportDLPack).

#ifndef MNEMO_CACHE_H_
#define MNEMO_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "mnemo/gpu/hot_cache.h"

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
  // the page deleted, updated or expired, the page decayed). Store::PutKv
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

}  // namespace mnemo

#endif  // MNEMO_CACHE_H_
