// Copyright (c) mnemo authors.

#include "mnemo_bench_util.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

namespace mnemo::bench {

double NowSeconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void LatencySamples::Merge(const LatencySamples& other) {
  samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
}

void LatencySamples::Summarize(OpStats* stats) {
  if (samples_.empty()) return;
  auto at = [this](double q) {
    size_t k = static_cast<size_t>(q * static_cast<double>(samples_.size() - 1));
    std::nth_element(samples_.begin(), samples_.begin() + k, samples_.end());
    return 1e6 * samples_[k];
  };
  stats->p50_us = at(0.50);
  stats->p95_us = at(0.95);
  stats->p99_us = at(0.99);
}

bool RunOps(int threads, uint64_t begin, uint64_t end, const OpFn& op,
            OpStats* stats, LatencySamples* samples) {
  threads = std::max(1, threads);
  std::vector<LatencySamples> per_thread(threads);
  std::atomic<bool> ok{true};
  auto work = [&](int t) {
    for (uint64_t i = begin + t; i < end && ok.load(std::memory_order_relaxed);
         i += threads) {
      const double t0 = NowSeconds();
      if (!op(i, t)) ok = false;
      per_thread[t].Add(NowSeconds() - t0);
    }
  };
  const double t0 = NowSeconds();
  if (threads == 1) {
    work(0);
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(work, t);
    for (auto& th : pool) th.join();
  }
  stats->seconds += NowSeconds() - t0;
  stats->ops += end > begin ? end - begin : 0;
  for (const auto& s : per_thread) samples->Merge(s);
  return ok;
}

bool Interleave(int rounds, uint64_t n, int threads, int items_per_op,
                const OpFn& mnemo, const OpFn& peer, PairStats* out) {
  rounds = std::max(1, rounds);
  LatencySamples a, b;
  for (int r = 0; r < rounds; ++r) {
    const uint64_t lo = n * r / rounds, hi = n * (r + 1) / rounds;
    const bool mnemo_first = r % 2 == 0;
    for (int side = 0; side < 2; ++side) {
      const bool run_mnemo = (side == 0) == mnemo_first;
      bool ok = run_mnemo ? RunOps(threads, lo, hi, mnemo, &out->mnemo, &a)
                          : RunOps(threads, lo, hi, peer, &out->peer, &b);
      if (!ok) return false;
    }
  }
  out->mnemo.items = out->mnemo.ops * items_per_op;
  out->peer.items = out->peer.ops * items_per_op;
  a.Summarize(&out->mnemo);
  b.Summarize(&out->peer);
  return true;
}

std::string CommandOutput(const std::string& command) {
  std::string out;
  if (FILE* p = popen(command.c_str(), "r")) {
    char buf[512];
    while (fgets(buf, sizeof(buf), p)) out += buf;
    pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

std::string FormatRatio(double ratio) {
  if (ratio <= 0) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof(buf), ratio >= 100 ? "%.0fx" : "%.2fx", ratio);
  return buf;
}

}  // namespace mnemo::bench
