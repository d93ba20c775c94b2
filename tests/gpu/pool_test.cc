// Copyright (c) mnemo authors.
//
// ChunkPool / BlockPool over each backend (host as oracle).

#include <unistd.h>

#include <cstring>
#include <fstream>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <mnemo/gpu/chunk_pool.h>

#include "backend_env.h"

namespace mnemo::gpu {
namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

class PoolTest : public ::testing::TestWithParam<BackendKind> {
 protected:
  void SetUp() override {
    std::string reason;
    backend_ = test::MakeBackend(GetParam(), &reason);
    if (!backend_) GTEST_SKIP() << reason;
  }
  std::unique_ptr<ChunkPool> Open(std::size_t budget, bool refill = false) {
    ChunkPoolOptions o;
    o.budget_bytes = budget;
    o.background_refill = refill;
    std::unique_ptr<ChunkPool> pp;
    Status s = ChunkPool::Open(std::move(backend_), o, &pp);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return pp;
  }
  static BlockPool* Add(ChunkPool* pp, const std::string& name,
                        std::size_t block, std::size_t min = 0,
                        std::size_t max = 0, std::size_t reserve = 1) {
    BlockPoolOptions o;
    o.name = name;
    o.block_bytes = block;
    o.min_bytes = min;
    o.max_bytes = max;
    o.reserve_chunks = reserve;
    BlockPool* p = nullptr;
    Status s = pp->AddPool(o, &p);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return p;
  }
  // Writes `n` bytes of `v` at a pool address through the backend.
  void Fill(ChunkPool* pp, void* dst, std::size_t n, unsigned char v) {
    std::vector<unsigned char> buf(n, v);
    ASSERT_TRUE(pp->backend()->CopyToDevice(dst, buf.data(), n).ok());
  }
  bool Holds(ChunkPool* pp, const void* src, std::size_t n, unsigned char v) {
    std::vector<unsigned char> buf(n);
    if (!pp->backend()->CopyToHost(buf.data(), src, n).ok()) return false;
    for (unsigned char c : buf) {
      if (c != v) return false;
    }
    return true;
  }
  std::unique_ptr<Backend> backend_;
};

TEST_P(PoolTest, AllocFreeSingleBlocks) {
  auto pp = Open(8 * kMiB);
  BlockPool* p = Add(pp.get(), "kv", 64 << 10);
  std::vector<std::uint32_t> blocks(64);
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    ASSERT_TRUE(p->Alloc(&blocks[i]).ok());
    Fill(pp.get(), p->BlockAddress(blocks[i]), p->block_bytes(),
         static_cast<unsigned char>(i));
  }
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    EXPECT_TRUE(Holds(pp.get(), p->BlockAddress(blocks[i]), p->block_bytes(),
                      static_cast<unsigned char>(i)));
  }
  BlockPoolStats st = p->Stats();
  EXPECT_EQ(st.live_blocks, 64u);
  EXPECT_EQ(st.mapped_chunks, 2u);  // 64 x 64 KiB = 2 chunks, first fit
  for (std::uint32_t b : blocks) p->Free(b);
  EXPECT_EQ(p->Stats().live_blocks, 0u);
  EXPECT_LE(p->Stats().mapped_chunks, 1u);  // reserve of 1
}

TEST_P(PoolTest, ExhaustionIsCleanResourceExhausted) {
  auto pp = Open(4 * kMiB);
  BlockPool* p = Add(pp.get(), "kv", 1 * kMiB);
  std::uint32_t b[5];
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(p->Alloc(&b[i]).ok());
  Status s = p->Alloc(&b[4]);
  EXPECT_TRUE(s.IsResourceExhausted()) << s.ToString();
  std::vector<Extent> ex;
  EXPECT_TRUE(p->AllocBytes(3 * kMiB, false, &ex).IsResourceExhausted());
  EXPECT_TRUE(ex.empty());
  for (int i = 0; i < 4; ++i) p->Free(b[i]);
  EXPECT_TRUE(p->AllocBytes(3 * kMiB, false, &ex).ok());
  p->FreeBytes(ex, 3 * kMiB);
}

TEST_P(PoolTest, ContiguousRunsAndBigEntries) {
  auto pp = Open(16 * kMiB);
  BlockPool* p = Add(pp.get(), "vista", 64 << 10);
  std::vector<Extent> a, b;
  ASSERT_TRUE(p->AllocBytes(5 * (64 << 10) - 7, true, &a).ok());
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].count, 5u);
  ASSERT_TRUE(p->AllocBytes(5 * kMiB, true, &b).ok());  // spans 3 chunks
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].count, 80u);
  EXPECT_EQ(b[0].first % p->blocks_per_chunk(), 0u);
  Fill(pp.get(), p->BlockAddress(b[0].first), 5 * kMiB, 0xAB);
  EXPECT_TRUE(Holds(pp.get(), p->BlockAddress(b[0].first), 5 * kMiB, 0xAB));
  p->FreeBytes(a, 5 * (64 << 10) - 7);
  p->FreeBytes(b, 5 * kMiB);
  EXPECT_EQ(p->Stats().live_bytes, 0u);
}

TEST_P(PoolTest, ElasticMoveBetweenPools) {
  auto pp = Open(8 * kMiB);  // 4 chunks
  BlockPool* vista = Add(pp.get(), "vista", 2 * kMiB, 0, 0, /*reserve=*/4);
  BlockPool* kv = Add(pp.get(), "kv", 2 * kMiB, 0, 0, /*reserve=*/4);
  std::uint32_t v[4], k;
  for (auto& b : v) ASSERT_TRUE(vista->Alloc(&b).ok());
  EXPECT_TRUE(kv->Alloc(&k).IsResourceExhausted());
  for (auto& b : v) vista->Free(b);  // chunks stay mapped: reserve of 4
  EXPECT_EQ(vista->Stats().mapped_chunks, 4u);
  ASSERT_TRUE(kv->Alloc(&k).ok());  // takes an empty chunk from vista
  EXPECT_EQ(vista->Stats().mapped_chunks, 3u);
  EXPECT_GE(pp->Stats().elastic_moves, 1u);
  kv->Free(k);
}

TEST_P(PoolTest, MinIsGuaranteed) {
  auto pp = Open(8 * kMiB);
  Add(pp.get(), "vista", 2 * kMiB, /*min=*/4 * kMiB);
  BlockPool* kv = Add(pp.get(), "kv", 2 * kMiB);
  std::uint32_t k[3];
  ASSERT_TRUE(kv->Alloc(&k[0]).ok());
  ASSERT_TRUE(kv->Alloc(&k[1]).ok());
  EXPECT_TRUE(kv->Alloc(&k[2]).IsResourceExhausted());
  kv->Free(k[0]);
  kv->Free(k[1]);
}

TEST_P(PoolTest, BudgetShrinkUnderPinsIsDeferred) {
  auto pp = Open(16 * kMiB);  // 8 chunks
  BlockPool* p = Add(pp.get(), "kv", 2 * kMiB);
  std::uint32_t b[8];
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(p->Alloc(&b[i]).ok());
    Fill(pp.get(), p->BlockAddress(b[i]), 2 * kMiB, static_cast<unsigned char>(i));
  }
  ASSERT_TRUE(pp->SetBudget(8 * kMiB).ok());
  EXPECT_EQ(pp->pending_shrink_chunks(), 4u);
  for (int i = 0; i < 8; ++i) {  // nothing was taken away
    EXPECT_TRUE(Holds(pp.get(), p->BlockAddress(b[i]), 2 * kMiB,
                      static_cast<unsigned char>(i)));
  }
  for (int i = 0; i < 4; ++i) p->Free(b[i]);
  EXPECT_EQ(pp->pending_shrink_chunks(), 0u);
  EXPECT_EQ(p->Stats().mapped_chunks, 4u);
  std::uint32_t extra;
  EXPECT_TRUE(p->Alloc(&extra).IsResourceExhausted());
  for (int i = 4; i < 8; ++i) p->Free(b[i]);
}

TEST_P(PoolTest, ConcurrentAllocFree) {
  auto pp = Open(64 * kMiB, /*refill=*/true);
  BlockPool* p = Add(pp.get(), "kv", 16 << 10, 0, 0, 2);
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      std::vector<std::vector<Extent>> held;
      std::vector<std::size_t> sizes;
      for (int i = 0; i < 3000; ++i) {
        if (held.size() < 32 && (rng() & 1)) {
          std::size_t n = 1 + rng() % (200 << 10);
          std::vector<Extent> ex;
          if (!p->AllocBytes(n, rng() & 1, &ex).ok()) { ++errors; continue; }
          held.push_back(std::move(ex));
          sizes.push_back(n);
        } else if (!held.empty()) {
          p->FreeBytes(held.back(), sizes.back());
          held.pop_back();
          sizes.pop_back();
        }
      }
      for (std::size_t i = 0; i < held.size(); ++i) p->FreeBytes(held[i], sizes[i]);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(p->Stats().live_blocks, 0u);
}

std::size_t RssBytes() {
  std::ifstream f("/proc/self/statm");
  std::size_t size = 0, resident = 0;
  f >> size >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

TEST_P(PoolTest, TrimReleasesMemory) {
  auto pp = Open(256 * kMiB);
  BlockPool* p = Add(pp.get(), "vista", 2 * kMiB, 0, 0, /*reserve=*/1000);
  std::vector<std::uint32_t> b(64);
  for (auto& x : b) {
    ASSERT_TRUE(p->Alloc(&x).ok());
    Fill(pp.get(), p->BlockAddress(x), 2 * kMiB, 1);
  }
  MemoryInfo before;
  ASSERT_TRUE(pp->backend()->GetMemoryInfo(&before).ok());
  EXPECT_GE(before.created_bytes, 128 * kMiB);
  std::size_t rss_full = RssBytes();
  for (auto x : b) p->Free(x);
  EXPECT_EQ(p->Stats().mapped_chunks, 64u);  // kept as reserve until Trim
  ASSERT_TRUE(pp->Trim().ok());
  EXPECT_EQ(p->Stats().mapped_chunks, 0u);
  MemoryInfo after;
  ASSERT_TRUE(pp->backend()->GetMemoryInfo(&after).ok());
  EXPECT_EQ(after.created_bytes, 0u);
  if (GetParam() == BackendKind::kHost) {
    std::size_t rss_trim = RssBytes();
    EXPECT_LT(rss_trim + 100 * kMiB, rss_full)
        << "rss " << rss_full << " -> " << rss_trim;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, PoolTest, MNEMO_GPU_BACKENDS,
                         test::KindParamName);

}  // namespace
}  // namespace mnemo::gpu
