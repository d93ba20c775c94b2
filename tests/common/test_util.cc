// Copyright (c) mnemo authors.

#include "test_util.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

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

KilledChild RunAndKill(const std::string& binary,
                       const std::vector<std::string>& args, int run_ms) {
  std::string path = BinDir() + "/" + binary;
  std::vector<char*> argv = {path.data()};
  std::vector<std::string> copies = args;
  for (std::string& a : copies) argv.push_back(a.data());
  argv.push_back(nullptr);
  int fds[2];
  KilledChild child;
  if (pipe(fds) != 0) return child;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execv(path.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  std::this_thread::sleep_for(std::chrono::milliseconds(run_ms));
  kill(pid, SIGKILL);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, n);
  close(fds[0]);
  waitpid(pid, &child.status, 0);
  child.killed = WIFSIGNALED(child.status);
  for (size_t pos = 0, eol; (eol = out.find('\n', pos)) != std::string::npos;
       pos = eol + 1) {
    child.lines.push_back(out.substr(pos, eol - pos));
  }
  return child;
}

}  // namespace mnemo::test
