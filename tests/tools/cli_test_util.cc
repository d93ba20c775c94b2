// Copyright (c) mnemo authors.

#include "cli_test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "test_util.h"

namespace mnemo::test {

std::string Q(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out.push_back(c);
  }
  return out + "'";
}

CliResult Mnemo(const std::string& args) {
  // Removed at exit; each output file goes as soon as it has been read.
  static TempDir scratch;
  static int counter = 0;
  std::string out_file = scratch.Sub("out" + std::to_string(counter++));
  CliResult r;
  // The pipe gets stderr; stdout goes to a file.
  std::string cmd = Q(BinDir() + "/mnemo") + " " + args + " </dev/null 2>&1 1>" +
                    Q(out_file);
  r.code = RunCommand(cmd, &r.err);
  ReadFile(out_file, &r.out);
  std::remove(out_file.c_str());
  return r;
}

std::string DumpOf(const std::string& dir) {
  CliResult r = Mnemo("dump --db " + Q(dir));
  EXPECT_EQ(r.code, 0) << r.err;
  return r.out;
}

void MakeDemoStore(const std::string& dir) {
  CliResult r = Mnemo("demo --db " + Q(dir) + " --sessions 2 --exchanges 2 --ingest-only");
  ASSERT_EQ(r.code, 0) << r.err << r.out;
}

size_t CountLines(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

}  // namespace mnemo::test
