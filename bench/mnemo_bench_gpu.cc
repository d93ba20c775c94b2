// Copyright (c) mnemo authors.
//
// GPU pools phase, through bench/gpu_pool_measure.h (the functions
// mnemo-gpu-bench prints): block alloc+free pairs/s next to malloc/free of
// the same block size (interleaved), hot-cache hit latency, churn waste,
// chunk map/unmap; on a CUDA device also the host->device upload GB/s.

#include <cstdio>

#include "gpu_pool_measure.h"
#include "mnemo_bench_phases.h"

namespace mnemo::bench {
namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;
constexpr std::size_t kBlock = 64 << 10;

// Measures one backend into j; returns the 1-thread alloc/free pair.
PairStats MeasureBackend(std::unique_ptr<gpu::Backend> backend, bool quick,
                         nlohmann::json* j) {
  namespace m = gpu::measure;
  const bool cuda = backend->kind() == gpu::BackendKind::kCuda;
  m::MapUnmapResult mu = m::MapUnmap(backend.get(), quick ? 200 : 2000);
  (*j)["map_us"] = mu.map_us;
  (*j)["unmap_us"] = mu.unmap_us;
  (*j)["create_chunk_us"] = mu.create_us;
  (*j)["chunk_kib"] = mu.chunk_kib;
  auto pp = m::OpenPool(std::move(backend), 2048 * kMiB);
  gpu::BlockPool* kv = m::AddPool(pp.get(), "kv", kBlock);
  gpu::BlockPool* vista = m::AddPool(pp.get(), "vista", 16 << 10);
  const long pairs = quick ? 500000 : 5000000;
  PairStats pair;  // interleaved: pool, malloc, malloc, pool
  for (int round = 0; round < 2; ++round) {
    for (int side = 0; side < 2; ++side) {
      const bool pool = (side == 0) == (round == 0);
      const double rate = pool ? m::AllocFree(kv, 1, pairs / 2)
                               : m::MallocFree(kBlock, 1, pairs / 2);
      OpStats& s = pool ? pair.mnemo : pair.peer;
      s.ops += pairs / 2;
      s.seconds += (pairs / 2) / rate;
    }
  }
  pair.mnemo.items = pair.mnemo.ops;
  pair.peer.items = pair.peer.ops;
  (*j)["alloc_free_pairs_per_s_2threads"] = m::AllocFree(kv, 2, pairs / 4);
  (*j)["cache_hit_ns"] = m::HitNs(pp.get(), kv, quick ? 200000 : 2000000);
  for (bool contiguous : {false, true}) {
    m::ChurnResult c = m::Churn(vista, quick ? 100000 : 1000000, contiguous);
    (*j)[contiguous ? "churn_contiguous" : "churn_scattered"] = {
        {"ops", c.ops}, {"seconds", c.seconds}, {"live_mib", c.live_mib},
        {"live_entries", c.live_entries}, {"waste", c.waste}, {"failures", c.failures}};
  }
  if (cuda) {
    m::UploadResult u = m::Upload(pp.get(), kv, quick ? 4 : 20);
    (*j)["upload_gb_per_s"] = u.gb_per_s;
    (*j)["upload_byte_exact"] = u.byte_exact;
  }
  return pair;
}

}  // namespace

void RunGpuPhase(const BenchConfig& config, Report* report) {
  nlohmann::json& j = report->phase("gpu");
  nlohmann::json host;
  PairStats pair = MeasureBackend(gpu::NewHostBackend(), config.quick, &host);
  host["alloc_free"] = {{"pool_pairs_per_s", pair.mnemo.ops_per_s()},
                        {"malloc_pairs_per_s", pair.peer.ops_per_s()},
                        {"ratio", pair.ratio()}, {"block_bytes", kBlock}};
  j["host"] = host;
  report->AddRow({"pool alloc+free 64 KiB (host)", "pairs/s", pair.mnemo.ops_per_s(),
                  "malloc", pair.peer.ops_per_s(), pair.ratio(), "", ""});
  report->AddRow({"hot-cache hit (host)", "ns", host["cache_hit_ns"], "-", 0, 0, "", ""});
  report->AddRow({"churn waste, scattered (host)", "x", host["churn_scattered"]["waste"],
                  "-", 0, 0, "", ""});
  report->SetHeadline("pool_alloc_free_ops_per_s", pair.mnemo.ops_per_s());
  report->SetHeadline("cache_hit_ns", host["cache_hit_ns"].get<double>());
  report->SetHeadline("pool_waste", host["churn_scattered"]["waste"].get<double>());
  std::unique_ptr<gpu::Backend> cuda;
  Status s = gpu::NewCudaBackend(0, &cuda);
  if (!s.ok()) {
    j["cuda"] = {{"skipped", s.ToString()}};
    return;
  }
  nlohmann::json dev;
  PairStats dpair = MeasureBackend(std::move(cuda), config.quick, &dev);
  dev["alloc_free_pairs_per_s"] = dpair.mnemo.ops_per_s();
  j["cuda"] = dev;
  report->AddRow({"pool alloc+free 64 KiB (cuda)", "pairs/s", dpair.mnemo.ops_per_s(),
                  "malloc", dpair.peer.ops_per_s(), dpair.ratio(), "", ""});
  report->AddRow({"upload host->device (cuda)", "GB/s", dev["upload_gb_per_s"], "-", 0,
                  0, "", ""});
}

}  // namespace mnemo::bench
