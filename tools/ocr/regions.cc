// Copyright (c) mnemo authors.
//
// ReadingRegions: the parts of a page in columns, in reading order, from
// the manifest's line boxes (see ocr.h).

#include <algorithm>
#include <vector>

#include "mnemo/ocr/ocr.h"

namespace mnemo::ocr {

std::vector<CropRect> ReadingRegions(const codec::PageManifest& m, int width,
                                     int height) {
  // Runs of lines going down the page; a line above its predecessor starts
  // the next column.
  std::vector<std::vector<codec::LineBox>> runs;
  for (size_t i = 0; i < m.lines.size(); ++i) {
    if (runs.empty() || m.lines[i].y <= m.lines[i - 1].y) runs.emplace_back();
    runs.back().push_back(m.lines[i]);
  }
  if (runs.size() > 1) {
    // The band: leading lines of the first run above every later column.
    int32_t top = height;
    for (size_t r = 1; r < runs.size(); ++r)
      top = std::min(top, runs[r].front().y);
    std::vector<codec::LineBox>& first = runs.front();
    size_t n = 0;
    while (n < first.size() && first[n].y + first[n].h <= top) ++n;
    if (n > 0 && n < first.size()) {
      runs.insert(runs.begin(), std::vector<codec::LineBox>(first.begin(),
                                                            first.begin() + n));
      runs[1].erase(runs[1].begin(),
                    runs[1].begin() + static_cast<ptrdiff_t>(n));
    }
  }
  constexpr int kPad = 4;  // white border Tesseract needs around text
  std::vector<CropRect> out;
  for (const auto& run : runs) {
    int32_t x0 = width, y0 = height, x1 = 0, y1 = 0;
    for (const codec::LineBox& b : run) {
      x0 = std::min(x0, b.x), y0 = std::min(y0, b.y);
      x1 = std::max(x1, b.x + std::max(b.w, 1)), y1 = std::max(y1, b.y + b.h);
    }
    x0 = std::max(0, x0 - kPad), y0 = std::max(0, y0 - kPad);
    x1 = std::min(width, x1 + kPad), y1 = std::min(height, y1 + kPad);
    if (x1 > x0 && y1 > y0) out.push_back({x0, y0, x1 - x0, y1 - y0});
  }
  return out;
}

}  // namespace mnemo::ocr
