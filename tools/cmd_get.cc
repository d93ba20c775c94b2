// Copyright (c) mnemo authors.
//
// mnemo get --db DIR --id ID [--tenant T] [--json]
//
// Prints one record (all fields; --json: the dump line of the record).
// Without --tenant the record's own tenant is looked up (an operator view).
// Read-only: runs beside a writer and does not count as an access.

#include "cli_util.h"
#include "mnemo/admin.h"
#include "workload/record_json.h"
#include "workload/time_format.h"

namespace mnemo::cli {
namespace {

struct GetArgs {
  std::string db, tenant;
  RecordId id = 0;
  bool json = false;
};

void PrintRecord(const Record& r) {
  auto row = [](const char* name, const std::string& value) {
    std::printf("%-13s %s\n", name, value.c_str());
  };
  row("id", RecordIdToString(r.id));
  row("namespace", r.ns.tenant + " / " + r.ns.agent + " / " + r.ns.session);
  row("role", r.role);
  row("kind", r.kind);
  row("event_time", workload::FormatRfc3339(r.event_time));
  row("created_time", workload::FormatRfc3339(r.created_time));
  row("importance", workload::FloatToShortest(r.importance));
  row("access_count", std::to_string(r.access_count));
  row("tier", TierName(r.tier));
  row("page", r.page.valid() ? std::to_string(r.page.page_id) + " item " +
                                   std::to_string(r.page.item)
                             : "-");
  row("version", std::to_string(r.version));
  if (r.expires_at != 0) row("expires_at", workload::FormatRfc3339(r.expires_at));
  for (const auto& [key, value] : r.metadata) {
    row("metadata", std::string(key) + " = " + std::string(value));
  }
  std::printf("text\n%s\n", r.text.c_str());
}

int RunGet(const GetArgs& args) {
  std::unique_ptr<Store> store;
  int rc = OpenStore(args.db, OpenMode::kReadOnly, &store);
  if (rc != kExitOk) return rc;
  std::string tenant = args.tenant;
  Status s;
  if (tenant.empty()) {
    Namespace ns;
    s = mnemo::LookupNamespace(store.get(), args.id, &ns);
    tenant = ns.tenant;
  }
  Record record;
  ReadOptions ro;
  ro.count_access = false;
  if (s.ok()) s = store->Get(ro, tenant, args.id, &record);
  if (!s.ok()) return FailRuntime(s);
  if (args.json) std::printf("%s\n", workload::RecordToJson(record).c_str());
  else PrintRecord(record);
  return kExitOk;
}

CommandBody SetupGet(CLI::App& cmd) {
  auto args = std::make_shared<GetArgs>();
  AddDbOption(cmd, &args->db);
  AddIdOption(cmd, "--id", &args->id, "Record id (decimal)")->required();
  cmd.add_option("--tenant", args->tenant,
                 "Tenant the record must belong to (default: its own)");
  cmd.add_flag("--json", args->json, "Print the record as one JSON object");
  return [args] { return RunGet(*args); };
}

}  // namespace

MNEMO_REGISTER_COMMAND("get", "Print one record by id", SetupGet);

}  // namespace mnemo::cli
