// Copyright (c) mnemo authors.
//
// Workloads of mnemo-bench and the raw-RocksDB view of a record. The
// synthetic workload is the deterministic agent conversation of
// tools/workload (dialogue, tool calls with ids, paths, numbers); the LoCoMo
// workload is locomo10.json replicated to the requested size, each replica
// under fresh agent names (so fresh namespaces and ids).

#ifndef MNEMO_BENCH_MNEMO_BENCH_DATA_H_
#define MNEMO_BENCH_MNEMO_BENCH_DATA_H_

#include <string>
#include <vector>

#include "mnemo/record.h"
#include "mnemo/status.h"

namespace mnemo::bench {

struct Workload {
  std::string name;             // "synthetic" or "locomo"
  std::vector<Record> records;  // in time order per session
  size_t source_records = 0;    // records before replication
  size_t text_bytes = 0;        // sum of text sizes
  std::vector<std::string> agents;  // distinct agents, first-seen order
};

// Builds `n` records: synthetic when `locomo_path` is empty, else LoCoMo
// (NotFound / InvalidArgument from the loader when the file is unusable).
Status MakeWorkload(const std::string& locomo_path, size_t n, Workload* out);

// The bytes a user hands over for a record (namespace, role, kind, text,
// metadata keys and values): what the raw RocksDB peer stores as the value.
std::string RawValue(const Record& r);

// The key the raw peer needs to serve what mnemo serves (an agent's records
// in time order): tenant \0 agent \0 big-endian event time, big-endian i.
std::string RawKey(const Record& r, uint64_t i);
// The prefix of RawKey for (tenant, agent) at time t (for range scans).
std::string RawTimeKey(const std::string& tenant, const std::string& agent,
                       Micros t);

}  // namespace mnemo::bench

#endif  // MNEMO_BENCH_MNEMO_BENCH_DATA_H_
