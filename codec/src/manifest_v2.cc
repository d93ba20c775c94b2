// Copyright (c) mnemo authors.
//
// Version 2 manifest fields: derivation for version 1 manifests, bounds
// checks, and the public geometry helpers (FillFactor, SpanPieces).

#include "manifest_v2.h"

#include <algorithm>
#include <string>
#include <vector>

namespace mnemo::codec {
namespace internal {
namespace {

// Byte offsets where each line of `text` starts, plus text.size() + 1 at
// the end (so line k is [starts[k], starts[k + 1] - 1)).
std::vector<size_t> LineStarts(const std::string& text) {
  std::vector<size_t> starts{0};
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') starts.push_back(i + 1);
  }
  starts.push_back(text.size() + 1);
  return starts;
}

}  // namespace

void DeriveV2Fields(PageManifest* m) {
  m->columns = 1;
  const int32_t lh = m->params.line_height > 0 ? m->params.line_height : 1;
  // Version 1 lines are stacked from one top edge; find it from any span.
  int64_t top = 0;
  for (const ItemSpan& s : m->items) {
    if (s.line_count > 0) {
      top = int64_t{s.y} - int64_t{s.first_line} * lh;
      break;
    }
  }
  m->lines.assign(m->line_count, LineBox());
  for (uint32_t k = 0; k < m->line_count; ++k) {
    m->lines[k].y = static_cast<int32_t>(std::clamp<int64_t>(
        top + int64_t{k} * lh, INT32_MIN, INT32_MAX));
    m->lines[k].h = lh;
  }
  const std::vector<size_t> starts = LineStarts(m->text);
  const bool text_ok = m->line_count > 0 && starts.size() == m->line_count + 1;
  for (ItemSpan& s : m->items) {
    s.x_begin = s.x;
    s.x_end = static_cast<int32_t>(
        std::clamp<int64_t>(int64_t{s.x} + s.w, INT32_MIN, INT32_MAX));
    s.text_begin = s.text_end = 0;
    const uint64_t end_line = uint64_t{s.first_line} + s.line_count;
    if (s.line_count == 0 || end_line > m->line_count) continue;
    for (uint32_t k = s.first_line; k < end_line; ++k) {
      m->lines[k].x = s.x;
      m->lines[k].w = std::max(m->lines[k].w, s.w);
    }
    if (text_ok) {
      s.text_begin = static_cast<uint32_t>(starts[s.first_line]);
      s.text_end = static_cast<uint32_t>(starts[end_line] - 1);
    }
  }
}

Status CheckV2Fields(const PageManifest& m) {
  if (m.columns < 1 || m.columns > kMaxColumns) {
    return Status::InvalidArgument("columns " + std::to_string(m.columns) +
                                   " not in 1.." + std::to_string(kMaxColumns));
  }
  if (m.lines.size() != m.line_count) {
    return Status::InvalidArgument(
        std::to_string(m.lines.size()) + " line boxes for line_count " +
        std::to_string(m.line_count));
  }
  for (size_t i = 0; i < m.items.size(); ++i) {
    const ItemSpan& s = m.items[i];
    if (s.text_begin > s.text_end || s.text_end > m.text.size()) {
      return Status::InvalidArgument("items[" + std::to_string(i) +
                                     "] text range outside the page text");
    }
  }
  return Status::OK();
}

}  // namespace internal

double FillFactor(const PageManifest& m) {
  const double area = double{1} * m.params.width * m.params.height;
  if (m.params.width <= 0 || m.params.height <= 0) return 0;
  double inked = 0;
  for (const LineBox& b : m.lines) {
    inked += std::max(0.0, double{1} * b.w) * std::max(0.0, double{1} * b.h);
  }
  return std::min(1.0, inked / area);
}

std::vector<SpanPiece> SpanPieces(const PageManifest& m, const ItemSpan& s) {
  std::vector<SpanPiece> pieces;
  const uint64_t end = std::min<uint64_t>(uint64_t{s.first_line} + s.line_count,
                                          m.lines.size());
  for (uint64_t k = s.first_line; k < end; ++k) {
    const LineBox& b = m.lines[k];
    int64_t x0 = k == s.first_line ? s.x_begin : b.x;
    int64_t x1 = k + 1 == end && end == uint64_t{s.first_line} + s.line_count
                     ? s.x_end
                     : int64_t{b.x} + b.w;
    if (x1 < x0) x1 = x0;
    pieces.push_back({static_cast<uint32_t>(k), static_cast<int32_t>(x0), b.y,
                      static_cast<int32_t>(std::min<int64_t>(x1 - x0, INT32_MAX)),
                      b.h});
  }
  return pieces;
}

}  // namespace mnemo::codec
