// Copyright (c) mnemo authors.
//
// mnemo-gpu-bench: block alloc+free ops/s (1 and 4 threads), hot-cache hit
// latency, waste after a 1M-op churn of random sizes, chunk map/unmap
// latency, and host->device upload GB/s for chunk batches, per backend.
// Plain timing loops (no Google Benchmark) so gpu/device_check.sh can build
// it anywhere. Usage: mnemo-gpu-bench [--backend host|cuda|both] [--quick]

#include <cstdio>
#include <cstring>
#include <string>

#include "gpu_pool_measure.h"

namespace mnemo::gpu {
namespace {

using namespace measure;  // NOLINT: the shared measuring functions

constexpr std::size_t kMiB = std::size_t{1} << 20;

void PrintChurn(BlockPool* p, long ops, bool contiguous) {
  ChurnResult r = Churn(p, ops, contiguous);
  std::printf("  churn %s: %ld ops in %.2f s (%.2f M ops/s), %zu live entries, "
              "%.1f MiB live, waste %.3fx (target <= 1.15x), %ld failures\n",
              contiguous ? "contiguous" : "scattered ", r.ops, r.seconds,
              r.ops / r.seconds / 1e6, r.live_entries, r.live_mib, r.waste, r.failures);
}

void Run(std::unique_ptr<Backend> backend, bool quick) {
  std::printf("backend %s\n", backend->name().c_str());
  MapUnmapResult m = MapUnmap(backend.get(), quick ? 200 : 2000);
  std::printf("  chunk map+set-access %.2f us, unmap %.2f us, create %.2f us "
              "(%zu KiB chunks)\n", m.map_us, m.unmap_us, m.create_us, m.chunk_kib);
  auto pp = OpenPool(std::move(backend), 2048 * kMiB);
  BlockPool* kv = AddPool(pp.get(), "kv", 64 << 10);
  BlockPool* vista = AddPool(pp.get(), "vista", 16 << 10);
  long pairs = quick ? 1000000 : 5000000;
  std::printf("  alloc+free 1 thread: %.2f M pairs/s (target >= 5M)\n",
              AllocFree(kv, 1, pairs) / 1e6);
  std::printf("  alloc+free 4 threads: %.2f M pairs/s total\n",
              AllocFree(kv, 4, pairs / 4) / 1e6);
  std::printf("  cache hit (Lookup + lease release): %.0f ns (target <= 200)\n",
              HitNs(pp.get(), kv, quick ? 500000 : 2000000));
  PrintChurn(vista, quick ? 200000 : 1000000, false);
  PrintChurn(vista, quick ? 200000 : 1000000, true);
  if (pp->backend()->kind() == BackendKind::kCuda) {
    UploadResult u = Upload(pp.get(), kv, quick ? 4 : 20);
    std::printf("  upload %zu x %zu KiB runs: %.1f GB/s (round trip %s)\n", u.runs,
                u.run_kib, u.gb_per_s, u.byte_exact ? "byte-exact" : "MISMATCH");
  }
  std::printf("%s", pp->Stats().ToString().c_str());
}

}  // namespace
}  // namespace mnemo::gpu

int main(int argc, char** argv) {
  using namespace mnemo::gpu;
  std::string which = "both";
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--backend") && i + 1 < argc) which = argv[++i];
    if (!std::strcmp(argv[i], "--quick")) quick = true;
  }
  if (which != "cuda") Run(NewHostBackend(), quick);
  if (which != "host") {
    std::unique_ptr<Backend> cuda;
    mnemo::Status s = NewCudaBackend(0, &cuda);
    if (s.ok()) {
      Run(std::move(cuda), quick);
    } else {
      std::printf("cuda: skipped (%s)\n", s.ToString().c_str());
      if (which == "cuda") return 2;
    }
  }
  return 0;
}
