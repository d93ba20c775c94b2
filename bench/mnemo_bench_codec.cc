// Copyright (c) mnemo authors.
//
// Codec quality per profile: the codec report's figures (tests/codec/
// codec_report.h MeasureProfile: one full page of English prose per
// profile), i.e. chars/page, estimated text tokens, vision tokens, token
// ratio, PNG bytes vs zstd bytes, Tesseract CER. --quick runs Tesseract on
// the default profile only. Then the corpus report's mix (token_ratio_mix,
// cer_mix at 3x upscale, fill_factor_mix) when a corpus is gathered.

#include <cstdio>
#include <sstream>

#include "codec_corpus_report.h"
#include "codec_report.h"
#include "mnemo/codec/profile.h"
#include "mnemo_bench_phases.h"

namespace mnemo::bench {
namespace {

nlohmann::json ProfileJson(const codec::RenderProfile& p, const codec::ProfileFigures& f) {
  return {{"width", p.width},
          {"height", p.height},
          {"font", std::string(p.font)},
          {"pixel_size", p.pixel_size},
          {"png_bit_depth", p.png_bit_depth},
          {"chars_per_page", f.chars},
          {"text_tokens", f.text_tokens},
          {"vision_tokens", p.vision_tokens},
          {"token_ratio", f.token_ratio},
          {"png_bytes", f.png_bytes},
          {"zstd_bytes", f.zstd_bytes},
          {"png_over_zstd", f.zstd_bytes ? double(f.png_bytes) / f.zstd_bytes : 0.0},
          {"cer", f.cer_percent < 0 ? nlohmann::json(nullptr)
                                    : nlohmann::json(f.cer_percent / 100)},
          {"render_mb_per_s", f.render_mbps},
          {"encode_mb_per_s", f.encode_mbps},
          {"pipeline_mb_per_s", f.pipeline_mbps}};
}

std::string Line(const codec::RenderProfile& p, const codec::ProfileFigures& f) {
  char cer[32] = "n/a";
  if (f.cer_percent >= 0) std::snprintf(cer, sizeof(cer), "%.2f%%", f.cer_percent);
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "| %s | %dx%d | %zu | %zu | %d | %.2f | %zu | %zu | %.1fx | %s | %.2f |",
                std::string(p.name).c_str(), p.width, p.height, f.chars, f.text_tokens,
                p.vision_tokens, f.token_ratio, f.png_bytes, f.zstd_bytes,
                f.zstd_bytes ? double(f.png_bytes) / f.zstd_bytes : 0.0, cer,
                f.pipeline_mbps);
  return buf;
}

// The headline's *_mix keys: the corpus report's mix row at base (the same
// code as `mnemo-codec-bench --report`), or the reason it is missing.
void CorpusMix(const BenchConfig& config, Report* report) {
  nlohmann::json& j = report->phase("codec")["corpus_mix"];
  CorpusReportOptions o;
  o.corpus_dir = config.corpus_dir;
  o.tokenizer_path = config.tokenizer;
  o.cer_pages = config.quick ? 1 : 2;
  CorpusReport r;
  Status s = MeasureCorpus(o, &r);
  if (!s.ok()) {
    j = {{"skipped", s.ToString()}};
    report->AddSection("Codec on the corpus", {"skipped: " + s.ToString()});
    return;
  }
  j = CorpusReportJson(r);
  const MixFigures& m = r.mixes.at(0);
  report->SetHeadline("token_ratio_mix", m.ratio);
  report->SetHeadline("fill_factor_mix", m.fill);
  if (m.cer_3x >= 0) report->SetHeadline("cer_mix", m.cer_3x);
  std::vector<std::string> lines;
  std::stringstream md(CorpusReportMarkdown(r));
  for (std::string line; std::getline(md, line);) lines.push_back(line);
  report->AddSection("Codec on the corpus (headline *_mix)", lines);
}

}  // namespace

void RunCodecPhase(const BenchConfig& config, Report* report) {
  nlohmann::json& j = report->phase("codec");
  j["text_token_estimator"] = std::string(codec::kTextTokenEstimator);
  j["corpus"] = "tests/codec/data/prose.txt, one full page per profile";
  j["cer_definition"] = "Levenshtein / reference length (fraction), tesseract psm 6";
  std::vector<std::string> lines = {
      "Text tokens estimated as " + std::string(codec::kTextTokenEstimator) +
          "; one full page of English prose per profile; CER by Tesseract.",
      "",
      "| profile | page | chars/page | text tok | vision tok | ratio | PNG bytes | zstd bytes | PNG/zstd | CER | render+PNG MB/s |",
      "|---|---|---|---|---|---|---|---|---|---|---|"};
  for (const codec::RenderProfile& p : codec::Profiles()) {
    const bool is_base = &p == &codec::DefaultProfile();
    codec::ProfileFigures f;
    if (!codec::MeasureProfile(p, !config.quick || is_base, &f)) {
      j["profiles"][std::string(p.name)] = {{"error", "render failed"}};
      continue;
    }
    j["profiles"][std::string(p.name)] = ProfileJson(p, f);
    lines.push_back(Line(p, f));
    if (!is_base) continue;
    report->SetHeadline("token_ratio_base", f.token_ratio);
    if (f.cer_percent >= 0) report->SetHeadline("cer_base", f.cer_percent / 100);
  }
  report->AddSection("Codec quality per profile", lines);
  CorpusMix(config, report);
}

}  // namespace mnemo::bench
