// Copyright (c) mnemo authors.
//
// mnemo compact --db DIR [--now RFC3339] [--policy FILE] [--threads N] [--json]
//               [--tenant T] [--agent A]
//
// Runs age-based compaction once (hot -> warm -> pixels -> decayed) and
// prints what moved and the tier table; --json prints one summary object.
// In cluster mode (--cluster) this process takes every agent of the
// cluster (of --tenant / named --agent when given) that no live host owns,
// compacts them (pages written to the cluster first, then each bucket's
// records switched onto them), and releases them when it exits; agents a
// live host owns are left to that host (named on stderr).

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli_util.h"
#include "mnemo/admin.h"
#include "mnemo/cluster.h"

namespace mnemo::cli {
namespace {

struct CompactArgs {
  std::string db, now, policy_file, tenant, agent;
  int threads = 1;
  bool json = false;
};

int LoadPolicy(const std::string& path, CompactionPolicy* policy) {
  std::ifstream in(path);
  if (!in) return Fail(kExitRuntime, "cannot read policy file " + path);
  std::stringstream text;
  text << in.rdbuf();
  Status s = CompactionPolicy::FromJson(text.str(), policy);
  if (!s.ok()) return Fail(kExitRuntime, path + ": " + s.message());
  return kExitOk;
}

nlohmann::json TierJson(const TierStats& stats) {
  nlohmann::json tiers = nlohmann::json::object();
  for (Tier t : {Tier::kHot, Tier::kWarm, Tier::kPixels, Tier::kDecayed}) {
    const TierTotals& x = stats.tiers[static_cast<int>(t)];
    tiers[TierName(t)] = {{"records", x.records},       {"text_bytes", x.text_bytes},
                          {"pages", x.pages},           {"page_bytes", x.page_bytes},
                          {"text_tokens_est", x.text_tokens_est},
                          {"vision_tokens", x.vision_tokens}};
  }
  return tiers;
}

void PrintTable(const CompactResult& r, const TierStats& stats) {
  std::printf("compacted in %.2f s: %llu warmed, %llu onto %llu pages, %llu decayed "
              "(%llu pages), %llu expired, %llu kept as text\n",
              r.seconds, (unsigned long long)r.records_warmed,
              (unsigned long long)r.records_paged, (unsigned long long)r.pages_written,
              (unsigned long long)r.records_decayed, (unsigned long long)r.pages_decayed,
              (unsigned long long)r.records_expired,
              (unsigned long long)r.records_kept_as_text);
  std::printf("%-8s %9s %12s %7s %11s %13s %13s\n", "tier", "records", "text bytes",
              "pages", "page bytes", "text tokens", "vision tok");
  for (Tier t : {Tier::kHot, Tier::kWarm, Tier::kPixels, Tier::kDecayed}) {
    const TierTotals& x = stats.tiers[static_cast<int>(t)];
    std::printf("%-8s %9llu %12llu %7llu %11llu %13llu %13llu\n", TierName(t),
                (unsigned long long)x.records, (unsigned long long)x.text_bytes,
                (unsigned long long)x.pages, (unsigned long long)x.page_bytes,
                (unsigned long long)x.text_tokens_est, (unsigned long long)x.vision_tokens);
  }
  uint64_t text = stats.text_tokens(), context = stats.context_tokens();
  std::printf("reading all memory: %llu tokens instead of %llu as text (%.1fx fewer; "
              "text tokens: %s)\n",
              (unsigned long long)context, (unsigned long long)text,
              context ? static_cast<double>(text) / context : 0.0,
              stats.text_token_counter.c_str());
}

// Expired records held back on corrupt pages: the run did the rest.
void WarnUnmaskable(const CompactResult& r) {
  if (r.pages_unmaskable.empty()) return;
  std::string pages;
  for (uint64_t id : r.pages_unmaskable) {
    pages += (pages.empty() ? "" : ", ") + std::to_string(id);
  }
  std::fprintf(stderr,
               "mnemo: expired records stay (hidden) on unreadable page(s) %s; "
               "run 'mnemo verify --repair', then compact again\n",
               pages.c_str());
}

// Cluster mode: the agents this process compacts are those it takes.
int AcquireClusterAgents(Store* store, const CompactArgs& args) {
  std::vector<ClusterAgent> agents;
  Status s = mnemo::ListClusterAgents(store, args.tenant, &agents);
  if (!s.ok()) return FailRuntime(s.WithContext("--cluster " + ClusterConf()));
  size_t taken = 0, left = 0;
  for (const ClusterAgent& a : agents) {
    if (!args.agent.empty() && a.agent != args.agent) continue;
    s = mnemo::AcquireAgent(store, a.tenant, a.agent);
    if (s.IsBusy()) {
      std::fprintf(stderr, "mnemo: %s: left to its owner\n",
                   s.message().c_str());
      ++left;
      continue;
    }
    if (!s.ok()) return FailRuntime(s);
    ++taken;
  }
  std::fprintf(stderr, "mnemo: cluster: compacting %zu agent(s), %zu left to "
               "their owners\n", taken, left);
  return kExitOk;
}

int Run(const CompactArgs& args) {
  CompactOptions options;
  if (!args.policy_file.empty()) {
    int rc = LoadPolicy(args.policy_file, &options.policy);
    if (rc != kExitOk) return rc;
  }
  if (!args.now.empty()) {
    std::optional<Micros> now;
    int rc = ParseTimeFlag("--now", args.now, &now);
    if (rc != kExitOk) return rc;
    options.now = *now;
  }
  options.threads = args.threads;
  std::unique_ptr<Store> store;
  int rc = OpenStore(args.db, OpenMode::kWrite, &store);
  if (rc != kExitOk) return rc;
  if (ClusterMode()) {
    rc = AcquireClusterAgents(store.get(), args);
    if (rc != kExitOk) return rc;
  } else if (!args.tenant.empty() || !args.agent.empty()) {
    return Fail(kExitUsage, "--tenant and --agent choose agents in cluster "
                            "mode (--cluster) only");
  }
  Progress progress("compact", 0);
  options.progress = [&](const CompactProgress& p) { progress.Update(p.pages_written); };
  CompactResult result;
  Status s = store->Compact(options, &result);
  progress.Finish();
  if (!s.ok()) return FailRuntime(s);
  WarnUnmaskable(result);
  TierStats stats;
  s = mnemo::GetTierStats(store.get(), "", &stats);
  if (!s.ok()) return FailRuntime(s);
  if (!args.json) {
    PrintTable(result, stats);
    return kExitOk;
  }
  nlohmann::json out = {
      {"seconds", result.seconds},
      {"records_indexed", result.records_indexed},
      {"records_warmed", result.records_warmed},
      {"records_paged", result.records_paged},
      {"records_decayed", result.records_decayed},
      {"records_expired", result.records_expired},
      {"records_kept_as_text", result.records_kept_as_text},
      {"pages_unmaskable", result.pages_unmaskable},
      {"pages_written", result.pages_written},
      {"pages_decayed", result.pages_decayed},
      {"page_bytes", result.page_bytes},
      {"pages_per_second", result.pages_per_second},
      {"tiers", TierJson(stats)},
      {"text_tokens_est", stats.text_tokens()},
      {"context_tokens", stats.context_tokens()},
      {"text_token_estimator", stats.text_token_counter}};
  std::printf("%s\n", out.dump().c_str());
  return kExitOk;
}

CommandBody Setup(CLI::App& command) {
  auto args = std::make_shared<CompactArgs>();
  AddDbOption(command, &args->db);
  AddTokenizerOption(command);
  command.add_option("--now", args->now,
                     "age records against this time (RFC 3339); default: now");
  command.add_option("--policy", args->policy_file, "compaction policy (JSON file)");
  command.add_option("--threads", args->threads, "render threads")
      ->check(CLI::Range(1, 64));
  command.add_flag("--json", args->json, "print one JSON summary object");
  command.add_option("--tenant", args->tenant,
                     "cluster mode: compact this tenant's agents only");
  command.add_option("--agent", args->agent,
                     "cluster mode: compact agents of this name only");
  return [args] { return Run(*args); };
}

}  // namespace

MNEMO_REGISTER_COMMAND("compact",
                       "move aged records down tiers (zstd, pages, decayed pages)",
                       Setup);

}  // namespace mnemo::cli
