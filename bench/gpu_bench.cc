// Copyright (c) mnemo authors.
//
// mnemo-gpu-bench: block alloc+free ops/s (1 and 4 threads), hot-cache hit
// latency, waste after a 1M-op churn of random sizes, page map/unmap
// latency, and host->device upload GB/s for page batches, per backend.
// Plain timing loops (no Google Benchmark) so gpu/device_check.sh can build
// it anywhere. Usage: mnemo-gpu-bench [--backend host|cuda|both] [--quick]

#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <mnemo/gpu/hot_cache.h>

namespace mnemo::gpu {
namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

double Now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

void Die(const Status& s, const char* what) {
  std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
  std::exit(1);
}

std::unique_ptr<PagePool> Open(std::unique_ptr<Backend> b, std::size_t budget) {
  PagePoolOptions o;
  o.budget_bytes = budget;
  std::unique_ptr<PagePool> pp;
  Status s = PagePool::Open(std::move(b), o, &pp);
  if (!s.ok()) Die(s, "open");
  return pp;
}

BlockPool* Add(PagePool* pp, const char* name, std::size_t block) {
  BlockPoolOptions o;
  o.name = name;
  o.block_bytes = block;
  BlockPool* p;
  Status s = pp->AddPool(o, &p);
  if (!s.ok()) Die(s, "add pool");
  return p;
}

// Alloc+free pairs per second with `threads` threads on one pool; each
// thread keeps a window of 64 live blocks so blocks really change.
double AllocFree(BlockPool* p, int threads, long pairs_per_thread) {
  std::vector<std::thread> ts;
  double t0 = Now();
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([=] {
      std::uint32_t win[64];
      for (auto& b : win) (void)p->Alloc(&b);
      for (long i = 0; i < pairs_per_thread; ++i) {
        p->Free(win[i & 63]);
        if (!p->Alloc(&win[i & 63]).ok()) std::abort();
      }
      for (auto b : win) p->Free(b);
    });
  }
  for (auto& t : ts) t.join();
  return threads * pairs_per_thread / (Now() - t0);
}

double HitNs(PagePool* pp, BlockPool* p, long lookups) {
  CacheOptions co;
  std::unique_ptr<HotCache> cache;
  if (!HotCache::Open(pp, co, &cache).ok()) std::abort();
  auto pool = static_cast<std::uint32_t>(p->index());
  std::string d(4096, 'x');
  for (std::uint64_t i = 0; i < 1024; ++i) {
    if (!cache->Insert({pool, i, 1}, d.data(), d.size(), {}, nullptr).ok()) std::abort();
  }
  std::mt19937 rng(1);
  double t0 = Now();
  for (long i = 0; i < lookups; ++i) {
    Lease l;
    if (!cache->Lookup({pool, rng() & 1023u, 1}, &l).ok()) std::abort();
  }
  return (Now() - t0) * 1e9 / lookups;
}

// Random sizes (4 KiB .. 1 MiB) in a 16 KiB-block pool, live set ~512 MiB.
void Churn(PagePool* pp, BlockPool* p, long ops, bool contiguous) {
  struct Live { std::vector<Extent> ex; std::size_t n; };
  std::vector<Live> live;
  std::mt19937_64 rng(7);
  std::size_t live_bytes = 0, target = 512 * kMiB;
  long fails = 0;
  double t0 = Now();
  for (long i = 0; i < ops; ++i) {
    bool alloc = live.empty() || (live_bytes < target ? rng() % 100 < 55 : rng() % 100 < 45);
    if (alloc) {
      Live e{{}, 4096 + rng() % (kMiB - 4096)};
      if (p->AllocBytes(e.n, contiguous, &e.ex).ok()) {
        live_bytes += e.n;
        live.push_back(std::move(e));
      } else {
        ++fails;
      }
    } else {
      std::size_t k = rng() % live.size();
      p->FreeBytes(live[k].ex, live[k].n);
      live_bytes -= live[k].n;
      live[k] = std::move(live.back());
      live.pop_back();
    }
  }
  double secs = Now() - t0;
  BlockPoolStats st = p->Stats();
  std::printf("  churn %s: %ld ops in %.2f s (%.2f M ops/s), %zu live entries, "
              "%.1f MiB live, waste %.3fx (target <= 1.15x), %ld failures\n",
              contiguous ? "contiguous" : "scattered ", ops, secs, ops / secs / 1e6,
              live.size(), st.live_bytes / 1048576.0, st.waste_ratio(), fails);
  for (auto& e : live) p->FreeBytes(e.ex, e.n);
  (void)pp;
}

void MapUnmap(Backend* b, int iters) {
  std::uintptr_t base;
  PageHandle h;
  if (!b->Reserve(b->granularity(), &base).ok() || !b->CreatePage(&h).ok()) std::abort();
  double map = 0, unmap = 0;
  for (int i = 0; i < iters; ++i) {
    double t0 = Now();
    if (!b->Map(base, h).ok()) std::abort();
    double t1 = Now();
    if (!b->Unmap(base).ok()) std::abort();
    map += t1 - t0;
    unmap += Now() - t1;
  }
  double t0 = Now();
  PageHandle hs[16];
  for (auto& x : hs) if (!b->CreatePage(&x).ok()) std::abort();
  double create = (Now() - t0) / 16;
  for (auto x : hs) (void)b->ReleasePage(x);
  (void)b->ReleasePage(h);
  (void)b->Unreserve(base, b->granularity());
  std::printf("  page map+set-access %.2f us, unmap %.2f us, create %.2f us "
              "(%zu KiB pages)\n", map / iters * 1e6, unmap / iters * 1e6,
              create * 1e6, b->granularity() / 1024);
}

void Upload(PagePool* pp, BlockPool* p, int reps) {
  Backend* b = pp->backend();
  const std::size_t batch = 256 * kMiB, run = p->page_bytes();
  std::vector<Extent> ex;
  if (!p->AllocBytes(batch, true, &ex).ok()) std::abort();
  void* host;
  if (!b->AllocHost(batch, &host).ok()) std::abort();
  std::memset(host, 0x5a, batch);
  std::size_t n = batch / run;
  std::vector<void*> dst(n);
  std::vector<const void*> src(n);
  std::vector<std::size_t> sizes(n, run);
  char* base = static_cast<char*>(p->BlockAddress(ex[0].first));
  for (std::size_t i = 0; i < n; ++i) {
    dst[i] = base + i * run;
    src[i] = static_cast<char*>(host) + i * run;
  }
  if (!b->CopyBatchToDevice(dst.data(), src.data(), sizes.data(), n).ok()) std::abort();
  double t0 = Now();
  for (int r = 0; r < reps; ++r) {
    if (!b->CopyBatchToDevice(dst.data(), src.data(), sizes.data(), n).ok()) std::abort();
  }
  double secs = Now() - t0;
  std::vector<char> check(run);
  bool ok = b->CopyToHost(check.data(), dst[n - 1], run).ok() &&
            std::memcmp(check.data(), src[n - 1], run) == 0;
  std::printf("  upload %zu x %zu KiB runs: %.1f GB/s (round trip %s)\n", n,
              run / 1024, reps * batch / secs / 1e9, ok ? "byte-exact" : "MISMATCH");
  b->FreeHost(host, batch);
  p->FreeBytes(ex, batch);
}

void Run(std::unique_ptr<Backend> backend, bool quick) {
  std::printf("backend %s\n", backend->name().c_str());
  MapUnmap(backend.get(), quick ? 200 : 2000);
  auto pp = Open(std::move(backend), 2048 * kMiB);
  BlockPool* kv = Add(pp.get(), "kv", 64 << 10);
  BlockPool* vista = Add(pp.get(), "vista", 16 << 10);
  long pairs = quick ? 1000000 : 5000000;
  std::printf("  alloc+free 1 thread: %.2f M pairs/s (target >= 5M)\n",
              AllocFree(kv, 1, pairs) / 1e6);
  std::printf("  alloc+free 4 threads: %.2f M pairs/s total\n",
              AllocFree(kv, 4, pairs / 4) / 1e6);
  std::printf("  cache hit (Lookup + lease release): %.0f ns (target <= 200)\n",
              HitNs(pp.get(), kv, quick ? 500000 : 2000000));
  Churn(pp.get(), vista, quick ? 200000 : 1000000, false);
  Churn(pp.get(), vista, quick ? 200000 : 1000000, true);
  if (pp->backend()->kind() == BackendKind::kCuda) Upload(pp.get(), kv, quick ? 4 : 20);
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
