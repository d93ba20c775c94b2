// Copyright (c) mnemo authors.
//
// Timing helpers of the mnemo-bench harness: per-operation latency samples,
// percentiles, a multi-threaded op runner, and the interleaved runner that
// measures mnemo and its peer in alternating chunks of the same process so
// that machine noise (other jobs on a shared box) hits both sides alike.
//
// Thread safety: RunOps calls `op` from `threads` threads at once; the
// caller's op must be safe for that. Everything else is single-threaded.

#ifndef MNEMO_BENCH_MNEMO_BENCH_UTIL_H_
#define MNEMO_BENCH_MNEMO_BENCH_UTIL_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mnemo::bench {

// Monotonic seconds.
double NowSeconds();

// Throughput and latency of one side of a phase.
struct OpStats {
  uint64_t ops = 0;        // operations (a batch counts as one op)
  uint64_t items = 0;      // records moved (ops * batch size for batches)
  double seconds = 0;      // wall time spent inside this side's chunks
  double p50_us = 0, p95_us = 0, p99_us = 0;  // per-op latency
  double ops_per_s() const { return seconds > 0 ? ops / seconds : 0; }
  double items_per_s() const { return seconds > 0 ? items / seconds : 0; }
};

// Collects per-op latencies (seconds) and summarizes them.
class LatencySamples {
 public:
  void Add(double seconds) { samples_.push_back(static_cast<float>(seconds)); }
  void Merge(const LatencySamples& other);
  // Fills the percentiles of *stats (microseconds); leaves the rest.
  void Summarize(OpStats* stats);
  size_t size() const { return samples_.size(); }

 private:
  std::vector<float> samples_;
};

// One operation: index i in [begin, end), run by thread `thread`. Returns
// false on failure, which aborts the run (a benchmark must not time errors).
using OpFn = std::function<bool(uint64_t i, int thread)>;

// Runs op(i) for every i in [begin, end), spread over `threads` threads
// (thread t takes i = begin + t, begin + t + threads, ...), timing each op.
// Adds the wall time to stats->seconds and the samples to *samples.
bool RunOps(int threads, uint64_t begin, uint64_t end, const OpFn& op,
            OpStats* stats, LatencySamples* samples);

// The two sides of a phase, measured interleaved.
struct PairStats {
  OpStats mnemo;
  OpStats peer;
  // mnemo items/s over peer items/s (> 1: mnemo faster); 0 when unknown.
  double ratio() const {
    return peer.items_per_s() > 0 ? mnemo.items_per_s() / peer.items_per_s()
                                  : 0;
  }
};

// Splits [0, n) into `rounds` chunks and runs each chunk on mnemo and on
// the peer, alternating which side goes first. `items_per_op` is the batch
// size (1 for single operations). False when an op failed.
bool Interleave(int rounds, uint64_t n, int threads, int items_per_op,
                const OpFn& mnemo, const OpFn& peer, PairStats* out);

// Runs a shell command and returns its stdout (trailing newline removed);
// empty when it could not run.
std::string CommandOutput(const std::string& command);

// Formats a ratio like "1.23x", or "n/a" when ratio <= 0.
std::string FormatRatio(double ratio);

}  // namespace mnemo::bench

#endif  // MNEMO_BENCH_MNEMO_BENCH_UTIL_H_
