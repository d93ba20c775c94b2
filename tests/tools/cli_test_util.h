// Copyright (c) mnemo authors.
//
// Running the real `mnemo` binary from tests.

#ifndef MNEMO_TESTS_TOOLS_CLI_TEST_UTIL_H_
#define MNEMO_TESTS_TOOLS_CLI_TEST_UTIL_H_

#include <string>

namespace mnemo::test {

struct CliResult {
  int code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `build/bin/mnemo <args>` (args are passed to the shell as is; quote
// paths with Q) with stdin from /dev/null.
CliResult Mnemo(const std::string& args);

// Single-quotes `s` for the shell.
std::string Q(const std::string& s);

// `mnemo dump --db dir` output; fails the calling test when it fails.
std::string DumpOf(const std::string& dir);

// Makes a small synthetic store (2 agents x 2 sessions x 11 records = 44).
void MakeDemoStore(const std::string& dir);
inline constexpr int kDemoRecords = 44;

// Number of '\n'-terminated lines.
size_t CountLines(const std::string& s);

}  // namespace mnemo::test

#endif  // MNEMO_TESTS_TOOLS_CLI_TEST_UTIL_H_
