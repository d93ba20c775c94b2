// Copyright (c) mnemo authors.

#include "mnemo_bench_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>

#include "mnemo/codec/page.h"
#include "mnemo/codec/png.h"

namespace mnemo::bench {
namespace {

constexpr int kWidth = 1280, kHeight = 620;

class Canvas {
 public:
  Canvas() {
    image_.Reset(kWidth, kHeight, 255);
    codec::RenderProfile p = codec::DefaultProfile();
    p.name = "chart";
    p.width = 700;
    p.height = 22;
    p.pixel_size = 13;
    p.line_height = 18;
    p.margin_left = p.margin_right = p.margin_top = p.margin_bottom = 2;
    ok_ = codec::Renderer::Create(p, &text_).ok();
  }
  bool ok() const { return ok_; }
  const codec::GrayImage& image() const { return image_; }

  void Fill(int x0, int y0, int x1, int y1, uint8_t v) {
    for (int y = std::max(0, y0); y < std::min(kHeight, y1); ++y) {
      for (int x = std::max(0, x0); x < std::min(kWidth, x1); ++x) image_.Row(y)[x] = v;
    }
  }
  // Draws `s` with its left edge at x (align 0), centered (1) or its right
  // edge at x (2); y is the top of the line.
  void Text(int x, int y, const std::string& s, int align = 0) {
    std::vector<codec::Page> pages;
    if (!ok_ || s.empty() || !text_->Pack({{1, "", s}}, &pages).ok() || pages.empty()) return;
    const codec::GrayImage& src = pages[0].image;
    const int w = pages[0].manifest.items.empty() ? src.width
                                                  : pages[0].manifest.items[0].w + 4;
    const int left = align == 0 ? x : align == 1 ? x - w / 2 : x - w;
    for (int sy = 0; sy < src.height; ++sy) {
      const int dy = y + sy;
      if (dy < 0 || dy >= kHeight) continue;
      for (int sx = 0; sx < std::min(w, src.width); ++sx) {
        const int dx = left + sx;
        if (dx < 0 || dx >= kWidth) continue;
        image_.Row(dy)[dx] = std::min(image_.Row(dy)[dx], src.Row(sy)[sx]);
      }
    }
  }

 private:
  codec::GrayImage image_;
  std::unique_ptr<codec::Renderer> text_;
  bool ok_ = false;
};

std::string Fmt(const char* f, double v) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), f, v);
  return buf;
}

// Left panel: one point per profile with a measured CER.
void Scatter(const nlohmann::json& profiles, Canvas* c) {
  const int x0 = 80, x1 = 580, y0 = 60, y1 = 540;
  c->Text(330, 12, "token ratio (text tok / vision tok) vs Tesseract CER", 1);
  double max_ratio = 1, max_cer = 1;
  for (const auto& [name, p] : profiles.items()) {
    max_ratio = std::max(max_ratio, p.value("token_ratio", 0.0));
    if (p.contains("cer") && p["cer"].is_number()) max_cer = std::max(max_cer, 100 * p["cer"].get<double>());
  }
  max_ratio = std::ceil(max_ratio * 1.15);
  max_cer = std::ceil(max_cer * 1.2);
  c->Fill(x0, y0, x0 + 2, y1, 0);
  c->Fill(x0, y1 - 2, x1, y1, 0);
  for (int k = 0; k <= 4; ++k) {
    const int x = x0 + (x1 - x0) * k / 4, y = y1 - (y1 - y0) * k / 4;
    c->Fill(x, y1, x + 1, y1 + 6, 0);
    c->Text(x, y1 + 8, Fmt("%.0f", max_ratio * k / 4), 1);
    c->Fill(x0 - 6, y, x0, y + 1, 0);
    c->Text(x0 - 8, y - 9, Fmt("%.1f%%", max_cer * k / 4), 2);
  }
  c->Text((x0 + x1) / 2, y1 + 30, "text tokens per vision token (higher = cheaper)", 1);
  c->Text(x0 - 8, y0 - 30, "CER", 1);
  int missing_y = y0 + 4;
  for (const auto& [name, p] : profiles.items()) {
    if (!p.contains("cer") || !p["cer"].is_number()) {
      c->Text(x1 - 4, missing_y, name + ": no CER measured", 2);
      missing_y += 20;
      continue;
    }
    const double r = p.value("token_ratio", 0.0), cer = 100 * p["cer"].get<double>();
    const int x = x0 + static_cast<int>((x1 - x0) * r / max_ratio);
    const int y = y1 - static_cast<int>((y1 - y0) * cer / max_cer);
    c->Fill(x - 4, y - 4, x + 5, y + 5, 0);
    c->Text(x + 8, y - 10, name + Fmt(" %.1fx", r) + Fmt(" %.2f%%", cer));
  }
}

std::vector<std::pair<std::string, double>> Ratios(const nlohmann::json& j) {
  std::vector<std::pair<std::string, double>> out;
  const nlohmann::json& ph = j["phases"];
  auto add = [&](const std::string& label, const nlohmann::json& v) {
    if (v.is_number() && v.get<double>() > 0) out.emplace_back(label, v.get<double>());
  };
  for (const char* k : {"ingest_put", "ingest_put_no_index", "ingest_put_batch", "get",
                        "get_no_access_count", "scan", "ingest_during_compaction"}) {
    if (ph.contains(k)) add(ph[k]["title"].is_string() ? ph[k]["title"].get<std::string>() : k,
                            ph[k]["ratio"]);
  }
  if (ph.contains("compaction") && ph["compaction"].contains("profiles")) {
    for (const auto& [name, p] : ph["compaction"]["profiles"].items()) {
      if (p.contains("ratio_vs_pillow")) add("compaction " + name + " vs Pillow", p["ratio_vs_pillow"]);
    }
  }
  if (ph.contains("gpu") && ph["gpu"].contains("host")) {
    add("pool alloc+free vs malloc", ph["gpu"]["host"]["alloc_free"]["ratio"]);
  }
  return out;
}

// Right panel: horizontal bars from 1x on a log scale (0.01x .. 1000x).
void Bars(const nlohmann::json& j, Canvas* c) {
  const int x0 = 900, x1 = 1235, y0 = 60;
  c->Text((x0 + x1) / 2 - 100, 12, "throughput ratio mnemo / peer (log, > 1 = faster)", 1);
  auto xof = [&](double v) {
    const double l = std::clamp(std::log10(v), -2.0, 3.0);
    return x0 + static_cast<int>((x1 - x0) * (l + 2) / 5);
  };
  const auto rows = Ratios(j);
  const int step = rows.empty() ? 30 : std::min(34, 460 / static_cast<int>(rows.size()));
  const int y1 = y0 + step * static_cast<int>(rows.size()) + 6;
  for (double t : {0.01, 0.1, 1.0, 10.0, 100.0, 1000.0}) {
    c->Fill(xof(t), y0, xof(t) + (t == 1.0 ? 2 : 1), y1, t == 1.0 ? 0 : 190);
    c->Text(xof(t), y1 + 4, t < 1 ? Fmt("%.2gx", t) : Fmt("%.0fx", t), 1);
  }
  int y = y0 + 6;
  for (const auto& [label, v] : rows) {
    const int a = xof(1.0), b = xof(v);
    c->Fill(std::min(a, b), y, std::max(a, b) + 1, y + step - 12, v >= 1 ? 80 : 150);
    c->Text(x0 - 8, y + (step - 12) / 2 - 10, label, 2);
    c->Text(v >= 1 ? b + 4 : b - 4, y + (step - 12) / 2 - 10, Fmt(v >= 100 ? "%.0fx" : "%.2fx", v),
            v >= 1 ? 0 : 2);
    y += step;
  }
}

}  // namespace

bool DrawChart(const nlohmann::json& json, const std::string& path, std::string* how) {
  Canvas c;
  *how = c.ok() ? "mnemo codec (FreeType labels, libpng)" : "mnemo codec (no fonts: no labels)";
  const nlohmann::json& ph = json["phases"];
  if (ph.contains("codec") && ph["codec"].contains("profiles")) {
    Scatter(ph["codec"]["profiles"], &c);
  }
  Bars(json, &c);
  std::string png;
  if (!codec::EncodePng(c.image(), 8, &png).ok()) return false;
  std::ofstream out(path, std::ios::binary);
  out << png;
  return static_cast<bool>(out);
}

}  // namespace mnemo::bench
