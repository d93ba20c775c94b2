// Copyright (c) mnemo authors.
//
// Evidence in budget on LoCoMo: the share of a question's evidence turns a
// reader actually gets, legibly, within a token budget. For each QA item of
// categories 1-4 with evidence, a context is built for the question in its
// conversation at each budget, and an evidence turn counts only when it is
// in a text part or on a legible image part: a full-resolution stored page
// (every record drawn on it; for a crop, its hit records) or an image
// re-rendered from kept text (its hits and neighbours). Decayed-only pages
// count nothing. Averaged over questions (the fraction definition), overall
// and per category.
//
// Contexts compared on the same turns and questions:
//  * mnemo BuildContext (default ContextOptions) on a store compacted with
//    the default policy at 2030-01-01 (every LoCoMo turn is older than the
//    90-day decay threshold then: decayed pages, text kept);
//  * the same with decay off (pages stay at full resolution);
//  * text-only retrieval: SQLite FTS5 (unicode61) bm25 turns, the question's
//    words OR-ed, added best first as "[time] speaker: text" lines while
//    they fit, priced like the builder's text parts.

#ifndef MNEMO_BENCH_CONTEXT_EVAL_H_
#define MNEMO_BENCH_CONTEXT_EVAL_H_

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "mnemo/status.h"

namespace mnemo::bench {

struct ContextEvalOptions {
  std::string locomo_path;
  // Scratch directory (created when missing; what the run puts there is
  // removed afterwards). Empty: a directory under the system temp dir.
  std::string work_dir;
  // Every 8th question.
  bool quick = false;
  std::vector<size_t> budgets = {500, 1000, 2000, 4000};
};

struct ContextEvalRow {
  std::string engine;
  std::vector<double> evidence;  // per budget, all categories
  std::map<int, std::vector<double>> by_category;  // category -> per budget
  // Parts of the contexts at each budget by ContextPart::Source (mnemo
  // rows): text, stored page, re-rendered, decayed-only.
  std::vector<std::vector<size_t>> parts_by_source;
  double ms_per_context = 0;
};

struct ContextEvalResult {
  size_t records = 0;
  size_t questions = 0;
  std::map<int, size_t> questions_by_category;
  std::vector<size_t> budgets;
  std::vector<ContextEvalRow> rows;  // default policy, decay off, text-only
};

// NotFound when `options.locomo_path` does not exist.
Status RunContextEval(const ContextEvalOptions& options,
                      ContextEvalResult* result);

// Markdown tables: overall, then per category.
std::string FormatContextEvalTable(const ContextEvalResult& result);

// Figures for mnemo-bench: context_evidence_<500|1k|2k|4k> (default
// policy), the same suffixed _decay_off and _text_rag.
void ContextEvalFigures(const ContextEvalResult& result,
                        std::map<std::string, double>* figures);

}  // namespace mnemo::bench

#endif  // MNEMO_BENCH_CONTEXT_EVAL_H_
