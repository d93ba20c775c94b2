// Copyright (c) mnemo authors.

#include "layout.h"

#include <cstdint>
#include <limits>

#include "utf8.h"

namespace mnemo::codec::internal {

LineLayout::LineLayout(FontSet* fonts, int max_width_px, int tab_cells)
    : fonts_(fonts), max_width_(max_width_px * 64) {
  GlyphInfo g;
  space_advance_ = fonts_->Lookup(U' ', &g) ? g.advance : 64 * 3;
  int32_t zero = fonts_->Lookup(U'0', &g) ? g.advance : space_advance_;
  tab_stop_ = std::max<int32_t>(64, zero * std::max(1, tab_cells));
}

Status LineLayout::AddCharUnit(char32_t cp, char32_t prev, uint32_t begin,
                               uint32_t end, size_t pos) {
  Unit u{begin, end, Kind::kChar, false, cp,
         static_cast<uint32_t>(unit_glyphs_.size()), 0, 0};
  if (const char* reason = UnrenderableReason(cp, prev)) {
    return Status::NotSupported(std::string(reason) + " (" + CodePointName(cp) +
                                " at byte " + std::to_string(pos) + ")");
  }
  const DrawAs how = HowToDraw(cp, prev);
  if (how == DrawAs::kNothing) {  // no glyph, no width; bytes stay mapped
    units_.push_back(u);
    return Status::OK();
  }
  std::string escape;
  if (how == DrawAs::kEscape) {
    u.escaped = true;
    escape = ControlEscape(cp);
  }
  auto add = [&](char32_t c) {
    GlyphInfo g;
    if (!fonts_->Lookup(c, &g)) return false;
    unit_glyphs_.push_back(g);
    u.width += g.advance;
    ++u.glyph_count;
    return true;
  };
  if (u.escaped) {
    for (char c : escape) add(static_cast<char32_t>(c));
  } else if (!add(cp)) {
    return Status::NotSupported("no font in the fallback chain has a glyph (" +
                                CodePointName(cp) + " at byte " +
                                std::to_string(pos) + ")");
  }
  units_.push_back(u);
  return Status::OK();
}

Status LineLayout::BuildUnits(std::string_view source) {
  units_.clear();
  unit_glyphs_.clear();
  if (source.size() >= std::numeric_limits<uint32_t>::max()) {
    return Status::InvalidArgument("item text larger than 4 GiB");
  }
  size_t pos = 0;
  char32_t prev = 0;  // the last code point that is not a selector
  while (pos < source.size()) {
    const size_t begin = pos;
    char32_t cp;
    if (!DecodeUtf8(source, &pos, &cp)) {
      return Status::InvalidArgument("invalid UTF-8 at byte " +
                                     std::to_string(begin));
    }
    if (cp == '\r' && pos < source.size() && source[pos] == '\n') {
      ++pos;
      cp = '\n';
    }
    const auto b = static_cast<uint32_t>(begin);
    const auto e = static_cast<uint32_t>(pos);
    if (cp == '\n') {
      units_.push_back({b, e, Kind::kNewline, false, cp, 0, 0, 0});
    } else if (cp == ' ') {
      units_.push_back({b, e, Kind::kSpace, false, cp, 0, 0, space_advance_});
    } else if (cp == '\t') {
      units_.push_back({b, e, Kind::kTab, false, cp, 0, 0, 0});
    } else {
      MNEMO_RETURN_IF_ERROR(AddCharUnit(cp, prev, b, e, begin));
    }
    if (!IsPresentationSelector(cp)) prev = cp;
  }
  return Status::OK();
}

Status LineLayout::Check(std::string_view source) { return BuildUnits(source); }

void LineLayout::Place(const Unit& unit, int32_t pen, LayoutResult* out) {
  for (uint32_t k = 0; k < unit.glyph_count; ++k) {
    const GlyphInfo& g = unit_glyphs_[unit.glyph_begin + k];
    out->glyphs.push_back({pen, g});
    pen += g.advance;
  }
}

void LineLayout::EmitLine(std::string_view source, size_t first,
                          size_t content_end, uint32_t source_end, int32_t pen,
                          LayoutResult* out) {
  Line line;
  line.glyph_begin = line_glyph_begin_;
  line.glyph_end = static_cast<uint32_t>(out->glyphs.size());
  // Lines tile the source: each starts where the previous one ended.
  line.source_begin = out->lines.empty() ? 0 : out->lines.back().source_end;
  line.source_end = source_end;
  line.width_px = (pen + 63) >> 6;
  for (size_t i = first; i < content_end; ++i) {
    const Unit& u = units_[i];
    if (u.escaped) {
      line.text += ControlEscape(u.cp);
    } else {
      line.text.append(source.substr(u.source_begin, u.source_end - u.source_begin));
    }
  }
  out->lines.push_back(std::move(line));
  line_glyph_begin_ = static_cast<uint32_t>(out->glyphs.size());
}

Status LineLayout::Layout(std::string_view source, LayoutResult* out) {
  out->glyphs.clear();
  out->lines.clear();
  line_glyph_begin_ = 0;
  MNEMO_RETURN_IF_ERROR(BuildUnits(source));
  const size_t n = units_.size();
  size_t i = 0, first = 0;
  int32_t pen = 0;
  Break brk;
  auto start_line = [&](size_t at) {
    first = i = at;
    pen = 0;
    brk = Break();
  };
  while (i < n) {
    const Unit& u = units_[i];
    if (u.kind == Kind::kNewline) {
      EmitLine(source, first, i, u.source_end, pen, out);
      start_line(i + 1);
      continue;
    }
    if (u.kind == Kind::kSpace || u.kind == Kind::kTab) {
      if (!brk.valid || brk.resume != i) {
        brk.content_end = i;
        brk.glyph_count = out->glyphs.size();
        brk.pen = pen;
      }
      pen = u.kind == Kind::kSpace ? pen + u.width
                                   : (pen / tab_stop_ + 1) * tab_stop_;
      brk.valid = true;
      brk.resume = ++i;
      continue;
    }
    if (pen + u.width <= max_width_ || i == first) {
      Place(u, pen, out);
      pen += u.width;
      ++i;
      continue;
    }
    if (brk.valid && brk.resume > first) {
      out->glyphs.resize(brk.glyph_count);
      EmitLine(source, first, brk.content_end, units_[brk.resume].source_begin,
               brk.pen, out);
      start_line(brk.resume);
    } else {  // one word longer than the line: hard break at the edge
      EmitLine(source, first, i, u.source_begin, pen, out);
      start_line(i);
    }
  }
  EmitLine(source, first, n, static_cast<uint32_t>(source.size()), pen, out);
  return Status::OK();
}

}  // namespace mnemo::codec::internal
