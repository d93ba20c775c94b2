// Copyright (c) mnemo authors.
//
// The parent of mnemo-bench --cluster (see mnemo_bench_cluster.h): starts
// the test cluster when none is given, and for each backend and host count
// spawns the host processes, starts each phase on all of them at once
// (every host says "ready" first, then each gets the phase name), gathers
// their latencies and prints the table.

#include "mnemo_bench_cluster.h"

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "mnemo_bench_cluster_run.h"
#include "mnemo_bench_util.h"

#ifndef MNEMO_SOURCE_DIR
#define MNEMO_SOURCE_DIR "."
#endif

namespace mnemo::bench {
namespace {

namespace fs = std::filesystem;

bool ParseList(const std::string& text, std::vector<std::string>* out) {
  out->clear();
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');) {
    if (item.empty()) return false;
    out->push_back(item);
  }
  return !out->empty();
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

std::string ClusterScript() {
  return MNEMO_SOURCE_DIR "/tools/cluster/cluster.sh";
}

// Starts a test cluster in `dir`; sets *conf to its ceph.conf.
bool StartCluster(const std::string& dir, std::string* conf) {
  std::fprintf(stderr, "mnemo-bench: starting a test cluster in %s\n",
               dir.c_str());
  std::string cmd = ClusterScript() + " start '" + dir + "' >&2";
  if (std::system(cmd.c_str()) != 0) {
    std::fprintf(stderr, "mnemo-bench: the test cluster did not start "
                         "(tools/install_deps.sh installs Ceph)\n");
    return false;
  }
  *conf = dir + "/ceph.conf";
  return true;
}

void StopCluster(const std::string& dir) {
  std::string cmd = ClusterScript() + " stop '" + dir + "' >&2";
  if (std::system(cmd.c_str()) != 0) {
    std::fprintf(stderr, "mnemo-bench: could not stop the cluster in %s\n",
                 dir.c_str());
  }
}

void PrintTable(const std::vector<RowResult>& rows) {
  std::printf("\n%-8s %5s %-7s %7s %9s %9s %10s %8s\n", "backend", "hosts",
              "op", "ops", "p50 ms", "p99 ms", "ops/s", "vs local");
  for (const RowResult& r : rows) {
    if (!r.error.empty()) {
      std::printf("%-8s %5d %-7s  FAILED: %s\n", r.backend.c_str(), r.hosts,
                  r.op.c_str(), r.error.c_str());
      continue;
    }
    double local = 0;
    for (const RowResult& l : rows) {
      if (l.backend == "local" && l.hosts == r.hosts && l.op == r.op &&
          l.error.empty()) {
        local = l.ops_per_s;
      }
    }
    std::string ratio = r.backend != "local" && local > 0
                            ? FormatRatio(r.ops_per_s / local)
                            : "";
    std::printf("%-8s %5d %-7s %7llu %9.3f %9.3f %10.0f %8s\n",
                r.backend.c_str(), r.hosts, r.op.c_str(),
                static_cast<unsigned long long>(r.ops), r.p50_us / 1000,
                r.p99_us / 1000, r.ops_per_s, ratio.c_str());
  }
}

nlohmann::json RowsToJson(const std::vector<RowResult>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const RowResult& r : rows) {
    out.push_back({{"backend", r.backend},
                   {"hosts", r.hosts},
                   {"op", r.op},
                   {"ops", r.ops},
                   {"p50_us", r.p50_us},
                   {"p99_us", r.p99_us},
                   {"ops_per_s", r.ops_per_s},
                   {"text_bytes", r.text_bytes},
                   {"error", r.error}});
  }
  return out;
}

}  // namespace

bool ParseClusterFlags(int argc, char** argv, int first,
                       ClusterBenchConfig* c) {
  c->command = "mnemo-bench";
  for (int i = 1; i < argc; ++i) c->command += std::string(" ") + argv[i];
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return false;
    std::string v = argv[++i];
    std::vector<std::string> list;
    if (a == "--cluster-conf") {
      c->conf = v;
    } else if (a == "--hosts" && ParseList(v, &list)) {
      c->hosts.clear();
      for (const std::string& h : list) {
        int n = std::atoi(h.c_str());
        if (n < 1 || n > 16) return false;
        c->hosts.push_back(n);
      }
    } else if (a == "--backends" && ParseList(v, &list)) {
      for (const std::string& b : list) {
        if (b != "local" && b != "cluster") return false;
      }
      c->backends = list;
    } else if (a == "--ops") {
      long n = std::atol(v.c_str());
      if (n < 4 || n > 1000000) return false;
      c->ops = static_cast<size_t>(n);
    } else if (a == "--agents") {
      c->agents = std::atoi(v.c_str());
      if (c->agents < 1 || c->agents > 1000) return false;
    } else if (a == "--json") {
      c->json_path = v;
    } else if (a == "--work-dir") {
      c->work_dir = v;
    } else {
      return false;
    }
  }
  return true;
}

int RunClusterBench(const ClusterBenchConfig& config) {
  // A host process that died must fail its row, not kill the parent.
  signal(SIGPIPE, SIG_IGN);
  const double t0 = NowSeconds();
  const std::string load_before = LoadAverage();
  bool need_cluster = std::count(config.backends.begin(),
                                 config.backends.end(), "cluster") > 0;
  std::string conf = config.conf, cluster_dir;
  if (need_cluster && conf.empty()) {
    cluster_dir = config.work_dir + "/cluster";
    if (!StartCluster(cluster_dir, &conf)) return 1;
  }
  std::vector<RowResult> rows;
  bool ok = true;
  for (const std::string& backend : config.backends) {
    for (int hosts : config.hosts) {
      RunSpec spec{backend, hosts, backend == "cluster" ? conf : "",
                   config.ops, config.agents,
                   config.work_dir + "/" + backend + "-" +
                       std::to_string(hosts)};
      std::fprintf(stderr, "mnemo-bench: %s, %d host process(es)...\n",
                   backend.c_str(), hosts);
      ok &= RunHosts(spec, &rows);
    }
  }
  if (!cluster_dir.empty()) StopCluster(cluster_dir);
  const std::string load_after = LoadAverage();
  PrintTable(rows);
  std::printf("\n%zu ops per host and phase (Search: a quarter), %d agents "
              "per host; load average %s before, %s after; %.1f s\n",
              config.ops, config.agents, load_before.c_str(),
              load_after.c_str(), NowSeconds() - t0);
  if (!config.json_path.empty()) {
    nlohmann::json j;
    j["command"] = config.command;
    j["ops_per_host"] = config.ops;
    j["agents_per_host"] = config.agents;
    j["cluster"] = config.conf.empty() ? "started by the bench: 1 monitor, 3 "
                                         "OSDs, size 3 / min_size 2, loopback"
                                       : config.conf;
    j["load_average_before"] = load_before;
    j["load_average_after"] = load_after;
    j["rows"] = RowsToJson(rows);
    std::ofstream out(config.json_path);
    out << j.dump(2) << "\n";
    ok &= static_cast<bool>(out);
  }
  return ok ? 0 : 1;
}

}  // namespace mnemo::bench
