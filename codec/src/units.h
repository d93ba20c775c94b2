// Copyright (c) mnemo authors.
//
// The first step of layout: an item's source text -> units (a character
// with its glyphs, a space, a tab, a newline), each with the byte range of
// the source it stands for. Checks renderability (see the layout contract
// in <mnemo/codec/page.h>).

#ifndef MNEMO_CODEC_SRC_UNITS_H_
#define MNEMO_CODEC_SRC_UNITS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "font_set.h"
#include "mnemo/status.h"

namespace mnemo::codec::internal {

enum class UnitKind : uint8_t { kChar, kSpace, kTab, kNewline };

struct SourceUnit {
  uint32_t source_begin;
  uint32_t source_end;
  UnitKind kind;
  bool escaped;          // drawn as "<U+XXXX>"
  char32_t cp;
  uint32_t glyph_begin;  // into UnitBuilder::glyphs()
  uint32_t glyph_count;
  int32_t width;         // 26.6 (spaces: the space advance; tabs: 0)
};

class UnitBuilder {
 public:
  explicit UnitBuilder(FontSet* fonts);

  // Splits `source` into units ("\r\n" is one newline unit). InvalidArgument
  // for invalid UTF-8; NotSupported (code point and byte offset) for text
  // that cannot be rendered faithfully. Replaces units() and glyphs().
  Status Build(std::string_view source);

  // Appends the glyphs of `text` (decoration text: must be renderable) to
  // *glyphs; returns the advance (26.6).
  int32_t Shape(std::string_view text, std::vector<GlyphInfo>* glyphs);
  // Advance of `text` without keeping glyphs (unknown code points count as
  // a space).
  int64_t Measure(std::string_view text);

  const std::vector<SourceUnit>& units() const { return units_; }
  const std::vector<GlyphInfo>& glyphs() const { return glyphs_; }
  int32_t space_advance() const { return space_advance_; }
  int32_t zero_advance() const { return zero_advance_; }

 private:
  Status AddChar(char32_t cp, uint32_t begin, uint32_t end);

  FontSet* fonts_;
  int32_t space_advance_ = 0;
  int32_t zero_advance_ = 0;
  std::vector<SourceUnit> units_;
  std::vector<GlyphInfo> glyphs_;
};

}  // namespace mnemo::codec::internal

#endif  // MNEMO_CODEC_SRC_UNITS_H_
