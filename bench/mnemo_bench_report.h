// Copyright (c) mnemo authors.
//
// Report of one mnemo-bench run: every figure goes into one JSON document
// (machine, versions, parameters, phases, headline) and the side-by-side
// rows also into a table printed on stdout and a markdown Performance
// section. Each row is mnemo next to its peer measured in the same process;
// ratios are mnemo / peer throughput, so > 1 means mnemo is faster.
//
// Thread safety: not thread-safe; phases report from the main thread.

#ifndef MNEMO_BENCH_MNEMO_BENCH_REPORT_H_
#define MNEMO_BENCH_MNEMO_BENCH_REPORT_H_

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mnemo_bench_util.h"

namespace mnemo::bench {

// The headline keys, in output order (all present in the JSON; null when
// the feature has not landed or could not be measured here).
const std::vector<std::string>& HeadlineKeys();

struct TableRow {
  std::string phase;     // "ingest Put"
  std::string unit;      // "rec/s", "MB/s", "pages/s"
  double mnemo = 0;      // throughput
  std::string peer_name; // "RocksDB", "Pillow", "idle", "malloc"
  double peer = 0;       // 0: no peer figure
  double ratio = 0;      // mnemo / peer, 0 when none
  std::string mnemo_lat; // "p50/p95/p99 us" or empty
  std::string peer_lat;
};

class Report {
 public:
  Report();

  nlohmann::json& json() { return root_; }
  // json()["phases"][key].
  nlohmann::json& phase(const std::string& key) { return root_["phases"][key]; }

  // Records a measured pair as phases[key] {mnemo, peer, ratio} and a row.
  void AddPair(const std::string& key, const std::string& title,
               const std::string& peer_name, const PairStats& pair,
               const std::string& unit = "rec/s");
  // Adds a row of derived figures (JSON is the caller's).
  void AddRow(const TableRow& row) { rows_.push_back(row); }
  // Extra lines printed after the table (codec, GPU, search sections).
  void AddSection(const std::string& title, const std::vector<std::string>& md_lines);

  void SetHeadline(const std::string& key, std::optional<double> value);

  // The table, the sections and the headline, for a terminal.
  void Print(FILE* out) const;
  // A "## Performance" markdown section with the command and machine.
  std::string Markdown(const std::string& command) const;

 private:
  nlohmann::json root_;
  std::vector<TableRow> rows_;
  std::vector<std::pair<std::string, std::vector<std::string>>> sections_;
};

// JSON of one side: ops, items, seconds, ops_per_s, items_per_s, p50/95/99.
nlohmann::json ToJson(const OpStats& stats);
// "12.3/45.6/78.9" (microseconds).
std::string LatencyText(const OpStats& stats);

}  // namespace mnemo::bench

#endif  // MNEMO_BENCH_MNEMO_BENCH_REPORT_H_
