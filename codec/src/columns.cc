// Copyright (c) mnemo authors.

#include "columns.h"

#include <algorithm>
#include <string>
#include <string_view>

#include "blocks.h"

namespace mnemo::codec::internal {
namespace {

struct Sample {
  int64_t flow = 0;                 // 26.6, prose and one-line blocks
  std::vector<int64_t> lines;       // 26.6, lines of LINE blocks
  int64_t total() const {
    int64_t t = flow;
    for (int64_t w : lines) t += w;
    return t;
  }
  // Lines needed at column width `width` (26.6).
  double Lines(int64_t width) const {
    double n = static_cast<double>(flow) / width;
    for (int64_t w : lines) n += std::max<int64_t>(1, (w + width - 1) / width);
    return n;
  }
};

bool IsFence(std::string_view line) {
  size_t i = line.find_first_not_of(' ');
  return i != std::string_view::npos && i <= 3 &&
         (line.substr(i, 3) == "```" || line.substr(i, 3) == "~~~");
}

bool Blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// Adds the blocks of `text` to *sample.
void AddText(std::string_view text, UnitBuilder* measure, Sample* sample) {
  std::vector<std::string_view> block;
  bool fence = false, block_fence = false;
  auto flush = [&] {
    if (block.size() >= 2 && (block_fence || !LooksLikeProse(block))) {
      // Lines joined into a flowing run (list items, descriptions) flow.
      std::vector<bool> joins(block.size(), false);
      if (!block_fence) joins = JoinedLines(block);
      for (size_t k = 0; k < block.size(); ++k) {
        const bool flows = joins[k] || (k + 1 < block.size() && joins[k + 1]);
        const int64_t w = measure->Measure(block[k]);
        if (flows) {
          sample->flow += w + measure->space_advance();
        } else {
          sample->lines.push_back(w);
        }
      }
    } else {
      for (std::string_view l : block) {
        sample->flow += measure->Measure(l) + measure->space_advance();
      }
    }
    block.clear();
    block_fence = false;
  };
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (Blank(line)) {
      flush();
    } else {
      const bool is_fence = IsFence(line);
      block_fence = block_fence || fence || is_fence;
      if (is_fence) fence = !fence;
      block.push_back(line);
    }
    pos = end + 1;
  }
  flush();
}

}  // namespace

int ChooseColumns(const std::vector<PageItem>& items, size_t item,
                  size_t byte, const PageGeometry& geo, UnitBuilder* measure) {
  const int64_t usable = int64_t{geo.usable()} * 64;
  const double want = geo.rows * 1.5;
  const int64_t delimiter = measure->Measure(std::string(kItemDelimiter) + "00:00 XX ");
  Sample sample;
  size_t bytes = 0;
  for (size_t i = item; i < items.size() && bytes < (1u << 18); ++i) {
    const PageItem& it = items[i];
    std::string source = ItemSource(it);
    std::string_view text(source);
    if (i == item) text.remove_prefix(std::min(byte, text.size()));
    bytes += text.size();
    sample.flow += delimiter;
    AddText(text, measure, &sample);
    if (sample.Lines(usable) >= want) break;
  }
  const int64_t total = sample.total();
  if (total <= 0) return 1;
  int best = 1;
  double best_fill = 0;
  for (int k = 1; k <= 4; ++k) {
    const int64_t width = int64_t{geo.ColumnWidth(k)} * 64;
    if (k > 1 && (width < 30 * measure->zero_advance() ||
                  geo.ColumnWidth(k) < 8 * geo.line_height)) {
      break;
    }
    // Columns are for short lines: most LINE-block lines must fit one
    // unwrapped (wrapped lines read worse than a wider column).
    if (k > 1) {
      size_t fit = 0;
      for (int64_t w : sample.lines) fit += w <= width ? 1 : 0;
      if (fit * 10 < sample.lines.size() * 8) break;
    }
    // Pages the sample needs at k columns; a sample shorter than a page
    // fills one page whatever k is.
    const double pages = std::max(1.0, sample.Lines(width) / (k * geo.rows));
    const double fill =
        static_cast<double>(total) / (pages * geo.rows * static_cast<double>(usable));
    if (fill > best_fill + 0.05) {
      best = k;
      best_fill = fill;
    }
  }
  return best;
}

}  // namespace mnemo::codec::internal
