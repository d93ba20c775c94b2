// Copyright (c) mnemo authors.

#include "demo_stages.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "cli_util.h"
#include "mnemo/admin.h"

namespace mnemo::cli {
namespace {

void PrintTiers(const TierStats& stats) {
  std::printf("  %-8s %8s %11s %6s %10s %12s %11s\n", "tier", "records", "text", "pages",
              "png", "text tokens", "vision tok");
  for (Tier t : {Tier::kHot, Tier::kWarm, Tier::kPixels, Tier::kDecayed}) {
    const TierTotals& x = stats.tiers[static_cast<int>(t)];
    std::printf("  %-8s %8llu %11s %6llu %10s %12llu %11llu\n", TierName(t),
                (unsigned long long)x.records, FormatBytes(x.text_bytes).c_str(),
                (unsigned long long)x.pages, FormatBytes(x.page_bytes).c_str(),
                (unsigned long long)x.text_tokens_est, (unsigned long long)x.vision_tokens);
  }
  uint64_t text = stats.text_tokens(), context = stats.context_tokens();
  std::printf("  an agent reading all of it pays %llu tokens instead of %llu as text "
              "(%.1fx fewer; text tokens: %s)\n",
              (unsigned long long)context, (unsigned long long)text,
              context ? static_cast<double>(text) / context : 0.0,
              stats.text_token_counter.c_str());
}

bool WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

}  // namespace

int DemoCompact(Store* store, const std::vector<Record>& input) {
  if (input.empty()) return kExitOk;
  Micros first = input[0].event_time, last = first;
  for (const Record& r : input) {
    first = std::min(first, r.event_time);
    last = std::max(last, r.event_time);
  }
  Micros span = std::max<Micros>(last - first, kHour);
  CompactOptions options;
  options.now = last + span / 20;
  options.policy.thresholds = {span / 10, span / 3, span * 7 / 10};
  options.threads = 2;
  std::printf("\n== compaction: clock set to the last record + %.1f h; tiers at "
              "%.1f h (warm), %.1f h (pixels), %.1f h (decayed) of effective age\n",
              span / 20 / 3.6e9, span / 10 / 3.6e9, span / 3 / 3.6e9, span * 7 / 10 / 3.6e9);
  CompactResult result;
  Status s = store->Compact(options, &result);
  if (!s.ok()) return FailRuntime(s);
  std::printf("  %llu records -> warm, %llu onto %llu pages (%s PNG), %llu decayed, "
              "in %.2f s (%.1f pages/s)\n",
              (unsigned long long)result.records_warmed,
              (unsigned long long)result.records_paged,
              (unsigned long long)result.pages_written,
              FormatBytes(result.page_bytes).c_str(),
              (unsigned long long)result.records_decayed, result.seconds,
              result.pages_per_second);
  TierStats stats;
  s = mnemo::GetTierStats(store, "", &stats);
  if (!s.ok()) return FailRuntime(s);
  PrintTiers(stats);
  CompactResult again;
  s = store->Compact(options, &again);
  if (!s.ok()) return FailRuntime(s);
  std::printf("  a second run changes nothing: %s\n", again.changed() ? "NO" : "yes");
  return kExitOk;
}

int DemoWritePages(Store* store, const std::string& tenant, const std::string& out_dir,
                   int count) {
  std::vector<PageInfo> pages;
  Status s = store->ListPages(ReadOptions(), tenant, "", &pages);
  if (!s.ok()) return FailRuntime(s);
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return Fail(kExitRuntime, "cannot create " + out_dir + ": " + ec.message());
  std::printf("\n== pages (a VLM reads each for its vision tokens):\n");
  for (int i = 0; i < count && i < static_cast<int>(pages.size()); ++i) {
    PageData page;
    s = store->GetPage(ReadOptions(), tenant, pages[i].page_id, &page);
    if (!s.ok()) return FailRuntime(s);
    std::string base = out_dir + "/page-" + std::to_string(pages[i].page_id);
    if (!WriteBytes(base + ".png", page.png) ||
        !WriteBytes(base + ".json", page.manifest_json + "\n")) {
      return Fail(kExitRuntime, "cannot write " + base + ".png");
    }
    std::printf("  %s.png  %s/%s  %s %s %dx%d  %d vision tokens  %u records\n",
                base.c_str(), page.info.ns.agent.c_str(), page.info.ns.session.c_str(),
                TierName(page.info.tier), page.info.profile.c_str(), page.info.width,
                page.info.height, page.info.vision_tokens, page.info.live_records);
  }
  return kExitOk;
}

int DemoHotCache(std::unique_ptr<Store>* store, const std::string& db,
                 const std::string& tenant) {
  std::vector<PageInfo> pages;
  Status s = (*store)->ListPages(ReadOptions(), tenant, "", &pages);
  if (!s.ok()) return FailRuntime(s);
  if (pages.empty()) return kExitOk;
  store->reset();
  Options options;
  ApplyGlobalOptions(&options);
  options.cache.enabled = true;
  options.cache.budget_bytes = 64 << 20;
  s = Store::Open(options, db, store);
  if (!s.ok()) return FailRuntime(s);
  std::vector<uint64_t> ids;
  for (const auto& p : pages) ids.push_back(p.page_id);
  auto started = std::chrono::steady_clock::now();
  std::vector<PinnedPage> pinned;
  s = (*store)->cache()->PinPages(tenant, ids, &pinned);  // decode + upload
  auto cold = std::chrono::steady_clock::now() - started;
  pinned.clear();
  started = std::chrono::steady_clock::now();
  if (s.ok()) s = (*store)->cache()->PinPages(tenant, ids, &pinned);  // cached
  auto warm = std::chrono::steady_clock::now() - started;
  std::string embedding(768 * 4, '\x01'), back;
  if (s.ok())
    s = (*store)->cache()->PutKv(tenant, ids[0], "embedding", embedding);
  if (s.ok()) s = (*store)->cache()->GetKv(tenant, ids[0], "embedding", &back);
  if (s.ok() && back != embedding) s = Status::Corruption("payload differs");
  CacheReport report;
  if (s.ok()) s = (*store)->cache()->GetReport(&report);
  if (!s.ok()) return FailRuntime(s);
  std::printf("\n== hot cache (backend %s%s%s)\n", report.backend.c_str(),
              report.backend_reason.empty() ? "" : ": ", report.backend_reason.c_str());
  std::printf("  pinned %zu pages: first pass %s (decode PNG + copy into the vista pool), "
              "second pass %s (cache hits)\n",
              pinned.size(), FormatDuration(cold).c_str(), FormatDuration(warm).c_str());
  std::printf("  payload 'embedding' (%zu bytes) stored for page %llu and read back\n",
              embedding.size(), (unsigned long long)ids[0]);
  std::printf("  device hit ratio %.2f\n", report.cache.hit_ratio(gpu::Residence::kDevice));
  std::printf("%s%s", report.pools.ToString().c_str(), report.cache.ToString().c_str());
  pinned.clear();  // leases go before the store closes
  return kExitOk;
}

}  // namespace mnemo::cli
