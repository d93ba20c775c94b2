// Copyright (c) mnemo authors.

#include "test_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace mnemo::test {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base && *base ? base : "/tmp") +
                      "/mnemo-test-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) {
    std::perror("mkdtemp");
    std::abort();  // tests cannot run without a scratch directory
  }
  path_ = templ;
}

TempDir::~TempDir() {
  if (std::getenv("MNEMO_KEEP_TEST_DIRS") != nullptr) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::Sub(const std::string& name) const {
  return path_ + "/" + name;
}

std::string BinDir() {
  const char* dir = std::getenv("MNEMO_BIN_DIR");
  return dir ? dir : MNEMO_DEFAULT_BIN_DIR;
}

std::string SourceDir() {
  const char* dir = std::getenv("MNEMO_SOURCE_DIR");
  return dir ? dir : MNEMO_DEFAULT_SOURCE_DIR;
}

std::string LocomoPath() {
  const char* env = std::getenv("MNEMO_LOCOMO");
  std::string path = env ? env : SourceDir() + "/../shared/data/locomo10.json";
  return std::filesystem::exists(path) ? path : "";
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

bool WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  return static_cast<bool>(out);
}

int RunCommand(const std::string& cmd, std::string* output,
               bool merge_stderr) {
  std::string full = merge_stderr ? cmd + " 2>&1" : cmd;
  FILE* pipe = popen(full.c_str(), "r");
  if (pipe == nullptr) return -1;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  int status = pclose(pipe);
  if (output) *output = out;
  if (status == -1) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace mnemo::test
