// Copyright (c) mnemo authors.
//
// mnemo-bench --cluster: Put/Get/Scan/Search latency (p50/p99) and
// throughput with 1, 2 and 4 host processes, on the local embedded store
// and on a cluster-mode store, in the same run. Each host is a separate
// process (this executable run as a worker) with its own local directory
// and its own agents; the parent starts every phase on all hosts at once
// and gathers their samples, so the throughput is that of N hosts sharing
// one cluster (or, for the embedded store, N independent stores on one
// machine).
//
//   mnemo-bench --cluster [--cluster-conf CONF] [--hosts 1,2,4]
//               [--ops N] [--backends local,cluster] [--json FILE]
//               [--work-dir DIR]
//
// Without --cluster-conf it starts a local test cluster with
// tools/cluster/cluster.sh (one monitor, three OSDs, size 3 / min_size 2)
// and stops it at the end.

#ifndef MNEMO_BENCH_MNEMO_BENCH_CLUSTER_H_
#define MNEMO_BENCH_MNEMO_BENCH_CLUSTER_H_

#include <string>
#include <vector>

namespace mnemo::bench {

struct ClusterBenchConfig {
  std::string conf;                 // ceph.conf of a running cluster
  std::vector<int> hosts{1, 2, 4};  // host-process counts, one run each
  std::vector<std::string> backends{"local", "cluster"};
  size_t ops = 300;                 // per host and phase (Search: ops / 4)
  int agents = 4;                   // per host
  std::string work_dir;             // scratch; removed by the caller
  std::string json_path;            // empty: no JSON file
  std::string command;              // the command line, for the report
};

// Parses the flags after --cluster; false on a bad flag (usage error).
bool ParseClusterFlags(int argc, char** argv, int first,
                       ClusterBenchConfig* config);

// Runs the whole comparison and prints the table; returns the exit status
// (0 when every phase ran, 1 when one failed or the cluster did not start).
int RunClusterBench(const ClusterBenchConfig& config);

// The host process: mnemo-bench --cluster-worker --host H --dir DIR
// [--conf CONF] --ops N --agents A. Reads phase names on stdin, answers
// one "result <phase> <json>" line each on stdout; see the .cc file.
int RunClusterWorker(int argc, char** argv);

}  // namespace mnemo::bench

#endif  // MNEMO_BENCH_MNEMO_BENCH_CLUSTER_H_
