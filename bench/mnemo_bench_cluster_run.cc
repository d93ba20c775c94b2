// Copyright (c) mnemo authors.

#include "mnemo_bench_cluster_run.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "mnemo_bench_util.h"

namespace mnemo::bench {
namespace {

constexpr const char* kPhases[] = {"put", "get", "scan", "search"};

// A host process and the two ends of its pipes.
struct Host {
  pid_t pid = -1;
  FILE* to = nullptr;    // its stdin
  FILE* from = nullptr;  // its stdout
};

bool Spawn(const RunSpec& spec, int index, Host* host) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0) return false;
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]), close(in[1]);
    return false;
  }
  std::string dir = spec.dir + "/host-" + std::to_string(index);
  std::vector<std::string> args = {
      "mnemo-bench", "--cluster-worker", "--host", std::to_string(index),
      "--dir", dir, "--ops", std::to_string(spec.ops), "--agents",
      std::to_string(spec.agents)};
  if (!spec.conf.empty()) args.insert(args.end(), {"--conf", spec.conf});
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  close(in[0]), close(out[1]);
  if (pid < 0) {
    close(in[1]), close(out[0]);
    return false;
  }
  host->pid = pid;
  host->to = fdopen(in[1], "w");
  host->from = fdopen(out[0], "r");
  return host->to != nullptr && host->from != nullptr;
}

// Reads one line from the host; empty at end of file.
std::string ReadLine(Host* host) {
  std::string line;
  for (int c; (c = std::fgetc(host->from)) != EOF && c != '\n';) {
    line.push_back(static_cast<char>(c));
  }
  return line;
}

bool Send(Host* host, const std::string& line) {
  return std::fprintf(host->to, "%s\n", line.c_str()) > 0 &&
         std::fflush(host->to) == 0;
}

// Ends a host: "quit" (it closes its store) and waits for it; a host
// that failed is killed first.
void Finish(Host* host, bool kill_it) {
  if (host->pid < 0) return;
  if (kill_it) kill(host->pid, SIGKILL);
  else Send(host, "quit");
  if (host->to) std::fclose(host->to);
  if (host->from) std::fclose(host->from);
  int status = 0;
  waitpid(host->pid, &status, 0);
  host->pid = -1;
}

// Merges the hosts' "result <phase> {json}" lines into one row.
RowResult Gather(const RunSpec& spec, const std::string& phase,
                 std::vector<Host>& hosts) {
  RowResult row;
  row.backend = spec.backend;
  row.op = phase;
  row.hosts = spec.hosts;
  LatencySamples samples;
  double first_start = 0, last_end = 0;
  for (size_t h = 0; h < hosts.size(); ++h) {
    std::string line = ReadLine(&hosts[h]);
    std::string prefix = "result " + phase + " ";
    if (line.rfind(prefix, 0) != 0) {
      row.error = "host " + std::to_string(h) + " answered '" +
                  line.substr(0, 200) + "'";
      continue;
    }
    auto j = nlohmann::json::parse(line.substr(prefix.size()), nullptr, false);
    if (j.is_discarded()) {
      row.error = "host " + std::to_string(h) + ": unreadable result";
      continue;
    }
    if (!j["ok"].get<bool>()) row.error = j["error"].get<std::string>();
    for (uint64_t us : j["lat_us"]) samples.Add(static_cast<double>(us) / 1e6);
    row.ops += j["ops"].get<uint64_t>();
    row.text_bytes += j.value("text_bytes", uint64_t{0});
    double start = j["start"], end = j["end"];
    first_start = h == 0 ? start : std::min(first_start, start);
    last_end = std::max(last_end, end);
  }
  OpStats stats;
  samples.Summarize(&stats);
  row.p50_us = stats.p50_us;
  row.p99_us = stats.p99_us;
  if (last_end > first_start) row.ops_per_s = row.ops / (last_end - first_start);
  return row;
}

}  // namespace

bool RunHosts(const RunSpec& spec, std::vector<RowResult>* rows) {
  std::filesystem::create_directories(spec.dir);
  std::vector<Host> hosts(spec.hosts);
  std::string failure;
  for (int h = 0; h < spec.hosts && failure.empty(); ++h) {
    if (!Spawn(spec, h, &hosts[h])) failure = "could not start host process";
  }
  for (int h = 0; h < spec.hosts && failure.empty(); ++h) {
    std::string line = ReadLine(&hosts[h]);
    if (line != "ready") {
      failure = "host " + std::to_string(h) + ": " +
                (line.empty() ? std::string("exited") : line);
    }
  }
  bool ok = failure.empty();
  for (const char* phase : kPhases) {
    if (!ok) {
      RowResult failed;
      failed.backend = spec.backend;
      failed.op = phase;
      failed.hosts = spec.hosts;
      failed.error = failure;
      rows->push_back(failed);
      continue;
    }
    for (Host& host : hosts) ok &= Send(&host, phase);
    RowResult row = Gather(spec, phase, hosts);
    if (!row.error.empty()) ok = false, failure = row.error;
    rows->push_back(row);
  }
  for (Host& host : hosts) Finish(&host, !ok);
  return ok;
}

}  // namespace mnemo::bench
