// Copyright (c) mnemo authors.
//
// The phases of mnemo-bench. Each runs mnemo next to its peer in the same
// process on the same data and writes its figures into the Report (JSON
// under phases.<key>, table rows, headline keys). A phase that cannot run
// here (no Pillow, no Tesseract, no GPU, no search yet) says so in the JSON
// and leaves its headline keys null.

#ifndef MNEMO_BENCH_MNEMO_BENCH_PHASES_H_
#define MNEMO_BENCH_MNEMO_BENCH_PHASES_H_

#include <string>

#include "mnemo_bench_data.h"
#include "mnemo_bench_report.h"

namespace mnemo::bench {

struct BenchConfig {
  bool quick = false;
  size_t records = 0;      // workload size
  int threads = 1;         // foreground threads (and compaction threads)
  std::string work_dir;    // scratch directory; the caller removes it
  std::string locomo_path; // empty: synthetic workload
  std::string search_data; // LoCoMo file for the search phase (may be empty)
  std::string corpus_dir;  // codec corpus (empty: build/corpus of the source tree)
  std::string tokenizer;   // vocabulary file for real text tokens (may be empty)
};

// Ingest (Put, PutBatch), point Get and time-range Scan vs raw RocksDB with
// the store's own options. False when an operation failed.
bool RunStorePhases(const BenchConfig& config, const Workload& workload,
                    Report* report);

// Foreground Put while a compaction thread pages aged data, vs idle.
bool RunIngestDuringCompaction(const BenchConfig& config,
                               const Workload& workload, Report* report);

// Compaction pages/s and MB/s of text per profile vs the Pillow pipeline.
bool RunCompactionPhase(const BenchConfig& config, const Workload& workload,
                        Report* report);

// Codec quality per profile (the codec report's figures).
void RunCodecPhase(const BenchConfig& config, Report* report);

// GPU pools: alloc/free, cache hit, churn waste (host backend; CUDA too
// when a device is present).
void RunGpuPhase(const BenchConfig& config, Report* report);

// LoCoMo search recall / latency vs SQLite FTS5 (when bench/search_eval.h
// exists at configure time and the LoCoMo file is given).
void RunSearchPhase(const BenchConfig& config, Report* report);

// mnemo-bench --scale N: ingest N records and print how ingest rate, disk
// bytes (SST and WAL), first-search latency, search p50/p99 and read-only
// open grow (mnemo_bench_scale.cc). Returns the exit status.
int RunScale(size_t n, const std::string& work_dir, const std::string& json_path);

}  // namespace mnemo::bench

#endif  // MNEMO_BENCH_MNEMO_BENCH_PHASES_H_
