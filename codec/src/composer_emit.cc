// Copyright (c) mnemo authors.
//
// PageComposer::EmitPage: the open page's lines get their boxes (legend
// band across the top, then column 1 top to bottom, column 2, ...), their
// glyphs are drawn, and the manifest (line boxes, page text, item spans) is
// built from the units.

#include <algorithm>

#include "composer.h"

namespace mnemo::codec::internal {
namespace {

// An item's span being collected while the page's units are walked.
struct SpanBuild {
  int64_t owner = -1;
  uint32_t first_line = 0, last_line = 0;
  int32_t x_begin = 0, x_end = 0;
  uint32_t x_end_line = UINT32_MAX;  // line where x_end was last set
  uint32_t text_begin = 0, text_end = 0;
  uint32_t source_begin = UINT32_MAX, source_end = 0;
};

int32_t Px(int32_t x26) { return (x26 + 63) >> 6; }

}  // namespace

uint64_t PageComposer::OwnerId(int64_t owner) const {
  for (auto it = owner_ids_.rbegin(); it != owner_ids_.rend(); ++it) {
    if (it->first == owner) return it->second;
  }
  return 0;
}

Status PageComposer::EmitPage() {
  if (line_begin_ < units_.size() && !lines_.empty()) {  // not expected
    lines_.back().unit_end = units_.size();
    line_begin_ = units_.size();
  }
  Page page;
  page.image.Reset(geo_.width, geo_.height, 255);
  PageManifest& m = page.manifest;
  m.params = params_;
  m.columns = 1;
  const int lh = geo_.line_height;
  auto new_line = [&m](const LineBox& box) {
    if (!m.lines.empty()) m.text.push_back('\n');
    m.lines.push_back(box);
  };
  // The legend band.
  const std::vector<std::string> legend = LegendLines(speakers_, page_day_);
  for (size_t r = 0; r < legend.size(); ++r) {
    std::vector<GlyphInfo> glyphs;
    const int32_t w = shaper_->Shape(legend[r], &glyphs);
    const int y = geo_.margin_top + static_cast<int>(r) * lh;
    MNEMO_RETURN_IF_ERROR(DrawRun(glyphs.data(), glyphs.size(),
                                  geo_.margin_left * 64, y, &page.image));
    new_line({geo_.margin_left, y, Px(w), lh});
    m.text += legend[r];
  }
  // Bands top to bottom; in each, its lines balanced over its columns.
  std::vector<int> band_top(bands_.size()), band_rows(bands_.size());
  int top = static_cast<int>(legend.size());
  for (size_t b = 0; b < bands_.size(); ++b) {
    const size_t end = b + 1 < bands_.size() ? bands_[b + 1].first_line : lines_.size();
    const size_t n = end - bands_[b].first_line;
    band_top[b] = top;
    band_rows[b] = static_cast<int>((n + bands_[b].columns - 1) / bands_[b].columns);
    top += band_rows[b];
    if (n > 0) m.columns = std::max(m.columns, static_cast<uint32_t>(bands_[b].columns));
  }
  std::vector<SpanBuild> spans;
  size_t band = 0;
  for (size_t i = 0; i < lines_.size(); ++i) {
    while (band + 1 < bands_.size() && bands_[band + 1].first_line <= i) ++band;
    const Line& line = lines_[i];
    const int local = static_cast<int>(i - bands_[band].first_line);
    const int col = local / band_rows[band], row = local % band_rows[band];
    const int column_step = geo_.ColumnWidth(bands_[band].columns) + geo_.gutter;
    const int x0 = geo_.margin_left + col * column_step;
    const int y = geo_.margin_top + (band_top[band] + row) * lh;
    new_line({x0, y, Px(line.ink), lh});
    const auto index = static_cast<uint32_t>(m.lines.size() - 1);
    for (size_t k = line.unit_begin; k < line.unit_end; ++k) {
      const Unit& u = units_[k];
      const auto text_at = static_cast<uint32_t>(m.text.size());
      if (u.drawn) {
        m.text.append(text_, u.text_begin, u.text_len);
        if (u.kind == Kind::kGlyphs) {
          MNEMO_RETURN_IF_ERROR(DrawRun(glyphs_.data() + u.glyph_begin,
                                        u.glyph_count, x0 * 64 + u.x, y,
                                        &page.image));
        }
      }
      if (u.owner < 0) continue;
      if (spans.empty() || spans.back().owner != u.owner) {
        SpanBuild& s = spans.emplace_back();
        s.owner = u.owner;
        s.first_line = index;
        s.x_begin = x0 + (u.x >> 6);
        s.text_begin = s.text_end = text_at;
      }
      SpanBuild& s = spans.back();
      s.last_line = index;
      s.source_begin = std::min(s.source_begin, u.source_begin);
      s.source_end = std::max(s.source_end, u.source_end);
      if (u.drawn && u.kind == Kind::kGlyphs) {
        s.x_end = x0 + Px(u.x + u.width);
        s.x_end_line = index;
        s.text_end = static_cast<uint32_t>(m.text.size());
      } else if (s.x_end_line != index) {
        s.x_end = x0 + (u.x >> 6);
        s.x_end_line = index;
      }
    }
  }
  m.line_count = static_cast<uint32_t>(m.lines.size());
  for (const SpanBuild& b : spans) {
    ItemSpan span;
    span.id = OwnerId(b.owner);
    span.first_line = b.first_line;
    span.line_count = b.last_line - b.first_line + 1;
    span.x_begin = b.x_begin;
    span.x_end = b.x_end;
    span.text_begin = b.text_begin;
    span.text_end = std::max(b.text_begin, b.text_end);
    span.source_begin = b.source_begin == UINT32_MAX ? 0 : b.source_begin;
    span.source_end = std::max(span.source_begin, b.source_end);
    span.continued = b.owner == prev_last_owner_;
    span.continues = b.owner == owner_ && item_open_;
    span.text = m.text.substr(span.text_begin, span.text_end - span.text_begin);
    int32_t x0 = INT32_MAX, x1 = INT32_MIN, y0 = INT32_MAX, y1 = INT32_MIN;
    for (const SpanPiece& p : SpanPieces(m, span)) {
      x0 = std::min(x0, p.x);
      x1 = std::max(x1, p.x + p.w);
      y0 = std::min(y0, p.y);
      y1 = std::max(y1, p.y + p.h);
    }
    if (x0 <= x1) span.x = x0, span.y = y0, span.w = x1 - x0, span.h = y1 - y0;
    m.items.push_back(std::move(span));
  }
  prev_last_owner_ = item_open_ && !spans.empty() && spans.back().owner == owner_
                         ? owner_
                         : -1;
  units_.clear();
  glyphs_.clear();
  text_.clear();
  lines_.clear();
  line_begin_ = 0;
  open_ = false;
  if (owner_ids_.size() > 1) owner_ids_.erase(owner_ids_.begin(), owner_ids_.end() - 1);
  m.page_index = emitted_++;
  return (*sink_)(std::move(page));
}

}  // namespace mnemo::codec::internal
