// Copyright (c) mnemo authors.

#include "units.h"

#include <limits>

#include "utf8.h"

namespace mnemo::codec::internal {

UnitBuilder::UnitBuilder(FontSet* fonts) : fonts_(fonts) {
  GlyphInfo g;
  space_advance_ = fonts_->Lookup(U' ', &g) ? g.advance : 64 * 3;
  zero_advance_ = fonts_->Lookup(U'0', &g) ? g.advance : space_advance_;
}

Status UnitBuilder::AddChar(char32_t cp, uint32_t begin, uint32_t end) {
  SourceUnit u{begin, end, UnitKind::kChar, false, cp,
               static_cast<uint32_t>(glyphs_.size()), 0, 0};
  std::string escape;
  if (IsEscapedControl(cp)) {
    u.escaped = true;
    escape = ControlEscape(cp);
  } else if (const char* reason = UnrenderableReason(cp)) {
    return Status::NotSupported(std::string(reason) + " (" + CodePointName(cp) +
                                " at byte " + std::to_string(begin) + ")");
  }
  auto add = [&](char32_t c) {
    GlyphInfo g;
    if (!fonts_->Lookup(c, &g)) return false;
    glyphs_.push_back(g);
    u.width += g.advance;
    ++u.glyph_count;
    return true;
  };
  if (u.escaped) {
    for (char c : escape) add(static_cast<char32_t>(c));
  } else if (!add(cp)) {
    return Status::NotSupported("no font in the fallback chain has a glyph (" +
                                CodePointName(cp) + " at byte " +
                                std::to_string(begin) + ")");
  }
  units_.push_back(u);
  return Status::OK();
}

Status UnitBuilder::Build(std::string_view source) {
  units_.clear();
  glyphs_.clear();
  if (source.size() >= std::numeric_limits<uint32_t>::max()) {
    return Status::InvalidArgument("item text larger than 4 GiB");
  }
  size_t pos = 0;
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
      units_.push_back({b, e, UnitKind::kNewline, false, cp, 0, 0, 0});
    } else if (cp == ' ') {
      units_.push_back({b, e, UnitKind::kSpace, false, cp, 0, 0, space_advance_});
    } else if (cp == '\t') {
      units_.push_back({b, e, UnitKind::kTab, false, cp, 0, 0, 0});
    } else {
      MNEMO_RETURN_IF_ERROR(AddChar(cp, b, e));
    }
  }
  return Status::OK();
}

int32_t UnitBuilder::Shape(std::string_view text, std::vector<GlyphInfo>* out) {
  int32_t width = 0;
  size_t pos = 0;
  char32_t cp;
  while (pos < text.size() && DecodeUtf8(text, &pos, &cp)) {
    GlyphInfo g;
    if (fonts_->Lookup(cp, &g)) {
      out->push_back(g);
      width += g.advance;
    } else {
      width += space_advance_;
    }
  }
  return width;
}

int64_t UnitBuilder::Measure(std::string_view text) {
  int64_t width = 0;
  size_t pos = 0;
  char32_t cp;
  while (pos < text.size()) {
    if (!DecodeUtf8(text, &pos, &cp)) {
      ++pos;
      width += space_advance_;
      continue;
    }
    GlyphInfo g;
    width += cp == '\t' ? 4 * zero_advance_
             : fonts_->Lookup(cp, &g) ? g.advance
                                      : space_advance_;
  }
  return width;
}

}  // namespace mnemo::codec::internal
