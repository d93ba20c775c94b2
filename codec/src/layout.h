// Copyright (c) mnemo authors.
//
// Line layout of one item's source text: code points -> units (characters,
// spaces, tabs, newlines, visible escapes) -> greedy word-wrapped lines with
// glyph positions, the byte range of the source each line covers and its
// laid-out text. See the layout contract in <mnemo/codec/page.h>.

#ifndef MNEMO_CODEC_SRC_LAYOUT_H_
#define MNEMO_CODEC_SRC_LAYOUT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "font_set.h"
#include "mnemo/status.h"

namespace mnemo::codec::internal {

struct PlacedGlyph {
  int32_t x = 0;  // 26.6, from the line's left edge
  GlyphInfo glyph;
};

struct Line {
  uint32_t glyph_begin = 0;  // [glyph_begin, glyph_end) of the glyph vector
  uint32_t glyph_end = 0;
  uint32_t source_begin = 0;  // byte range of the source text it covers
  uint32_t source_end = 0;
  int32_t width_px = 0;       // advance width of the drawn content
  std::string text;           // laid-out text
};

struct LayoutResult {
  std::vector<PlacedGlyph> glyphs;
  std::vector<Line> lines;
};

class LineLayout {
 public:
  // `max_width_px`: usable line width; tab stops every `tab_cells` x '0'.
  LineLayout(FontSet* fonts, int max_width_px, int tab_cells);

  // Lays out `source` (at least one line, even when empty). InvalidArgument
  // for invalid UTF-8; NotSupported (with code point and byte offset) for
  // text that cannot be rendered faithfully. *out is replaced.
  Status Layout(std::string_view source, LayoutResult* out);

  // Checks renderability only (the first step of Layout).
  Status Check(std::string_view source);

 private:
  enum class Kind : uint8_t { kChar, kSpace, kTab, kNewline };
  struct Unit {
    uint32_t source_begin;
    uint32_t source_end;
    Kind kind;
    bool escaped;          // drawn as "<U+XXXX>"
    char32_t cp;
    uint32_t glyph_begin;  // into unit_glyphs_
    uint32_t glyph_count;
    int32_t width;         // 26.6
  };
  struct Break {
    bool valid = false;
    size_t content_end = 0;  // first unit not drawn on the line
    size_t resume = 0;       // first unit of the next line
    size_t glyph_count = 0;  // glyphs placed up to content_end
    int32_t pen = 0;
  };

  Status BuildUnits(std::string_view source);
  // `prev`: the code point before `cp` that is not a presentation selector.
  Status AddCharUnit(char32_t cp, char32_t prev, uint32_t begin, uint32_t end,
                     size_t pos);
  void EmitLine(std::string_view source, size_t first, size_t content_end,
                uint32_t source_end, int32_t pen, LayoutResult* out);
  void Place(const Unit& unit, int32_t pen, LayoutResult* out);

  FontSet* fonts_;
  int32_t max_width_;  // 26.6
  int32_t tab_stop_;   // 26.6
  int32_t space_advance_ = 0;
  std::vector<Unit> units_;
  std::vector<GlyphInfo> unit_glyphs_;
  uint32_t line_glyph_begin_ = 0;
};

}  // namespace mnemo::codec::internal

#endif  // MNEMO_CODEC_SRC_LAYOUT_H_
