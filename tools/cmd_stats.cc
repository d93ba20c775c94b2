// Copyright (c) mnemo authors.
//
// mnemo stats --db DIR [--json | --prometheus]
//
// Counts over the whole store from one snapshot: records per tenant, agent
// and tier, text bytes and estimated text tokens (Options::tokenizer_file or the calibrated estimate), history
// versions, namespaces, pages, and keys/bytes per RocksDB column family.
// --prometheus prints the text exposition format (for a node exporter's
// textfile collector). Read-only: runs beside a writer; the background
// loops' runs and failures come from the report the writer keeps in the
// store directory.
//
// In cluster mode (--cluster) the figures above are those of this host's
// local cache (the agents it owns), followed by the cluster's: health, the
// mnemo pools (objects, bytes) and the owned agents with their lease epochs.

#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "cluster_report.h"
#include "mnemo/admin.h"

namespace mnemo::cli {
namespace {

struct StatsArgs {
  std::string db;
  bool json = false;
  bool prometheus = false;
};

using Json = nlohmann::ordered_json;

Json StatsToJson(const StoreStats& s) {
  Json j;
  j["records"] = s.records;
  j["expired_records"] = s.expired_records;
  j["text_bytes"] = s.text_bytes;
  j["text_tokens_estimate"] = s.text_tokens_estimate;
  j["text_token_counter"] = s.text_token_counter;
  j["history_versions"] = s.history_versions;
  j["namespaces"] = s.namespaces;
  j["pages"] = s.pages;
  j["disk_bytes"] = s.disk_bytes;
  j["search_backlog"] = s.search_backlog;
  if (!s.embed.model.empty()) {
    j["embed"] = {{"model", s.embed.model},
                  {"dimension", s.embed.dimension},
                  {"texts_embedded", s.embed.texts_embedded},
                  {"pages_embedded", s.embed.pages_embedded},
                  {"texts_pending", s.embed.texts_pending},
                  {"pages_pending", s.embed.pages_pending},
                  {"failed", s.embed.failed},
                  {"embed_seconds", s.embed.embed_seconds}};
  }
  for (int t = 0; t < 4; ++t) {
    j["records_per_tier"][TierName(static_cast<Tier>(t))] =
        s.records_per_tier[t];
  }
  j["records_per_tenant"] = Json::object();
  for (const auto& [tenant, n] : s.records_per_tenant) {
    j["records_per_tenant"][tenant] = n;
  }
  j["records_per_agent"] = Json::array();
  for (const auto& [key, n] : s.records_per_agent) {
    j["records_per_agent"].push_back(
        {{"tenant", key.first}, {"agent", key.second}, {"records", n}});
  }
  j["background"] = Json::array();
  for (const BackgroundTaskStats& t : s.background) {
    j["background"].push_back({{"task", t.name},
                               {"runs", t.runs},
                               {"failures", t.failures},
                               {"consecutive_failures", t.consecutive_failures},
                               {"last_error", t.last_error},
                               {"last_success_micros", t.last_success},
                               {"last_failure_micros", t.last_failure}});
  }
  j["column_families"] = Json::array();
  for (const auto& f : s.families) {
    j["column_families"].push_back({{"name", f.name},
                                    {"estimated_keys", f.estimated_keys},
                                    {"sst_bytes", f.sst_bytes},
                                    {"memtable_bytes", f.memtable_bytes}});
  }
  return j;
}

std::string Label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out;
}

void Metric(const char* name, const char* help, uint64_t value) {
  std::printf("# HELP %s %s\n# TYPE %s gauge\n%s %llu\n", name, help, name,
              name, static_cast<unsigned long long>(value));
}

void Header(const char* name, const char* help) {
  std::printf("# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

void PrintBackgroundPrometheus(const StoreStats& s) {
  auto each = [&](const char* name, const char* help, auto field) {
    Header(name, help);
    for (const BackgroundTaskStats& t : s.background) {
      std::printf("%s{task=\"%s\"} %llu\n", name, Label(t.name).c_str(),
                  static_cast<unsigned long long>(field(t)));
    }
  };
  each("mnemo_background_runs", "Runs of a background task.",
       [](const BackgroundTaskStats& t) { return t.runs; });
  each("mnemo_background_failures", "Failed runs of a background task.",
       [](const BackgroundTaskStats& t) { return t.failures; });
  each("mnemo_background_consecutive_failures",
       "Failed runs since the task last succeeded.",
       [](const BackgroundTaskStats& t) { return t.consecutive_failures; });
  each("mnemo_background_last_success_micros",
       "Store clock at the last successful run (0: none).",
       [](const BackgroundTaskStats& t) { return t.last_success; });
  // The message is a label of an info-style gauge (value 1), as
  // Prometheus has no string samples.
  Header("mnemo_background_last_error", "Last error of a background task.");
  for (const BackgroundTaskStats& t : s.background) {
    if (t.failures == 0) continue;
    std::printf("mnemo_background_last_error{task=\"%s\",error=\"%s\"} 1\n",
                Label(t.name).c_str(), Label(t.last_error).c_str());
  }
}

void PrintPrometheus(const StoreStats& s) {
  Metric("mnemo_records", "Live records.", s.records);
  Metric("mnemo_expired_records", "Expired records awaiting compaction.",
         s.expired_records);
  Metric("mnemo_text_bytes", "UTF-8 bytes of live text.", s.text_bytes);
  Metric("mnemo_text_tokens_estimate", "Text tokens (tokenizer or calibrated estimate).",
         s.text_tokens_estimate);
  Metric("mnemo_history_versions", "Older record versions kept.",
         s.history_versions);
  Metric("mnemo_namespaces", "Sessions holding records.", s.namespaces);
  Metric("mnemo_pages", "Rendered pages.", s.pages);
  Metric("mnemo_disk_bytes", "SST bytes over all column families.",
         s.disk_bytes);
  Metric("mnemo_search_backlog",
         "Live records not yet in the full-text index.", s.search_backlog);
  Header("mnemo_tier_records", "Live records per tier.");
  for (int t = 0; t < 4; ++t) {
    std::printf("mnemo_tier_records{tier=\"%s\"} %llu\n",
                TierName(static_cast<Tier>(t)),
                static_cast<unsigned long long>(s.records_per_tier[t]));
  }
  Header("mnemo_agent_records", "Live records per agent.");
  for (const auto& [key, n] : s.records_per_agent) {
    std::printf("mnemo_agent_records{tenant=\"%s\",agent=\"%s\"} %llu\n",
                Label(key.first).c_str(), Label(key.second).c_str(),
                static_cast<unsigned long long>(n));
  }
  Header("mnemo_cf_sst_bytes", "SST bytes per RocksDB column family.");
  for (const auto& f : s.families) {
    std::printf("mnemo_cf_sst_bytes{cf=\"%s\"} %llu\n", f.name.c_str(),
                static_cast<unsigned long long>(f.sst_bytes));
  }
  Header("mnemo_cf_estimated_keys", "Estimated keys per column family.");
  for (const auto& f : s.families) {
    std::printf("mnemo_cf_estimated_keys{cf=\"%s\"} %llu\n", f.name.c_str(),
                static_cast<unsigned long long>(f.estimated_keys));
  }
  PrintBackgroundPrometheus(s);
}

void PrintBackgroundText(const StoreStats& s) {
  auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  if (s.background.empty()) {
    std::printf("background   no report (no writer has run its loops)\n");
    return;
  }
  std::printf("background (runs, failures, in a row, last error)\n");
  for (const BackgroundTaskStats& t : s.background) {
    std::printf("  %-13s %8llu %8llu %8llu  %s\n", t.name.c_str(), u(t.runs),
                u(t.failures), u(t.consecutive_failures),
                t.failures == 0 ? "-" : t.last_error.c_str());
  }
}

void PrintText(const std::string& db, const StoreStats& s) {
  auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  std::printf("store %s\n", db.c_str());
  std::printf("records      %llu live, %llu expired\n", u(s.records),
              u(s.expired_records));
  std::printf("tiers        hot %llu, warm %llu, pixels %llu, decayed %llu\n",
              u(s.records_per_tier[0]), u(s.records_per_tier[1]),
              u(s.records_per_tier[2]), u(s.records_per_tier[3]));
  std::printf("text         %s (%llu tokens, %s)\n",
              FormatBytes(s.text_bytes).c_str(), u(s.text_tokens_estimate),
              s.text_token_counter.c_str());
  std::printf("history      %llu older versions\n", u(s.history_versions));
  std::printf("namespaces   %llu sessions; pages %llu\n", u(s.namespaces),
              u(s.pages));
  std::printf("search       %llu records not yet indexed (searches score "
              "them directly)\n", u(s.search_backlog));
  if (!s.embed.model.empty()) {
    const EmbedStats& e = s.embed;
    std::printf("embed        model '%s' (dimension %zu): %llu texts, %llu "
                "pages pending\n",
                e.model.c_str(), e.dimension, u(e.texts_pending),
                u(e.pages_pending));
    if (e.texts_embedded + e.pages_embedded + e.failed > 0) {
      std::printf("             since open: %llu texts, %llu pages embedded, "
                  "%llu failed, %.3f s in the embedder\n",
                  u(e.texts_embedded), u(e.pages_embedded), u(e.failed),
                  e.embed_seconds);
    }
  }
  std::printf("agents\n");
  for (const auto& [key, n] : s.records_per_agent) {
    std::printf("  %-32s %8llu\n", (key.first + "/" + key.second).c_str(),
                u(n));
  }
  std::printf("column families (estimated keys, sst bytes, memtable bytes)\n");
  for (const auto& f : s.families) {
    std::printf("  %-8s %8llu %12s %12s\n", f.name.c_str(),
                u(f.estimated_keys), FormatBytes(f.sst_bytes).c_str(),
                FormatBytes(f.memtable_bytes).c_str());
  }
  std::printf("disk         %s in SST files\n", FormatBytes(s.disk_bytes).c_str());
  PrintBackgroundText(s);
}

int RunStats(const StatsArgs& args) {
  std::unique_ptr<Store> store;
  int rc = OpenStore(args.db, OpenMode::kReadOnly, &store);
  if (rc != kExitOk) return rc;
  StoreStats stats;
  Status s = mnemo::GetStats(store.get(), &stats);
  if (!s.ok()) return FailRuntime(s);
  ClusterStats cluster;
  if (ClusterMode()) {
    s = mnemo::GetClusterStats(store.get(), &cluster);
    if (!s.ok()) return FailRuntime(s.WithContext("--cluster " + ClusterConf()));
  }
  if (args.json) {
    Json j = StatsToJson(stats);
    if (ClusterMode()) j["cluster"] = ClusterStatsJson(cluster);
    std::printf("%s\n", j.dump(2).c_str());
  } else if (args.prometheus) {
    PrintPrometheus(stats);
    if (ClusterMode()) PrintClusterStatsPrometheus(cluster);
  } else {
    PrintText(args.db, stats);
    if (ClusterMode()) PrintClusterStatsText(cluster);
  }
  return kExitOk;
}

CommandBody SetupStats(CLI::App& cmd) {
  auto args = std::make_shared<StatsArgs>();
  AddDbOption(cmd, &args->db);
  AddTokenizerOption(cmd);
  auto* json = cmd.add_flag("--json", args->json, "Print one JSON object");
  cmd.add_flag("--prometheus", args->prometheus,
               "Print the Prometheus text exposition format")
      ->excludes(json);
  return [args] { return RunStats(*args); };
}

}  // namespace

MNEMO_REGISTER_COMMAND("stats", "Record counts, tiers, bytes per column family",
                       SetupStats);

}  // namespace mnemo::cli
