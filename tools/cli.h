// Copyright (c) mnemo authors.
//
// The `mnemo` admin tool's command registry. Each subcommand lives in its own
// tools/cmd_*.cc file and registers itself with MNEMO_REGISTER_COMMAND, so
// adding a command never edits a shared file.
//
// Exit codes: 0 success, 1 runtime error, 2 usage error. Errors are printed
// as "mnemo: <message>" on stderr.

#ifndef MNEMO_TOOLS_CLI_H_
#define MNEMO_TOOLS_CLI_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <string_view>

#include "mnemo/status.h"

namespace mnemo::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;
inline constexpr int kExitUsage = 2;

// A subcommand's body; returns the process exit code.
using CommandBody = std::function<int()>;

// Adds the options of a subcommand to `command` (the CLI11 subcommand that
// main() created with the registered name and description; the options bind
// to state the setup owns, e.g. a shared_ptr captured by the body) and returns
// its body, which main() runs when that subcommand was chosen.
using CommandSetup = std::function<CommandBody(CLI::App& command)>;

// Registers a command at static-initialization time; returns true.
bool RegisterCommand(std::string_view name, std::string_view description,
                     CommandSetup setup);

// Prints "mnemo: <message>" to stderr and returns `exit_code`.
int Fail(int exit_code, std::string_view message);
// Fails with kExitUsage for InvalidArgument/NotSupported, else kExitRuntime.
int FailStatus(const Status& status);

// True when stderr is a terminal (progress bars are drawn only then).
bool StderrIsTerminal();

}  // namespace mnemo::cli

#define MNEMO_CLI_CONCAT_INNER(a, b) a##b
#define MNEMO_CLI_CONCAT(a, b) MNEMO_CLI_CONCAT_INNER(a, b)
#define MNEMO_REGISTER_COMMAND(name, description, setup)            \
  static const bool MNEMO_CLI_CONCAT(mnemo_cmd_registered_, __LINE__) = \
      ::mnemo::cli::RegisterCommand(name, description, setup)

#endif  // MNEMO_TOOLS_CLI_H_
