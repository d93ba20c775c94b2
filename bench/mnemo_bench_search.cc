// Copyright (c) mnemo authors.
//
// SEARCH PHASE (issue 8). Compiled against bench/search_eval.h when that
// file exists at configure time (CMake defines MNEMO_BENCH_HAVE_SEARCH_EVAL
// and adds search_eval.cc). Contract expected from search_eval.h:
//
//   namespace mnemo::bench {
//   struct SearchEvalOptions {
//     std::string locomo_path;  // locomo10.json
//     std::string work_dir;     // scratch directory (exists, removed later)
//     bool quick = false;       // --quick: a subset of the QA items
//     int threads = 1;
//   };
//   // Imports the LoCoMo conversations into mnemo and into SQLite FTS5,
//   // runs the QA questions of categories 1-4 against both and fills
//   // *figures with at least: recall5, recall10, recall5_fts5,
//   // recall10_fts5 (fractions), search_p50_ms, search_p99_ms,
//   // search_p50_ms_fts5, search_p99_ms_fts5, queries.
//   Status RunSearchEval(const SearchEvalOptions& options,
//                        std::map<std::string, double>* figures);
//   }
//
// Without it (or without a LoCoMo file) the phase records why and the
// headline keys recall10, recall10_fts5, search_p50_ms, search_p50_ms_fts5
// stay null.

#include <map>

#include "mnemo_bench_phases.h"

#ifdef MNEMO_BENCH_HAVE_SEARCH_EVAL
#include "context_eval.h"
#include "search_eval.h"
#endif

namespace mnemo::bench {

void RunSearchPhase(const BenchConfig& config, Report* report) {
  nlohmann::json& j = report->phase("search");
#ifndef MNEMO_BENCH_HAVE_SEARCH_EVAL
  (void)config;
  j["skipped"] = "search not built (bench/search_eval.cc absent at configure time)";
#else
  if (config.search_data.empty()) {
    j["skipped"] = "no LoCoMo file (--data locomo FILE or --locomo FILE)";
    return;
  }
  SearchEvalOptions options;
  options.locomo_path = config.search_data;
  options.work_dir = config.work_dir + "/search";
  options.quick = config.quick;
  options.threads = config.threads;
  std::map<std::string, double> figures;
  Status s = RunSearchEval(options, &figures);
  if (!s.ok()) {
    j["error"] = s.ToString();
    return;
  }
  // Evidence in budget (context_eval.h); its failure leaves the recall
  // figures standing.
  ContextEvalOptions context;
  context.locomo_path = config.search_data;
  context.work_dir = config.work_dir + "/context";
  context.quick = config.quick;
  ContextEvalResult evidence;
  Status cs = RunContextEval(context, &evidence);
  if (cs.ok()) {
    ContextEvalFigures(evidence, &figures);
    j["context_evidence_questions"] = evidence.questions;
  } else {
    j["context_error"] = cs.ToString();
  }
  for (const auto& [key, value] : figures) j[key] = value;
  for (const char* key : {"recall10", "recall10_fts5", "search_p50_ms",
                          "search_p50_ms_fts5", "context_evidence_1k",
                          "context_evidence_1k_text_rag"}) {
    auto it = figures.find(key);
    if (it != figures.end()) report->SetHeadline(key, it->second);
  }
  auto fig = [&](const char* k) { return figures.count(k) ? figures.at(k) : 0.0; };
  const double p50 = fig("search_p50_ms"), p50_fts5 = fig("search_p50_ms_fts5");
  report->AddRow({"LoCoMo search (recall@10)", "recall", fig("recall10"), "FTS5",
                  fig("recall10_fts5"),
                  fig("recall10_fts5") > 0 ? fig("recall10") / fig("recall10_fts5") : 0,
                  "", ""});
  report->AddRow({"LoCoMo search (queries/s at p50)", "q/s", p50 > 0 ? 1e3 / p50 : 0,
                  "FTS5", p50_fts5 > 0 ? 1e3 / p50_fts5 : 0,
                  p50 > 0 && p50_fts5 > 0 ? p50_fts5 / p50 : 0, "", ""});
#endif
}

}  // namespace mnemo::bench
