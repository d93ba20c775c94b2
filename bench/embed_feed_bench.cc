// Copyright (c) mnemo authors.
//
// mnemo-embed-feed-bench: what the encoder feed (mnemo/embedder.h) costs
// around the host's model, measured with the deterministic test embedder
// of tests/engine/embed_test_util.h (a hashed bag of words for texts, a
// random projection of 4x4-pixel darkness for pages: cheap, so the figures
// are the feed's own overhead, not a model's):
//   - ingest (PutBatch of 500) with the feed running behind it, against the
//     same ingest into a store without an embedder;
//   - texts/s of FlushEmbeddings, and the share of it spent in the embedder;
//   - pages/s after compaction to pixels (pin from the vista pool, embed,
//     payload + page vector write);
//   - a kVector search that embeds its query text, mean latency.
// Records are LoCoMo turns (../shared/data/locomo10.json next to the
// checkout, replicated) or, without it, the synthetic workload.
//
// Usage: mnemo-embed-feed-bench [--records N] [--synthetic] [--keep DIR]
//   --keep DIR leaves the stores there (DIR/fed has the vectors; e.g.
//   `mnemo stats --db DIR/fed`).

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include <unistd.h>

#include "embed_test_util.h"
#include "mnemo/admin.h"
#include "mnemo/store.h"
#include "mnemo_bench_data.h"

namespace mnemo::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

Status Ingest(Store* store, const Workload& w, double* seconds) {
  auto t0 = Clock::now();
  for (size_t at = 0; at < w.records.size(); at += 500) {
    size_t n = std::min<size_t>(500, w.records.size() - at);
    std::vector<Record> batch(w.records.begin() + at,
                              w.records.begin() + at + n);
    std::vector<RecordId> ids;
    MNEMO_RETURN_IF_ERROR(store->PutBatch(WriteOptions(), batch, &ids));
  }
  *seconds = Seconds(t0);
  return Status::OK();
}

Options StoreOptions(std::shared_ptr<Embedder> embedder) {
  Options o;
  o.cache.enabled = true;
  o.cache.use_gpu = false;
  o.embedder = std::move(embedder);
  return o;
}

Status Run(const Workload& w, const std::string& dir) {
  double plain_s = 0, fed_s = 0;
  for (const char* name : {"/warm", "/plain"}) {  // the first run warms up
    std::unique_ptr<Store> store;
    MNEMO_RETURN_IF_ERROR(Store::Open(StoreOptions(nullptr), dir + name, &store));
    MNEMO_RETURN_IF_ERROR(Ingest(store.get(), w, &plain_s));
  }
  auto embedder = std::make_shared<test::TestEmbedder>();
  std::unique_ptr<Store> store;
  MNEMO_RETURN_IF_ERROR(Store::Open(StoreOptions(embedder), dir + "/fed", &store));
  MNEMO_RETURN_IF_ERROR(Ingest(store.get(), w, &fed_s));
  StoreStats before;
  MNEMO_RETURN_IF_ERROR(GetStats(store.get(), &before));
  auto t0 = Clock::now();
  MNEMO_RETURN_IF_ERROR(FlushEmbeddings(store.get()));
  double flush_s = Seconds(t0);
  StoreStats texts;
  MNEMO_RETURN_IF_ERROR(GetStats(store.get(), &texts));
  std::printf("records        %zu (%s)\n", w.records.size(), w.name.c_str());
  std::printf("ingest         %.0f rec/s without an embedder, %.0f rec/s with "
              "the feed behind it (ratio %.2f); %llu texts embedded meanwhile\n",
              w.records.size() / plain_s, w.records.size() / fed_s,
              plain_s / fed_s,
              static_cast<unsigned long long>(before.embed.texts_embedded));
  uint64_t flushed = texts.embed.texts_embedded - before.embed.texts_embedded;
  std::printf("text flush     %llu texts in %.3f s (%.0f texts/s); %.0f%% of "
              "the feed's time inside the embedder\n",
              static_cast<unsigned long long>(flushed), flush_s,
              flushed / std::max(flush_s, 1e-9),
              100.0 * (texts.embed.embed_seconds - before.embed.embed_seconds) /
                  std::max(flush_s, 1e-9));
  Micros newest = 0;
  for (const Record& r : w.records) newest = std::max(newest, r.event_time);
  CompactOptions compact;
  compact.now = newest + 30 * 86'400'000'000LL;  // everything 30+ days old
  CompactResult result;
  // The background feed would take pages between compaction's passes: held
  // off (its calls fail) so the flush below does every page.
  embedder->FailNext(1 << 30);
  MNEMO_RETURN_IF_ERROR(store->Compact(compact, &result));
  embedder->FailNext(0);
  t0 = Clock::now();
  MNEMO_RETURN_IF_ERROR(FlushEmbeddings(store.get()));
  double pages_s = Seconds(t0);
  StoreStats pages;
  MNEMO_RETURN_IF_ERROR(GetStats(store.get(), &pages));
  uint64_t embedded = pages.embed.pages_embedded - texts.embed.pages_embedded;
  double model_s = pages.embed.embed_seconds - texts.embed.embed_seconds;
  std::printf("page flush     %llu pages in %.3f s (%.1f pages/s, %.1f ms per "
              "page of which %.1f ms in the embedder)\n",
              static_cast<unsigned long long>(embedded), pages_s,
              embedded / std::max(pages_s, 1e-9),
              1e3 * pages_s / std::max<uint64_t>(embedded, 1),
              1e3 * model_s / std::max<uint64_t>(embedded, 1));
  SearchOptions q;
  q.filter.tenant = w.records[0].ns.tenant;
  q.mode = SearchMode::kVector;
  constexpr int kQueries = 50;
  t0 = Clock::now();
  for (int i = 0; i < kQueries; ++i) {
    q.query = w.records[(i * 7919) % w.records.size()].text;
    SearchResult r;
    MNEMO_RETURN_IF_ERROR(store->Search(q, &r));
  }
  std::printf("vector search  %.2f ms per query (query text embedded; %llu "
              "records, %llu pages)\n",
              1e3 * Seconds(t0) / kQueries,
              static_cast<unsigned long long>(pages.records),
              static_cast<unsigned long long>(pages.pages));
  return Status::OK();
}

}  // namespace
}  // namespace mnemo::bench

int main(int argc, char** argv) {
  size_t n = 5000;
  bool synthetic = false;
  std::string keep;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--records" && i + 1 < argc) {
      n = std::stoul(argv[++i]);
    } else if (a == "--synthetic") {
      synthetic = true;
    } else if (a == "--keep" && i + 1 < argc) {
      keep = argv[++i];
    } else {
      std::fprintf(stderr, "usage: mnemo-embed-feed-bench [--records N] "
                           "[--synthetic] [--keep DIR]\n");
      return 2;
    }
  }
  std::string locomo =
      std::string(MNEMO_SOURCE_DIR) + "/../shared/data/locomo10.json";
  if (!synthetic && !std::filesystem::exists(locomo)) {
    std::printf("(no %s: synthetic records)\n", locomo.c_str());
    synthetic = true;
  }
  mnemo::bench::Workload w;
  mnemo::Status s = mnemo::bench::MakeWorkload(synthetic ? "" : locomo, n, &w);
  std::string dir = keep.empty()
                        ? (std::filesystem::temp_directory_path() /
                           ("mnemo-embed-bench-" + std::to_string(::getpid())))
                              .string()
                        : keep;
  if (s.ok()) s = mnemo::bench::Run(w, dir);
  if (keep.empty()) std::filesystem::remove_all(dir);
  if (!s.ok()) {
    std::fprintf(stderr, "mnemo: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
