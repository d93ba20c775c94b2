// Copyright (c) mnemo authors.
//
// Measuring the corpus: see codec_corpus_report.h for the definitions.

#include "codec_corpus_report.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "mnemo/codec/page.h"
#include "mnemo/codec/png.h"
#include "mnemo/codec/profile.h"
#include "mnemo/ocr/ocr.h"

#if __has_include("mnemo/codec/tokenizer.h")
#include "mnemo/codec/tokenizer.h"
#define MNEMO_CORPUS_HAVE_TOKENIZER 1
#endif

namespace mnemo::bench {
namespace {

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Real tokens when a vocabulary is given (and the tokenizer module is
// built), else the codec's default estimator, named either way.
class TokenCounter {
 public:
  Status Open(const std::string& path) {
    if (path.empty()) return Status::OK();
#ifdef MNEMO_CORPUS_HAVE_TOKENIZER
    return codec::Tokenizer::Open(path, &tokenizer_);
#else
    return Status::NotSupported("--tokenizer " + path +
                                ": this build has no tokenizer module");
#endif
  }
  size_t Count(std::string_view text) const {
#ifdef MNEMO_CORPUS_HAVE_TOKENIZER
    return codec::CountTextTokens(tokenizer_.get(), text);
#else
    return codec::EstimateTextTokens(text);
#endif
  }
  std::string Name() const {
#ifdef MNEMO_CORPUS_HAVE_TOKENIZER
    return codec::TextTokenCounterName(tokenizer_.get());
#else
    return std::string(codec::kTextTokenEstimator);
#endif
  }

 private:
#ifdef MNEMO_CORPUS_HAVE_TOKENIZER
  std::unique_ptr<codec::Tokenizer> tokenizer_;
#endif
};

// True when the renderer draws structured fields (layout v2): a probe item
// with a speaker must show the speaker's name (in the page legend).
bool DrawsStructuredFields(codec::Renderer* r) {
  codec::PageItem probe;
  probe.id = 1;
  probe.body = "probe";
  probe.speaker = "Quillfeather";
  probe.time_us = int64_t{1700000000} * 1000000;
  std::vector<codec::Page> pages;
  if (!r->Pack({probe}, &pages).ok() || pages.empty()) return false;
  return pages[0].manifest.text.find("Quillfeather") != std::string::npos;
}

// Text tokens of one page: the record text its spans cover. A span that
// starts a record carries the record's time/speaker prefix when the
// renderer got them as structured fields (they are not source bytes then).
size_t PageTokens(const codec::PageManifest& m, const std::map<uint64_t, const codec::PageItem*>& by_id,
                  bool structured, const TokenCounter& counter) {
  std::string text;
  for (const codec::ItemSpan& s : m.items) {
    auto it = by_id.find(s.id);
    if (it == by_id.end()) continue;
    const codec::PageItem& item = *it->second;
    const std::string src = codec::ItemSource(item);
    if (structured && !s.continued) {
      text += RecordText(item).substr(0, RecordText(item).size() - src.size());
    }
    if (s.source_begin <= s.source_end && s.source_end <= src.size()) {
      text += src.substr(s.source_begin, s.source_end - s.source_begin);
    }
    text += '\n';
  }
  return counter.Count(text);
}

struct Context {
  const CorpusReportOptions* options;
  TokenCounter counter;
  std::unique_ptr<ocr::OcrEngine> ocr;  // null: CER not measured
  ocr::CerOptions cer_options;
};

Status WriteFile(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) return Status::IOError("--cer-dump: cannot write " + path.string());
  return Status::OK();
}

// With --cer-dump DIR: the page PNG, its reference text and what Tesseract
// read at 3x, as DIR/<class>-p<index>.{png,ref.txt,ocr3x.txt}, so the
// errors behind a CER figure can be looked at.
Status DumpPage(const Context& ctx, const std::string& cls, size_t index,
                const codec::Page& page, const std::string& ocr3x) {
  const std::string& dir = ctx.options->cer_dump_dir;
  if (dir.empty()) return Status::OK();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("--cer-dump " + dir + ": " + ec.message());
  const std::filesystem::path base =
      std::filesystem::path(dir) / (cls + "-p" + std::to_string(index));
  std::string png;
  MNEMO_RETURN_IF_ERROR(codec::EncodePng(page.image, {8, 1}, &png));
  MNEMO_RETURN_IF_ERROR(WriteFile(base.string() + ".png", png));
  MNEMO_RETURN_IF_ERROR(
      WriteFile(base.string() + ".ref.txt", page.manifest.text));
  return WriteFile(base.string() + ".ocr3x.txt", ocr3x);
}

// CER of one page, native and at 3x: a single-column page is read as one
// block (psm 6); a page in columns either region by region (ReadingRegions,
// psm 6 each, texts joined in reading order) or, with `page_psm3`, whole
// with Tesseract's own segmentation (psm 3).
Status PageCer(const Context& ctx, const std::string& cls, size_t index,
               const codec::Page& page, ocr::CerCount* native,
               ocr::CerCount* up3, std::string* how) {
  ocr::CerOptions o = ctx.cer_options;
  std::vector<std::optional<ocr::CropRect>> parts = {std::nullopt};
  ocr::OcrRequest request;
  *how = "6";
  if (page.manifest.columns > 1 && ctx.options->cer_read == "page") {
    request.psm = 3;
    *how = "3";
  } else if (page.manifest.columns > 1) {
    parts.clear();
    for (const ocr::CropRect& r : ocr::ReadingRegions(
             page.manifest, page.image.width, page.image.height)) {
      parts.emplace_back(r);
    }
    *how = "6/col";
  }
  std::string text;
  for (int scale : {1, 3}) {
    text.clear();
    request.upscale = scale;
    for (const auto& part : parts) {
      std::string piece;
      request.crop = part;
      MNEMO_RETURN_IF_ERROR(ctx.ocr->Read(page.image, request, &piece));
      text += piece + "\n";
    }
    *(scale == 1 ? native : up3) +=
        ocr::CharErrorRate(page.manifest.text, text, o);
  }
  return DumpPage(ctx, cls, index, page, text);
}

Status MeasureClass(const CorpusClass& c, const codec::RenderProfile& p, Context* ctx,
                    bool* structured, ClassFigures* f) {
  std::unique_ptr<codec::Renderer> r;
  MNEMO_RETURN_IF_ERROR(codec::Renderer::Create(p, &r));
  *structured = DrawsStructuredFields(r.get());
  const std::vector<codec::PageItem> items = RenderItems(c, *structured);
  f->name = c.name;
  f->profile = std::string(p.name);
  f->items = items.size();
  std::vector<codec::Page> pages;
  std::vector<codec::RejectedItem> rejected;
  auto t0 = std::chrono::steady_clock::now();
  MNEMO_RETURN_IF_ERROR(r->Pack(items, &pages, &rejected));
  const double render_s = Seconds(t0);
  f->rejected = rejected.size();
  if (!rejected.empty()) f->rejected_example = rejected[0].reason.ToString();
  std::map<uint64_t, const codec::PageItem*> by_id;
  for (const codec::PageItem& i : items) by_id[i.id] = &i;
  for (const codec::RejectedItem& i : rejected) by_id.erase(i.id);
  for (const auto& [id, item] : by_id) f->source_bytes += codec::ItemSource(*item).size();
  std::string png;
  t0 = std::chrono::steady_clock::now();
  for (const codec::Page& page : pages) {
    MNEMO_RETURN_IF_ERROR(
        codec::EncodePng(page.image, {p.png_bit_depth, p.png_zlib_level}, &png));
  }
  const double png_s = Seconds(t0);
  f->render_mbps = render_s > 0 ? f->source_bytes / 1e6 / render_s : 0;
  f->png_mbps = png_s > 0 ? f->source_bytes / 1e6 / png_s : 0;
  f->pages = pages.size();
  f->full_pages = pages.empty() ? 0 : pages.size() - 1;
  ocr::CerCount native, up3;
  std::set<std::string> hows;
  for (size_t k = 0; k < f->full_pages; ++k) {
    f->fill += codec::FillFactor(pages[k].manifest) / f->full_pages;
    f->text_tokens += PageTokens(pages[k].manifest, by_id, *structured, ctx->counter);
    f->vision_tokens += p.vision_tokens;
  }
  const size_t want =
      ctx->ocr ? static_cast<size_t>(ctx->options->cer_pages) : 0;
  for (size_t k : CerSamplePages(f->full_pages, want)) {
    std::string how;
    MNEMO_RETURN_IF_ERROR(
        PageCer(*ctx, c.name, k, pages[k], &native, &up3, &how));
    hows.insert(how);
    ++f->cer_pages_read;
  }
  f->ratio = f->vision_tokens ? double(f->text_tokens) / f->vision_tokens : 0;
  if (f->cer_pages_read > 0) {
    f->cer_native = native.rate();
    f->cer_3x = up3.rate();
    f->cer_unscored =
        up3.reference_chars ? double(up3.unscored) / up3.reference_chars : 0;
    for (const std::string& h : hows) f->psm += (f->psm.empty() ? "" : "+") + h;
  }
  return Status::OK();
}

// Weighted mean over classes with full pages (CER over those measured).
MixFigures Mix(const std::vector<ClassFigures>& figs, const std::string& profile,
               const std::map<std::string, double>& weights) {
  MixFigures m;
  m.profile = profile;
  double w_sum = 0, w_cer = 0, cer_n = 0, cer_3 = 0;
  for (const ClassFigures& f : figs) {
    if (f.profile != profile || f.full_pages == 0) continue;
    auto it = weights.find(f.name);
    const double w = weights.empty() ? 1.0 : it == weights.end() ? 0.0 : it->second;
    if (w <= 0) continue;
    m.classes.push_back(f.name);
    w_sum += w;
    m.ratio += w * f.ratio;
    m.fill += w * f.fill;
    if (f.cer_3x >= 0) {
      w_cer += w;
      cer_n += w * f.cer_native;
      cer_3 += w * f.cer_3x;
    }
  }
  if (w_sum > 0) m.ratio /= w_sum, m.fill /= w_sum;
  if (w_cer > 0) m.cer_native = cer_n / w_cer, m.cer_3x = cer_3 / w_cer;
  return m;
}

// The layout marks (codec::kItemDelimiter, kParagraphMark, kWrapMark,
// kLineMark: " » ", " § ", "« ", " ↵ ") are excluded: decorations, not memory
// text. Characters the OCR model cannot output are unscored (counted apart, see
// ocr.h).
Status CerOptionsFor(const ocr::OcrEngine& engine, ocr::CerOptions* o) {
  o->excluded = ocr::CodePoints(
      std::string(codec::kItemDelimiter) + std::string(codec::kParagraphMark) +
      std::string(codec::kWrapMark) + std::string(codec::kLineMark));
  return engine.Charset(&o->readable);
}

}  // namespace

std::vector<size_t> CerSamplePages(size_t full, size_t want) {
  std::vector<size_t> out;
  if (full == 0 || want == 0) return out;
  if (want >= full) {
    for (size_t k = 0; k < full; ++k) out.push_back(k);
    return out;
  }
  // k * full / want: distinct and increasing because full > want.
  for (size_t k = 0; k < want; ++k) out.push_back(k * full / want);
  return out;
}

Status MeasureCorpus(const CorpusReportOptions& options, CorpusReport* report) {
  Context ctx{&options, {}, nullptr, {}};
  report->corpus_dir = options.corpus_dir.empty() ? DefaultCorpusDir() : options.corpus_dir;
  std::vector<const codec::RenderProfile*> profiles;
  for (const std::string& name : options.profiles) {
    const codec::RenderProfile* p = codec::FindProfile(name);
    if (!p) return Status::InvalidArgument("--profile " + name + ": no such profile");
    profiles.push_back(p);
  }
  MNEMO_RETURN_IF_ERROR(ctx.counter.Open(options.tokenizer_path));
  report->token_counter = ctx.counter.Name();
  std::vector<CorpusClass> classes;
  MNEMO_RETURN_IF_ERROR(LoadCorpus(report->corpus_dir, &classes));
  for (const auto& [name, w] : options.weights) {
    bool found = false;
    for (const CorpusClass& c : classes) found |= c.name == name;
    if (!found || w < 0) {
      return Status::InvalidArgument("--weights " + name + ": no such class in the corpus");
    }
  }
  if (options.cer_pages > 0) {
    Status s = ocr::OcrEngine::Open({}, &ctx.ocr);
    if (s.ok()) s = CerOptionsFor(*ctx.ocr, &ctx.cer_options);
    if (!s.ok()) report->cer_note = "CER not measured: " + s.ToString();
    if (!s.ok()) ctx.ocr.reset();
  } else {
    report->cer_note = "CER not measured: --cer-pages 0";
  }
  bool structured = false;
  for (const std::string& name : options.classes) {
    bool found = false;
    for (const CorpusClass& c : classes) found |= c.name == name;
    if (!found)
      return Status::InvalidArgument("--classes " + name +
                                     ": no such class in the corpus");
  }
  for (const CorpusClass& c : classes) {
    const auto& only = options.classes;
    if (!only.empty() &&
        std::find(only.begin(), only.end(), c.name) == only.end())
      continue;
    for (const codec::RenderProfile* p : profiles) {
      ClassFigures f;
      MNEMO_RETURN_IF_ERROR(MeasureClass(c, *p, &ctx, &structured, &f));
      report->classes.push_back(std::move(f));
    }
  }
  report->layout = structured ? "structured (speaker/time drawn by the layout)"
                              : "prefix (\"YYYY-MM-DD HH:MM speaker: \" in the text, as compaction "
                                "writes it today)";
  for (const codec::RenderProfile* p : profiles) {
    report->mixes.push_back(Mix(report->classes, std::string(p->name), options.weights));
  }
  return Status::OK();
}

}  // namespace mnemo::bench
