// Copyright (c) mnemo authors.
//
// Plain statistics snapshots of the chunk pool, the block pools and the hot
// cache. Snapshots are values: taking one locks briefly, reading it does not.
// ToString renders a multi-line human report (what `mnemo demo` prints);
// ToJson renders one JSON object for scripts.

#ifndef MNEMO_GPU_STATS_H_
#define MNEMO_GPU_STATS_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mnemo::gpu {

struct BlockPoolStats {
  std::string name;
  std::size_t block_bytes = 0;
  std::size_t chunk_bytes = 0;
  std::size_t min_chunks = 0, max_chunks = 0;
  double weight = 1.0;
  std::size_t mapped_chunks = 0;  // chunks mapped into this pool
  std::size_t empty_chunks = 0;   // mapped with no live block (the reserve)
  std::size_t live_blocks = 0;
  std::size_t live_bytes = 0;    // bytes callers asked for
  std::uint64_t allocs = 0, frees = 0, failures = 0;
  std::uint64_t chunk_maps = 0, chunk_unmaps = 0;
  std::uint64_t map_ns = 0, unmap_ns = 0;  // total time in Map / Unmap
  // Mapped chunks by fraction of blocks in use: [0,10%), [10,20%) ... [90,100%].
  std::array<std::size_t, 10> occupancy_histogram{};

  std::size_t mapped_bytes() const { return mapped_chunks * chunk_bytes; }
  // Mapped bytes / live bytes (1.0 is perfect; 0 when nothing is live).
  double waste_ratio() const;
  double mean_map_us() const;
  double mean_unmap_us() const;
};

struct ChunkPoolStats {
  std::string backend;          // Backend::name()
  std::size_t chunk_bytes = 0;
  std::size_t budget_chunks = 0;
  std::size_t used_chunks = 0;       // mapped into some pool
  std::size_t free_handles = 0;     // created, unmapped, ready for reuse
  std::size_t pending_shrink_chunks = 0;  // used beyond the budget (pinned)
  std::uint64_t chunks_created = 0, chunks_released = 0;
  std::uint64_t elastic_moves = 0;  // chunks taken from another pool
  std::vector<BlockPoolStats> pools;

  std::string ToString() const;
  std::string ToJson() const;
};

// Where a lookup was served from.
enum class Residence : unsigned char { kDevice = 0, kHost = 1, kStore = 2 };
const char* ResidenceName(Residence residence);

struct CacheStats {
  std::size_t entries = 0;        // resident in the pools
  std::size_t pinned = 0;         // entries with at least one lease
  std::size_t resident_bytes = 0;
  std::size_t host_tier_entries = 0, host_tier_bytes = 0;
  std::array<std::uint64_t, 3> hits{};  // by Residence
  std::uint64_t misses = 0;
  std::uint64_t evictions = 0;      // device -> elsewhere
  std::uint64_t drops = 0;          // rebuildable entries dropped
  std::uint64_t spill_host_bytes = 0, spill_store_bytes = 0;
  std::uint64_t reload_bytes = 0;   // bytes copied back to the device
  std::uint64_t spill_errors = 0;

  // hits[residence] / (all lookups).
  double hit_ratio(Residence residence) const;
  std::string ToString() const;
  std::string ToJson() const;
};

}  // namespace mnemo::gpu

#endif  // MNEMO_GPU_STATS_H_
