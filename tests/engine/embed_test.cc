// Copyright (c) mnemo authors.
//
// The encoder feed (mnemo/embedder.h) on a real store with the host cache
// backend: texts embedded behind ingest and found by vector search, the
// host's own embeddings kept, pages embedded from the vista pool (the
// embedder sees the page's decoded pixels) and re-embedded when masked or
// decayed, the queue surviving a reopen, errors retried and refusals
// counted, the model pinned to the store, no call after Close, Puts
// racing the feed (TSAN), and updated texts embedded again (the host's
// vectors kept).

#include <cstdlib>
#include <cstring>
#include <set>
#include <thread>

#include "embed_test_util.h"
#include "mnemo/admin.h"
#include "mnemo/codec/png.h"
#include "store_test_util.h"

namespace mnemo::test {
namespace {

const char* const kWords[] = {
    "apple", "river", "stone", "cloud", "lamp",  "violin", "harbor", "maple",
    "copper", "garden", "pilot", "desert", "marble", "window", "falcon",
    "candle", "orbit",  "meadow", "ticket", "anchor", "silver", "forest",
    "bridge", "pepper", "rocket", "lantern", "walnut", "glacier", "velvet",
    "compass", "thunder", "saddle", "ribbon", "canyon", "piano", "quartz",
    "tunnel", "ember", "harvest", "summit"};
constexpr size_t kNumWords = sizeof(kWords) / sizeof(kWords[0]);

// A sentence of its own for record i (words differ between records).
std::string Sentence(int i, int repeat = 1) {
  std::string s = "note" + std::to_string(i);
  for (int k = 0; k < 6; ++k) {
    s += std::string(" ") + kWords[(i * (2 * k + 3) + k * 11) % kNumWords];
  }
  std::string out = s;
  for (int r = 1; r < repeat; ++r) out += ". " + s;
  return out;
}

class EmbedTest : public StoreTest {
 protected:
  void SetUp() override {
    options_.cache.enabled = true;
    // Host backend by default; MNEMO_TEST_USE_GPU=1 runs the same tests on
    // the CUDA one (the test embedder reads leases through their cache).
    const char* gpu = std::getenv("MNEMO_TEST_USE_GPU");
    options_.cache.use_gpu = gpu != nullptr && std::string(gpu) == "1";
    options_.cache.budget_bytes = 16 << 20;
    options_.cache.host_tier_bytes = 1 << 20;
    options_.embedder = embedder_;
    StoreTest::SetUp();
  }
  void Close() {
    store_.reset();
    embedder_->MarkClosed();
  }
  void Flush() {
    Status s = FlushEmbeddings(store_.get());
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  EmbedStats Stats() {
    StoreStats stats;
    EXPECT_TRUE(GetStats(store_.get(), &stats).ok());
    return stats.embed;
  }
  SearchResult VectorQuery(const std::string& text, std::vector<float> v = {},
                           size_t k = 10) {
    SearchOptions options;
    options.filter.tenant = "t1";
    options.mode = SearchMode::kVector;
    options.query = text;
    options.vector.vector = std::move(v);
    options.k = k;
    SearchResult result;
    Status s = store_->Search(options, &result);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return result;
  }
  // Puts n records of agent "a", 20 days old (compaction puts them on pages).
  std::vector<RecordId> PutOld(int n, int repeat = 1) {
    std::vector<RecordId> ids;
    for (int i = 0; i < n; ++i) {
      ids.push_back(PutText("a", "s", Sentence(i, repeat),
                            kJan2024 - 20 * kDay + i * kSecond));
    }
    return ids;
  }
  // Compacts at `now` and returns the records of agent "a" by page.
  std::map<uint64_t, std::set<RecordId>> CompactAt(Micros now,
                                                   bool forget = false) {
    CompactOptions options;
    options.now = now;
    options.policy.forget_text_when_decayed = forget;
    Status s = store_->Compact(options, nullptr);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return RecordsByPage();
  }
  std::map<uint64_t, std::set<RecordId>> RecordsByPage() {
    ScanOptions scan;
    scan.tenant = "t1";
    scan.agent = "a";
    scan.limit = 10000;
    ScanResult result;
    EXPECT_TRUE(store_->Scan(ReadOptions(), scan, &result).ok());
    std::map<uint64_t, std::set<RecordId>> by_page;
    for (const Record& r : result.records) {
      if (r.page.valid()) by_page[r.page.page_id].insert(r.id);
    }
    return by_page;
  }
  size_t PageCount() {
    std::vector<PageInfo> pages;
    EXPECT_TRUE(store_->ListPages(ReadOptions(), "t1", "a", &pages).ok());
    return pages.size();
  }
  std::vector<float> PageVector(uint64_t page_id) {
    std::string bytes;
    Status s = store_->cache()->GetKv("t1", page_id,
                                      "embedding:" + embedder_->name(), &bytes);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::vector<float> v(bytes.size() / sizeof(float));
    std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
    return v;
  }
  // The first |records| hits of a query equal to the page's vector are
  // exactly the page's records.
  void ExpectPageRanksFirst(uint64_t page_id, const std::set<RecordId>& records) {
    SearchResult result = VectorQuery("", PageVector(page_id), records.size());
    std::set<RecordId> top;
    for (const SearchHit& h : result.hits) top.insert(h.id);
    EXPECT_EQ(top, records) << "page " << page_id;
  }

  std::shared_ptr<TestEmbedder> embedder_ = std::make_shared<TestEmbedder>();
};

TEST_F(EmbedTest, TextsAreEmbeddedAndFoundByVectorSearch) {
  std::vector<RecordId> ids;
  for (int i = 0; i < 50; ++i) ids.push_back(PutText("a", "s", Sentence(i)));
  Flush();
  EmbedStats stats = Stats();
  EXPECT_EQ(stats.model, "bow-grid-v1");
  EXPECT_EQ(stats.dimension, 32u);
  EXPECT_EQ(stats.texts_embedded, 50u);
  EXPECT_EQ(stats.texts_pending, 0u);
  EXPECT_EQ(stats.failed, 0u);
  for (int i : {0, 17, 49}) {
    SearchResult by_text = VectorQuery(Sentence(i));  // the store embeds it
    ASSERT_FALSE(by_text.hits.empty());
    EXPECT_EQ(by_text.hits[0].id, ids[i]);
    EXPECT_NEAR(by_text.hits[0].score, 1.0, 1e-5);
    std::vector<float> v(32);
    TestEmbedder::TextVector(Sentence(i), 32, v.data());
    SearchResult by_vector = VectorQuery("", v);
    ASSERT_FALSE(by_vector.hits.empty());
    EXPECT_EQ(by_vector.hits[0].id, ids[i]);
  }
  SearchOptions hybrid;
  hybrid.filter.tenant = "t1";
  hybrid.mode = SearchMode::kHybrid;
  hybrid.query = Sentence(3);
  SearchResult result;
  ASSERT_TRUE(store_->Search(hybrid, &result).ok());
  ASSERT_FALSE(result.hits.empty());
  EXPECT_EQ(result.hits[0].id, ids[3]);
}

TEST_F(EmbedTest, TheBackgroundFeedCatchesUpWithoutAFlush) {
  for (int i = 0; i < 20; ++i) PutText("a", "s", Sentence(i));
  // A generous wall-clock wait: sanitizer builds on a loaded machine are slow.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (Stats().texts_embedded < 20 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_EQ(Stats().texts_embedded, 20u);
  EXPECT_EQ(Stats().texts_pending, 0u);
}

TEST_F(EmbedTest, TheHostsOwnEmbeddingWins) {
  embedder_->FailNext(1 << 30);  // the feed gets nowhere meanwhile
  RecordId id = PutText("a", "s", Sentence(1));
  std::vector<float> host(32, 0.0f);
  host[5] = 1.0f;  // nothing like the bag of words of Sentence(1)
  EmbeddingRef ref;
  ref.data = host.data();
  ref.dim = host.size();
  ASSERT_TRUE(store_->PutEmbedding(WriteOptions(), "t1", id, ref).ok());
  PutText("a", "s", Sentence(2));
  embedder_->FailNext(0);
  Flush();
  SearchResult result = VectorQuery("", host);
  ASSERT_FALSE(result.hits.empty());
  EXPECT_EQ(result.hits[0].id, id);
  EXPECT_NEAR(result.hits[0].score, 1.0, 1e-6);
  EXPECT_EQ(Stats().texts_embedded, 1u);  // Sentence(2); 1 was the host's
  for (const std::string& t : embedder_->texts_seen()) {
    EXPECT_NE(t, Sentence(1));
  }
}

// The record `id` ranks first, score 1, for the embedding of `text`.
#define EXPECT_VECTOR_OF(record, text)                               \
  do {                                                               \
    std::vector<float> v(32);                                        \
    TestEmbedder::TextVector(text, 32, v.data());                    \
    SearchResult r = VectorQuery("", v);                             \
    ASSERT_FALSE(r.hits.empty());                                    \
    EXPECT_EQ(r.hits[0].id, record);                                 \
    EXPECT_NEAR(r.hits[0].score, 1.0, 1e-5);                         \
  } while (0)

RecordUpdate NewText(const std::string& text) {
  RecordUpdate update;
  update.text = text;
  return update;
}

TEST_F(EmbedTest, AnUpdatedTextIsEmbeddedAgain) {
  RecordId id = PutText("a", "s", Sentence(1));
  RecordId twin = PutText("a", "s", Sentence(1));  // keeps the old text
  for (int i = 2; i < 6; ++i) PutText("a", "s", Sentence(i));
  Flush();
  embedder_->FailNext(1 << 30);  // the background feed waits meanwhile
  ASSERT_TRUE(
      store_->Update(WriteOptions(), "t1", id, NewText(Sentence(7)), nullptr)
          .ok());
  EXPECT_EQ(Stats().texts_pending, 1u);  // queued with the Update
  embedder_->FailNext(0);
  Flush();
  EXPECT_EQ(Stats().texts_pending, 0u);
  EXPECT_VECTOR_OF(id, Sentence(7));
  EXPECT_VECTOR_OF(twin, Sentence(1));  // id's stale vector is gone
  // A change that keeps the text keeps the vector (no second embedding).
  size_t seen = embedder_->texts_seen().size();
  RecordUpdate importance;
  importance.importance = 0.9f;
  ASSERT_TRUE(
      store_->Update(WriteOptions(), "t1", id, importance, nullptr).ok());
  Flush();
  EXPECT_EQ(embedder_->texts_seen().size(), seen);
  EXPECT_VECTOR_OF(id, Sentence(7));
}

TEST_F(EmbedTest, AnUpdateDuringItsEmbeddingIsEmbeddedAgain) {
  RecordId id = PutText("a", "s", Sentence(1));
  embedder_->SetDelay(std::chrono::milliseconds(300));
  std::thread flush([&] { Flush(); });
  // Lands while the embedder works on the old text (or, on a slow
  // machine, after its vector: both must end with the new text's).
  for (int i = 0; i < 2000 && embedder_->calls() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(
      store_->Update(WriteOptions(), "t1", id, NewText(Sentence(7)), nullptr)
          .ok());
  flush.join();
  embedder_->SetDelay(std::chrono::milliseconds(0));
  Flush();
  EXPECT_EQ(Stats().texts_pending, 0u);
  EXPECT_VECTOR_OF(id, Sentence(7));
}

TEST_F(EmbedTest, TheHostsVectorSurvivesAnUpdate) {
  RecordId id = PutText("a", "s", Sentence(1));
  std::vector<float> host(32, 0.0f);
  host[5] = 1.0f;
  EmbeddingRef ref;
  ref.data = host.data();
  ref.dim = host.size();
  ASSERT_TRUE(store_->PutEmbedding(WriteOptions(), "t1", id, ref).ok());
  PutText("a", "s", Sentence(2));
  Flush();
  ASSERT_TRUE(
      store_->Update(WriteOptions(), "t1", id, NewText(Sentence(7)), nullptr)
          .ok());
  EXPECT_EQ(Stats().texts_pending, 0u);
  Flush();
  SearchResult result = VectorQuery("", host);
  ASSERT_FALSE(result.hits.empty());
  EXPECT_EQ(result.hits[0].id, id);
  EXPECT_NEAR(result.hits[0].score, 1.0, 1e-6);
  for (const std::string& t : embedder_->texts_seen()) {
    EXPECT_NE(t, Sentence(7));
  }
}

TEST_F(EmbedTest, AQueuedUpdateSurvivesAReopen) {
  RecordId id = PutText("a", "s", Sentence(1));
  PutText("a", "s", Sentence(1));
  Flush();
  embedder_->FailNext(1 << 30);  // nothing gets through before the close
  ASSERT_TRUE(
      store_->Update(WriteOptions(), "t1", id, NewText(Sentence(7)), nullptr)
          .ok());
  Close();
  embedder_ = std::make_shared<TestEmbedder>();
  embedder_->FailNext(1 << 30);
  options_.embedder = embedder_;
  Reopen();
  EXPECT_EQ(Stats().texts_pending, 1u);  // the queue key, from disk
  embedder_->FailNext(0);
  Flush();
  EXPECT_EQ(embedder_->texts_seen(), std::vector<std::string>{Sentence(7)});
  EXPECT_EQ(Stats().texts_pending, 0u);
  EXPECT_VECTOR_OF(id, Sentence(7));
}

TEST_F(EmbedTest, PagesAreEmbeddedFromTheVistaPool) {
  PutOld(240, 5);
  auto by_page = CompactAt(kJan2024);
  ASSERT_GE(by_page.size(), 2u);
  Flush();
  EmbedStats stats = Stats();
  EXPECT_EQ(stats.pages_embedded, PageCount());
  EXPECT_EQ(stats.pages_pending, 0u);
  auto seen = embedder_->pages_seen();
  for (const auto& [page_id, records] : by_page) {
    ASSERT_EQ(seen.count(page_id), 1u) << page_id;
    PageData page;
    ASSERT_TRUE(store_->GetPage(ReadOptions(), "t1", page_id, &page).ok());
    codec::GrayImage image;
    ASSERT_TRUE(codec::DecodePng(page.png, codec::DecodeLimits(), &image).ok());
    const TestEmbedder::SeenPage& got = seen[page_id].back();
    EXPECT_EQ(got.width, image.width);
    EXPECT_EQ(got.height, image.height);
    EXPECT_TRUE(got.pixels == std::string(image.pixels.begin(),
                                          image.pixels.end()));
    std::vector<float> expected(32);
    TestEmbedder::PixelVector(got, 32, expected.data());
    EXPECT_EQ(PageVector(page_id), expected);
    ExpectPageRanksFirst(page_id, records);
  }
}

TEST_F(EmbedTest, MaskedAndDecayedPagesAreEmbeddedAgain) {
  std::vector<RecordId> ids = PutOld(240, 5);
  auto by_page = CompactAt(kJan2024);
  ASSERT_GE(by_page.size(), 2u);
  Flush();
  uint64_t first = by_page.begin()->first;
  std::vector<float> before = PageVector(first);
  RecordId gone = *by_page[first].begin();
  ASSERT_TRUE(store_->Delete(WriteOptions(), "t1", gone).ok());  // masks it
  Flush();
  EXPECT_GE(embedder_->pages_seen()[first].size(), 2u);
  EXPECT_NE(PageVector(first), before);
  by_page[first].erase(gone);
  ExpectPageRanksFirst(first, by_page[first]);

  // Decay (text forgotten): the records are found through their pages only.
  auto decayed = CompactAt(kJan2024 + 200 * kDay, /*forget=*/true);
  ASSERT_EQ(decayed, by_page);
  Flush();
  for (const auto& [page_id, records] : decayed) {
    auto views = embedder_->pages_seen()[page_id];
    ASSERT_GE(views.size(), 2u);
    EXPECT_LT(views.back().width, views.front().width) << "decay shrinks";
    ExpectPageRanksFirst(page_id, records);
  }
  EXPECT_EQ(Stats().pages_pending, 0u);
}

TEST_F(EmbedTest, AReopenResumesTheQueues) {
  embedder_->FailNext(1 << 30);  // nothing gets through before the close
  PutOld(240, 5);
  auto by_page = CompactAt(kJan2024);
  ASSERT_GE(by_page.size(), 2u);
  EmbedStats stats = Stats();
  EXPECT_EQ(stats.texts_pending, 240u);
  size_t pages = PageCount();
  EXPECT_EQ(stats.pages_pending, pages);
  Close();
  embedder_ = std::make_shared<TestEmbedder>();
  options_.embedder = embedder_;
  Reopen();
  EXPECT_EQ(Stats().pages_pending, pages);
  Flush();
  stats = Stats();
  EXPECT_EQ(stats.texts_embedded, 240u);
  EXPECT_EQ(stats.pages_embedded, pages);
  EXPECT_EQ(stats.texts_pending + stats.pages_pending, 0u);
  for (const auto& [page_id, records] : by_page) {
    ExpectPageRanksFirst(page_id, records);
  }
}

TEST_F(EmbedTest, ErrorsAreRetriedAndRefusalsCounted) {
  for (int i = 0; i < 10; ++i) PutText("a", "s", Sentence(i));
  embedder_->FailNext(1 << 30);
  Status s = FlushEmbeddings(store_.get());
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.ToString().find("model server unavailable"), std::string::npos);
  embedder_->FailNext(2);  // FlushEmbeddings retries past these
  Flush();
  EXPECT_EQ(Stats().texts_embedded, 10u);

  embedder_->Refuse("poison");
  RecordId bad = PutText("a", "s", "a poison text");
  for (int i = 10; i < 15; ++i) PutText("a", "s", Sentence(i));
  Flush();
  EmbedStats stats = Stats();
  EXPECT_EQ(stats.failed, 1u);
  EXPECT_EQ(stats.texts_embedded, 15u);
  std::vector<float> poison(32);
  TestEmbedder::TextVector("a poison text", 32, poison.data());
  for (const SearchHit& h : VectorQuery("", poison).hits) {
    EXPECT_NE(h.id, bad);
  }
  // A reopen offers the refused record again.
  embedder_->Refuse("");
  Reopen();
  Flush();
  auto texts = embedder_->texts_seen();
  EXPECT_EQ(texts.back(), "a poison text");
  EXPECT_EQ(VectorQuery("a poison text").hits.at(0).id, bad);
}

TEST_F(EmbedTest, TheStoreKeepsItsModel) {
  PutText("a", "s", Sentence(1));
  Flush();
  store_.reset();
  options_.embedder = std::make_shared<TestEmbedder>("other-model", 32);
  Status s = Store::Open(options_, dir_.Sub("db"), &store_);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.ToString().find("bow-grid-v1"), std::string::npos);
  EXPECT_NE(s.ToString().find("other-model"), std::string::npos);
  options_.embedder = std::make_shared<TestEmbedder>("bow-grid-v1", 64);
  s = Store::Open(options_, dir_.Sub("db"), &store_);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.ToString().find("64"), std::string::npos);
  options_.embedder = nullptr;  // no embedder: opens; no query embedding
  ASSERT_TRUE(Store::Open(options_, dir_.Sub("db"), &store_).ok());
  SearchOptions options;
  options.filter.tenant = "t1";
  options.mode = SearchMode::kVector;
  options.query = "apple";
  SearchResult result;
  EXPECT_TRUE(store_->Search(options, &result).IsInvalidArgument());
  EXPECT_TRUE(FlushEmbeddings(store_.get()).IsFailedPrecondition());
  EXPECT_EQ(Stats().model, "bow-grid-v1");
}

TEST_F(EmbedTest, AnEmbedderNeedsTheCache) {
  store_.reset();
  options_.cache.enabled = false;
  Status s = Store::Open(options_, dir_.Sub("other"), &store_);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.ToString().find("cache"), std::string::npos);
}

TEST_F(EmbedTest, NoEmbedderCallAfterClose) {
  embedder_->SetDelay(std::chrono::milliseconds(20));
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 40; ++i) PutText("a", "s", Sentence(round * 40 + i));
    std::this_thread::sleep_for(std::chrono::milliseconds(150));  // mid-feed
    Close();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(embedder_->calls_after_close(), 0);
    embedder_ = std::make_shared<TestEmbedder>();
    embedder_->SetDelay(std::chrono::milliseconds(20));
    options_.embedder = embedder_;
    Reopen();
  }
  Flush();
  EXPECT_EQ(Stats().texts_pending, 0u);
}

TEST_F(EmbedTest, PutsAndDeletesRaceTheFeed) {
  embedder_->SetDelay(std::chrono::milliseconds(1));
  constexpr int kPerThread = 150;
  std::vector<std::vector<RecordId>> kept(2);
  std::vector<std::thread> writers;
  for (int t = 0; t < 2; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        RecordId id = 0;
        Record r = MakeRecord("t1", "a", "s", Sentence(t * kPerThread + i));
        ASSERT_TRUE(store_->Put(WriteOptions(), r, &id).ok());
        if (i % 3 == 0) {
          ASSERT_TRUE(store_->Delete(WriteOptions(), "t1", id).ok());
        } else {
          kept[t].push_back(id);
        }
      }
    });
  }
  for (auto& w : writers) w.join();
  Flush();
  size_t live = kept[0].size() + kept[1].size();
  // Every live record has its vector and no deleted one got one back.
  SearchResult all = VectorQuery(Sentence(1), {}, live + 10);
  EXPECT_EQ(all.matched, live);
  EXPECT_EQ(all.hits.size(), live);
  EXPECT_EQ(Stats().texts_pending, 0u);
}

}  // namespace
}  // namespace mnemo::test
