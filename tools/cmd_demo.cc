// Copyright (c) mnemo authors.
//
// mnemo demo [--db DIR] [--force] [--locomo FILE] [--sessions N]
//            [--exchanges N] [--cluster CONF]
//
// The main job: builds an embedded store (default ./mnemo-demo-db; a store
// an earlier demo run created is replaced, another mnemo store only with
// --force, a directory that is not a mnemo store never),
// ingests a built-in deterministic multi-agent conversation (or LoCoMo with
// --locomo), and prints what is stored: namespaces, counts per session,
// role and kind, sample records, bytes per column family and timings.
//
// With --cluster (the global flag) the same steps run against a cluster:
// the records go to RADOS and --db is this host's cache; the demo's own
// agents are emptied in the cluster first. Compaction runs as embedded (on
// this host's cache of the agents it wrote; the pages go to the cluster
// first, then the records are switched onto them); the hot-cache step is
// skipped there (it reopens the store directory as an embedded store).
//
// The body is a list of small steps over one DemoContext (see Steps()), so
// later stages (compaction, pages, GPU pools) are added as new steps.

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "cli_util.h"
#include "demo_stages.h"
#include "mnemo/admin.h"
#include "workload/locomo.h"
#include "workload/synthetic.h"
#include "workload/time_format.h"

namespace mnemo::cli {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

struct DemoArgs {
  std::string db = "./mnemo-demo-db";
  std::string locomo;
  int sessions = 4;
  int exchanges = 40;
  int samples = 4;
  bool ingest_only = false;
  bool force = false;
};

struct DemoContext {
  DemoArgs args;
  std::unique_ptr<Store> store;
  std::vector<Record> input;
  SteadyClock::duration load_time{}, ingest_time{};
};

using Step = int (*)(DemoContext&);

// Marks a store the demo created, so that the next demo run may replace
// it; a store without it holds someone's data and needs --force.
constexpr char kDemoMarker[] = "MNEMO-DEMO";

bool IsDemoStore(const fs::path& db) {
  std::error_code ec;
  return fs::is_regular_file(db / kDemoMarker, ec);
}

// Empties `db` for a fresh store: nothing there, an empty directory, or a
// store the demo created are fine; another mnemo store only with --force;
// anything else is never replaced.
int ClearDemoDir(const DemoArgs& args) {
  const std::string& db = args.db;
  std::error_code ec;
  if (!fs::exists(db, ec)) return kExitOk;
  if (fs::is_directory(db, ec) && fs::is_empty(db, ec)) return kExitOk;
  if (!fs::exists(fs::path(db) / "MNEMO", ec)) {
    return Fail(kExitRuntime, "'" + db + "' exists and is not a mnemo store; "
                              "refusing to replace it (pick --db)");
  }
  if (!IsDemoStore(db) && !args.force) {
    return Fail(kExitRuntime,
                "'" + db + "' holds a mnemo store the demo did not create; "
                "refusing to replace it (pick another --db, or pass --force "
                "to delete that store)");
  }
  fs::remove_all(db, ec);
  if (ec) {
    return Fail(kExitRuntime, "cannot remove " + db + ": " + ec.message());
  }
  return kExitOk;
}

int PrepareStore(DemoContext& ctx) {
  const std::string& db = ctx.args.db;
  if (int rc = ClearDemoDir(ctx.args); rc != kExitOk) return rc;
  std::printf("== mnemo demo: store %s (recreated)\n", db.c_str());
  if (ClusterMode()) {
    std::printf("cluster mode: records in the cluster of %s; %s is this "
                "host's cache\n", ClusterConf().c_str(), db.c_str());
  }
  if (int rc = OpenStore(db, OpenMode::kCreate, &ctx.store); rc != kExitOk) {
    return rc;
  }
  std::ofstream marker(fs::path(db) / kDemoMarker);
  marker << "created by 'mnemo demo'; the next demo run replaces this store\n";
  marker.close();
  if (!marker) {
    return Fail(kExitRuntime, "cannot write " + db + "/" + kDemoMarker);
  }
  return kExitOk;
}

int LoadInput(DemoContext& ctx) {
  auto start = SteadyClock::now();
  if (!ctx.args.locomo.empty()) {
    workload::LocomoSummary sum;
    Status s = workload::LoadLocomo(ctx.args.locomo, workload::LocomoOptions(),
                                    &ctx.input, &sum);
    if (!s.ok()) return FailRuntime(s);
    std::printf("input: LoCoMo %s: %zu conversations, %zu sessions, %zu turns"
                " (%zu with images)\n", ctx.args.locomo.c_str(),
                sum.conversations, sum.sessions, sum.turns, sum.image_turns);
  } else {
    workload::SyntheticOptions o;
    o.sessions_per_agent = ctx.args.sessions;
    o.exchanges_per_session = ctx.args.exchanges;
    ctx.input = workload::GenerateConversation(o);
    std::printf("input: synthetic agent conversation (seed %llu): %zu agents"
                " x %d sessions, %zu records\n",
                static_cast<unsigned long long>(o.seed), o.agents.size(),
                o.sessions_per_agent, ctx.input.size());
  }
  ctx.load_time = SteadyClock::now() - start;
  return kExitOk;
}

// In cluster mode the local directory was recreated but the cluster keeps
// what an earlier demo wrote: the demo's agents are emptied first, so each
// run shows the same store (the demo's own agents only; nothing else in
// the cluster is touched).
int ClearClusterAgents(DemoContext& ctx) {
  if (!ClusterMode()) return kExitOk;
  std::set<std::pair<std::string, std::string>> agents;
  for (const Record& r : ctx.input) agents.insert({r.ns.tenant, r.ns.agent});
  uint64_t removed = 0;
  for (const auto& [tenant, agent] : agents) {
    uint64_t deleted = 0;
    Status s = ctx.store->DeleteAgent(WriteOptions(), tenant, agent, &deleted);
    if (!s.ok()) {
      return FailRuntime(s.WithContext("emptying demo agent " + tenant + "/" +
                                       agent + " in the cluster"));
    }
    removed += deleted;
  }
  std::printf("cluster: %llu records of an earlier demo removed from the "
              "demo's %zu agents\n", static_cast<unsigned long long>(removed),
              agents.size());
  return kExitOk;
}

// One PutBatch per session, as an agent host would write a session.
int Ingest(DemoContext& ctx) {
  auto start = SteadyClock::now();
  Progress progress("ingest", ctx.input.size());
  size_t begin = 0;
  while (begin < ctx.input.size()) {
    size_t end = begin + 1;
    while (end < ctx.input.size() && ctx.input[end].ns == ctx.input[begin].ns) {
      ++end;
    }
    std::vector<Record> batch(ctx.input.begin() + begin,
                              ctx.input.begin() + end);
    std::vector<RecordId> ids;
    Status s = ctx.store->PutBatch(WriteOptions(), batch, &ids);
    if (!s.ok()) return FailRuntime(s.WithContext("ingest"));
    begin = end;
    progress.Update(begin);
  }
  progress.Finish();
  ctx.ingest_time = SteadyClock::now() - start;
  double secs = std::chrono::duration<double>(ctx.ingest_time).count();
  std::printf("ingest: %zu records in %s (%.0f records/s; input prepared in "
              "%s)\n\n", ctx.input.size(),
              FormatDuration(ctx.ingest_time).c_str(),
              secs > 0 ? ctx.input.size() / secs : 0.0,
              FormatDuration(ctx.load_time).c_str());
  return kExitOk;
}

int PrintNamespaces(DemoContext& ctx) {
  std::vector<Namespace> all;
  Status s = ctx.store->ListNamespaces("", &all);
  if (!s.ok()) return FailRuntime(s);
  std::map<std::string, std::vector<std::string>> by_agent;
  for (const Namespace& ns : all) {
    by_agent[ns.tenant + "/" + ns.agent].push_back(ns.session);
  }
  std::printf("namespaces (tenant/agent: sessions): %zu sessions\n", all.size());
  for (const auto& [agent, sessions] : by_agent) {
    std::string list;
    for (size_t i = 0; i < sessions.size() && i < 4; ++i) {
      list += (i ? ", " : "") + sessions[i];
    }
    if (sessions.size() > 4) list += ", ...";
    std::printf("  %-24s %3zu  (%s)\n", agent.c_str(), sessions.size(),
                list.c_str());
  }
  std::printf("\n");
  return kExitOk;
}

void PrintTable(const char* title, const std::map<std::string, uint64_t>& m,
                size_t max_rows) {
  std::printf("records per %s:\n", title);
  size_t rows = 0;
  for (const auto& [key, count] : m) {
    if (rows++ == max_rows) {
      std::printf("  ... (%zu more)\n", m.size() - max_rows);
      break;
    }
    std::printf("  %-36s %6llu\n", key.c_str(),
                static_cast<unsigned long long>(count));
  }
}

int PrintCounts(DemoContext& ctx) {
  std::map<std::string, uint64_t> per_session, per_role, per_kind;
  std::unique_ptr<RecordIterator> it;
  Status s = mnemo::NewRecordIterator(ctx.store.get(), IterateOptions(), &it);
  for (; s.ok() && it->Valid(); it->Next()) {
    const Record& r = it->record();
    ++per_session[r.ns.tenant + "/" + r.ns.agent + "/" + r.ns.session];
    ++per_role[r.role];
    ++per_kind[r.kind];
  }
  if (s.ok()) s = it->status();
  if (!s.ok()) return FailRuntime(s);
  PrintTable("session", per_session, 8);
  PrintTable("role", per_role, 12);
  PrintTable("kind", per_kind, 12);
  std::printf("\n");
  return kExitOk;
}

int PrintSamples(DemoContext& ctx) {
  if (ctx.input.empty() || ctx.args.samples == 0) return kExitOk;
  ScanOptions scan;
  scan.tenant = ctx.input.front().ns.tenant;
  scan.agent = ctx.input.front().ns.agent;
  scan.limit = static_cast<size_t>(ctx.args.samples);
  ScanResult result;
  Status s = ctx.store->Scan(ReadOptions(), scan, &result);
  if (!s.ok()) return FailRuntime(s);
  std::printf("first records of %s/%s (time order):\n", scan.tenant.c_str(),
              scan.agent.c_str());
  for (const Record& r : result.records) {
    std::string text = r.text.size() > 96 ? r.text.substr(0, 93) + "..."
                                          : r.text;
    std::printf("  %s  %s  %-10s %-11s %s\n", RecordIdToString(r.id).c_str(),
                workload::FormatRfc3339(r.event_time).c_str(), r.role.c_str(),
                r.kind.c_str(), text.c_str());
  }
  std::printf("\n");
  return kExitOk;
}

int PrintStorage(DemoContext& ctx) {
  Status s = mnemo::FlushAccessCounts(ctx.store.get());
  StoreStats stats;
  if (s.ok()) s = mnemo::GetStats(ctx.store.get(), &stats);
  if (!s.ok()) return FailRuntime(s);
  std::printf("stored: %llu records, %s of text (%llu text tokens, %s)\n",
              static_cast<unsigned long long>(stats.records),
              FormatBytes(stats.text_bytes).c_str(),
              static_cast<unsigned long long>(stats.text_tokens_estimate),
              stats.text_token_counter.c_str());
  std::printf("column families (keys, on disk + memtable):\n");
  for (const auto& f : stats.families) {
    std::printf("  %-8s %7llu keys  %10s + %s\n", f.name.c_str(),
                static_cast<unsigned long long>(f.estimated_keys),
                FormatBytes(f.sst_bytes).c_str(),
                FormatBytes(f.memtable_bytes).c_str());
  }
  std::printf("\nnext: mnemo dump --db %s | head -3;  mnemo stats --db %s\n",
              ctx.args.db.c_str(), ctx.args.db.c_str());
  return kExitOk;
}

int Compact(DemoContext& ctx) {
  if (ctx.args.ingest_only) return kExitOk;
  if (ClusterMode()) {
    std::printf("\ncluster mode: compaction of the agents this host owns; "
                "pages are written to the cluster before records point at "
                "them\n");
  }
  return DemoCompact(ctx.store.get(), ctx.input);
}

int WritePages(DemoContext& ctx) {
  if (ctx.input.empty() || ctx.args.ingest_only) {
    return kExitOk;
  }
  return DemoWritePages(ctx.store.get(), ctx.input[0].ns.tenant,
                        ctx.args.db + "-pages", 3);
}

int HotCache(DemoContext& ctx) {
  if (ctx.input.empty() || ctx.args.ingest_only || ClusterMode()) {
    return kExitOk;
  }
  return DemoHotCache(&ctx.store, ctx.args.db, ctx.input[0].ns.tenant);
}

// The demo, in order. Later stages add steps here.
const std::vector<Step>& Steps() {
  static const std::vector<Step> steps = {
      PrepareStore, LoadInput,    ClearClusterAgents, Ingest,
      PrintNamespaces, PrintCounts, PrintSamples, PrintStorage, Compact,
      WritePages,   HotCache};
  return steps;
}

int RunDemo(const DemoArgs& args) {
  DemoContext ctx;
  ctx.args = args;
  for (Step step : Steps()) {
    int rc = step(ctx);
    if (rc != kExitOk) return rc;
  }
  return kExitOk;
}

CommandBody SetupDemo(CLI::App& cmd) {
  auto args = std::make_shared<DemoArgs>();
  cmd.add_option("--db", args->db,
                 "Store directory (default ./mnemo-demo-db); a store an "
                 "earlier demo run created there is replaced, any other "
                 "store only with --force")->type_name("DIR");
  cmd.add_flag("--force", args->force,
               "Replace the mnemo store at --db even if the demo did not "
               "create it (its data is deleted)");
  cmd.add_option("--locomo", args->locomo,
                 "Ingest this LoCoMo file (locomo10.json) instead")
      ->type_name("FILE");
  cmd.add_option("--sessions", args->sessions,
                 "Synthetic sessions per agent (default 4)")
      ->check(CLI::Range(1, 1000));
  cmd.add_option("--exchanges", args->exchanges,
                 "Synthetic exchanges per session (default 40)")
      ->check(CLI::Range(1, 1000));
  cmd.add_option("--samples", args->samples,
                 "Sample records to print (default 4)")
      ->check(CLI::Range(0, 100));
  cmd.add_flag("--ingest-only", args->ingest_only,
               "Stop after ingesting (no compaction, pages or hot cache)");
  return [args] { return RunDemo(*args); };
}

}  // namespace

MNEMO_REGISTER_COMMAND("demo", "Ingest a sample agent conversation and show "
                       "what is stored", SetupDemo);

}  // namespace mnemo::cli
