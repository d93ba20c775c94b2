// Copyright (c) mnemo authors.
//
// mnemo delete --db DIR --id ID [--tenant T]
// mnemo delete --db DIR --tenant T --agent A [--session S] --yes
//
// Deletes one record (with its history), a whole session, or a whole
// agent. Bulk deletes need --yes (a usage error without it). Opens the
// store for writing.

#include "cli_util.h"
#include "mnemo/admin.h"

namespace mnemo::cli {
namespace {

struct DeleteArgs {
  std::string db, tenant, agent, session;
  RecordId id = 0;
  bool yes = false;
};

int DeleteOne(Store* store, const DeleteArgs& args) {
  std::string tenant = args.tenant;
  Status s;
  if (tenant.empty()) {
    Namespace ns;
    s = mnemo::LookupNamespace(store, args.id, &ns);
    tenant = ns.tenant;
  }
  if (s.ok()) s = store->Delete(WriteOptions(), tenant, args.id);
  if (!s.ok()) return FailRuntime(s);
  std::printf("deleted record %s\n", RecordIdToString(args.id).c_str());
  return kExitOk;
}

int DeleteBulk(Store* store, const DeleteArgs& args) {
  uint64_t deleted = 0;
  Status s;
  std::string what;
  if (!args.session.empty()) {
    what = "session " + args.tenant + "/" + args.agent + "/" + args.session;
    s = store->DeleteSession(WriteOptions(), args.tenant, args.agent,
                             args.session, &deleted);
  } else {
    what = "agent " + args.tenant + "/" + args.agent;
    s = store->DeleteAgent(WriteOptions(), args.tenant, args.agent, &deleted);
  }
  if (!s.ok()) return FailRuntime(s);
  std::printf("deleted %llu records of %s\n",
              static_cast<unsigned long long>(deleted), what.c_str());
  return kExitOk;
}

int RunDelete(const DeleteArgs& args) {
  bool bulk = !args.agent.empty() || !args.session.empty();
  if ((args.id != 0) == bulk) {
    return Fail(kExitUsage, "give either --id or --agent [--session]");
  }
  if (bulk && (args.tenant.empty() || args.agent.empty())) {
    return Fail(kExitUsage, "deleting a session or an agent needs --tenant "
                            "and --agent");
  }
  if (bulk && !args.yes) {
    return Fail(kExitUsage, "deleting a whole " +
                                std::string(args.session.empty() ? "agent"
                                                                 : "session") +
                                " needs --yes");
  }
  std::unique_ptr<Store> store;
  int rc = OpenStore(args.db, OpenMode::kWrite, &store);
  if (rc != kExitOk) return rc;
  return bulk ? DeleteBulk(store.get(), args) : DeleteOne(store.get(), args);
}

CommandBody SetupDelete(CLI::App& cmd) {
  auto args = std::make_shared<DeleteArgs>();
  AddDbOption(cmd, &args->db);
  AddIdOption(cmd, "--id", &args->id, "Delete this record");
  cmd.add_option("--tenant", args->tenant, "Tenant of the records");
  cmd.add_option("--agent", args->agent, "Delete this agent's records");
  cmd.add_option("--session", args->session,
                 "With --agent: delete only this session");
  cmd.add_flag("--yes", args->yes, "Confirm a session or agent delete");
  return [args] { return RunDelete(*args); };
}

}  // namespace

MNEMO_REGISTER_COMMAND("delete", "Delete a record, a session or an agent",
                       SetupDelete);

}  // namespace mnemo::cli
