// Copyright (c) mnemo authors.
//
// Entry point of the `mnemo` admin tool: parses the command line with CLI11
// and runs the chosen subcommand's body.

#include <unistd.h>

#include <cstdio>
#include <exception>
#include <map>
#include <string>
#include <vector>

#include "cli.h"
#include "cli_util.h"
#include "mnemo/quote.h"

namespace mnemo::cli {
namespace {

struct Registered {
  std::string description;
  CommandSetup setup;
};

std::map<std::string, Registered>& Registry() {
  static auto* registry = new std::map<std::string, Registered>();
  return *registry;
}

}  // namespace

bool RegisterCommand(std::string_view name, std::string_view description,
                     CommandSetup setup) {
  Registry()[std::string(name)] = {std::string(description), std::move(setup)};
  return true;
}

int Fail(int exit_code, std::string_view message) {
  // Messages carry names, paths and flag values the user typed or a file
  // held: escape what would corrupt the terminal or cut the line short.
  std::string shown = EscapeForTerminal(message);
  std::fprintf(stderr, "mnemo: %s\n", shown.c_str());
  return exit_code;
}

int FailStatus(const Status& status) {
  bool usage = status.IsInvalidArgument() || status.IsNotSupported();
  return Fail(usage ? kExitUsage : kExitRuntime, status.ToString());
}

bool StderrIsTerminal() { return isatty(STDERR_FILENO) == 1; }

int Main(int argc, char** argv) {
  CLI::App app{"mnemo: embedded memory store for AI agents (admin tool)",
               "mnemo"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "mnemo 0.1.0");
  // --cluster may come before or after the command's name.
  app.fallthrough();
  AddClusterOption(app);
  std::map<CLI::App*, CommandBody> bodies;
  for (auto& [name, command] : Registry()) {
    CLI::App* sub = app.add_subcommand(name, command.description);
    bodies[sub] = command.setup(*sub);
  }
  if (argc > 1 && argv[1][0] != '-' && Registry().count(argv[1]) == 0) {
    return Fail(kExitUsage, "unknown command " + QuoteForMessage(argv[1]) +
                                " (run 'mnemo --help' for the list)");
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return Fail(kExitUsage, std::string(e.what()) +
                                " (run 'mnemo --help' for usage)");
  }
  for (auto& [sub, body] : bodies) {
    if (sub->parsed()) return body();
  }
  return Fail(kExitUsage, "no command given (run 'mnemo --help')");
}

}  // namespace mnemo::cli

int main(int argc, char** argv) {
  try {
    return mnemo::cli::Main(argc, argv);
  } catch (const std::exception& e) {
    return mnemo::cli::Fail(mnemo::cli::kExitRuntime,
                            std::string("internal error: ") + e.what());
  }
}
