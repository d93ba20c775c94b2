// Copyright (c) mnemo authors.

#include <mnemo/gpu/stats.h>

#include <cstdio>
#include <string>

namespace mnemo::gpu {
namespace {

std::string Fmt(const char* fmt, double a, double b = 0, double c = 0,
                double d = 0) {
  char buf[256];
  std::snprintf(buf, sizeof(buf), fmt, a, b, c, d);
  return buf;
}

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string PoolJson(const BlockPoolStats& p) {
  std::string hist;
  for (std::size_t i = 0; i < p.occupancy_histogram.size(); ++i) {
    hist += (i ? "," : "") + std::to_string(p.occupancy_histogram[i]);
  }
  return "{\"name\":" + Quote(p.name) +
         ",\"block_bytes\":" + std::to_string(p.block_bytes) +
         ",\"mapped_chunks\":" + std::to_string(p.mapped_chunks) +
         ",\"empty_chunks\":" + std::to_string(p.empty_chunks) +
         ",\"live_blocks\":" + std::to_string(p.live_blocks) +
         ",\"live_bytes\":" + std::to_string(p.live_bytes) +
         ",\"waste_ratio\":" + Fmt("%.4f", p.waste_ratio()) +
         ",\"allocs\":" + std::to_string(p.allocs) +
         ",\"frees\":" + std::to_string(p.frees) +
         ",\"failures\":" + std::to_string(p.failures) +
         ",\"chunk_maps\":" + std::to_string(p.chunk_maps) +
         ",\"chunk_unmaps\":" + std::to_string(p.chunk_unmaps) +
         ",\"mean_map_us\":" + Fmt("%.3f", p.mean_map_us()) +
         ",\"mean_unmap_us\":" + Fmt("%.3f", p.mean_unmap_us()) +
         ",\"occupancy_histogram\":[" + hist + "]}";
}

}  // namespace

double BlockPoolStats::waste_ratio() const {
  return live_bytes == 0 ? 0.0
                         : static_cast<double>(mapped_bytes()) / live_bytes;
}
double BlockPoolStats::mean_map_us() const {
  return chunk_maps == 0 ? 0.0 : map_ns / 1e3 / chunk_maps;
}
double BlockPoolStats::mean_unmap_us() const {
  return chunk_unmaps == 0 ? 0.0 : unmap_ns / 1e3 / chunk_unmaps;
}

std::string ChunkPoolStats::ToString() const {
  std::string out = "backend " + backend + Fmt(
      ": budget %.0f MiB, used %.0f chunks, free %.0f, pending shrink %.0f\n",
      budget_chunks * (chunk_bytes / 1048576.0), used_chunks, free_handles,
      pending_shrink_chunks);
  for (const BlockPoolStats& p : pools) {
    out += "  pool " + p.name +
           Fmt(": %.0f chunks mapped (%.0f empty), %.1f MiB live, waste %.3fx",
               p.mapped_chunks, p.empty_chunks, p.live_bytes / 1048576.0,
               p.waste_ratio()) +
           Fmt(", map %.2f us, unmap %.2f us\n", p.mean_map_us(),
               p.mean_unmap_us());
  }
  return out;
}

std::string ChunkPoolStats::ToJson() const {
  std::string ps;
  for (std::size_t i = 0; i < pools.size(); ++i) {
    ps += (i ? "," : "") + PoolJson(pools[i]);
  }
  return "{\"backend\":" + Quote(backend) +
         ",\"chunk_bytes\":" + std::to_string(chunk_bytes) +
         ",\"budget_chunks\":" + std::to_string(budget_chunks) +
         ",\"used_chunks\":" + std::to_string(used_chunks) +
         ",\"free_handles\":" + std::to_string(free_handles) +
         ",\"pending_shrink_chunks\":" + std::to_string(pending_shrink_chunks) +
         ",\"chunks_created\":" + std::to_string(chunks_created) +
         ",\"chunks_released\":" + std::to_string(chunks_released) +
         ",\"elastic_moves\":" + std::to_string(elastic_moves) +
         ",\"pools\":[" + ps + "]}";
}

const char* ResidenceName(Residence residence) {
  switch (residence) {
    case Residence::kDevice: return "device";
    case Residence::kHost: return "host";
    case Residence::kStore: return "store";
  }
  return "?";
}

double CacheStats::hit_ratio(Residence residence) const {
  std::uint64_t all = hits[0] + hits[1] + hits[2] + misses;
  return all == 0 ? 0.0 : static_cast<double>(hits[static_cast<int>(residence)]) / all;
}

std::string CacheStats::ToString() const {
  return Fmt("cache: %.0f entries (%.0f pinned), %.1f MiB resident",
             entries, pinned, resident_bytes / 1048576.0) +
         Fmt("; host tier %.0f entries %.1f MiB\n", host_tier_entries,
             host_tier_bytes / 1048576.0) +
         Fmt("  hit ratio device %.3f host %.3f store %.3f", hit_ratio(Residence::kDevice),
             hit_ratio(Residence::kHost), hit_ratio(Residence::kStore)) +
         Fmt(", misses %.0f, evictions %.0f, drops %.0f\n", misses, evictions,
             drops) +
         Fmt("  spilled %.1f MiB to host, %.1f MiB to store, reloaded %.1f MiB\n",
             spill_host_bytes / 1048576.0, spill_store_bytes / 1048576.0,
             reload_bytes / 1048576.0);
}

std::string CacheStats::ToJson() const {
  return "{\"entries\":" + std::to_string(entries) +
         ",\"pinned\":" + std::to_string(pinned) +
         ",\"resident_bytes\":" + std::to_string(resident_bytes) +
         ",\"host_tier_entries\":" + std::to_string(host_tier_entries) +
         ",\"host_tier_bytes\":" + std::to_string(host_tier_bytes) +
         ",\"hits_device\":" + std::to_string(hits[0]) +
         ",\"hits_host\":" + std::to_string(hits[1]) +
         ",\"hits_store\":" + std::to_string(hits[2]) +
         ",\"misses\":" + std::to_string(misses) +
         ",\"evictions\":" + std::to_string(evictions) +
         ",\"drops\":" + std::to_string(drops) +
         ",\"spill_host_bytes\":" + std::to_string(spill_host_bytes) +
         ",\"spill_store_bytes\":" + std::to_string(spill_store_bytes) +
         ",\"reload_bytes\":" + std::to_string(reload_bytes) +
         ",\"spill_errors\":" + std::to_string(spill_errors) + "}";
}

}  // namespace mnemo::gpu
