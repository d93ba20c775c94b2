// Copyright (c) mnemo authors.
//
// mnemo mcp --db DIR [--tenant T]
//
// Serves the store to an agent host over the Model Context Protocol on
// stdin/stdout (see mcp_server.h). Holds the store open for writing until
// stdin ends. Only --tenant's records are reachable ("default" when not
// given). stdout carries protocol messages only; errors go to stderr.

#include <csignal>

#include "cli_util.h"
#include "mcp_server.h"

namespace mnemo::cli {
namespace {

struct McpArgs {
  std::string db, tenant = "default";
};

int RunMcp(const McpArgs& args) {
  if (args.tenant.empty())
    return Fail(kExitUsage, "--tenant must not be empty");
  std::unique_ptr<Store> store;
  int rc = OpenStore(args.db, OpenMode::kCreate, &store);
  if (rc != kExitOk) return rc;
  // A client that goes away gets a failed write, not a signal.
  std::signal(SIGPIPE, SIG_IGN);
  mcp::McpServer server(store.get(), args.tenant);
  rc = server.Serve(stdin, stdout);
  if (rc != kExitOk)
    return Fail(kExitRuntime, "cannot write to stdout (client gone)");
  return kExitOk;
}

CommandBody SetupMcp(CLI::App& cmd) {
  auto args = std::make_shared<McpArgs>();
  AddDbOption(cmd, &args->db);
  AddTokenizerOption(cmd);
  cmd.add_option("--tenant", args->tenant,
                 "The only tenant the server reaches (default: default)");
  return [args] { return RunMcp(*args); };
}

}  // namespace

MNEMO_REGISTER_COMMAND("mcp", "Serve memory to an agent host over MCP (stdio)",
                       SetupMcp);

}  // namespace mnemo::cli
