// Copyright (c) mnemo authors.

#include "gpu_pool_measure.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace mnemo::gpu::measure {
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

// Runs body(t) on `threads` threads; returns the wall seconds.
template <typename Fn>
double OnThreads(int threads, Fn body) {
  std::vector<std::thread> ts;
  double t0 = Now();
  for (int t = 0; t < threads; ++t) ts.emplace_back(body, t);
  for (auto& t : ts) t.join();
  return Now() - t0;
}

}  // namespace

std::unique_ptr<ChunkPool> OpenPool(std::unique_ptr<Backend> b, std::size_t budget) {
  ChunkPoolOptions o;
  o.budget_bytes = budget;
  std::unique_ptr<ChunkPool> pp;
  Status s = ChunkPool::Open(std::move(b), o, &pp);
  if (!s.ok()) Die(s, "open");
  return pp;
}

BlockPool* AddPool(ChunkPool* pp, const char* name, std::size_t block) {
  BlockPoolOptions o;
  o.name = name;
  o.block_bytes = block;
  BlockPool* p;
  Status s = pp->AddPool(o, &p);
  if (!s.ok()) Die(s, "add pool");
  return p;
}

double AllocFree(BlockPool* p, int threads, long pairs_per_thread) {
  double secs = OnThreads(threads, [=](int) {
    std::uint32_t win[64];
    for (auto& b : win) (void)p->Alloc(&b);
    for (long i = 0; i < pairs_per_thread; ++i) {
      p->Free(win[i & 63]);
      if (!p->Alloc(&win[i & 63]).ok()) std::abort();
    }
    for (auto b : win) p->Free(b);
  });
  return threads * pairs_per_thread / secs;
}

double MallocFree(std::size_t block, int threads, long pairs_per_thread) {
  double secs = OnThreads(threads, [=](int) {
    void* win[64];
    for (auto& b : win) b = std::malloc(block);
    for (long i = 0; i < pairs_per_thread; ++i) {
      std::free(win[i & 63]);
      win[i & 63] = std::malloc(block);
      if (!win[i & 63]) std::abort();
      static_cast<volatile char*>(win[i & 63])[0] = 1;  // keep the pair
    }
    for (auto b : win) std::free(b);
  });
  return threads * pairs_per_thread / secs;
}

double HitNs(ChunkPool* pp, BlockPool* p, long lookups) {
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

ChurnResult Churn(BlockPool* p, long ops, bool contiguous) {
  struct Live { std::vector<Extent> ex; std::size_t n; };
  std::vector<Live> live;
  std::mt19937_64 rng(7);
  std::size_t live_bytes = 0, target = 512 * kMiB;
  ChurnResult r;
  double t0 = Now();
  for (long i = 0; i < ops; ++i) {
    bool alloc = live.empty() || (live_bytes < target ? rng() % 100 < 55 : rng() % 100 < 45);
    if (alloc) {
      Live e{{}, 4096 + rng() % (kMiB - 4096)};
      if (p->AllocBytes(e.n, contiguous, &e.ex).ok()) {
        live_bytes += e.n;
        live.push_back(std::move(e));
      } else {
        ++r.failures;
      }
    } else {
      std::size_t k = rng() % live.size();
      p->FreeBytes(live[k].ex, live[k].n);
      live_bytes -= live[k].n;
      live[k] = std::move(live.back());
      live.pop_back();
    }
  }
  r.seconds = Now() - t0;
  r.ops = ops;
  BlockPoolStats st = p->Stats();
  r.live_entries = live.size();
  r.live_mib = st.live_bytes / 1048576.0;
  r.waste = st.waste_ratio();
  for (auto& e : live) p->FreeBytes(e.ex, e.n);
  return r;
}

MapUnmapResult MapUnmap(Backend* b, int iters) {
  std::uintptr_t base;
  ChunkHandle h;
  if (!b->Reserve(b->granularity(), &base).ok() || !b->CreateChunk(&h).ok()) std::abort();
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
  ChunkHandle hs[16];
  for (auto& x : hs) if (!b->CreateChunk(&x).ok()) std::abort();
  MapUnmapResult r;
  r.create_us = (Now() - t0) / 16 * 1e6;
  for (auto x : hs) (void)b->ReleaseChunk(x);
  (void)b->ReleaseChunk(h);
  (void)b->Unreserve(base, b->granularity());
  r.map_us = map / iters * 1e6;
  r.unmap_us = unmap / iters * 1e6;
  r.chunk_kib = b->granularity() / 1024;
  return r;
}

UploadResult Upload(ChunkPool* pp, BlockPool* p, int reps) {
  Backend* b = pp->backend();
  const std::size_t batch = 256 * kMiB, run = p->chunk_bytes();
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
  UploadResult r;
  r.byte_exact = b->CopyToHost(check.data(), dst[n - 1], run).ok() &&
                 std::memcmp(check.data(), src[n - 1], run) == 0;
  r.runs = n;
  r.run_kib = run / 1024;
  r.gb_per_s = reps * batch / secs / 1e9;
  b->FreeHost(host, batch);
  p->FreeBytes(ex, batch);
  return r;
}

}  // namespace mnemo::gpu::measure
