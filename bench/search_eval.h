// Copyright (c) mnemo authors.
//
// LoCoMo retrieval benchmark: recall@k of the evidence turns and query
// latency for mnemo's BM25 search and for SQLite FTS5 (bm25 ranking) on the
// same records and the same questions.
//
// Every turn of the 10 conversations becomes a record (tools/workload
// LoadLocomo: agent = sample_id, metadata dia_id). For each QA item of
// categories 1-4 with parseable evidence, the conversation is searched with
// the question text; recall@k is the share of its evidence dia_ids among
// the top k hits, averaged over questions. FTS5 gets the question's words
// OR-ed (its default is AND, which finds almost nothing for questions),
// restricted to the conversation, ordered by bm25(); once with its default
// unicode61 tokenizer and once with porter stemming.

#ifndef MNEMO_BENCH_SEARCH_EVAL_H_
#define MNEMO_BENCH_SEARCH_EVAL_H_

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "mnemo/status.h"

namespace mnemo::bench {

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
};

struct SearchEvalRow {
  std::string engine;  // "mnemo bm25", "sqlite fts5 unicode61", ...
  double recall_at_5 = 0;
  double recall_at_10 = 0;
  double p50_us = 0;  // query latency, microseconds
  double p99_us = 0;
  double ingest_s = 0;  // loading every turn (and building the index)
};

struct SearchEvalResult {
  size_t records = 0;
  size_t questions = 0;  // categories 1-4 with evidence
  std::vector<SearchEvalRow> rows;
};

// Runs the benchmark on the LoCoMo file at `path` with top-`k` searches
// (k >= 10 so both recalls are measured; recall@5 uses the first five).
// NotFound when `path` does not exist; other errors as the store, SQLite
// or the loader report them.
Status RunLocomoSearchEval(const std::string& path, size_t k,
                           const SearchEvalOptions& options,
                           SearchEvalResult* result);

// The harness entry point (bench/mnemo_bench_search.cc): runs with k = 10
// and fills *figures with recall5, recall10, search_p50_ms, search_p99_ms
// (mnemo) and the same keys suffixed _fts5 (FTS5 with its default
// unicode61 tokenizer) and _fts5_porter, plus queries and records.
Status RunSearchEval(const SearchEvalOptions& options,
                     std::map<std::string, double>* figures);

// The result as a Markdown table.
std::string FormatSearchEvalTable(const SearchEvalResult& result);

}  // namespace mnemo::bench

#endif  // MNEMO_BENCH_SEARCH_EVAL_H_
