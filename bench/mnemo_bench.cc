// Copyright (c) mnemo authors.
//
// mnemo-bench: the workload harness. Measures mnemo next to its peers in
// one process (raw RocksDB with the store's options, the Python Pillow
// render pipeline, SQLite FTS5 when search lands, malloc for block pools)
// and prints a table, writes JSON (every figure, machine, versions,
// parameters, headline), a markdown Performance section and a chart.
//
//   mnemo-bench [--quick] [--data synthetic | --data locomo FILE]
//               [--records N] [--threads T] [--json FILE] [--md FILE]
//               [--chart FILE] [--work-dir DIR] [--skip PHASE,...]
//               [--locomo FILE]   (LoCoMo file for the search phase; default:
//                                  --data locomo's, else ../shared/data/
//                                  locomo10.json next to the source tree)
//               [--corpus DIR]    (codec corpus for the *_mix headline;
//                                  default build/corpus, tools/corpus/gather.py)
//               [--tokenizer FILE] (vocabulary for real text tokens there)
//
//   mnemo-bench --scale N [--json FILE] [--work-dir DIR]
//               (only the growth run of bench/mnemo_bench_scale.cc)
//
//   mnemo-bench --cluster [--cluster-conf CONF] [--hosts 1,2,4] [--ops N]
//               [--backends local,cluster] [--json FILE] [--work-dir DIR]
//               (only the host-process comparison of mnemo_bench_cluster.h)
//
// Phases: store, compaction (ingest during compaction + per-profile
// compaction vs Pillow), codec, search, gpu. Exit status 0 when every phase
// that ran succeeded, 1 on a failed phase, 2 on bad flags.

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "mnemo_bench_chart.h"
#include "mnemo_bench_cluster.h"
#include "mnemo_bench_machine.h"
#include "mnemo_bench_phases.h"

#ifndef MNEMO_SOURCE_DIR
#define MNEMO_SOURCE_DIR "."
#endif

namespace mnemo::bench {
namespace {

struct Flags {
  BenchConfig config;
  std::string json_path, md_path, chart_path;
  std::set<std::string> skip;
  std::string command;  // the command line, for the report
  size_t scale = 0;     // --scale N: only the growth run (mnemo_bench_scale.cc)
};

void Usage() {
  std::fprintf(stderr,
               "usage: mnemo-bench [--quick] [--data synthetic | --data locomo FILE]\n"
               "                   [--records N] [--threads T] [--json FILE] [--md FILE]\n"
               "                   [--chart FILE] [--work-dir DIR] [--locomo FILE]\n"
               "                   [--corpus DIR] [--tokenizer FILE]\n"
               "                   [--skip store,compaction,codec,search,gpu]\n"
               "       mnemo-bench --scale N [--json FILE] [--work-dir DIR]\n"
               "                   (N >= 1000: how ingest, disk, search grow)\n"
               "       mnemo-bench --cluster [--cluster-conf CONF] [--hosts 1,2,4] [--ops N]\n"
               "                   [--backends local,cluster] [--json FILE] [--work-dir DIR]\n"
               "                   (1, 2, 4 host processes: cluster vs embedded store)\n");
}

bool ParseFlags(int argc, char** argv, Flags* f) {
  f->command = "mnemo-bench";
  bool records_set = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    f->command += " " + a;
    auto next = [&](std::string* v) {
      if (i + 1 >= argc) return false;
      *v = argv[++i];
      f->command += " " + *v;
      return true;
    };
    std::string v;
    if (a == "--quick") {
      f->config.quick = true;
    } else if (a == "--data" && next(&v)) {
      if (v == "locomo" && !next(&f->config.locomo_path)) return false;
      if (v != "locomo" && v != "synthetic") return false;
    } else if ((a == "--records" || a == "--threads") && next(&v)) {
      long n = std::atol(v.c_str());
      if (n <= 0 || (a == "--threads" && n > 64)) return false;
      if (a == "--records") f->config.records = n, records_set = true;
      if (a == "--threads") f->config.threads = static_cast<int>(n);
    } else if (a == "--json" || a == "--md" || a == "--chart" || a == "--work-dir") {
      std::string* dst = a == "--json" ? &f->json_path : a == "--md" ? &f->md_path
                       : a == "--chart" ? &f->chart_path : &f->config.work_dir;
      if (!next(dst)) return false;
    } else if (a == "--scale" && next(&v)) {
      long n = std::atol(v.c_str());
      if (n < 1000) return false;
      f->scale = static_cast<size_t>(n);
    } else if (a == "--corpus" && next(&v)) {
      f->config.corpus_dir = v;
    } else if (a == "--tokenizer" && next(&v)) {
      f->config.tokenizer = v;
    } else if (a == "--locomo" && next(&v)) {
      f->config.search_data = v;
    } else if (a == "--skip" && next(&v)) {
      std::stringstream ss(v);
      for (std::string p; std::getline(ss, p, ',');) f->skip.insert(p);
    } else {
      return false;
    }
  }
  if (f->config.search_data.empty()) f->config.search_data = f->config.locomo_path;
  if (f->config.search_data.empty()) {  // as tests/common: next to the checkout
    const std::string shared = MNEMO_SOURCE_DIR "/../shared/data/locomo10.json";
    if (std::filesystem::exists(shared)) f->config.search_data = shared;
  }
  if (!records_set) f->config.records = f->config.quick ? 20000 : 200000;
  if (f->config.records < 64) f->config.records = 64;
  return true;
}

bool WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
  return static_cast<bool>(out);
}

void RecordParameters(const Flags& f, const Workload& w, Report* report) {
  nlohmann::json& p = report->json()["parameters"];
  p["mode"] = f.config.quick ? "quick" : "full";
  p["data"] = w.name;
  p["locomo_file"] = f.config.locomo_path;
  p["search_locomo_file"] = f.config.search_data;
  p["records"] = w.records.size();
  p["source_records"] = w.source_records;
  p["text_bytes"] = w.text_bytes;
  p["agents"] = w.agents.size();
  p["threads"] = f.config.threads;
  p["skipped_phases"] = f.skip;
  report->json()["command"] = f.command;
}

// Runs phase `name` unless skipped; records its duration.
bool Phase(const Flags& f, const std::string& name, Report* report,
           const std::function<bool()>& fn) {
  if (f.skip.count(name)) return true;
  std::fprintf(stderr, "mnemo-bench: %s...\n", name.c_str());
  const double t0 = NowSeconds();
  const bool ok = fn();
  report->json()["durations_s"][name + "_phase"] = NowSeconds() - t0;
  if (!ok) std::fprintf(stderr, "mnemo-bench: phase %s FAILED\n", name.c_str());
  return ok;
}

bool RunAll(const Flags& f, const Workload& w, Report* r) {
  const BenchConfig& c = f.config;
  bool ok = Phase(f, "store", r, [&] { return RunStorePhases(c, w, r); });
  ok &= Phase(f, "compaction", r, [&] {
    return RunIngestDuringCompaction(c, w, r) && RunCompactionPhase(c, w, r);
  });
  ok &= Phase(f, "codec", r, [&] { return RunCodecPhase(c, r), true; });
  ok &= Phase(f, "search", r, [&] { return RunSearchPhase(c, r), true; });
  ok &= Phase(f, "gpu", r, [&] { return RunGpuPhase(c, r), true; });
  return ok;
}

bool WriteOutputs(const Flags& f, Report* report) {
  bool ok = true;
  if (!f.chart_path.empty()) {
    std::string how;
    ok &= DrawChart(report->json(), f.chart_path, &how);
    report->json()["chart"] = {{"path", f.chart_path}, {"drawn_with", how}};
  }
  if (!f.json_path.empty()) ok &= WriteFile(f.json_path, report->json().dump(2) + "\n");
  if (!f.md_path.empty()) {
    std::string md = report->Markdown(f.command);
    if (!f.chart_path.empty()) {
      md += "\n![token ratio vs CER per profile; throughput ratios](" +
            std::filesystem::path(f.chart_path).filename().string() + ")\n";
    }
    ok &= WriteFile(f.md_path, md);
  }
  if (!ok) std::fprintf(stderr, "mnemo-bench: could not write an output file\n");
  return ok;
}

// mnemo-bench --cluster ...: the host-process comparison alone.
int ClusterMain(int argc, char** argv) {
  ClusterBenchConfig config;
  if (!ParseClusterFlags(argc, argv, 2, &config)) return Usage(), 2;
  if (config.work_dir.empty()) {
    config.work_dir = (std::filesystem::temp_directory_path() /
                       ("mnemo-bench-" + std::to_string(getpid()))).string();
  }
  std::filesystem::remove_all(config.work_dir);
  std::filesystem::create_directories(config.work_dir);
  int rc = RunClusterBench(config);
  std::filesystem::remove_all(config.work_dir);
  return rc;
}

int Main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--cluster-worker") == 0) {
    return RunClusterWorker(argc, argv);
  }
  if (argc > 1 && std::strcmp(argv[1], "--cluster") == 0) {
    return ClusterMain(argc, argv);
  }
  Flags f;
  if (!ParseFlags(argc, argv, &f)) return Usage(), 2;
  if (f.config.work_dir.empty()) {
    f.config.work_dir = (std::filesystem::temp_directory_path() /
                         ("mnemo-bench-" + std::to_string(getpid()))).string();
  }
  std::filesystem::remove_all(f.config.work_dir);
  std::filesystem::create_directories(f.config.work_dir);
  if (f.scale > 0) {
    int rc = RunScale(f.scale, f.config.work_dir, f.json_path);
    std::filesystem::remove_all(f.config.work_dir);
    return rc;
  }
  const double t0 = NowSeconds();
  Workload w;
  Status s = MakeWorkload(f.config.locomo_path, f.config.records, &w);
  if (!s.ok()) {
    std::fprintf(stderr, "mnemo-bench: workload: %s\n", s.ToString().c_str());
    std::filesystem::remove_all(f.config.work_dir);
    return 2;
  }
  Report report;
  RecordMachine(&report);
  RecordParameters(f, w, &report);
  bool ok = RunAll(f, w, &report);
  std::filesystem::remove_all(f.config.work_dir);
  report.json()["durations_s"]["total"] = NowSeconds() - t0;
  ok &= WriteOutputs(f, &report);
  report.Print(stdout);
  std::printf("\ntotal %.1f s (%s, %zu records, %d threads)\n", NowSeconds() - t0,
              f.config.quick ? "quick" : "full", w.records.size(), f.config.threads);
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace mnemo::bench

int main(int argc, char** argv) { return mnemo::bench::Main(argc, argv); }
