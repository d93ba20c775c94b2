// Copyright (c) mnemo authors.

#include "codec_report.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
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

// Best of `runs` CPU times of fn on this thread, in seconds: what a loaded,
// shared machine distorts least (the Pillow script reports process CPU).
double BestCpuSeconds(int runs, const std::function<void()>& fn) {
  double best = 1e9;
  for (int i = 0; i < runs; ++i) {
    timespec t0{}, t1{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    fn();
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
    best = std::min(best, (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec));
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
  double render_cpu_s = 0;
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
  run->render_cpu_s = BestCpuSeconds(5, [&] {
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

std::string CerText(double cer) {
  return cer < 0 ? "n/a" : std::to_string(cer).substr(0, 5) + "%";
}

void ProfileRow(const RenderProfile& p, double* pipeline_mbps, double* pipeline_cpu_mbps,
                std::string* base_text) {
  ProfileFigures f;
  if (!MeasureProfile(p, true, &f)) {
    std::printf("| %-5s | (render failed) |\n", std::string(p.name).c_str());
    return;
  }
  std::printf("| %-5s | %4dx%-4d | %6zu | %5zu | %4d | %5.2f | %7zu | %5.2f | %6zu | %6s | %6.2f | %6.2f | %6.2f |\n",
              std::string(p.name).c_str(), p.width, p.height, f.chars, f.text_tokens,
              p.vision_tokens, f.token_ratio, f.png_bytes,
              static_cast<double>(f.png_bytes) / f.chars, f.zstd_bytes,
              CerText(f.cer_percent).c_str(), f.render_mbps, f.encode_mbps,
              f.pipeline_mbps);
  if (p.name == DefaultProfile().name) {
    *pipeline_mbps = f.pipeline_mbps;
    *pipeline_cpu_mbps = f.pipeline_cpu_mbps;
    *base_text = f.source_text;  // the source paragraphs: Pillow wraps them itself
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

// Each job file: first line "font_path px W H M LH", then the text.
constexpr const char* kPillowScript =
    "import io, sys, time\n"
    "from PIL import Image, ImageDraw, ImageFont\n"
    "def wrap(font, paragraph, width):\n"
    "    lines, cur = [], ''\n"
    "    for word in paragraph.split(' '):\n"
    "        cand = word if not cur else cur + ' ' + word\n"
    "        if font.getlength(cand) <= width or not cur:\n"
    "            cur = cand\n"
    "        else:\n"
    "            lines.append(cur); cur = word\n"
    "    lines.append(cur)\n"
    "    return lines\n"
    "runs = int(sys.argv[1])\n"
    "for job in sys.argv[2:]:\n"
    "    head, text = open(job, encoding='utf-8').read().split('\\n', 1)\n"
    "    path, px, W, H, M, LH = head.rsplit(' ', 5)\n"
    "    px, W, H, M, LH = int(px), int(W), int(H), int(M), int(LH)\n"
    "    font = ImageFont.truetype(path, px)\n"
    "    best = best_cpu = 1e9\n"
    "    for _ in range(runs):\n"
    "        t0, c0 = time.perf_counter(), time.process_time()\n"
    "        img = Image.new('L', (W, H), 255)\n"
    "        d = ImageDraw.Draw(img)\n"
    "        y = M\n"
    "        for para in text.split('\\n'):\n"
    "            for line in wrap(font, para, W - 2 * M):\n"
    "                d.text((M, y), line, font=font, fill=0); y += LH\n"
    "        buf = io.BytesIO(); img.save(buf, 'PNG')\n"
    "        best = min(best, time.perf_counter() - t0)\n"
    "        best_cpu = min(best_cpu, time.process_time() - c0)\n"
    "    print(best, len(text.encode()), len(buf.getvalue()), best_cpu, flush=True)\n";

// Python Pillow: ImageDraw text per line (same lines, page size) + PNG save.
void PillowSideBySide(double ours_mbps, double ours_cpu_mbps, const std::string& text) {
  if (!PillowAvailable()) {
    std::printf("\nPillow: /usr/bin/python3 with PIL not available, skipped\n");
    return;
  }
  PillowJob job;
  job.text = text;
  job.font_path = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
  std::vector<PillowFigures> out;
  if (!RunPillow({job}, 3, &out)) {
    std::printf("\nPillow: run failed\n");
    return;
  }
  const double pillow = out[0].mbps();
  std::printf("\nPillow pipeline (word wrap with font.getlength + ImageDraw.text + PNG save;\n"
              "same text: the base page's items, 1024x1024, DejaVu Sans 11):\n"
              "  Pillow %.3f MB/s of text (%.1f ms/page, %.0f PNG bytes); mnemo %.2f MB/s; "
              "ratio %.0fx\n", pillow, 1e3 * out[0].seconds, out[0].png_bytes, ours_mbps,
              ours_mbps / pillow);
  const double pillow_cpu = out[0].cpu_seconds > 0 ? out[0].text_bytes / 1e6 / out[0].cpu_seconds : 0;
  if (pillow_cpu > 0) {
    std::printf("  by CPU time (best of runs, robust to load): Pillow %.3f MB/s (%.1f ms/page); "
                "mnemo %.2f MB/s; ratio %.0fx\n", pillow_cpu, 1e3 * out[0].cpu_seconds,
                ours_cpu_mbps, ours_cpu_mbps / pillow_cpu);
  }
}

}  // namespace

bool MeasureProfile(const RenderProfile& p, bool with_cer, ProfileFigures* f) {
  std::unique_ptr<Renderer> r;
  PageRun run;
  if (!Renderer::Create(p, &r).ok() || !RenderFirstPage(r.get(), &run)) return false;
  const std::string& text = run.page.manifest.text;
  f->chars = CountCodePoints(text);
  f->text_tokens = EstimateTextTokens(text);
  f->token_ratio = static_cast<double>(f->text_tokens) / p.vision_tokens;
  std::string png, frame;
  PngOptions o{p.png_bit_depth, p.png_zlib_level};
  const double encode_s = BestSeconds(5, [&] { (void)EncodePng(run.page.image, o, &png); });
  const double encode_cpu_s =
      BestCpuSeconds(5, [&] { (void)EncodePng(run.page.image, o, &png); });
  std::unique_ptr<TextCompressor> z;
  (void)TextCompressor::Create(TextCodecOptions(), &z);
  (void)z->Compress(text, &frame);
  f->png_bytes = png.size();
  f->zstd_bytes = frame.size();
  f->cer_percent = with_cer ? Cer(run.page.image, p.png_bit_depth, text) : -1;
  const double mb = text.size() / 1e6;
  const double items_mb = ItemBytes(run.items) / 1e6;
  f->render_mbps = items_mb / run.render_s;
  f->encode_mbps = mb / encode_s;
  f->pipeline_mbps = items_mb / (run.render_s + encode_s * items_mb / mb);
  f->pipeline_cpu_mbps = items_mb / (run.render_cpu_s + encode_cpu_s * items_mb / mb);
  f->source_text.clear();
  for (const PageItem& i : run.items) f->source_text.append(i.body).append("\n");
  return true;
}

bool PillowAvailable() {
  static const bool have =
      std::system("/usr/bin/python3 -c 'import PIL' >/dev/null 2>&1") == 0;
  return have;
}

bool RunPillow(const std::vector<PillowJob>& jobs, int runs,
               std::vector<PillowFigures>* out) {
  out->clear();
  if (!PillowAvailable() || jobs.empty()) return false;
  const std::string py = TempPath("pillow.py");
  std::ofstream(py) << kPillowScript;
  std::string cmd = "OMP_NUM_THREADS=1 /usr/bin/python3 " + py + " " + std::to_string(runs);
  std::vector<std::string> files;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const PillowJob& j = jobs[i];
    files.push_back(TempPath("pillow-" + std::to_string(i) + ".txt"));
    std::ofstream(files.back(), std::ios::binary)
        << j.font_path << ' ' << j.pixel_size << ' ' << j.width << ' ' << j.height << ' '
        << j.margin << ' ' << j.line_height << '\n' << j.text;
    cmd += " " + files.back();
  }
  if (FILE* p = popen(cmd.c_str(), "r")) {
    PillowFigures f;
    while (std::fscanf(p, "%lf %lf %lf %lf", &f.seconds, &f.text_bytes, &f.png_bytes,
                       &f.cpu_seconds) == 4) {
      out->push_back(f);
    }
    pclose(p);
  }
  std::remove(py.c_str());
  for (const std::string& f : files) std::remove(f.c_str());
  return out->size() == jobs.size() && (*out)[0].seconds > 0;
}

int RunCodecReport() {
  std::printf("mnemo codec report (English prose, one full page per profile; text tokens = %s;\n"
              "render = Pack with a warm glyph cache; encode = libpng at the profile's bit depth;\n"
              "MB/s are of text, one core)\n\n",
              std::string(kTextTokenEstimator).c_str());
  std::printf("| profile | page | chars/page | text tok | vision tok | ratio | PNG bytes | B/char | zstd bytes | CER | render MB/s | encode MB/s | pipeline MB/s |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  double pipeline = 0, pipeline_cpu = 0;
  std::string base_text;
  for (const RenderProfile& p : Profiles()) ProfileRow(p, &pipeline, &pipeline_cpu, &base_text);
  BitDepthTable();
  if (!base_text.empty()) PillowSideBySide(pipeline, pipeline_cpu, base_text);
  return 0;
}

}  // namespace mnemo::codec
