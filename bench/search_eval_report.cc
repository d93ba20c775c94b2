// Copyright (c) mnemo authors.
//
// The LoCoMo search eval as Markdown tables (search_eval.h).

#include <cstdio>
#include <string>

#include "search_eval.h"

namespace mnemo::bench {
namespace {

std::string Cell(double v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), " %.3f |", v);
  return buf;
}

// recall@10 (fraction) per category, one block of rows per split.
std::string CategoryTable(const SearchEvalResult& r) {
  std::string out =
      "recall@10 (fraction of evidence found, the LoCoMo paper's "
      "definition) per category\n\n| split | engine |";
  for (int c = 1; c <= 4; ++c) out += std::string(" ") + kCategoryNames[c] + " |";
  out += " all |\n|---|---|---|---|---|---|---|\n";
  for (int split = 0; split < 3; ++split) {
    for (const auto& row : r.rows) {
      out += std::string("| ") + kSplitNames[split] + " | " + row.engine + " |";
      for (int c = 1; c <= 4; ++c) {
        out += Cell(row.tally[split][c].Mean(kRecallFraction, 1));
      }
      out += Cell(row.tally[split][0].Mean(kRecallFraction, 1)) + "\n";
    }
  }
  return out;
}

// recall@5/10/25 under each definition, all questions, and latency.
std::string DefinitionTable(const SearchEvalResult& r) {
  std::string out =
      "recall@5/10/25, all questions, by definition (fraction: share of "
      "evidence found; any: one found; all: every one found); latency at "
      "k=10\n\n| engine | frac@5 | frac@10 | frac@25 | any@5 | any@10 | "
      "any@25 | all@5 | all@10 | all@25 | p50 us | p99 us |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  char line[64];
  for (const auto& row : r.rows) {
    out += "| " + row.engine + " |";
    for (int def = 0; def < 3; ++def) {
      for (int k = 0; k < 3; ++k) out += Cell(row.tally[0][0].Mean(def, k));
    }
    std::snprintf(line, sizeof(line), " %.0f | %.0f |\n", row.p50_us,
                  row.p99_us);
    out += line;
  }
  return out;
}

}  // namespace

std::string FormatSearchEvalTable(const SearchEvalResult& r) {
  std::string out = "LoCoMo retrieval: " + std::to_string(r.records) +
                    " turns, " + std::to_string(r.questions) +
                    " questions (categories 1-4)\n\n";
  out += CategoryTable(r) + "\n" + DefinitionTable(r);
  return out;
}

}  // namespace mnemo::bench
