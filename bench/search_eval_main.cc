// Copyright (c) mnemo authors.
//
// mnemo-search-eval [--data PATH] [--passes N] [--variant SPEC]...
//                   [--context full|quick|off]
//
// Prints the LoCoMo recall/latency tables of mnemo search vs SQLite FTS5
// (see search_eval.h), then the evidence-in-budget table (context_eval.h;
// --context quick: every 8th question, off: not run). Exits 0 with a note
// when the data file is missing.
// --variant adds a mnemo row: NAME:key=value,... over the default ranking,
// keys neighbour, session, role, time, prf_docs, prf_terms, prf_weight,
// pool, k1, b (e.g. "no-neighbour:neighbour=0").

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>

#include "context_eval.h"
#include "search_eval.h"

namespace {

// Parses NAME:key=value,...; false on a malformed spec or unknown key.
bool ParseVariant(const std::string& spec, mnemo::bench::MnemoVariant* v) {
  size_t colon = spec.find(':');
  v->name = spec.substr(0, colon);
  if (colon == std::string::npos) return !v->name.empty();
  std::stringstream in(spec.substr(colon + 1));
  std::string item;
  mnemo::RankingOptions& r = v->ranking;
  while (std::getline(in, item, ',')) {
    size_t eq = item.find('=');
    if (eq == std::string::npos) return false;
    std::string key = item.substr(0, eq);
    char* end = nullptr;
    double x = std::strtod(item.c_str() + eq + 1, &end);
    if (*end != '\0') return false;
    if (key == "neighbour") r.neighbour_weight = x;
    else if (key == "session") r.session_weight = x;
    else if (key == "role") r.role_weight = x;
    else if (key == "time") r.time_boost = x;
    else if (key == "prf_docs") r.prf_docs = static_cast<size_t>(x);
    else if (key == "prf_terms") r.prf_terms = static_cast<size_t>(x);
    else if (key == "prf_weight") r.prf_weight = x;
    else if (key == "pool") r.rerank_pool = static_cast<size_t>(x);
    else if (key == "k1") v->bm25.k1 = x;
    else if (key == "b") v->bm25.b = x;
    else return false;
  }
  return !v->name.empty();
}

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
  mnemo::bench::SearchEvalOptions options;
  std::string context = "full";
  for (int i = 1; i + 1 < argc; i += 2) {
    mnemo::bench::MnemoVariant v;
    if (!std::strcmp(argv[i], "--data")) {
      path = argv[i + 1];
    } else if (!std::strcmp(argv[i], "--passes")) {
      options.passes = std::atoi(argv[i + 1]);
    } else if (!std::strcmp(argv[i], "--context")) {
      context = argv[i + 1];
    } else if (!std::strcmp(argv[i], "--variant") && ParseVariant(argv[i + 1], &v)) {
      options.variants.push_back(v);
    } else {
      std::fprintf(stderr,
                   "usage: %s [--data PATH] [--passes N] [--variant "
                   "NAME:key=value,...]... [--context full|quick|off]\n",
                   argv[0]);
      return 2;
    }
  }
  if (argc % 2 == 0) {
    std::fprintf(stderr, "mnemo-search-eval: %s needs a value\n", argv[argc - 1]);
    return 2;
  }
  mnemo::bench::SearchEvalResult result;
  mnemo::Status s = mnemo::bench::RunLocomoSearchEval(path, options, &result);
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
