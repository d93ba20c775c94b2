// Copyright (c) mnemo authors.
//
// Measuring functions of the GPU block pools, shared by mnemo-gpu-bench
// (bench/gpu_bench.cc, which prints them) and mnemo-bench (which reports
// them as JSON). Plain timing loops over the public gpu API; no printing.

#ifndef MNEMO_BENCH_GPU_POOL_MEASURE_H_
#define MNEMO_BENCH_GPU_POOL_MEASURE_H_

#include <cstddef>
#include <memory>

#include <mnemo/gpu/hot_cache.h>

namespace mnemo::gpu::measure {

// Opens a chunk pool with `budget` bytes / adds a block pool; exits the
// process with a message on failure (benchmarks only).
std::unique_ptr<ChunkPool> OpenPool(std::unique_ptr<Backend> b, std::size_t budget);
BlockPool* AddPool(ChunkPool* pp, const char* name, std::size_t block);

// Alloc+free pairs per second with `threads` threads on one pool; each
// thread keeps a window of 64 live blocks so blocks really change.
double AllocFree(BlockPool* p, int threads, long pairs_per_thread);

// The same pattern with malloc/free of `block` bytes (the peer).
double MallocFree(std::size_t block, int threads, long pairs_per_thread);

// Mean ns of HotCache::Lookup + lease release over 1024 resident entries.
double HitNs(ChunkPool* pp, BlockPool* p, long lookups);

// Random sizes (4 KiB .. 1 MiB) with a ~512 MiB live target.
struct ChurnResult {
  long ops = 0;
  double seconds = 0;
  std::size_t live_entries = 0;
  double live_mib = 0;
  double waste = 0;  // mapped bytes / live bytes
  long failures = 0;
};
ChurnResult Churn(BlockPool* p, long ops, bool contiguous);

struct MapUnmapResult {
  double map_us = 0, unmap_us = 0, create_us = 0;
  std::size_t chunk_kib = 0;
};
MapUnmapResult MapUnmap(Backend* b, int iters);

// Host -> device batched upload of 256 MiB in chunk-sized runs.
struct UploadResult {
  std::size_t runs = 0, run_kib = 0;
  double gb_per_s = 0;
  bool byte_exact = false;
};
UploadResult Upload(ChunkPool* pp, BlockPool* p, int reps);

}  // namespace mnemo::gpu::measure

#endif  // MNEMO_BENCH_GPU_POOL_MEASURE_H_
