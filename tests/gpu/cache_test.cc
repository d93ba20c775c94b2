// Copyright (c) mnemo authors.
//
// HotCache over each backend: hits, spill + reload byte-exact through the
// host tier and the sink, pins, generations, eviction order per policy,
// elastic eviction across pools, concurrency.

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <mnemo/gpu/hot_cache.h>

#include "backend_env.h"

namespace mnemo::gpu {
namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

// Records the ids it receives, in order.
class RecordingSink final : public SpillSink {
 public:
  Status Put(std::string_view key, std::string_view value) override {
    std::lock_guard<std::mutex> lock(mu_);
    order.push_back(IdOf(key));
    return mem_.Put(key, value);
  }
  Status Get(std::string_view key, std::string* value) override {
    return mem_.Get(key, value);
  }
  Status Erase(std::string_view key) override { return mem_.Erase(key); }
  static std::uint64_t IdOf(std::string_view key) {
    std::uint64_t id = 0;
    for (std::size_t i = key.size() - 16; i < key.size() - 8; ++i) {
      id = id << 8 | static_cast<unsigned char>(key[i]);
    }
    return id;
  }
  std::vector<std::uint64_t> order;

 private:
  std::mutex mu_;
  MemorySpillSink mem_;
};

std::string Bytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

class CacheTest : public ::testing::TestWithParam<BackendKind> {
 protected:
  void SetUp() override {
    std::string reason;
    auto b = test::MakeBackend(GetParam(), &reason);
    if (!b) GTEST_SKIP() << reason;
    ChunkPoolOptions o;
    o.budget_bytes = 16 * kMiB;
    o.background_refill = false;
    ASSERT_TRUE(ChunkPool::Open(std::move(b), o, &chunk_pool_).ok());
  }
  BlockPool* Add(const std::string& name, std::size_t block, std::size_t max) {
    BlockPoolOptions o;
    o.name = name;
    o.block_bytes = block;
    o.max_bytes = max;
    o.reserve_chunks = 0;
    BlockPool* p = nullptr;
    EXPECT_TRUE(chunk_pool_->AddPool(o, &p).ok());
    return p;
  }
  void OpenCache(EvictionPolicy policy, std::size_t host_bytes, SpillSink* sink) {
    CacheOptions o;
    o.policy = policy;
    o.host_tier_bytes = host_bytes;
    o.sink = sink;
    ASSERT_TRUE(HotCache::Open(chunk_pool_.get(), o, &cache_).ok());
  }
  std::string ReadAll(const Lease& l) {
    std::string s(l.size(), '\0');
    EXPECT_TRUE(cache_->Read(l, 0, s.data(), s.size()).ok());
    return s;
  }
  void TearDown() override {
    cache_.reset();
    chunk_pool_.reset();
  }
  std::unique_ptr<ChunkPool> chunk_pool_;
  std::unique_ptr<HotCache> cache_;
};

TEST_P(CacheTest, InsertLookupByteExact) {
  BlockPool* vista = Add("vista", 64 << 10, 0);
  OpenCache(EvictionPolicy::kLru, 0, nullptr);
  CacheKey k{static_cast<std::uint32_t>(vista->index()), 7, 99};
  std::string data = Bytes(300000, 1);
  ASSERT_TRUE(cache_->Insert(k, data.data(), data.size(), {}, nullptr).ok());
  Lease l;
  ASSERT_TRUE(cache_->Lookup(k, &l).ok());
  EXPECT_EQ(l.residence(), Residence::kDevice);
  EXPECT_TRUE(l.contiguous());
  EXPECT_EQ(ReadAll(l), data);
  EXPECT_TRUE(cache_->Lookup({k.pool, 7, 100}, &l).IsNotFound());
  EXPECT_FALSE(l.valid());  // a failed lookup leaves no lease
  EXPECT_EQ(cache_->Stats().hits[0], 1u);
  EXPECT_EQ(cache_->Stats().misses, 1u);
}

TEST_P(CacheTest, SpillAndReloadByteExactThroughEveryTier) {
  BlockPool* kv = Add("kv", 64 << 10, 4 * kMiB);
  MemorySpillSink sink;
  OpenCache(EvictionPolicy::kLru, 2 * kMiB, &sink);
  std::uint32_t pool = static_cast<std::uint32_t>(kv->index());
  const int n = 24;  // ~12 MiB through a 4 MiB pool and a 2 MiB host tier
  for (int i = 0; i < n; ++i) {
    std::string d = Bytes(400000 + i * 1000, i);
    EntryOptions eo;
    eo.contiguous = (i % 2) == 0;
    ASSERT_TRUE(cache_->Insert({pool, std::uint64_t(i), 5}, d.data(), d.size(),
                               eo, nullptr).ok()) << i;
  }
  CacheStats st = cache_->Stats();
  EXPECT_GT(st.spill_host_bytes, 0u);
  EXPECT_GT(st.spill_store_bytes, 0u);
  EXPECT_GT(sink.size(), 0u);
  int tiers[3] = {0, 0, 0};
  for (int i = 0; i < n; ++i) {
    Lease l;
    ASSERT_TRUE(cache_->Lookup({pool, std::uint64_t(i), 5}, &l).ok()) << i;
    ++tiers[static_cast<int>(l.residence())];
    EXPECT_EQ(ReadAll(l), Bytes(400000 + i * 1000, i)) << i;
  }
  EXPECT_GT(tiers[1] + tiers[2], 0);
  EXPECT_GT(tiers[2], 0);
}

TEST_P(CacheTest, RebuildableEntriesAreDropped) {
  BlockPool* vista = Add("vista", 1 * kMiB, 2 * kMiB);
  OpenCache(EvictionPolicy::kLru, 64 * kMiB, nullptr);
  std::uint32_t pool = static_cast<std::uint32_t>(vista->index());
  EntryOptions eo;
  eo.durability = Durability::kRebuildable;
  std::string d = Bytes(kMiB, 3);
  for (std::uint64_t i = 0; i < 5; ++i) {
    ASSERT_TRUE(cache_->Insert({pool, i, 0}, d.data(), d.size(), eo, nullptr).ok());
  }
  Lease l;
  EXPECT_TRUE(cache_->Lookup({pool, 0, 0}, &l).IsNotFound());
  EXPECT_EQ(cache_->Stats().drops, 3u);
  EXPECT_EQ(cache_->Stats().host_tier_entries, 0u);
}

TEST_P(CacheTest, PinnedEntriesAreNeverEvicted) {
  BlockPool* kv = Add("kv", 1 * kMiB, 2 * kMiB);
  OpenCache(EvictionPolicy::kLru, 64 * kMiB, nullptr);
  std::uint32_t pool = static_cast<std::uint32_t>(kv->index());
  std::string d = Bytes(kMiB, 4);
  Lease a, b;
  ASSERT_TRUE(cache_->Insert({pool, 1, 0}, d.data(), d.size(), {}, &a).ok());
  ASSERT_TRUE(cache_->Insert({pool, 2, 0}, d.data(), d.size(), {}, &b).ok());
  Status s = cache_->Insert({pool, 3, 0}, d.data(), d.size(), {}, nullptr);
  EXPECT_TRUE(s.IsResourceExhausted()) << s.ToString();
  EXPECT_EQ(ReadAll(a), d);
  a.Release();
  ASSERT_TRUE(cache_->Insert({pool, 3, 0}, d.data(), d.size(), {}, nullptr).ok());
  EXPECT_FALSE(cache_->Resident({pool, 1, 0}));
  EXPECT_TRUE(cache_->Resident({pool, 2, 0}));
}

TEST_P(CacheTest, GenerationsMakeStaleRefsFail) {
  BlockPool* kv = Add("kv", 1 * kMiB, 1 * kMiB);
  OpenCache(EvictionPolicy::kLru, 0, nullptr);
  std::uint32_t pool = static_cast<std::uint32_t>(kv->index());
  std::string d = Bytes(kMiB, 5);
  Lease l;
  ASSERT_TRUE(cache_->Insert({pool, 1, 0}, d.data(), d.size(), {}, &l).ok());
  EntryRef ref = l.ref();
  Lease again;
  ASSERT_TRUE(cache_->Pin(ref, &again).ok());
  again.Release();
  ASSERT_TRUE(cache_->Erase({pool, 1, 0}).ok());  // pinned: deferred free
  EXPECT_EQ(ReadAll(l), d);
  EXPECT_TRUE(cache_->Pin(ref, &again).IsNotFound());
  l.Release();
  ASSERT_TRUE(cache_->Insert({pool, 2, 0}, d.data(), d.size(), {}, &l).ok());
  EXPECT_EQ(l.ref().slot, ref.slot);  // slot reused, generation differs
  EXPECT_TRUE(cache_->Pin(ref, &again).IsNotFound());
}

// Drop removes the pools' and the host tier's copies but keeps the sink's
// (the owner replaced the bytes there); Erase removes the sink's too.
TEST_P(CacheTest, DropKeepsTheSinkCopyEraseDoesNot) {
  BlockPool* kv = Add("kv", 64 << 10, 0);
  MemorySpillSink sink;
  OpenCache(EvictionPolicy::kLru, kMiB, &sink);
  std::uint32_t pool = static_cast<std::uint32_t>(kv->index());
  CacheKey k{pool, 3, 0};
  std::string spill_key = EncodeSpillKey("kv", k.id, k.content_hash);
  std::string stale = Bytes(100000, 1), fresh = Bytes(90000, 2);
  Lease l;
  ASSERT_TRUE(cache_->Insert(k, stale.data(), stale.size(), {}, &l).ok());
  ASSERT_TRUE(sink.Put(spill_key, fresh).ok());  // the owner's new bytes
  cache_->Drop(k);
  EXPECT_FALSE(cache_->Resident(k));
  EXPECT_EQ(ReadAll(l), stale);  // pinned: freed at the release
  l.Release();
  ASSERT_TRUE(cache_->Lookup(k, &l).ok());
  EXPECT_EQ(l.residence(), Residence::kStore);
  EXPECT_EQ(ReadAll(l), fresh);
  l.Release();
  ASSERT_TRUE(cache_->Erase(k).ok());
  std::string left;
  EXPECT_TRUE(sink.Get(spill_key, &left).IsNotFound());
  EXPECT_TRUE(cache_->Lookup(k, &l).IsNotFound());
}

TEST_P(CacheTest, AllocatePublishAndDLPackFeed) {
  BlockPool* vista = Add("vista", 64 << 10, 0);
  OpenCache(EvictionPolicy::kLru, 0, nullptr);
  std::uint32_t pool = static_cast<std::uint32_t>(vista->index());
  Lease w;
  ASSERT_TRUE(cache_->Allocate({pool, 1, 0}, 256 * 256, {}, &w).ok());
  Lease r;
  EXPECT_TRUE(cache_->Lookup({pool, 1, 0}, &r).IsBusy());
  std::string px = Bytes(256 * 256, 6);
  Status written = cache_->Write(w, 0, px.data(), px.size());
  ASSERT_TRUE(written.ok()) << written.ToString();
  ASSERT_TRUE(cache_->Publish(w).ok());
  ASSERT_TRUE(cache_->Lookup({pool, 1, 0}, &r).ok());
  EXPECT_EQ(r.data(), w.data());
}

TEST_P(CacheTest, EnforceBudgetEvictsUnpinnedOnly) {
  BlockPool* kv = Add("kv", 2 * kMiB, 0);
  OpenCache(EvictionPolicy::kLru, 64 * kMiB, nullptr);
  std::uint32_t pool = static_cast<std::uint32_t>(kv->index());
  std::string d = Bytes(2 * kMiB, 7);
  std::vector<Lease> pins(3);
  for (std::uint64_t i = 0; i < 8; ++i) {
    ASSERT_TRUE(cache_->Insert({pool, i, 0}, d.data(), d.size(), {},
                               i < 3 ? &pins[i] : nullptr).ok());
  }
  ASSERT_TRUE(chunk_pool_->SetBudget(4 * kMiB).ok());
  ASSERT_TRUE(cache_->EnforceBudget().ok());
  EXPECT_EQ(chunk_pool_->pending_shrink_chunks(), 1u);  // 3 pinned chunks > 2
  for (auto& l : pins) EXPECT_EQ(ReadAll(l), d);
  pins.clear();
  ASSERT_TRUE(cache_->EnforceBudget().ok());
  EXPECT_EQ(chunk_pool_->pending_shrink_chunks(), 0u);
}

TEST_P(CacheTest, ElasticEvictionAcrossPools) {
  BlockPool* vista = Add("vista", 2 * kMiB, 0);
  BlockPool* kv = Add("kv", 2 * kMiB, 0);
  OpenCache(EvictionPolicy::kLru, 64 * kMiB, nullptr);
  std::string d = Bytes(2 * kMiB, 8);
  auto vp = static_cast<std::uint32_t>(vista->index());
  auto kp = static_cast<std::uint32_t>(kv->index());
  for (std::uint64_t i = 0; i < 8; ++i) {  // vista takes the whole budget
    ASSERT_TRUE(cache_->Insert({vp, i, 0}, d.data(), d.size(), {}, nullptr).ok());
  }
  for (std::uint64_t i = 0; i < 3; ++i) {  // kv is under its share: vista gives
    ASSERT_TRUE(cache_->Insert({kp, i, 0}, d.data(), d.size(), {}, nullptr).ok());
  }
  EXPECT_EQ(kv->mapped_chunks(), 3u);
  EXPECT_EQ(vista->mapped_chunks(), 5u);
}

TEST_P(CacheTest, ConcurrentLeasesFromFourThreads) {
  BlockPool* kv = Add("kv", 64 << 10, 8 * kMiB);
  OpenCache(EvictionPolicy::kS3Fifo, 4 * kMiB, nullptr);
  auto pool = static_cast<std::uint32_t>(kv->index());
  std::atomic<int> bad{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int i = 0; i < 400; ++i) {
        std::uint64_t id = rng() % 64;
        std::string d = Bytes(100000 + id * 100, id);
        Lease l;
        Status s = cache_->Lookup({pool, id, 1}, &l);
        if (s.IsNotFound() || s.IsBusy()) {
          s = cache_->Insert({pool, id, 1}, d.data(), d.size(), {}, &l);
        }
        if (!s.ok()) continue;  // everything pinned at that moment
        std::string got(l.size(), '\0');
        if (!cache_->Read(l, 0, got.data(), got.size()).ok() || got != d) ++bad;
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(cache_->Stats().pinned, 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, CacheTest, MNEMO_GPU_BACKENDS,
                         test::KindParamName);

}  // namespace
}  // namespace mnemo::gpu
