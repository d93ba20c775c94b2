// Copyright (c) mnemo authors.
//
// mnemo-search-eval [--data PATH] [--k K] [--passes N] [--context full|quick|off]
//
// Prints the LoCoMo recall/latency table of mnemo search vs SQLite FTS5
// (see search_eval.h), then the evidence-in-budget table (context_eval.h;
// --context quick: every 8th question, off: not run). Exits 0 with a note
// when the data file is missing.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "context_eval.h"
#include "search_eval.h"

namespace {

int PrintContextEval(const std::string& path, const std::string& mode) {
  if (mode == "off") return 0;
  if (mode != "full" && mode != "quick") {
    std::fprintf(stderr, "mnemo-search-eval: --context must be full, quick or off, not %s\n",
                 mode.c_str());
    return 2;
  }
  mnemo::bench::ContextEvalOptions options;
  options.locomo_path = path;
  options.quick = mode == "quick";
  mnemo::bench::ContextEvalResult result;
  mnemo::Status s = mnemo::bench::RunContextEval(options, &result);
  if (!s.ok()) {
    std::fprintf(stderr, "mnemo-search-eval: context: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("\n%s", mnemo::bench::FormatContextEvalTable(result).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path = "/work/shared/data/locomo10.json";
  if (const char* env = std::getenv("MNEMO_LOCOMO")) path = env;
  size_t k = 10;
  mnemo::bench::SearchEvalOptions options;
  std::string context = "full";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--data")) path = argv[i + 1];
    else if (!std::strcmp(argv[i], "--k")) k = std::strtoul(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--passes")) options.passes = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--context")) context = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: %s [--data PATH] [--k K] [--passes N] [--context full|quick|off]\n",
                   argv[0]);
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
  return PrintContextEval(path, context);
}
