// Copyright (c) mnemo authors.
//
// ReadingRegions: the parts of a page in columns, in reading order, from
// the manifest's line boxes (see ocr.h).

#include <algorithm>
#include <vector>

#include "mnemo/ocr/ocr.h"

namespace mnemo::ocr {

namespace {

using Run = std::vector<codec::LineBox>;

int32_t MinX(const Run& run) {
  int32_t x = run.front().x;
  for (const codec::LineBox& b : run) x = std::min(x, b.x);
  return x;
}

// Runs of lines going down the page in one column. A line above its
// predecessor starts the next column of a band; a line that starts left of
// its run's column (a full-width band after the last column of a band of
// columns) starts a new run too. `starts_column[i]`: run i began by going
// back up the page, i.e. it is a later column of the band before it.
void SplitRuns(const codec::PageManifest& m, std::vector<Run>* runs,
               std::vector<bool>* starts_column) {
  constexpr int32_t kLeftSlack = 16;  // pixels: indentation is not a column
  for (size_t i = 0; i < m.lines.size(); ++i) {
    const codec::LineBox& b = m.lines[i];
    const bool up = i > 0 && b.y <= m.lines[i - 1].y;
    const bool left = i > 0 && b.x + kLeftSlack < MinX(runs->back());
    if (runs->empty() || up || left) {
      runs->emplace_back();
      starts_column->push_back(up);
    }
    runs->back().push_back(b);
  }
}

// A run followed by a later column of its band begins with the lines of a
// full-width band above that band (they lie above the next column's top):
// those lines become a run of their own, read first.
void SplitBandsAboveColumns(std::vector<Run>* runs,
                            std::vector<bool>* starts_column) {
  for (size_t r = 0; r + 1 < runs->size(); ++r) {
    if (!(*starts_column)[r + 1]) continue;
    const int32_t top = (*runs)[r + 1].front().y;
    Run& run = (*runs)[r];
    size_t n = 0;
    while (n < run.size() && run[n].y + run[n].h <= top) ++n;
    if (n == 0 || n == run.size()) continue;
    Run band(run.begin(), run.begin() + static_cast<ptrdiff_t>(n));
    run.erase(run.begin(), run.begin() + static_cast<ptrdiff_t>(n));
    runs->insert(runs->begin() + static_cast<ptrdiff_t>(r), std::move(band));
    starts_column->insert(starts_column->begin() + static_cast<ptrdiff_t>(r),
                          (*starts_column)[r]);
    (*starts_column)[r + 1] = false;
    ++r;  // the column part stays before the next column
  }
}

}  // namespace

std::vector<CropRect> ReadingRegions(const codec::PageManifest& m, int width,
                                     int height) {
  std::vector<Run> runs;
  std::vector<bool> starts_column;
  SplitRuns(m, &runs, &starts_column);
  SplitBandsAboveColumns(&runs, &starts_column);
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
