// Copyright (c) mnemo authors.
//
// Helpers shared by every test suite.

#ifndef MNEMO_TESTS_COMMON_TEST_UTIL_H_
#define MNEMO_TESTS_COMMON_TEST_UTIL_H_

#include <string>
#include <vector>

namespace mnemo::test {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents when
// the object dies (unless MNEMO_KEEP_TEST_DIRS is set in the environment).
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string Sub(const std::string& name) const;

 private:
  std::string path_;
};

// Directory holding the built binaries (build/bin), from MNEMO_BIN_DIR.
std::string BinDir();
// The repository root, from MNEMO_SOURCE_DIR.
std::string SourceDir();
// Path of ../shared/data/locomo10.json next to the checkout, or "" when the
// file is absent (tests that need it skip with a message).
std::string LocomoPath();

// Reads a whole file; returns false when it cannot be read.
bool ReadFile(const std::string& path, std::string* out);
bool WriteFile(const std::string& path, const std::string& data);

// Runs a shell command, capturing stdout (and stderr when merge_stderr).
// Returns the exit status (0..255), or -1 if it could not run.
int RunCommand(const std::string& cmd, std::string* output,
               bool merge_stderr = false);

// Runs BinDir()/`binary` with `args` for `run_ms` milliseconds, then
// SIGKILLs it (the crash tests' child processes). `lines` holds its complete
// stdout lines; a torn last line is dropped, since the child never finished
// acknowledging it. `killed` is false when the child exited on its own.
struct KilledChild {
  bool killed = false;
  int status = 0;
  std::vector<std::string> lines;
};
KilledChild RunAndKill(const std::string& binary,
                       const std::vector<std::string>& args, int run_ms);

}  // namespace mnemo::test

#endif  // MNEMO_TESTS_COMMON_TEST_UTIL_H_
