// Copyright (c) mnemo authors.
//
// mnemo-token-calibrate: measures the calibrated text-token estimator
// against a real tokenizer, and the tokenizer's speed.
//
//   python3 tools/vocab/gather_calibration_text.py /tmp/cal.jsonl \
//       --locomo ../shared/data/locomo10.json
//   mnemo-token-calibrate --tokenizer \
//       /var/cache/mnemo/vocab/node_modules/js-tiktoken/dist/ranks/o200k_base.js \
//       /tmp/cal.jsonl
//
// Prints (1) the chars-per-token factor each class measures on samples
// with ASCII text only, and the per-code-point weights of CJK, other
// letters and symbols measured on the rest — the numbers token_estimate.cc
// carries; (2) per source: real chars/token, the classes chosen, and the
// error of the compiled estimator and of chars/4; (3) Count's MB/s.

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mnemo/codec/profile.h"
#include "mnemo/codec/tokenizer.h"

namespace {

using mnemo::codec::TextStats;

struct Sample {
  std::string source, text;
  TextStats st;
  int cls = 0;
  size_t real = 0;
};

struct Agg {
  double chars = 0, real = 0, est = 0, quarter = 0, abs_err = 0;
  int n = 0;
  int classes[mnemo::codec::kTextClasses] = {};
};

int Usage() {
  std::fprintf(stderr, "usage: mnemo-token-calibrate --tokenizer FILE SAMPLES.jsonl\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace mnemo::codec;
  if (argc != 4 || std::string(argv[1]) != "--tokenizer") return Usage();
  std::unique_ptr<Tokenizer> tok;
  if (auto s = Tokenizer::Open(argv[2], &tok); !s.ok()) {
    std::fprintf(stderr, "mnemo: %s\n", s.ToString().c_str());
    return 1;
  }
  std::ifstream in(argv[3]);
  if (!in) {
    std::fprintf(stderr, "mnemo: cannot read %s\n", argv[3]);
    return 1;
  }
  std::vector<Sample> samples;
  size_t bytes = 0;
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains("text")) continue;
    Sample s{j.value("source", "?"), j["text"].get<std::string>(), {}, 0, 0};
    s.st = MeasureText(s.text);
    s.cls = static_cast<int>(ClassifyStats(s.st));
    bytes += s.text.size();
    samples.push_back(std::move(s));
  }
  const auto t0 = std::chrono::steady_clock::now();
  for (Sample& s : samples) s.real = tok->Count(s.text);
  const double sec =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // (1) Factors.
  double latin[kTextClasses] = {}, real[kTextClasses] = {};
  int n[kTextClasses] = {};
  for (const Sample& s : samples) {
    if (s.st.latin() != s.st.code_points) continue;
    latin[s.cls] += s.st.latin(), real[s.cls] += s.real, ++n[s.cls];
  }
  std::printf("class      samples  chars/token (%s, ASCII-only samples)\n",
              tok->name().c_str());
  double cpt[kTextClasses];
  for (int c = 0; c < kTextClasses; ++c) {
    cpt[c] = real[c] > 0 ? latin[c] / real[c] : 4.0;
    std::printf("%-10s %7d  %.2f\n",
                std::string(TextClassName(static_cast<TextClass>(c))).c_str(), n[c], cpt[c]);
  }
  // Each non-ASCII kind on the samples where it is the only one present.
  auto weight = [&](const char* what, auto count, auto others) {
    double extra = 0, units = 0;
    for (const Sample& s : samples) {
      if (count(s.st) == 0 || others(s.st) != 0) continue;
      extra += s.real - s.st.latin() / cpt[s.cls];
      units += count(s.st);
    }
    std::printf("tokens per %-14s %.2f  (%.0f code points)\n", what,
                units > 0 ? extra / units : 0.0, units);
  };
  weight("CJK", [](const TextStats& t) { return t.cjk; },
         [](const TextStats& t) { return t.other_letters + t.symbols; });
  weight("other letter", [](const TextStats& t) { return t.other_letters; },
         [](const TextStats& t) { return t.cjk + t.symbols; });
  weight("symbol", [](const TextStats& t) { return t.symbols; },
         [](const TextStats& t) { return t.cjk + t.other_letters; });

  // (2) Errors of the compiled estimator.
  std::map<std::string, Agg> by;
  for (const Sample& s : samples) {
    for (const std::string& key : {s.source, std::string("ALL")}) {
      Agg& a = by[key];
      const double est = EstimateTextTokens(s.text);
      a.chars += s.st.code_points, a.real += s.real, a.est += est;
      a.quarter += std::ceil(s.st.code_points / 4.0);
      a.abs_err += std::fabs(est - s.real) / std::max<size_t>(s.real, 1);
      ++a.n, ++a.classes[s.cls];
    }
  }
  std::printf("\n%-13s %5s %11s %9s %9s %9s  classes (prose/tech/code/logs)\n",
              "source", "n", "chars/token", "est err", "mean|err|", "chars/4");
  for (const auto& [name, a] : by) {
    std::printf("%-13s %5d %11.2f %+8.1f%% %8.1f%% %+8.1f%%  %d/%d/%d/%d\n",
                name.c_str(), a.n, a.chars / a.real, 100 * (a.est / a.real - 1),
                100 * a.abs_err / a.n, 100 * (a.quarter / a.real - 1), a.classes[0],
                a.classes[1], a.classes[2], a.classes[3]);
  }
  std::printf("\nestimator %s; %s Count: %.1f MB/s over %.2f MB\n",
              std::string(kTextTokenEstimator).c_str(), tok->name().c_str(),
              bytes / 1e6 / sec, bytes / 1e6);
  return 0;
}
