// Copyright (c) mnemo authors.
//
// One run of mnemo-bench --cluster: N host processes on one backend, every
// phase started on all of them at once, their samples gathered.

#ifndef MNEMO_BENCH_MNEMO_BENCH_CLUSTER_RUN_H_
#define MNEMO_BENCH_MNEMO_BENCH_CLUSTER_RUN_H_

#include <cstdint>
#include <string>
#include <vector>

namespace mnemo::bench {

struct RunSpec {
  std::string backend;  // "local" or "cluster"
  int hosts = 1;
  std::string conf;     // ceph.conf for "cluster"
  size_t ops = 0;       // per host and phase
  int agents = 0;       // per host
  std::string dir;      // the hosts' local directories go under it
};

// One row of the table: a phase of one run, over all its hosts.
struct RowResult {
  std::string backend, op;
  int hosts = 0;
  uint64_t ops = 0;          // over all hosts
  double p50_us = 0, p99_us = 0;  // over every op of every host
  // All hosts' ops over the span from the first host's start to the last
  // host's end (the phases start together).
  double ops_per_s = 0;
  uint64_t text_bytes = 0;   // put: record text written over all hosts
  std::string error;         // non-empty: the phase failed on a host
};

// Runs the phases (put, get, scan, search) with spec.hosts processes and
// appends one row per phase; false when a host failed (its rows say why).
bool RunHosts(const RunSpec& spec, std::vector<RowResult>* rows);

}  // namespace mnemo::bench

#endif  // MNEMO_BENCH_MNEMO_BENCH_CLUSTER_RUN_H_
