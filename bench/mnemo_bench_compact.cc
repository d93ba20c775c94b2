// Copyright (c) mnemo authors.
//
// Compaction phases. (1) Ingest during compaction: foreground Puts while a
// thread runs Compact on aged data, against the same Puts on the same store
// with no compaction running (idle windows before and after), as a ratio.
// (2) Compaction per profile: pages/s and MB/s of text of Compact (one
// thread, end to end: age index, zstd warm tier, render, PNG, atomic page
// writes) next to the Python Pillow pipeline fed the same records: the text
// of the pages the compaction wrote, at the same page size and font
// (tests/codec/codec_report's RunPillow), run right after each profile's
// compaction so both see the same machine load. MB/s on both sides count
// the records' text bytes that reached pages (not the headers and legend
// the layout adds, which Pillow draws too).

#include <atomic>
#include <cmath>
#include <ctime>
#include <fstream>
#include <thread>

#include "codec_report.h"
#include "codec_test_util.h"
#include "mnemo/admin.h"
#include "mnemo/codec/profile.h"
#include "mnemo/store.h"
#include "mnemo_bench_phases.h"

namespace mnemo::bench {
namespace {

constexpr Micros kNeverDecay = 100000 * kDayMicros;  // pixels only

bool OpenLoaded(const std::string& dir, const std::vector<Record>& recs, size_t n,
                std::unique_ptr<Store>* store, const Options& options = Options()) {
  if (!Store::Open(options, dir, store).ok()) return false;
  std::vector<RecordId> ids;
  for (size_t i = 0; i < n; i += 256) {
    std::vector<Record> batch(recs.begin() + i, recs.begin() + std::min(n, i + 256));
    if (!(*store)->PutBatch(WriteOptions(), batch, &ids).ok()) return false;
  }
  return true;
}

CompactOptions PixelsNow(const std::string& profile, int threads) {
  CompactOptions o;
  o.policy.pixel_profile = profile;
  o.policy.thresholds.decayed_after = kNeverDecay;
  o.threads = threads;
  return o;
}

// Puts fresh copies of the workload's records (event time now) from
// `threads` threads until *stop; returns the stats of those Puts.
OpStats PutUntil(Store* store, const std::vector<Record>& recs, int threads,
                 const std::function<bool()>& stop, std::atomic<uint64_t>* next) {
  OpStats stats;
  LatencySamples all;
  std::vector<LatencySamples> per(threads);
  std::atomic<bool> failed{false};
  auto work = [&](int t) {
    do {  // at least one Put, so a very short window still has a rate
      Record r = recs[next->fetch_add(1) % recs.size()];
      r.event_time = 0;
      RecordId id;
      const double t0 = NowSeconds();
      if (!store->Put(WriteOptions(), r, &id).ok()) failed = true;
      per[t].Add(NowSeconds() - t0);
    } while (!stop() && !failed);
  };
  const double t0 = NowSeconds();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(work, t);
  for (auto& th : pool) th.join();
  stats.seconds = NowSeconds() - t0;
  for (auto& p : per) all.Merge(p);
  stats.ops = stats.items = all.size();
  all.Summarize(&stats);
  return stats;
}

void MergeInto(const OpStats& a, OpStats* into) {
  const double w = into->ops + a.ops > 0 ? double(a.ops) / (into->ops + a.ops) : 0;
  into->p50_us = into->p50_us * (1 - w) + a.p50_us * w;  // approximate
  into->p95_us = std::max(into->p95_us, a.p95_us);
  into->p99_us = std::max(into->p99_us, a.p99_us);
  into->ops += a.ops;
  into->items += a.items;
  into->seconds += a.seconds;
}

}  // namespace

bool RunIngestDuringCompaction(const BenchConfig& c, const Workload& w,
                               Report* report) {
  const size_t aged = std::min(w.records.size(), c.quick ? size_t{8000} : size_t{60000});
  std::unique_ptr<Store> store;
  if (!OpenLoaded(c.work_dir + "/idc", w.records, aged, &store)) return false;
  std::atomic<uint64_t> next{0};
  const double idle_window = c.quick ? 0.5 : 2.0;
  auto for_seconds = [&](double s) {
    const double end = NowSeconds() + s;
    return [end] { return NowSeconds() >= end; };
  };
  PairStats pair;  // mnemo = during compaction, peer = idle
  MergeInto(PutUntil(store.get(), w.records, c.threads, for_seconds(idle_window), &next),
            &pair.peer);
  std::atomic<bool> done{false};
  CompactResult result;
  Status cs;
  // Paced as background compaction is (Options::compaction_max_duty 0.5):
  // the backpressure that keeps foreground writes close to idle.
  CompactOptions paced = PixelsNow("base", c.threads);
  paced.max_duty = Options().compaction_max_duty;
  std::thread compactor([&] {
    cs = store->Compact(paced, &result);
    done = true;
  });
  pair.mnemo = PutUntil(store.get(), w.records, c.threads, [&] { return done.load(); },
                        &next);
  compactor.join();
  MergeInto(PutUntil(store.get(), w.records, c.threads, for_seconds(idle_window), &next),
            &pair.peer);
  if (!cs.ok()) {
    std::fprintf(stderr, "compact: %s\n", cs.ToString().c_str());
    return false;
  }
  report->AddPair("ingest_during_compaction", "ingest Put during compaction", "idle",
                  pair);
  nlohmann::json& j = report->phase("ingest_during_compaction");
  j["aged_records"] = aged;
  j["compaction"] = {{"seconds", result.seconds}, {"pages_written", result.pages_written},
                     {"records_paged", result.records_paged},
                     {"threads", c.threads},
                     {"how", "Store::Compact on its own thread, max_duty = Options::compaction_max_duty"},
                     {"max_duty", paced.max_duty}};
  j["target_ratio"] = 0.5;
  report->SetHeadline("ingest_during_compaction_vs_idle", pair.ratio());
  return true;
}

namespace {

codec::PillowJob JobFor(const codec::RenderProfile& p, const std::string& text) {
  codec::PillowJob job;
  job.text = text;
  job.font_path = "/usr/share/fonts/truetype/dejavu/" + std::string(p.font);
  job.pixel_size = static_cast<int>(std::lround(p.pixel_size));
  job.width = p.width;
  job.height = p.height;
  job.margin = p.margin_left;
  job.line_height = p.line_height;
  return job;
}

double ProcessCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

struct ProfileRun {
  CompactResult result;
  double cpu_seconds = 0;  // process CPU time of Compact (its RocksDB threads too)
  TierTotals pixels;
  std::vector<std::string> page_texts;  // every page's text (manifest), in order
  std::string page_png;                 // the first page's PNG
};

// The records' full-text postings are ingest's work (the background
// indexer's, search_index_interval_ms after the Puts): a search that may
// index the whole load (search_catch_up_records) does it before the clock
// starts, so Compact meets the records as it does when they come of age,
// long indexed, instead of indexing them on its own thread.
bool IndexLoad(Store* store, const std::string& tenant, size_t n) {
  SearchOptions so;
  so.filter.tenant = tenant;
  so.query = "the";
  SearchResult found;
  StoreStats stats;
  if (!store->Search(so, &found).ok() || !GetStats(store, &stats).ok()) return false;
  if (stats.search_backlog != 0) {
    std::fprintf(stderr, "compaction: %llu of %zu records still unindexed\n",
                 static_cast<unsigned long long>(stats.search_backlog), n);
    return false;
  }
  return true;
}

bool CompactProfile(const BenchConfig& c, const Workload& w, size_t n,
                    const codec::RenderProfile& p, ProfileRun* run) {
  std::unique_ptr<Store> store;
  const std::string dir = c.work_dir + "/compact-" + std::string(p.name);
  Options options;
  options.search_catch_up_records = n;
  options.tokenizer_file = c.tokenizer;  // empty: the calibrated estimate
  if (!OpenLoaded(dir, w.records, n, &store, options) ||
      !IndexLoad(store.get(), w.records[0].ns.tenant, n)) {
    return false;
  }
  const double cpu0 = ProcessCpuSeconds();
  Status s = store->Compact(PixelsNow(std::string(p.name), 1), &run->result);
  run->cpu_seconds = ProcessCpuSeconds() - cpu0;
  const std::string tenant = w.records[0].ns.tenant;
  TierStats stats;
  std::vector<PageInfo> pages;
  PageData page;
  if (!s.ok() || !mnemo::GetTierStats(store.get(), tenant, &stats).ok() ||
      !store->ListPages(ReadOptions(), tenant, "", &pages).ok() ||
      pages.empty() ||
      !store->GetPage(ReadOptions(), tenant, pages[0].page_id, &page).ok()) {
    std::fprintf(stderr, "compact %s: %s\n", std::string(p.name).c_str(),
                 s.ToString().c_str());
    return false;
  }
  run->pixels = stats.tiers[static_cast<int>(Tier::kPixels)];
  run->page_png = std::move(page.png);
  for (const PageInfo& info : pages) {
    if (!store->GetPage(ReadOptions(), tenant, info.page_id, &page).ok())
      return false;
    run->page_texts.push_back(nlohmann::json::parse(page.manifest_json).value("text", ""));
  }
  return true;
}

// The Pillow peer fed the same records: the text of every page the
// compaction wrote (headers, legend and delimiters included, as drawn), or
// of `max_pages` pages spread evenly over them, its time scaled up by page
// text bytes. Both sides are credited with the same bytes (the records'
// text), so the ratio is Pillow's seconds over the compaction's.
struct PillowPeer {
  bool ok = false;
  int pages_run = 0;
  double seconds_all = 0;  // estimated for every page
  double cpu_seconds_all = 0;
  double png_bytes_per_page = 0;
  double page_text_bytes = 0;
};

PillowPeer RunPillowPeer(const codec::RenderProfile& p, const ProfileRun& run, int max_pages,
                         int runs) {
  PillowPeer peer;
  const size_t n = run.page_texts.size();
  const size_t k = std::min<size_t>(n, max_pages);
  std::vector<codec::PillowJob> jobs;
  double sample_bytes = 0;
  for (const std::string& t : run.page_texts) peer.page_text_bytes += t.size();
  for (size_t i = 0; i < k; ++i) {
    const std::string& text = run.page_texts[i * n / k];
    sample_bytes += text.size();
    jobs.push_back(JobFor(p, text));
  }
  std::vector<codec::PillowFigures> out;
  if (jobs.empty() || sample_bytes <= 0 || !codec::RunPillow(jobs, runs, &out)) return peer;
  double seconds = 0, cpu = 0;
  for (const codec::PillowFigures& f : out) {
    seconds += f.seconds;
    cpu += f.cpu_seconds;
    peer.png_bytes_per_page += f.png_bytes / out.size();
  }
  peer.ok = true;
  peer.pages_run = static_cast<int>(k);
  peer.seconds_all = seconds * peer.page_text_bytes / sample_bytes;
  peer.cpu_seconds_all = cpu * peer.page_text_bytes / sample_bytes;
  return peer;
}


// Tesseract CER of a workload page (ids, paths, numbers), -1 when not run.
double PageCer(const std::string& png, const std::string& text, const std::string& dir) {
  if (!codec::test::HaveTesseract() || png.empty()) return -1;
  const std::string path = dir + "/page.png";
  std::ofstream(path, std::ios::binary) << png;
  std::string ocr;
  if (!codec::test::RunTesseract(path, &ocr)) return -1;
  return codec::test::CharacterErrorRate(text, ocr);
}

// Token and byte accounting of the workload's own pages, per profile.
void WorkloadSection(const nlohmann::json& j, const std::string& data, Report* report) {
  std::vector<std::string> lines = {
      "Pages of the " + data + " workload itself (" + std::to_string(j.value("records", 0)) +
          " records; text tokens by " + j.value("tokenizer", std::string("the calibrated-o200k-v1 estimate")) +
          "; last pages of each agent partly "
          "filled; stored text = zstd with the trained dictionary, kept beside the pages):",
      "",
      "| profile | pages | text tok / vision tok | PNG bytes | stored zstd text bytes | PNG / zstd | compaction MB/s | Pillow MB/s | ratio |",
      "|---|---|---|---|---|---|---|---|---|"};
  for (const auto& [name, p] : j["profiles"].items()) {
    char buf[256];
    const double zstd = p.value("stored_text_bytes", 0.0), png = p.value("page_bytes", 0.0);
    const double pillow = p["pillow_text_mb_per_s"].is_number()
                              ? p["pillow_text_mb_per_s"].get<double>() : 0;
    std::snprintf(buf, sizeof(buf), "| %s | %d | %.2f | %.0f | %.0f | %.1fx | %.3f | %.4f | %s |",
                  name.c_str(), p.value("pages", 0), p.value("token_ratio", 0.0), png, zstd,
                  zstd > 0 ? png / zstd : 0, p.value("text_mb_per_s", 0.0), pillow,
                  FormatRatio(pillow > 0 ? p.value("text_mb_per_s", 0.0) / pillow : 0).c_str());
    lines.push_back(buf);
  }
  report->AddSection("Compaction of the workload per profile", lines);
}

}  // namespace

bool RunCompactionPhase(const BenchConfig& c, const Workload& w, Report* report) {
  const size_t n = std::min(w.records.size(), c.quick ? size_t{2500} : size_t{40000});
  const int pillow_pages = c.quick ? 8 : 16, pillow_runs = c.quick ? 1 : 3;
  nlohmann::json& j = report->phase("compaction");
  j["records"] = n;
  if (!c.tokenizer.empty()) j["tokenizer"] = "the tokenizer " + c.tokenizer;
  j["threads"] = 1;
  j["pillow"] = codec::PillowAvailable()
                    ? "python3 Pillow: word wrap + ImageDraw.text + PNG save of the text of "
                      "the pages the compaction wrote (up to " + std::to_string(pillow_pages) +
                      " pages spread over them, time scaled by page text bytes), same page "
                      "size and font, one thread, run right after that profile's compaction"
                    : "not available";
  j["mb_per_s_counts"] = "text bytes of the records that reached pages (both sides)";
  j["search_index"] = "the loaded records are full-text indexed (one search) before each "
                      "profile's clock starts: indexing is ingest's work";
  for (const codec::RenderProfile& p : codec::Profiles()) {
    ProfileRun r;
    if (!CompactProfile(c, w, n, p, &r)) return false;
    const PillowPeer peer = RunPillowPeer(p, r, pillow_pages, pillow_runs);
    const std::string name(p.name);
    const double secs = r.result.seconds > 0 ? r.result.seconds : 1e-9;
    const double mbps = r.pixels.text_bytes / 1e6 / secs;
    const double pillow_mbps = peer.ok ? r.pixels.text_bytes / 1e6 / peer.seconds_all : 0;
    nlohmann::json& pj = j["profiles"][name];
    pj["pages"] = r.result.pages_written;
    pj["pages_per_s"] = r.result.pages_written / secs;
    pj["text_mb_per_s"] = mbps;
    pj["seconds"] = r.result.seconds;
    pj["records_paged"] = r.result.records_paged;
    pj["page_bytes"] = r.result.page_bytes;
    pj["text_bytes"] = r.pixels.text_bytes;
    pj["page_text_bytes"] = peer.page_text_bytes;
    pj["stored_text_bytes"] = r.pixels.stored_text_bytes;
    pj["text_tokens_est"] = r.pixels.text_tokens_est;
    pj["vision_tokens"] = r.pixels.vision_tokens;
    pj["token_ratio"] = r.pixels.vision_tokens ? double(r.pixels.text_tokens_est) /
                                                     r.pixels.vision_tokens : 0.0;
    pj["pillow_text_mb_per_s"] = peer.ok ? nlohmann::json(pillow_mbps) : nullptr;
    pj["pillow_seconds_all_pages"] = peer.ok ? nlohmann::json(peer.seconds_all) : nullptr;
    pj["pillow_pages_run"] = peer.pages_run;
    pj["pillow_png_bytes_per_page"] = peer.ok ? nlohmann::json(peer.png_bytes_per_page) : nullptr;
    pj["ratio_vs_pillow"] = peer.ok ? nlohmann::json(peer.seconds_all / secs) : nullptr;
    // CPU seconds on both sides: what a loaded, shared machine distorts least.
    pj["cpu_seconds"] = r.cpu_seconds;
    pj["pillow_cpu_seconds_all_pages"] = peer.ok ? nlohmann::json(peer.cpu_seconds_all) : nullptr;
    const double cpu_ratio = peer.ok && r.cpu_seconds > 0 ? peer.cpu_seconds_all / r.cpu_seconds : 0;
    pj["ratio_vs_pillow_cpu"] = cpu_ratio > 0 ? nlohmann::json(cpu_ratio) : nullptr;
    report->AddRow({"compaction " + name + " (text)", "MB/s", mbps, peer.ok ? "Pillow" : "-",
                    pillow_mbps, peer.ok ? peer.seconds_all / secs : 0, "", ""});
    if (&p == &codec::DefaultProfile()) {
      report->AddRow({"compaction base (pages)", "pages/s", r.result.pages_written / secs,
                      "-", 0, 0, "", ""});
      report->AddRow({"compaction base (CPU)", "MB/CPU-s", r.pixels.text_bytes / 1e6 / r.cpu_seconds,
                      peer.ok ? "Pillow" : "-",
                      peer.ok ? r.pixels.text_bytes / 1e6 / peer.cpu_seconds_all : 0, cpu_ratio,
                      "", ""});
      if (peer.ok) report->SetHeadline("render_vs_pillow", peer.seconds_all / secs);
      const double cer = (c.quick && c.records < 1000) || r.page_texts.empty()
                             ? -1 : PageCer(r.page_png, r.page_texts[0], c.work_dir);
      j["workload_page_cer_base"] = cer < 0 ? nlohmann::json(nullptr) : nlohmann::json(cer);
    }
  }
  WorkloadSection(j, w.name, report);
  return true;
}

}  // namespace mnemo::bench
