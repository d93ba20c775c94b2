// Copyright (c) mnemo authors.
//
// mnemo-font-sweep: measures legibility against density for candidate fonts,
// pixel sizes, hinting modes and coverage gammas. For every configuration
// and every corpus class it fills one page of the base geometry with the
// class's text (newlines folded to spaces, so a page holds what a full-width
// flow layout puts on it) to count characters per page, and renders the
// class's first --ocr-chars characters the same way, stored as the profile
// stores pages (PNG at the profile's bit depth, decoded back), for
// `tesseract --psm 6` to read natively and after a 3x bilinear upscale.
// Prints one Markdown row per (configuration, class): chars/page, CER.
//
//   mnemo-font-sweep --corpus DIR [--fonts DejaVuSans.ttf,Hack-Regular.ttf]
//       [--sizes 10,10.5,11] [--hinting light,normal,none,auto]
//       [--gamma 1,1.5] [--line-factor 1.15] [--ocr-chars 6000] [--scales 1,3]
//   mnemo-font-sweep --render FILE --png OUT.png [--zoom N] [same options,
//       first value of each]
//
// DIR holds <class>-<name>.txt files (bench/font_sweep_corpus.sh makes one
// from texts on this machine); a class's files are interleaved in chunks so
// the OCR'd lines sample all of them.

#include <dirent.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "codec_test_util.h"
#include "mnemo/codec/page.h"
#include "mnemo/codec/png.h"

namespace mnemo::codec {
namespace {

struct Options {
  std::string corpus;
  std::string render_file, png_out;
  std::vector<std::string> fonts = {"DejaVuSans.ttf"};
  std::vector<double> sizes = {10.5};
  std::vector<std::string> hinting = {"light"};
  std::vector<double> gammas = {1.0};
  std::vector<int> scales = {1, 3};
  double line_factor = 8.0 / 7.0;  // base: 10.5 px em on a 12 px line
  size_t ocr_chars = 6000;         // the sample of each class that OCR reads
  int zoom = 1;  // --render: enlarge the top-left 1/zoom of the page
};

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string part; std::getline(ss, part, ',');) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

bool ParseHinting(const std::string& name, Hinting* h) {
  const std::map<std::string, Hinting> kNames = {{"none", Hinting::kNone},
                                                 {"light", Hinting::kLight},
                                                 {"normal", Hinting::kNormal},
                                                 {"auto", Hinting::kAuto}};
  auto it = kNames.find(name);
  if (it == kNames.end()) return false;
  *h = it->second;
  return true;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Newlines and runs of blanks become one space: the text as a flow layout
// sets it. Astral-plane code points (emoji) are dropped: OCR cannot read
// pictographs, which would add the same errors to every configuration.
std::string Fold(const std::string& text) {
  std::string out;
  bool space = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (static_cast<uint8_t>(c) >= 0xF0) {
      i += 3;
      continue;
    }
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ' || c == '\f') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// class -> text, each class's files interleaved in ~400-byte chunks cut at
// spaces so every file reaches the OCR'd lines.
std::map<std::string, std::string> LoadCorpus(const std::string& dir) {
  std::map<std::string, std::vector<std::string>> files;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      size_t dash = name.find('-');
      if (dash == std::string::npos || name.size() < 5 ||
          name.substr(name.size() - 4) != ".txt") {
        continue;
      }
      files[name.substr(0, dash)].push_back(name);
    }
    closedir(d);
  }
  std::map<std::string, std::string> out;
  for (auto& [cls, names] : files) {
    std::sort(names.begin(), names.end());
    std::vector<std::string> texts;
    std::vector<size_t> at(names.size(), 0);
    for (const std::string& n : names)
      texts.push_back(Fold(ReadFile(dir + "/" + n)));
    std::string& mix = out[cls];
    for (bool more = true; more && mix.size() < 60000;) {
      more = false;
      for (size_t k = 0; k < texts.size(); ++k) {
        if (at[k] >= texts[k].size()) continue;
        size_t end = texts[k].find(' ', std::min(texts[k].size(), at[k] + 400));
        if (end == std::string::npos) end = texts[k].size();
        mix.append(texts[k], at[k], end - at[k]).push_back(' ');
        at[k] = end + 1;
        more = true;
      }
    }
  }
  return out;
}

GrayImage Upscale(const GrayImage& in, int f) {
  GrayImage out;
  out.Reset(in.width * f, in.height * f, 255);
  for (int y = 0; y < out.height; ++y) {
    const double sy = std::max(0.0, (y + 0.5) / f - 0.5);
    const int y0 = std::min(static_cast<int>(sy), in.height - 1);
    const int y1 = std::min(y0 + 1, in.height - 1);
    const double wy = sy - y0;
    for (int x = 0; x < out.width; ++x) {
      const double sx = std::max(0.0, (x + 0.5) / f - 0.5);
      const int x0 = std::min(static_cast<int>(sx), in.width - 1);
      const int x1 = std::min(x0 + 1, in.width - 1);
      const double wx = sx - x0;
      const double top = in.Row(y0)[x0] * (1 - wx) + in.Row(y0)[x1] * wx;
      const double bot = in.Row(y1)[x0] * (1 - wx) + in.Row(y1)[x1] * wx;
      out.Row(y)[x] =
          static_cast<uint8_t>(std::lround(top * (1 - wy) + bot * wy));
    }
  }
  return out;
}

// The stored page: PNG at the profile's bit depth, decoded back; cropped to
// its first `lines` text lines.
GrayImage StoredCrop(const Page& page, const RenderProfile& p, int lines) {
  std::string png;
  GrayImage img;
  if (!EncodePng(page.image, p.png_bit_depth, &png).ok() ||
      !DecodePng(png, DecodeLimits(), &img).ok()) {
    return img;
  }
  // Rows past the last line stay white: a sliver of the next line would
  // read as garbage.
  const int text_end =
      std::min(img.height, p.margin_top + lines * p.line_height);
  const int h = std::min(img.height, text_end + p.margin_bottom);
  GrayImage crop;
  crop.Reset(img.width, h, 255);
  for (int y = 0; y < text_end; ++y) {
    std::memcpy(crop.Row(y), img.Row(y), static_cast<size_t>(img.width));
  }
  return crop;
}

double OcrCer(const GrayImage& img, const std::string& reference) {
  std::string png;
  if (!EncodePng(img, 8, &png).ok()) return -1;
  char path[] = "/tmp/mnemo-font-sweep-XXXXXX.png";
  int fd = mkstemps(path, 4);
  if (fd < 0) return -1;
  FILE* f = fdopen(fd, "wb");
  std::fwrite(png.data(), 1, png.size(), f);
  std::fclose(f);
  std::string ocr;
  const bool ok = test::RunTesseract(path, &ocr);
  if (const char* keep = std::getenv("MNEMO_FONT_SWEEP_KEEP")) {
    // Debugging aid: the page, what was drawn and what OCR read.
    const std::string base =
        std::string(keep) + "/" + std::to_string(img.width);
    std::rename(path, (base + ".png").c_str());
    std::ofstream(base + ".ref.txt") << reference;
    std::ofstream(base + ".ocr.txt") << ocr;
  }
  std::remove(path);
  return ok ? test::CharacterErrorRate(reference, ocr) : -1;
}

struct Config {
  std::string font;
  double size;
  std::string hinting;
  double gamma;
};

// p->font views c.font: `c` must outlive *p.
bool MakeProfile(const Config& c, const Options& o, RenderProfile* p) {
  *p = DefaultProfile();
  p->font = c.font;
  p->monospace = c.font.find("Mono") != std::string::npos ||
                 c.font.find("Hack") != std::string::npos;
  p->pixel_size = c.size;
  p->line_height = static_cast<int>(std::lround(c.size * o.line_factor));
  p->coverage_gamma = c.gamma;
  return ParseHinting(c.hinting, &p->hinting);
}

// Renders `text` (as one item) and returns the first page; false on error.
bool FirstPage(const RenderProfile& p, const std::string& text, Page* page) {
  std::unique_ptr<Renderer> r;
  Status s = Renderer::Create(p, &r);
  std::vector<Page> pages;
  if (s.ok()) s = r->Pack({{1, "", text}}, &pages);
  if (!s.ok() || pages.empty()) {
    std::fprintf(stderr, "mnemo: %s %.2f px: %s\n", std::string(p.font).c_str(),
                 p.pixel_size, s.ToString().c_str());
    return false;
  }
  *page = std::move(pages[0]);
  return true;
}

void SweepOne(const Config& c, const Options& o,
              const std::map<std::string, std::string>& corpus) {
  RenderProfile p;
  if (!MakeProfile(c, o, &p)) return;
  for (const auto& [cls, text] : corpus) {
    Page page;
    if (!FirstPage(p, text, &page)) continue;
    const size_t chars = CountCodePoints(page.manifest.text);
    // OCR reads the same sample of the class in every configuration, so
    // CERs compare like with like.
    size_t cut = text.find(' ', std::min(text.size(), o.ocr_chars));
    Page sample;
    if (!FirstPage(p, text.substr(0, cut), &sample)) continue;
    const GrayImage crop =
        StoredCrop(sample, p, static_cast<int>(sample.manifest.line_count));
    const std::string& ref = sample.manifest.text;
    std::printf("| %s | %.1f | %d | %s | %.2f | %s | %zu |", c.font.c_str(),
                c.size, p.line_height, c.hinting.c_str(), c.gamma, cls.c_str(),
                chars);
    for (int s : o.scales) {
      double cer = OcrCer(s == 1 ? crop : Upscale(crop, s), ref);
      std::printf(" %.2f%% |", 100 * cer);
    }
    std::printf("\n");
    std::fflush(stdout);
  }
}

int Usage(const char* msg) {
  std::fprintf(stderr,
               "mnemo: %s\nusage: mnemo-font-sweep --corpus DIR "
               "[--fonts F,..] [--sizes S,..] [--hinting H,..] [--gamma G,..] "
               "[--line-factor X] [--ocr-chars N] [--scales 1,3]\n"
               "       mnemo-font-sweep --render FILE --png OUT [--zoom N] "
               "[options]\n",
               msg);
  return 2;
}

int Main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return Usage(("missing value for " + a).c_str());
    std::string v = argv[++i];
    if (a == "--corpus")
      o.corpus = v;
    else if (a == "--render")
      o.render_file = v;
    else if (a == "--png")
      o.png_out = v;
    else if (a == "--fonts")
      o.fonts = Split(v);
    else if (a == "--hinting")
      o.hinting = Split(v);
    else if (a == "--line-factor")
      o.line_factor = std::atof(v.c_str());
    else if (a == "--ocr-chars")
      o.ocr_chars = std::strtoul(v.c_str(), nullptr, 10);
    else if (a == "--zoom")
      o.zoom = std::max(1, std::atoi(v.c_str()));
    else if (a == "--sizes" || a == "--gamma" || a == "--scales") {
      std::vector<double> nums;
      for (const std::string& s : Split(v))
        nums.push_back(std::atof(s.c_str()));
      if (a == "--sizes")
        o.sizes = nums;
      else if (a == "--gamma")
        o.gammas = nums;
      else
        o.scales.assign(nums.begin(), nums.end());
    } else {
      return Usage(("unknown flag " + a).c_str());
    }
  }
  Hinting h;
  for (const std::string& name : o.hinting) {
    if (!ParseHinting(name, &h))
      return Usage(("bad --hinting " + name).c_str());
  }
  if (!o.render_file.empty()) {
    RenderProfile p;
    const Config c{o.fonts[0], o.sizes[0], o.hinting[0], o.gammas[0]};
    MakeProfile(c, o, &p);  // p.font views c.font
    Page page;
    std::string png;
    if (!FirstPage(p, ReadFile(o.render_file), &page)) return 1;
    GrayImage img = std::move(page.image);
    if (o.zoom > 1) {  // the top-left 1/zoom of the page, enlarged to look at
      GrayImage part;
      part.Reset(img.width / o.zoom, img.height / o.zoom, 255);
      for (int y = 0; y < part.height; ++y) {
        for (int x = 0; x < part.width; ++x) {
          part.Row(y)[x] = img.Row(y)[x];
        }
      }
      img.Reset(part.width * o.zoom, part.height * o.zoom, 255);
      for (int y = 0; y < img.height; ++y) {
        for (int x = 0; x < img.width; ++x) {
          img.Row(y)[x] = part.Row(y / o.zoom)[x / o.zoom];
        }
      }
    }
    if (!EncodePng(img, p.png_bit_depth, &png).ok()) return 1;
    std::ofstream out(o.png_out, std::ios::binary);
    if (!(out << png)) {
      std::fprintf(stderr, "mnemo: cannot write %s\n", o.png_out.c_str());
      return 1;
    }
    return 0;
  }
  if (o.corpus.empty()) return Usage("--corpus or --render is required");
  if (!test::HaveTesseract()) {
    std::fprintf(stderr, "mnemo: tesseract not on PATH\n");
    return 1;
  }
  auto corpus = LoadCorpus(o.corpus);
  if (corpus.empty())
    return Usage(("no <class>-<name>.txt in " + o.corpus).c_str());
  std::printf("| font | px | line | hinting | gamma | class | chars/page |");
  for (int s : o.scales) std::printf(" CER %dx |", s);
  std::printf("\n|---|---|---|---|---|---|---|");
  for (size_t k = 0; k < o.scales.size(); ++k) std::printf("---|");
  std::printf("\n");
  for (const std::string& font : o.fonts)
    for (double size : o.sizes)
      for (const std::string& hint : o.hinting)
        for (double g : o.gammas) SweepOne({font, size, hint, g}, o, corpus);
  return 0;
}

}  // namespace
}  // namespace mnemo::codec

int main(int argc, char** argv) { return mnemo::codec::Main(argc, argv); }
