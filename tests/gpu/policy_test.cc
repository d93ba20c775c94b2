// Copyright (c) mnemo authors.
//
// Eviction order per policy, observed through the order in which victims
// reach the spill sink (host tier off), plus the feed over a batch.

#include <dlpack/dlpack.h>

#include <tuple>

#include <gtest/gtest.h>
#include <mnemo/gpu/feed.h>
#include <mnemo/gpu/hot_cache.h>

#include "backend_env.h"

namespace mnemo::gpu {
namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

class OrderSink final : public SpillSink {
 public:
  Status Put(std::string_view key, std::string_view) override {
    std::uint64_t id = 0;
    for (std::size_t i = key.size() - 16; i < key.size() - 8; ++i) {
      id = id << 8 | static_cast<unsigned char>(key[i]);
    }
    order.push_back(id);
    return Status::OK();
  }
  Status Get(std::string_view, std::string*) override {
    return Status::NotFound("order sink keeps no bytes");
  }
  Status Erase(std::string_view) override { return Status::OK(); }
  std::vector<std::uint64_t> order;
};

using Param = std::tuple<BackendKind, EvictionPolicy>;

class PolicyTest : public ::testing::TestWithParam<Param> {
 protected:
  void SetUp() override {
    std::string reason;
    auto b = test::MakeBackend(std::get<0>(GetParam()), &reason);
    if (!b) GTEST_SKIP() << reason;
    ChunkPoolOptions po;
    po.budget_bytes = 16 * kMiB;
    po.background_refill = false;
    ASSERT_TRUE(ChunkPool::Open(std::move(b), po, &chunk_pool_).ok());
    BlockPoolOptions o;
    o.name = "kv";
    o.block_bytes = 1 * kMiB;
    o.max_bytes = 4 * kMiB;  // exactly 4 one-block entries
    o.reserve_chunks = 0;
    ASSERT_TRUE(chunk_pool_->AddPool(o, &pool_).ok());
    CacheOptions co;
    co.policy = std::get<1>(GetParam());
    co.host_tier_bytes = 0;
    co.sink = &sink_;
    ASSERT_TRUE(HotCache::Open(chunk_pool_.get(), co, &cache_).ok());
  }
  void TearDown() override {
    cache_.reset();
    chunk_pool_.reset();
  }
  void Put(std::uint64_t id) {
    std::string d(kMiB, static_cast<char>(id));
    ASSERT_TRUE(cache_->Insert({0, id, 0}, d.data(), d.size(), {}, nullptr).ok());
  }
  void Touch(std::uint64_t id) {
    Lease l;
    ASSERT_TRUE(cache_->Lookup({0, id, 0}, &l).ok());
  }
  std::unique_ptr<ChunkPool> chunk_pool_;
  BlockPool* pool_ = nullptr;
  OrderSink sink_;
  std::unique_ptr<HotCache> cache_;
};

TEST_P(PolicyTest, EvictionOrder) {
  for (std::uint64_t id = 1; id <= 4; ++id) Put(id);
  Touch(1);
  Touch(2);
  Put(5);
  Put(6);
  Put(7);
  Put(3);  // back again: a ghost hit for ARC and S3-FIFO
  std::vector<std::uint64_t> want;
  switch (std::get<1>(GetParam())) {
    case EvictionPolicy::kLru: want = {3, 4, 1, 2}; break;
    case EvictionPolicy::kArc: want = {3, 4, 5, 6}; break;
    case EvictionPolicy::kS3Fifo: want = {3, 4, 5, 6}; break;
  }
  EXPECT_EQ(sink_.order, want);
}

TEST_P(PolicyTest, OneHitWondersLeaveFirstUnderS3Fifo) {
  for (std::uint64_t id = 1; id <= 4; ++id) Put(id);
  for (std::uint64_t id = 1; id <= 4; ++id) Touch(id);
  Put(5);
  Put(6);
  std::vector<std::uint64_t> want;
  switch (std::get<1>(GetParam())) {
    case EvictionPolicy::kLru: want = {1, 2}; break;
    case EvictionPolicy::kArc: want = {1, 5}; break;  // T1 holds only 5
    case EvictionPolicy::kS3Fifo: want = {1, 5}; break;
  }
  EXPECT_EQ(sink_.order, want);
}

TEST_P(PolicyTest, BlockTableAndDLPack) {
  Put(1);
  Put(2);
  Lease a, b;
  ASSERT_TRUE(cache_->Lookup({0, 1, 0}, &a).ok());
  ASSERT_TRUE(cache_->Lookup({0, 2, 0}, &b).ok());
  BlockTable table;
  const Lease* leases[] = {&a, &b};
  ASSERT_TRUE(table.Build(leases).ok());
  BlockTableView v = table.view();
  EXPECT_EQ(v.num_entries, 2u);
  EXPECT_EQ(v.num_blocks, 2u);
  EXPECT_EQ(v.block_bytes, kMiB);
  EXPECT_EQ(v.block_ptrs[1], reinterpret_cast<std::uintptr_t>(b.data()));
  EXPECT_EQ(v.entry_ids[1], 2u);
  DLManagedTensor* t = nullptr;
  DLPackOptions o;
  o.shape = {512, 2048};
  ASSERT_TRUE(ExportDLPack(a, o, &t).ok());
  EXPECT_EQ(t->dl_tensor.data, a.data());
  EXPECT_EQ(t->dl_tensor.ndim, 2);
  EXPECT_EQ(t->dl_tensor.device.device_type,
            std::get<0>(GetParam()) == BackendKind::kHost ? kDLCPU : kDLCUDA);
  a.Release();  // the tensor still pins the entry
  Put(3);
  Put(4);
  Put(5);  // must evict 2 (unpinned), never 1
  EXPECT_TRUE(cache_->Resident({0, 1, 0}));
  EXPECT_EQ(cache_->Stats().pinned, 2u);  // b and the tensor
  t->deleter(t);
  EXPECT_EQ(cache_->Stats().pinned, 1u);
}

std::string ParamName(const ::testing::TestParamInfo<Param>& info) {
  return std::string(BackendKindName(std::get<0>(info.param))) + "_" +
         EvictionPolicyName(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(
    Backends, PolicyTest,
    ::testing::Combine(MNEMO_GPU_BACKENDS,
                       ::testing::Values(EvictionPolicy::kLru, EvictionPolicy::kArc,
                                         EvictionPolicy::kS3Fifo)),
    ParamName);

}  // namespace
}  // namespace mnemo::gpu
