// Copyright (c) mnemo authors.
//
// mnemo search --db DIR --tenant T [--agent A] --query "..." [--k 10]
//              [--offset N] [--session S] [--role R] [--kind K]
//              [--since TIME] [--until TIME] [--json]
//
// BM25 search over every tier of a tenant's (or an agent's) records. Prints
// one line per hit (rank, score, id, tier, page, snippet); --json prints a
// JSON array of hits {id, score, tier, page, snippet, namespace, role, kind,
// event_time, metadata}. Read-only: runs beside a writer.

#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "mnemo/search.h"
#include "workload/metadata_json.h"
#include "workload/time_format.h"

namespace mnemo::cli {
namespace {

struct SearchArgs {
  std::string db, tenant, agent, query, session, role, kind, since, until;
  size_t k = 10, offset = 0;
  bool json = false;
};

nlohmann::json HitToJson(const SearchHit& hit) {
  const Record& r = hit.record;
  nlohmann::json j;
  j["id"] = RecordIdToString(hit.id);
  j["score"] = hit.score;
  j["tier"] = TierName(r.tier);
  j["page"] = r.page.valid() ? nlohmann::json(r.page.page_id) : nlohmann::json();
  j["snippet"] = hit.snippet;
  j["namespace"] = {{"tenant", r.ns.tenant}, {"agent", r.ns.agent},
                    {"session", r.ns.session}};
  j["role"] = r.role;
  j["kind"] = r.kind;
  j["event_time"] = workload::FormatRfc3339(r.event_time);
  j["metadata"] = r.metadata;
  if (r.text_forgotten) j["text_forgotten"] = true;
  return j;
}

void PrintHits(const SearchResult& result, size_t offset) {
  for (size_t i = 0; i < result.hits.size(); ++i) {
    const SearchHit& hit = result.hits[i];
    std::string page = hit.record.page.valid()
                           ? " page " + std::to_string(hit.record.page.page_id)
                           : "";
    std::printf("%3zu  %7.3f  %s  %s%s  %s\n", offset + i + 1, hit.score,
                RecordIdToString(hit.id).c_str(), TierName(hit.record.tier),
                page.c_str(), hit.snippet.c_str());
  }
  std::printf("%zu of %zu matching records\n", result.hits.size(),
              result.matched);
}

int BuildOptions(const SearchArgs& args, SearchOptions* o) {
  o->filter.tenant = args.tenant;
  o->filter.agent = args.agent;
  if (!args.session.empty()) o->filter.session = args.session;
  if (!args.role.empty()) o->filter.role = args.role;
  if (!args.kind.empty()) o->filter.kind = args.kind;
  if (!args.since.empty()) {
    int rc = ParseTimeFlag("--since", args.since, &o->filter.start_time);
    if (rc != kExitOk) return rc;
  }
  if (!args.until.empty()) {
    int rc = ParseTimeFlag("--until", args.until, &o->filter.end_time);
    if (rc != kExitOk) return rc;
  }
  o->query = args.query;
  o->k = args.k;
  o->offset = args.offset;
  o->exact_count = true;  // the printed total counts what the filters pass
  return kExitOk;
}

int RunSearch(const SearchArgs& args) {
  SearchOptions options;
  int rc = BuildOptions(args, &options);
  if (rc != kExitOk) return rc;
  std::unique_ptr<Store> store;
  rc = OpenStore(args.db, OpenMode::kReadOnly, &store);
  if (rc != kExitOk) return rc;
  SearchResult result;
  Status s = store->Search(options, &result);
  if (!s.ok()) return FailStatus(s);
  if (!args.json) {
    PrintHits(result, args.offset);
    return kExitOk;
  }
  nlohmann::json hits = nlohmann::json::array();
  for (const SearchHit& hit : result.hits) hits.push_back(HitToJson(hit));
  std::printf("%s\n", hits.dump(-1, ' ', false,
                                nlohmann::json::error_handler_t::replace).c_str());
  return kExitOk;
}

CommandBody SetupSearch(CLI::App& cmd) {
  auto args = std::make_shared<SearchArgs>();
  AddDbOption(cmd, &args->db);
  cmd.add_option("--tenant", args->tenant, "Tenant to search (required)")
      ->required();
  cmd.add_option("--agent", args->agent, "Only this agent's records");
  cmd.add_option("--query", args->query, "Words to search for")->required();
  cmd.add_option("--k", args->k, "Hits per page (1..1000)")
      ->check(CLI::Range(size_t{1}, size_t{1000}));
  cmd.add_option("--offset", args->offset, "Skip this many hits (paging)")
      ->check(CLI::Range(size_t{0}, size_t{1'000'000'000}));
  cmd.add_option("--session", args->session, "Only this session");
  cmd.add_option("--role", args->role, "Only this role");
  cmd.add_option("--kind", args->kind, "Only this kind");
  cmd.add_option("--since", args->since, "Event time >= (RFC 3339)");
  cmd.add_option("--until", args->until, "Event time < (RFC 3339)");
  cmd.add_flag("--json", args->json, "Print the hits as a JSON array");
  return [args] { return RunSearch(*args); };
}

}  // namespace

MNEMO_REGISTER_COMMAND("search", "BM25 search over every tier of a tenant",
                       SetupSearch);

}  // namespace mnemo::cli
