// Copyright (c) mnemo authors.
//
// mnemo-search-eval [--data PATH] [--k K] [--passes N]
//
// Prints the LoCoMo recall/latency table of mnemo search vs SQLite FTS5
// (see search_eval.h). Exits 0 with a note when the data file is missing.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "search_eval.h"

int main(int argc, char** argv) {
  std::string path = "/work/shared/data/locomo10.json";
  if (const char* env = std::getenv("MNEMO_LOCOMO")) path = env;
  size_t k = 10;
  mnemo::bench::SearchEvalOptions options;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--data")) path = argv[i + 1];
    else if (!std::strcmp(argv[i], "--k")) k = std::strtoul(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--passes")) options.passes = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: %s [--data PATH] [--k K] [--passes N]\n", argv[0]);
      return 2;
    }
  }
  mnemo::bench::SearchEvalResult result;
  mnemo::Status s = mnemo::bench::RunLocomoSearchEval(path, k, options, &result);
  if (s.IsNotFound()) {
    std::printf("LoCoMo data not found at %s; skipped\n", path.c_str());
    return 0;
  }
  if (!s.ok()) {
    std::fprintf(stderr, "mnemo-search-eval: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("%s", mnemo::bench::FormatSearchEvalTable(result).c_str());
  return 0;
}
