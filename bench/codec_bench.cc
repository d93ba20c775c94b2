// Copyright (c) mnemo authors.
//
// Codec benchmarks (Google Benchmark): render, PNG encode per bit depth and
// zlib level, the full page pipeline (text -> PNG bytes), downscale, zstd with
// and without a dictionary.
//
//   build/bin/mnemo-codec-bench                 # the micro-benchmarks
//   build/bin/mnemo-codec-bench --report [--corpus DIR] [--profile P|all]
//       [--tokenizer FILE] [--cer-pages N] [--weights c=w,...] [--json]
//                         # the corpus table (codec_corpus_report.h); the
//                         # corpus comes from tools/corpus/gather.py
//   build/bin/mnemo-codec-bench --report-prose  # one full prose page per
//                         # profile, bit depths, decay, Pillow side by side

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "codec_corpus_report.h"
#include "codec_report.h"
#include "codec_test_util.h"
#include "mnemo/codec/downscale.h"
#include "mnemo/codec/page.h"
#include "mnemo/codec/png.h"
#include "mnemo/codec/text_codec.h"
#include "mnemo/ocr/ocr.h"

namespace mnemo::codec {
namespace {

std::vector<PageItem> Prose(size_t chars) {
  return test::ParagraphItems(test::ReadCodecData("prose.txt"), chars, false);
}

// The items that fill the first page of `profile` (whole paragraphs).
std::vector<PageItem> OnePage(Renderer* r) {
  std::vector<Page> pages;
  auto items = Prose(60000);
  if (!r->Pack(items, &pages).ok() || pages.empty()) return items;
  size_t n = 0;
  while (n < items.size() && items[n].id <= pages[0].manifest.items.back().id) ++n;
  items.resize(n > 1 ? n - 1 : 1);  // whole items only
  return items;
}

size_t Bytes(const std::vector<PageItem>& items) {
  size_t n = 0;
  for (const PageItem& i : items) n += i.body.size();
  return n;
}

void BM_Render(benchmark::State& state) {
  std::unique_ptr<Renderer> r;
  if (!Renderer::Create(DefaultProfile(), &r).ok()) return state.SkipWithError("fonts");
  auto items = OnePage(r.get());
  std::vector<Page> pages;
  for (auto _ : state) {
    pages.clear();
    benchmark::DoNotOptimize(r->Pack(items, &pages).ok());
  }
  state.SetBytesProcessed(state.iterations() * Bytes(items));
  state.counters["pages/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * pages.size()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Render)->Unit(benchmark::kMillisecond);

void BM_PngEncode(benchmark::State& state) {
  std::unique_ptr<Renderer> r;
  if (!Renderer::Create(DefaultProfile(), &r).ok()) return state.SkipWithError("fonts");
  std::vector<Page> pages;
  (void)r->Pack(OnePage(r.get()), &pages);
  PngOptions o{static_cast<int>(state.range(0)), static_cast<int>(state.range(1))};
  std::string png;
  for (auto _ : state) benchmark::DoNotOptimize(EncodePng(pages[0].image, o, &png).ok());
  state.counters["png_bytes"] = static_cast<double>(png.size());
}
BENCHMARK(BM_PngEncode)
    ->ArgNames({"bits", "zlib"})
    ->Args({8, 1})->Args({8, 6})->Args({4, 1})->Args({4, 6})
    ->Args({2, 6})->Args({1, 6})
    ->Unit(benchmark::kMillisecond);

void BM_PngDecode(benchmark::State& state) {
  std::unique_ptr<Renderer> r;
  if (!Renderer::Create(DefaultProfile(), &r).ok()) return state.SkipWithError("fonts");
  std::vector<Page> pages;
  (void)r->Pack(OnePage(r.get()), &pages);
  std::string png;
  (void)EncodePng(pages[0].image, 4, &png);
  GrayImage out;
  for (auto _ : state) benchmark::DoNotOptimize(DecodePng(png, DecodeLimits(), &out).ok());
}
BENCHMARK(BM_PngDecode)->Unit(benchmark::kMillisecond);

// Text -> pages -> PNG bytes at the profile's bit depth; bytes = text bytes.
void BM_Pipeline(benchmark::State& state) {
  const RenderProfile& p = DefaultProfile();
  std::unique_ptr<Renderer> r;
  if (!Renderer::Create(p, &r).ok()) return state.SkipWithError("fonts");
  auto items = OnePage(r.get());
  std::vector<Page> pages;
  std::string png;
  for (auto _ : state) {
    pages.clear();
    (void)r->Pack(items, &pages);
    for (const Page& page : pages) {
      benchmark::DoNotOptimize(
          EncodePng(page.image, PngOptions{p.png_bit_depth, p.png_zlib_level}, &png).ok());
    }
  }
  state.SetBytesProcessed(state.iterations() * Bytes(items));
}
BENCHMARK(BM_Pipeline)->Unit(benchmark::kMillisecond);

void BM_Downscale(benchmark::State& state) {
  std::unique_ptr<Renderer> r;
  if (!Renderer::Create(DefaultProfile(), &r).ok()) return state.SkipWithError("fonts");
  std::vector<Page> pages;
  (void)r->Pack(OnePage(r.get()), &pages);
  const RenderProfile& to = *FindProfile(state.range(0) ? "tiny" : "small");
  GrayImage out;
  for (auto _ : state) benchmark::DoNotOptimize(Downscale(pages[0].image, to, &out).ok());
}
BENCHMARK(BM_Downscale)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

std::vector<std::string> Records() {
  std::vector<std::string> out;
  for (const PageItem& i : test::ParagraphItems(
           test::ReadCodecData("prose.txt") + "\n\n" + test::ReadCodecData("dialogue.txt"),
           200000, true)) {
    out.push_back(ItemSource(i));
  }
  return out;
}

void BM_Zstd(benchmark::State& state) {
  const bool dict = state.range(0) != 0;
  auto records = Records();
  TextCodecOptions o;
  if (dict && !TrainDictionary(records, 16 << 10, &o.dictionary).ok()) {
    return state.SkipWithError("training");
  }
  std::unique_ptr<TextCompressor> c;
  (void)TextCompressor::Create(o, &c);
  std::string frame, back;
  size_t in = 0, out = 0;
  for (auto _ : state) {
    for (const std::string& rec : records) {
      (void)c->Compress(rec, &frame);
      (void)c->Decompress(frame, &back);
      in += rec.size();
      out += frame.size();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(in));
  state.counters["ratio"] = static_cast<double>(in) / static_cast<double>(out);
}
BENCHMARK(BM_Zstd)->ArgName("dict")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace mnemo::codec

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--report-prose") == 0) return mnemo::codec::RunCodecReport();
  }
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--report") != 0) continue;
    bool corpus_flag = false;
    for (int k = 1; k < argc; ++k) corpus_flag |= std::strcmp(argv[k], "--corpus") == 0;
    if (!corpus_flag &&
        !std::filesystem::exists(mnemo::bench::DefaultCorpusDir() + "/manifest.json")) {
      std::fprintf(stderr,
                   "mnemo-codec-bench: no corpus at %s (run tools/corpus/gather.py); "
                   "printing the one-page prose report instead\n",
                   mnemo::bench::DefaultCorpusDir().c_str());
      return mnemo::codec::RunCodecReport();
    }
    // Tesseract's OpenMP workers spin on shared cores (several times the CPU
    // for the same reading): one thread, as verify --ocr does.
    mnemo::ocr::RunOcrSingleThreaded();
    return mnemo::bench::RunCorpusReportMain(argc, argv);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
