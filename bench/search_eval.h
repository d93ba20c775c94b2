// Copyright (c) mnemo authors.
//
// LoCoMo retrieval benchmark: recall@5/10/25 of the evidence turns per
// question category and query latency for mnemo's search (its default
// ranking, plain BM25, and any variants asked for) and for SQLite FTS5
// (bm25 ranking) on the same records and the same questions.
//
// Every turn of the 10 conversations becomes a record (tools/workload
// LoadLocomo: agent = sample_id, metadata dia_id). For each QA item of
// categories 1-4 with parseable evidence, the conversation is searched with
// the question text; recall@k is the share of its evidence dia_ids among
// the top k hits, averaged over questions (also "any" and "all"). FTS5 gets the question's words
// OR-ed (its default is AND, which finds almost nothing for questions),
// restricted to the conversation, ordered by bm25(); once with its default
// unicode61 tokenizer and once with porter stemming.

#ifndef MNEMO_BENCH_SEARCH_EVAL_H_
#define MNEMO_BENCH_SEARCH_EVAL_H_

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "mnemo/search.h"
#include "mnemo/status.h"

namespace mnemo::bench {

// A mnemo configuration to measure: a name and its ranking options.
struct MnemoVariant {
  std::string name;
  RankingOptions ranking;
  Bm25Params bm25;
};

struct SearchEvalOptions {
  // locomo10.json (RunSearchEval; RunLocomoSearchEval takes it as `path`).
  std::string locomo_path;
  // Scratch directory for the mnemo store and the SQLite files (created
  // when missing; what the run puts there is removed afterwards). Empty: a
  // directory under the system temp dir.
  std::string work_dir;
  // Every 8th question and one timed pass.
  bool quick = false;
  // Queries run on one thread (kept for the harness's contract).
  int threads = 1;
  // Timed passes over all questions (latency percentiles pool them).
  int passes = 3;
  // mnemo configurations measured after the default one ("mnemo") and
  // plain BM25 ("mnemo bm25 only"), on the same store.
  std::vector<MnemoVariant> variants;
};

// Recall of one question's evidence turns in the top k: the share found
// (the LoCoMo paper's definition), 1 when any is found, 1 when all are.
enum RecallDef { kRecallFraction = 0, kRecallAny = 1, kRecallAll = 2 };
inline constexpr size_t kRecallKs[3] = {5, 10, 25};
// Splits of the questions: every conversation, the first five (where
// parameters were chosen) and the last five (held out).
inline constexpr const char* kSplitNames[3] = {"all", "conv 0-4",
                                               "conv 5-9 (held out)"};
// LoCoMo's category numbers, named as in its paper.
inline constexpr const char* kCategoryNames[5] = {
    "all", "1 multi-hop", "2 temporal", "3 open-domain", "4 single-hop"};

struct RecallTally {
  double sum[3][3] = {};  // [RecallDef][index into kRecallKs]
  size_t questions = 0;
  double Mean(int def, int k_index) const {
    return questions ? sum[def][k_index] / questions : 0;
  }
};

struct SearchEvalRow {
  std::string engine;  // "mnemo", "sqlite fts5 (unicode61)", ...
  RecallTally tally[3][5];  // [split][category: 0 all, 1..4]
  double recall_at_5 = 0;   // fraction, all questions
  double recall_at_10 = 0;
  double p50_us = 0;  // query latency at k = 10, microseconds
  double p99_us = 0;
  double ingest_s = 0;  // loading every turn (and building the index)
};

struct SearchEvalResult {
  size_t records = 0;
  size_t questions = 0;  // categories 1-4 with evidence
  std::vector<SearchEvalRow> rows;
};

// Runs the benchmark on the LoCoMo file at `path`: one untimed pass of
// top-25 searches for recall, then `passes` timed passes of top-10
// searches for latency.
// NotFound when `path` does not exist; other errors as the store, SQLite
// or the loader report them.
Status RunLocomoSearchEval(const std::string& path,
                           const SearchEvalOptions& options,
                           SearchEvalResult* result);

// The harness entry point (bench/mnemo_bench_search.cc): runs and fills *figures with recall5, recall10, search_p50_ms, search_p99_ms
// (mnemo) and the same keys suffixed _fts5 (FTS5 with its default
// unicode61 tokenizer) and _fts5_porter, recall25 and recall10 per
// category (recall10_cat1..4, same suffixes), recall10_bm25 (mnemo's
// plain BM25), plus queries and records.
Status RunSearchEval(const SearchEvalOptions& options,
                     std::map<std::string, double>* figures);

// The result as Markdown tables: recall@10 (fraction) per category and
// split, recall@5/10/25 under each definition, latency.
std::string FormatSearchEvalTable(const SearchEvalResult& result);

}  // namespace mnemo::bench

#endif  // MNEMO_BENCH_SEARCH_EVAL_H_
