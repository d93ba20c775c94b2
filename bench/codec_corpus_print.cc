// Copyright (c) mnemo authors.
//
// The corpus report's Markdown and JSON forms and its command line.

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "codec_corpus_report.h"
#include "mnemo/codec/profile.h"

namespace mnemo::bench {
namespace {

std::string Fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), f, v);
  return buf;
}

std::string Pct(double fraction) {
  return fraction < 0 ? "n/a" : Fmt("%.2f%%", 100 * fraction);
}

std::string Row(const ClassFigures& f) {
  std::ostringstream o;
  o << "| " << f.name << " | " << f.items;
  if (f.rejected) o << " (" << f.rejected << " refused)";
  o << " | " << f.full_pages << "/" << f.pages << " | "
    << (f.full_pages ? Fmt("%.1f%%", 100 * f.fill) : "n/a") << " | "
    << f.text_tokens << " | " << f.vision_tokens << " | "
    << (f.full_pages ? Fmt("%.2f", f.ratio) : "n/a") << " | "
    << Pct(f.cer_native) << " | " << Pct(f.cer_3x) << " | "
    << (f.cer_3x < 0 ? "n/a" : Pct(f.cer_unscored)) << " | "
    << (f.psm.empty() ? "-" : f.psm) << " (" << f.cer_pages_read << ")"
    << " | " << Fmt("%.2f", f.render_mbps) << " | " << Fmt("%.2f", f.png_mbps)
    << " |";
  return o.str();
}

nlohmann::json Num(double v) { return v < 0 ? nlohmann::json(nullptr) : nlohmann::json(v); }

}  // namespace

std::string CorpusReportMarkdown(const CorpusReport& r) {
  std::ostringstream o;
  o << "Codec report on the corpus " << r.corpus_dir << "\n"
    << "text tokens: " << r.token_counter << "; records: " << r.layout << "\n"
    << "full pages = all but each class's last; CER = Tesseract, native and "
       "3x upscaled, on full pages spread over the class (count in brackets); "
       "psm 6 for a single column, 6/col: a page in columns read column by "
       "column (psm 6 each, reading order), 3: whole page, Tesseract's "
       "segmentation; unscored = share of reference characters the OCR model "
       "cannot output (e.g. ` ^ emoji; not counted as errors); MB/s of source "
       "text, one core\n";
  if (!r.cer_note.empty()) o << r.cer_note << "\n";
  for (const MixFigures& m : r.mixes) {
    o << "\nprofile " << m.profile << ":\n\n"
      << "| class | records | full/pages | fill | text tok | vision tok | "
         "ratio | CER | CER 3x | unscored | psm (pages) | render MB/s | PNG MB/s |\n"
      << "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (const ClassFigures& f : r.classes) {
      if (f.profile == m.profile) o << Row(f) << "\n";
    }
    o << "| **mix** | " << m.classes.size() << " classes | | "
      << Fmt("%.1f%%", 100 * m.fill) << " | | | " << Fmt("%.2f", m.ratio)
      << " | " << Pct(m.cer_native) << " | " << Pct(m.cer_3x) << " | | | | |\n";
    o << "\nmix weights: " << kMixWeightsNote << "\n";
    for (const ClassFigures& f : r.classes) {
      if (f.profile == m.profile && f.full_pages == 0) {
        o << "not in the mix: " << f.name << " (no full page)\n";
      }
      if (f.profile == m.profile && f.rejected) {
        o << f.name << ": " << f.rejected << " records refused by the renderer, e.g. "
          << f.rejected_example << "\n";
      }
    }
  }
  return o.str();
}

nlohmann::json CorpusReportJson(const CorpusReport& r) {
  nlohmann::json j;
  j["corpus"] = r.corpus_dir;
  j["text_token_counter"] = r.token_counter;
  j["records_layout"] = r.layout;
  j["mix_weights"] = kMixWeightsNote;
  if (!r.cer_note.empty()) j["cer_note"] = r.cer_note;
  for (const ClassFigures& f : r.classes) {
    j["classes"].push_back(
        {{"class", f.name},
         {"profile", f.profile},
         {"records", f.items},
         {"refused", f.rejected},
         {"pages", f.pages},
         {"full_pages", f.full_pages},
         {"source_bytes", f.source_bytes},
         {"fill_factor", f.full_pages ? Num(f.fill) : nullptr},
         {"text_tokens", f.text_tokens},
         {"vision_tokens", f.vision_tokens},
         {"token_ratio", f.full_pages ? Num(f.ratio) : nullptr},
         {"cer", Num(f.cer_native)},
         {"cer_3x", Num(f.cer_3x)},
         {"cer_unscored", f.cer_3x < 0 ? Num(-1) : Num(f.cer_unscored)},
         {"cer_pages", f.cer_pages_read},
         {"psm", f.psm},
         {"render_mb_per_s", f.render_mbps},
         {"png_mb_per_s", f.png_mbps}});
  }
  for (const MixFigures& m : r.mixes) {
    j["mix"][m.profile] = {{"token_ratio", m.ratio},
                           {"fill_factor", m.fill},
                           {"cer", Num(m.cer_native)},
                           {"cer_3x", Num(m.cer_3x)},
                           {"classes", m.classes}};
  }
  return j;
}

namespace {

void Usage() {
  std::fprintf(
      stderr,
      "usage: mnemo-codec-bench --report [--corpus DIR] [--profile NAME|all]\n"
      "         [--tokenizer FILE] [--cer-pages N] [--weights CLASS=W,...]\n"
      "         [--classes C,...] [--cer-read columns|page] [--cer-dump DIR]\n"
      "         [--json]\n"
      "  --cer-pages N: full pages read by OCR per class, spread over the\n"
      "      class (default 3)\n"
      "  --cer-read: pages in columns read column by column, psm 6 each\n"
      "      (columns, default), or whole with psm 3 (page)\n"
      "  --cer-dump DIR: write each page read: PNG, reference, 3x OCR text\n"
      "  the corpus is built by tools/corpus/gather.py (default build/corpus)\n");
}

bool ParseWeights(const std::string& v, std::map<std::string, double>* w) {
  std::stringstream ss(v);
  for (std::string kv; std::getline(ss, kv, ',');) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) return false;
    char* end = nullptr;
    const double x = std::strtod(kv.c_str() + eq + 1, &end);
    if (*end != '\0' || !(x >= 0)) return false;
    (*w)[kv.substr(0, eq)] = x;
  }
  return !w->empty();
}

}  // namespace

int RunCorpusReportMain(int argc, char** argv) {
  CorpusReportOptions o;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--report") continue;
    if (a == "--json") {
      json = true;
    } else if (a == "--corpus" && has_value) {
      o.corpus_dir = argv[++i];
    } else if (a == "--profile" && has_value) {
      const std::string p = argv[++i];
      o.profiles.clear();
      if (p != "all") o.profiles.push_back(p);
      if (p == "all") {
        for (const codec::RenderProfile& prof : codec::Profiles()) o.profiles.emplace_back(prof.name);
      }
    } else if (a == "--tokenizer" && has_value) {
      o.tokenizer_path = argv[++i];
    } else if (a == "--cer-pages" && has_value) {
      char* end = nullptr;
      const long n = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || n < 0 || n > 1000) {
        std::fprintf(stderr, "mnemo: --cer-pages %s: not a count 0..1000\n", argv[i]);
        return 2;
      }
      o.cer_pages = static_cast<int>(n);
    } else if (a == "--classes" && has_value) {
      std::stringstream ss(argv[++i]);
      for (std::string c; std::getline(ss, c, ',');) {
        if (!c.empty()) o.classes.push_back(c);
      }
    } else if (a == "--cer-read" && has_value) {
      o.cer_read = argv[++i];
      if (o.cer_read != "columns" && o.cer_read != "page") {
        std::fprintf(stderr, "mnemo: --cer-read %s: expected columns or page\n",
                     argv[i]);
        return 2;
      }
    } else if (a == "--cer-dump" && has_value) {
      o.cer_dump_dir = argv[++i];
    } else if (a == "--weights" && has_value) {
      if (!ParseWeights(argv[++i], &o.weights)) {
        std::fprintf(stderr, "mnemo: --weights %s: expected CLASS=W,... with W >= 0\n", argv[i]);
        return 2;
      }
    } else {
      std::fprintf(stderr, "mnemo: %s: unknown flag or missing value\n", a.c_str());
      Usage();
      return 2;
    }
  }
  CorpusReport report;
  Status s = MeasureCorpus(o, &report);
  if (!s.ok()) {
    std::fprintf(stderr, "mnemo: codec report: %s\n", s.ToString().c_str());
    return s.IsInvalidArgument() || s.IsNotSupported() ? 2 : 1;
  }
  const std::string out =
      json ? CorpusReportJson(report).dump(2) + "\n" : CorpusReportMarkdown(report);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace mnemo::bench
