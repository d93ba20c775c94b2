// Copyright (c) mnemo authors.
//
// The codec report on the corpus (codec_corpus.h): per class and profile,
// full pages, fill factor, real text tokens, vision tokens, their ratio,
// Tesseract CER native and at 3x upscale, render and PNG MB/s; and the
// weighted mix over the classes. Printed by `mnemo-codec-bench --report`;
// mnemo-bench's headline takes token_ratio_mix, cer_mix and fill_factor_mix
// from MeasureCorpus.
//
// Definitions:
//  * A FULL page is every page of a class but its last (the last one holds
//    what is left over). Headline figures use full pages only.
//  * Text tokens of a page: the tokens of the text its spans cover, each
//    record read as an agent reads it in text form (RecordText: time and
//    speaker prefix included on the span that starts the record).
//  * Fill factor: codec::FillFactor (inked line area / page area), mean over
//    full pages.
//  * CER: ocr::CharErrorRate of the page's laid-out text (reading order, the
//    layout's delimiter/paragraph/wrap marks excluded; characters the OCR
//    model cannot output unscored and counted apart) against Tesseract's
//    reading, psm 6 for single-column pages; a page in columns is read
//    region by region in reading order (ReadingRegions, psm 6 each; with
//    cer_read "page": whole, psm 3, Tesseract's own segmentation); summed edits
//    over summed reference characters of `cer_pages` full pages spread evenly
//    over the class (CerSamplePages), so a class is not judged on its first
//    page alone.
//  * MB/s: source bytes of the class over the wall time of Pack (render) or
//    of EncodePng of its pages at the profile's bit depth and zlib level.
//  * Mix: the weighted mean of the class figures over classes with full
//    pages; weights default to equal per class (see kMixWeightsNote).

#ifndef MNEMO_BENCH_CODEC_CORPUS_REPORT_H_
#define MNEMO_BENCH_CODEC_CORPUS_REPORT_H_

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "codec_corpus.h"
#include "mnemo/codec/page.h"
#include "mnemo/ocr/ocr.h"
#include "mnemo/status.h"

namespace mnemo::bench {

inline constexpr const char* kMixWeightsNote =
    "equal weight per class (each content class an agent stores counts once; "
    "no class is favoured by its size in the corpus)";

struct CorpusReportOptions {
  std::string corpus_dir;                  // empty: DefaultCorpusDir()
  std::vector<std::string> profiles = {"base"};
  std::string tokenizer_path;              // empty: the default estimator
  int cer_pages = 3;                       // full pages read per class; 0: none
  std::vector<std::string> classes;        // measured classes; empty: all
  std::string cer_dump_dir;          // non-empty: write page, reference, OCR
  std::string cer_read = "columns";  // pages in columns: "columns" or "page"
  std::map<std::string, double> weights;   // class -> weight; empty: equal
};

struct ClassFigures {
  std::string name, profile;
  size_t items = 0, rejected = 0;          // rejected: not renderable
  size_t pages = 0, full_pages = 0;
  size_t source_bytes = 0;                 // of the rendered items
  double fill = 0;                         // mean over full pages
  size_t text_tokens = 0;                  // over full pages
  size_t vision_tokens = 0;                // over full pages
  double ratio = 0;                        // text_tokens / vision_tokens
  double cer_native = -1, cer_3x = -1;     // fractions; -1 not measured
  double cer_unscored = 0;                 // share of reference chars unscored
  int cer_pages_read = 0;
  std::string psm;  // "6", "3", "6/col", joined by "+"
  double render_mbps = 0, png_mbps = 0;
  std::string rejected_example;            // the first rejection's reason
};

struct MixFigures {
  std::string profile;
  double ratio = 0, fill = 0;
  double cer_native = -1, cer_3x = -1;
  std::vector<std::string> classes;        // those in the mix
};

struct CorpusReport {
  std::string corpus_dir;
  std::string token_counter;               // tokenizer name or estimator
  std::string layout;                      // "structured" or "prefix"
  std::string cer_note;                    // why CER is missing, if it is
  std::vector<ClassFigures> classes;       // class-major, then profile
  std::vector<MixFigures> mixes;           // one per profile
};

// The indices of the full pages whose CER is read: `want` of `full` pages,
// evenly spaced from the first (all of them when want >= full).
std::vector<size_t> CerSamplePages(size_t full, size_t want);

// Loads the corpus and measures it. NotFound when there is no corpus,
// InvalidArgument for an unknown profile or class weight, the tokenizer's
// error when it cannot be opened.
Status MeasureCorpus(const CorpusReportOptions& options, CorpusReport* report);

// The report as Markdown tables (one per profile) and as JSON.
std::string CorpusReportMarkdown(const CorpusReport& report);
nlohmann::json CorpusReportJson(const CorpusReport& report);

// `mnemo-codec-bench --report [--corpus DIR] [--profile P|all]
// [--tokenizer FILE] [--cer-pages N] [--weights c=w,...] [--json]`:
// returns the exit code (2 usage, 1 runtime error).
int RunCorpusReportMain(int argc, char** argv);

}  // namespace mnemo::bench

#endif  // MNEMO_BENCH_CODEC_CORPUS_REPORT_H_
