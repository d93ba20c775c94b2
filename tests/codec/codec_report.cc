// Copyright (c) mnemo authors.

#include "codec_report.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>

#include "codec_test_util.h"
#include "mnemo/codec/downscale.h"
#include "mnemo/codec/page.h"
#include "mnemo/codec/png.h"
#include "mnemo/codec/text_codec.h"

namespace mnemo::codec {
namespace {

// Best of `runs` wall times of fn, in seconds.
double BestSeconds(int runs, const std::function<void()>& fn) {
  double best = 1e9;
  for (int i = 0; i < runs; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    fn();
    std::chrono::duration<double> d = std::chrono::steady_clock::now() - t0;
    best = std::min(best, d.count());
  }
  return best;
}

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir && *dir ? dir : "/tmp") + "/mnemo-codec-report-" +
         std::to_string(getpid()) + "-" + name;
}

// Tesseract CER of `image` against `text` as a percentage, or -1.
double Cer(const GrayImage& image, int bits, const std::string& text) {
  if (!test::HaveTesseract()) return -1;
  std::string png;
  if (!EncodePng(image, bits, &png).ok()) return -1;
  const std::string path = TempPath("page.png");
  std::ofstream(path, std::ios::binary) << png;
  std::string ocr;
  const bool ok = test::RunTesseract(path, &ocr);
  std::remove(path.c_str());
  return ok ? 100 * test::CharacterErrorRate(text, ocr) : -1;
}

struct PageRun {
  std::vector<PageItem> items;  // whole items filling page 0
  Page page;
  double render_s = 0;
};

// Renders the prose corpus; keeps the first page and times rendering the
// items that fit on it (warm glyph cache).
bool RenderFirstPage(Renderer* r, PageRun* run) {
  auto items = test::ParagraphItems(test::ReadCodecData("prose.txt"), 60000, false);
  std::vector<Page> pages;
  if (!r->Pack(items, &pages).ok() || pages.size() < 2) return false;
  run->page = pages[0];
  const uint64_t last = pages[0].manifest.items.back().id;
  for (const PageItem& i : items) {
    if (i.id < last) run->items.push_back(i);
  }
  run->render_s = BestSeconds(5, [&] {
    std::vector<Page> p;
    (void)r->Pack(run->items, &p);
  });
  return true;
}

size_t ItemBytes(const std::vector<PageItem>& items) {
  size_t n = 0;
  for (const PageItem& i : items) n += i.body.size();
  return n;
}

void ProfileRow(const RenderProfile& p, double* pipeline_mbps, std::string* base_text) {
  std::unique_ptr<Renderer> r;
  PageRun run;
  if (!Renderer::Create(p, &r).ok() || !RenderFirstPage(r.get(), &run)) {
    std::printf("| %-5s | (render failed) |\n", std::string(p.name).c_str());
    return;
  }
  const std::string& text = run.page.manifest.text;
  const size_t chars = CountCodePoints(text);
  const size_t text_tokens = EstimateTextTokens(text);
  std::string png, frame;
  PngOptions o{p.png_bit_depth, p.png_zlib_level};
  const double encode_s = BestSeconds(5, [&] { (void)EncodePng(run.page.image, o, &png); });
  std::unique_ptr<TextCompressor> z;
  (void)TextCompressor::Create(TextCodecOptions(), &z);
  (void)z->Compress(text, &frame);
  const double cer = Cer(run.page.image, p.png_bit_depth, text);
  const double mb = text.size() / 1e6;
  const double items_mb = ItemBytes(run.items) / 1e6;
  std::printf("| %-5s | %4dx%-4d | %6zu | %5zu | %4d | %5.2f | %7zu | %5.2f | %6zu | %6s | %6.2f | %6.2f | %6.2f |\n",
              std::string(p.name).c_str(), p.width, p.height, chars, text_tokens,
              p.vision_tokens, static_cast<double>(text_tokens) / p.vision_tokens,
              png.size(), static_cast<double>(png.size()) / chars, frame.size(),
              cer < 0 ? "n/a" : (std::to_string(cer).substr(0, 5) + "%").c_str(),
              items_mb / run.render_s, mb / encode_s,
              items_mb / (run.render_s + encode_s * items_mb / mb));
  if (p.name == DefaultProfile().name) {
    *pipeline_mbps = items_mb / (run.render_s + encode_s * items_mb / mb);
    base_text->clear();  // the source paragraphs: Pillow wraps them itself
    for (const PageItem& i : run.items) base_text->append(i.body).append("\n");
  }
}

void BitDepthTable() {
  std::unique_ptr<Renderer> r;
  PageRun run;
  if (!Renderer::Create(DefaultProfile(), &r).ok() || !RenderFirstPage(r.get(), &run)) return;
  std::printf("\nPNG bit depth x zlib level, one base page (%zu chars):\n\n",
              CountCodePoints(run.page.manifest.text));
  std::printf("| bits | zlib | bytes | encode ms | Tesseract CER |\n|---|---|---|---|---|\n");
  for (int bits : {8, 4, 2, 1}) {
    double cer = Cer(run.page.image, bits, run.page.manifest.text);
    for (int level : {1, 6, 9}) {
      std::string png;
      PngOptions o{bits, level};
      double s = BestSeconds(3, [&] { (void)EncodePng(run.page.image, o, &png); });
      std::printf("| %d | %d | %zu | %.2f | %s |\n", bits, level, png.size(), 1e3 * s,
                  cer < 0 ? "n/a" : (std::to_string(cer).substr(0, 5) + "%").c_str());
    }
  }
  std::printf("\nDecay (base page downscaled, area filter; CER on the small image as is):\n\n");
  std::printf("| to | px | vision tok | text tok / vision tok | PNG 4-bit bytes | CER | ms |\n|---|---|---|---|---|---|---|\n");
  const size_t text_tokens = EstimateTextTokens(run.page.manifest.text);
  for (const char* name : {"small", "tiny"}) {
    const RenderProfile& to = *FindProfile(name);
    GrayImage small;
    double s = BestSeconds(3, [&] { (void)Downscale(run.page.image, to, &small); });
    std::string png;
    (void)EncodePng(small, 4, &png);
    double cer = Cer(small, 4, run.page.manifest.text);
    std::printf("| %s | %d | %d | %.1f | %zu | %s | %.1f |\n", name, to.width, to.vision_tokens,
                static_cast<double>(text_tokens) / to.vision_tokens, png.size(),
                cer < 0 ? "n/a" : (std::to_string(cer).substr(0, 5) + "%").c_str(), 1e3 * s);
  }
}

// Python Pillow: ImageDraw text per line (same lines, page size) + PNG save.
void PillowSideBySide(double ours_mbps, const std::string& text) {
  if (std::system("/usr/bin/python3 -c 'import PIL' >/dev/null 2>&1") != 0) {
    std::printf("\nPillow: /usr/bin/python3 with PIL not available, skipped\n");
    return;
  }
  const std::string txt = TempPath("page.txt"), py = TempPath("pillow.py");
  std::ofstream(txt, std::ios::binary) << text;
  std::ofstream(py) <<
      "import io, sys, time\n"
      "from PIL import Image, ImageDraw, ImageFont\n"
      "text = open(sys.argv[1], encoding='utf-8').read()\n"
      "font = ImageFont.truetype('/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', 11)\n"
      "W, H, M, LH = 1024, 1024, 8, 12\n"
      "def wrap(paragraph):\n"
      "    lines, cur = [], ''\n"
      "    for word in paragraph.split(' '):\n"
      "        cand = word if not cur else cur + ' ' + word\n"
      "        if font.getlength(cand) <= W - 2 * M or not cur:\n"
      "            cur = cand\n"
      "        else:\n"
      "            lines.append(cur); cur = word\n"
      "    lines.append(cur)\n"
      "    return lines\n"
      "best = 1e9\n"
      "for _ in range(3):\n"
      "    t0 = time.perf_counter()\n"
      "    img = Image.new('L', (W, H), 255)\n"
      "    d = ImageDraw.Draw(img)\n"
      "    y = M\n"
      "    for para in text.split('\\n'):\n"
      "        for line in wrap(para):\n"
      "            d.text((M, y), line, font=font, fill=0); y += LH\n"
      "    buf = io.BytesIO(); img.save(buf, 'PNG')\n"
      "    best = min(best, time.perf_counter() - t0)\n"
      "print(best, len(text.encode()), len(buf.getvalue()))\n";
  std::string out;
  if (FILE* p = popen(("OMP_NUM_THREADS=1 /usr/bin/python3 " + py + " " + txt).c_str(), "r")) {
    char buf[256];
    while (fgets(buf, sizeof(buf), p)) out += buf;
    pclose(p);
  }
  std::remove(txt.c_str());
  std::remove(py.c_str());
  double secs = 0, bytes = 0, png = 0;
  if (std::sscanf(out.c_str(), "%lf %lf %lf", &secs, &bytes, &png) != 3 || secs <= 0) {
    std::printf("\nPillow: run failed\n");
    return;
  }
  const double pillow = bytes / 1e6 / secs;
  std::printf("\nPillow pipeline (word wrap with font.getlength + ImageDraw.text + PNG save;\n"
              "same text: the base page's items, 1024x1024, DejaVu Sans 11):\n"
              "  Pillow %.3f MB/s of text (%.1f ms/page, %.0f PNG bytes); mnemo %.2f MB/s; "
              "ratio %.0fx\n", pillow, 1e3 * secs, png, ours_mbps, ours_mbps / pillow);
}

}  // namespace

int RunCodecReport() {
  std::printf("mnemo codec report (English prose, one full page per profile; text tokens = %s;\n"
              "render = Pack with a warm glyph cache; encode = libpng at the profile's bit depth;\n"
              "MB/s are of text, one core)\n\n",
              std::string(kTextTokenEstimator).c_str());
  std::printf("| profile | page | chars/page | text tok | vision tok | ratio | PNG bytes | B/char | zstd bytes | CER | render MB/s | encode MB/s | pipeline MB/s |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  double pipeline = 0;
  std::string base_text;
  for (const RenderProfile& p : Profiles()) ProfileRow(p, &pipeline, &base_text);
  BitDepthTable();
  if (!base_text.empty()) PillowSideBySide(pipeline, base_text);
  return 0;
}

}  // namespace mnemo::codec
