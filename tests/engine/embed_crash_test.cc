// Copyright (c) mnemo authors.
//
// The encoder feed survives SIGKILL: a child (embed_crash_writer) writes,
// deletes and compacts with a slow embedder registered, and is killed at
// random moments, mid-feed. After each kill the store reopens with the
// embedder and FlushEmbeddings leaves nothing pending, every page's
// payload is the vector of its pixels as they are now (no stale one from
// before a mask), every live record has exactly one vector entry (no
// deleted one got a vector back), and a page's vector ranks its records
// first.

#include <cstring>
#include <random>
#include <set>

#include "embed_test_util.h"
#include "mnemo/admin.h"
#include "mnemo/codec/png.h"
#include "store_test_util.h"

namespace mnemo::test {
namespace {

struct Checked {
  size_t records = 0, pages = 0;
};

std::vector<float> Payload(Store* store, uint64_t page_id) {
  std::string bytes;
  Status s = store->cache()->GetKv("t1", page_id, "embedding:bow-grid-v1", &bytes);
  EXPECT_TRUE(s.ok()) << "page " << page_id << ": " << s.ToString();
  std::vector<float> v(bytes.size() / sizeof(float));
  std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
  return v;
}

// The payload equals the vector of the page's current pixels.
void CheckPage(Store* store, uint64_t page_id, const std::set<RecordId>& live) {
  PageData page;
  ASSERT_TRUE(store->GetPage(ReadOptions(), "t1", page_id, &page).ok());
  codec::GrayImage image;
  ASSERT_TRUE(codec::DecodePng(page.png, codec::DecodeLimits(), &image).ok());
  TestEmbedder::SeenPage seen{image.width, image.height,
                              std::string(image.pixels.begin(), image.pixels.end())};
  std::vector<float> expected(32);
  TestEmbedder::PixelVector(seen, 32, expected.data());
  std::vector<float> payload = Payload(store, page_id);
  ASSERT_EQ(payload, expected) << "page " << page_id;
  SearchOptions q;
  q.filter.tenant = "t1";
  q.mode = SearchMode::kVector;
  q.vector.vector = payload;
  q.k = live.size();
  SearchResult result;
  ASSERT_TRUE(store->Search(q, &result).ok());
  std::set<RecordId> top;
  for (const SearchHit& h : result.hits) top.insert(h.id);
  EXPECT_EQ(top, live) << "page " << page_id;
}

Checked CheckStore(const std::string& db) {
  Options options;
  options.cache.enabled = true;
  options.cache.use_gpu = false;
  options.embedder = std::make_shared<TestEmbedder>();
  std::unique_ptr<Store> store;
  Status s = Store::Open(options, db, &store);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return {};
  s = FlushEmbeddings(store.get());
  EXPECT_TRUE(s.ok()) << s.ToString();
  StoreStats stats;
  EXPECT_TRUE(GetStats(store.get(), &stats).ok());
  EXPECT_EQ(stats.embed.texts_pending, 0u);
  EXPECT_EQ(stats.embed.pages_pending, 0u);
  ScanOptions scan;
  scan.tenant = "t1";
  scan.agent = "a";
  scan.limit = 5000;
  ScanResult all, part;
  do {  // every record, a page of results at a time
    EXPECT_TRUE(store->Scan(ReadOptions(), scan, &part).ok());
    all.records.insert(all.records.end(), part.records.begin(),
                       part.records.end());
    scan.cursor = part.next_cursor;
  } while (!part.next_cursor.empty());
  std::map<uint64_t, std::set<RecordId>> by_page;
  for (const Record& r : all.records) {
    if (r.page.valid()) by_page[r.page.page_id].insert(r.id);
  }
  for (const auto& [page_id, live] : by_page) CheckPage(store.get(), page_id, live);
  SearchOptions q;
  q.filter.tenant = "t1";
  q.mode = SearchMode::kVector;
  q.query = all.records.empty() ? "round" : all.records.back().text;
  q.k = 10;
  SearchResult result;
  EXPECT_TRUE(store->Search(q, &result).ok());
  EXPECT_EQ(result.matched, all.records.size());
  if (!all.records.empty() && !result.hits.empty()) {
    EXPECT_EQ(result.hits[0].id, all.records.back().id);
  }
  return {all.records.size(), by_page.size()};
}

// Texts and pages left queued by the killed child (read-only open).
uint64_t PendingAfterKill(const std::string& db) {
  Options options;
  options.read_only = true;
  std::unique_ptr<Store> store;
  Status s = Store::Open(options, db, &store);
  EXPECT_TRUE(s.ok()) << s.ToString();
  StoreStats stats;
  if (store == nullptr || !GetStats(store.get(), &stats).ok()) return 0;
  return stats.embed.texts_pending + stats.embed.pages_pending;
}

TEST(EmbedCrashTest, AKilledFeedResumesWithNothingStale) {
  TempDir dir;
  std::string db = dir.Sub("db");
  std::mt19937 rng(20261205);
  uint64_t next_round = 0;
  Checked last;
  uint64_t pending = 0;  // so the kills did land mid-feed
  int kills = 0, slow = 1;  // sanitizer builds start the child slowly
  while (kills < 4 || (last.pages == 0 && kills < 12)) {
    KilledChild child = RunAndKill("mnemo_embed_crash_writer",
                                   {db, std::to_string(next_round)},
                                   slow * (200 + rng() % 300));
    ASSERT_TRUE(child.killed) << "writer exited early: " << child.status;
    ++kills;
    if (child.lines.size() < 6 && slow < 16) slow *= 2;  // no compaction yet
    next_round += child.lines.size() + 1;
    // (A child killed before its first round may not have made the store.)
    if (!child.lines.empty()) pending += PendingAfterKill(db);
    last = CheckStore(db);
    if (HasFatalFailure()) return;
  }
  std::printf("after %d kills: %zu records, %zu pages, all embedded; %llu "
              "texts and pages were left queued by the kills\n",
              kills, last.records, last.pages,
              static_cast<unsigned long long>(pending));
  EXPECT_GT(last.pages, 0u);
  EXPECT_GT(pending, 0u);
}

}  // namespace
}  // namespace mnemo::test
