// Copyright (c) mnemo authors.
//
// The store's hot cache on the host backend (the GPU one is exercised by
// gpu/device_check.sh): pinned pages hold the decoded PNG, repeated pins
// hit, payloads survive eviction and restarts, tenants stay apart.

#include <cstdlib>
#include <cstring>

#include "mnemo/codec/png.h"
#include "store_test_util.h"

namespace mnemo::test {
namespace {

class CacheTest : public StoreTest {
 protected:
  void SetUp() override {
    options_.cache.enabled = true;
    // The host backend is the oracle; MNEMO_TEST_USE_GPU=1 (set by
    // gpu/device_check.sh) runs the same tests on the CUDA backend.
    const char* gpu = std::getenv("MNEMO_TEST_USE_GPU");
    options_.cache.use_gpu = gpu != nullptr && std::string(gpu) == "1";
    options_.cache.budget_bytes = 8 << 20;  // 4 pages of 2 MiB
    options_.cache.host_tier_bytes = 1 << 20;
    StoreTest::SetUp();
  }
  // Compacts `n` records of agent `agent` onto pages; returns page ids.
  std::vector<uint64_t> MakePages(const std::string& agent, int n,
                                  const std::string& tenant = "t1") {
    for (int i = 0; i < n; ++i) {
      PutText(agent, "s", "line " + std::to_string(i) + " " + std::string(300, 'w'),
              kJan2024 - 20 * kDay + i * kSecond, tenant);
    }
    CompactOptions options;
    options.now = kJan2024;
    EXPECT_TRUE(store_->Compact(options, nullptr).ok());
    std::vector<PageInfo> pages;
    EXPECT_TRUE(store_->ListPages(ReadOptions(), tenant, agent, &pages).ok());
    std::vector<uint64_t> ids;
    for (const auto& p : pages) ids.push_back(p.page_id);
    return ids;
  }
};

TEST_F(CacheTest, PinnedPageHoldsDecodedPixelsAndHitsTheSecondTime) {
  std::vector<uint64_t> ids = MakePages("a", 60);
  ASSERT_FALSE(ids.empty());
  std::vector<PinnedPage> pinned;
  ASSERT_TRUE(store_->cache()->PinPages("t1", {ids[0]}, &pinned).ok());
  ASSERT_EQ(pinned.size(), 1u);
  PageData page;
  ASSERT_TRUE(store_->GetPage(ReadOptions(), "t1", ids[0], &page).ok());
  codec::GrayImage image;
  ASSERT_TRUE(codec::DecodePng(page.png, codec::DecodeLimits(), &image).ok());
  ASSERT_EQ(pinned[0].lease.size(), static_cast<size_t>(image.width) * image.height);
  std::string pixels(pinned[0].lease.size(), '\0');  // device or host memory
  ASSERT_TRUE(pinned[0].lease.cache()->Read(pinned[0].lease, 0, pixels.data(), pixels.size()).ok());
  EXPECT_EQ(std::memcmp(pixels.data(), image.pixels.data(), pixels.size()), 0);
  pinned.clear();
  ASSERT_TRUE(store_->cache()->PinPages("t1", {ids[0]}, &pinned).ok());
  CacheReport report;
  ASSERT_TRUE(store_->cache()->GetReport(&report).ok());
  EXPECT_EQ(report.cache.hits[0], 1u);
  std::printf("cache backend: %s (%s)\n", report.backend.c_str(),
              report.backend_reason.c_str());
  if (!options_.cache.use_gpu) EXPECT_EQ(report.backend, "host");
}

TEST_F(CacheTest, PinRangePinsThePagesOfScannedRecords) {
  std::vector<uint64_t> ids = MakePages("a", 40);
  ScanOptions range;
  range.tenant = "t1";
  range.agent = "a";
  std::vector<PinnedPage> pinned;
  ASSERT_TRUE(store_->cache()->PinRange(range, &pinned).ok());
  EXPECT_EQ(pinned.size(), ids.size());
}

TEST_F(CacheTest, EvictedPagesAreRebuiltFromTheStore) {
  std::vector<uint64_t> ids = MakePages("a", 700);  // more pages than fit
  ASSERT_GE(ids.size(), 5u);
  for (uint64_t id : ids) {
    std::vector<PinnedPage> pinned;
    ASSERT_TRUE(store_->cache()->PinPages("t1", {id}, &pinned).ok());
  }
  std::vector<PinnedPage> again;
  ASSERT_TRUE(
      store_->cache()->PinPages("t1", {ids[0]}, &again).ok());  // rebuilt
  PageData page;
  ASSERT_TRUE(store_->GetPage(ReadOptions(), "t1", ids[0], &page).ok());
  codec::GrayImage image;
  ASSERT_TRUE(codec::DecodePng(page.png, codec::DecodeLimits(), &image).ok());
  std::string pixels(again[0].lease.size(), '\0');
  ASSERT_TRUE(again[0].lease.cache()->Read(again[0].lease, 0, pixels.data(), pixels.size()).ok());
  EXPECT_EQ(std::memcmp(pixels.data(), image.pixels.data(), pixels.size()), 0);
  CacheReport report;
  ASSERT_TRUE(store_->cache()->GetReport(&report).ok());
  EXPECT_GT(report.cache.evictions + report.cache.drops, 0u);
}

TEST_F(CacheTest, PayloadsSurviveEvictionAndRestart) {
  std::vector<uint64_t> ids = MakePages("a", 60);
  std::string embedding(3000, '\0');
  for (size_t i = 0; i < embedding.size(); ++i) embedding[i] = static_cast<char>(i * 7);
  ASSERT_TRUE(
      store_->cache()->PutKv("t1", ids[0], "embedding", embedding).ok());
  Status put = store_->cache()->PutKv("t1", ids[0], "kv:vista-7b",
                                      std::string(5 << 20, 'k'));
  ASSERT_TRUE(put.ok()) << put.ToString();
  std::string out;
  ASSERT_TRUE(store_->cache()->GetKv("t1", ids[0], "embedding", &out).ok());
  EXPECT_EQ(out, embedding);
  Reopen();
  ASSERT_TRUE(store_->cache()->GetKv("t1", ids[0], "embedding", &out).ok());
  EXPECT_EQ(out, embedding);
  ASSERT_TRUE(store_->cache()->GetKv("t1", ids[0], "kv:vista-7b", &out).ok());
  EXPECT_EQ(out, std::string(5 << 20, 'k'));
  EXPECT_TRUE(
      store_->cache()->GetKv("t1", ids[0], "unknown", &out).IsNotFound());
}

// A payload computed from pinned pixels is refused once a record on the
// page is deleted (the pixels it came from held that record's text), and
// nothing of it is served; pinned again, the page takes a new payload.
// Before the fix PutKv stored it and GetKv served it.
TEST_F(CacheTest, PayloadFromPixelsADeleteBlankedIsRefused) {
  std::vector<uint64_t> ids = MakePages("a", 60);
  ASSERT_FALSE(ids.empty());
  std::vector<PinnedPage> pinned;
  ASSERT_TRUE(store_->cache()->PinPages("t1", {ids[0]}, &pinned).ok());
  ASSERT_EQ(pinned.size(), 1u);
  ASSERT_TRUE(
      store_->cache()->PutKv("t1", pinned[0], "vision", "features v1").ok());
  ScanOptions scan;
  scan.tenant = "t1";
  scan.agent = "a";
  scan.limit = 100;
  ScanResult result;
  ASSERT_TRUE(store_->Scan(ReadOptions(), scan, &result).ok());
  RecordId on_page = 0;
  for (const Record& r : result.records) {
    if (r.page.valid() && r.page.page_id == ids[0]) on_page = r.id;
  }
  ASSERT_NE(on_page, 0u);
  ASSERT_TRUE(store_->Delete(WriteOptions(), "t1", on_page).ok());
  Status s = store_->cache()->PutKv("t1", pinned[0], "vision",
                                    "features with the deleted text");
  EXPECT_TRUE(s.IsAborted()) << s.ToString();
  EXPECT_NE(s.message().find("page " + std::to_string(ids[0])), std::string::npos)
      << s.ToString();
  std::string out;
  EXPECT_TRUE(store_->cache()->GetKv("t1", ids[0], "vision", &out).IsNotFound())
      << out;
  pinned.clear();
  ASSERT_TRUE(store_->cache()->PinPages("t1", {ids[0]}, &pinned).ok());
  ASSERT_TRUE(
      store_->cache()->PutKv("t1", pinned[0], "vision", "features v2").ok());
  ASSERT_TRUE(store_->cache()->GetKv("t1", ids[0], "vision", &out).ok());
  EXPECT_EQ(out, "features v2");
}

TEST_F(CacheTest, TenantsCannotPinOrReadEachOthersPages) {
  std::vector<uint64_t> theirs = MakePages("a", 30, "other");
  ASSERT_FALSE(theirs.empty());
  std::vector<PinnedPage> pinned;
  EXPECT_TRUE(
      store_->cache()->PinPages("t1", {theirs[0]}, &pinned).IsNotFound());
  EXPECT_TRUE(pinned.empty());
  EXPECT_TRUE(
      store_->cache()->PutKv("t1", theirs[0], "embedding", "x").IsNotFound());
  ASSERT_TRUE(
      store_->cache()->PutKv("other", theirs[0], "embedding", "secret").ok());
  std::string out;
  EXPECT_TRUE(
      store_->cache()->GetKv("t1", theirs[0], "embedding", &out).IsNotFound());
}

TEST(CacheOffTest, CallsFailWhenTheCacheIsOff) {
  TempDir dir;
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(Options(), dir.Sub("db"), &store).ok());
  std::vector<PinnedPage> pinned;
  EXPECT_TRUE(
      store->cache()->PinPages("t", {1}, &pinned).IsFailedPrecondition());
  CacheReport report;
  EXPECT_TRUE(store->cache()->GetReport(&report).IsFailedPrecondition());
}

}  // namespace
}  // namespace mnemo::test
