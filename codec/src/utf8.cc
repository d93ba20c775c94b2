// Copyright (c) mnemo authors.

#include "utf8.h"

#include <cstdio>

namespace mnemo::codec::internal {

bool DecodeUtf8(std::string_view s, size_t* pos, char32_t* cp) {
  size_t i = *pos;
  if (i >= s.size()) return false;
  const auto b0 = static_cast<uint8_t>(s[i]);
  if (b0 < 0x80) {
    *cp = b0;
    *pos = i + 1;
    return true;
  }
  int len;
  char32_t value;
  char32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, value = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, value = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, value = b0 & 0x07, min = 0x10000;
  } else {
    return false;
  }
  if (s.size() - i < static_cast<size_t>(len)) return false;
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<uint8_t>(s[i + k]);
    if ((b & 0xC0) != 0x80) return false;
    value = (value << 6) | (b & 0x3F);
  }
  if (value < min || value > 0x10FFFF) return false;
  if (value >= 0xD800 && value <= 0xDFFF) return false;
  *cp = value;
  *pos = i + len;
  return true;
}

size_t FindInvalidUtf8(std::string_view s) {
  size_t pos = 0;
  char32_t cp;
  while (pos < s.size()) {
    if (!DecodeUtf8(s, &pos, &cp)) return pos;
  }
  return std::string_view::npos;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

namespace {

struct Range {
  char32_t lo, hi;
  const char* reason;
};

constexpr const char* kRtl = "right-to-left script";
constexpr const char* kShaping = "script needs complex shaping";
constexpr const char* kMark = "combining mark needs shaping";
constexpr const char* kTag = "unassigned tag-plane code point";
constexpr const char* kKeycap = "enclosing keycap without a keycap base";

constexpr Range kUnrenderable[] = {
    {0x0300, 0x036F, kMark},   {0x0483, 0x0489, kMark},
    {0x0590, 0x08FF, kRtl},    {0x0900, 0x0DFF, kShaping},
    {0x0E00, 0x0EFF, kShaping}, {0x0F00, 0x0FFF, kShaping},
    {0x1000, 0x109F, kShaping}, {0x1100, 0x11FF, kShaping},
    {0x1700, 0x18AF, kShaping}, {0x1A00, 0x1AAF, kShaping},
    {0x1AB0, 0x1AFF, kMark},   {0x1B00, 0x1CFF, kShaping},
    {0x1DC0, 0x1DFF, kMark},   {0x20D0, 0x20FF, kMark},
    {0x302A, 0x302F, kMark},
    {0x3099, 0x309A, kMark},   {0xA800, 0xABFF, kShaping},
    {0xD7B0, 0xD7FF, kShaping}, {0xFB1D, 0xFDFF, kRtl},
    {0xFE20, 0xFE2F, kMark},
    {0xFE70, 0xFEFE, kRtl},    {0x10800, 0x10FFF, kRtl},
    {0x11000, 0x11FFF, kShaping}, {0x1E800, 0x1EFFF, kRtl},
    {0xE0000, 0xE0FFF, kTag},
};

bool IsKeycapBase(char32_t cp) {
  return (cp >= '0' && cp <= '9') || cp == '#' || cp == '*';
}

}  // namespace

bool IsPresentationSelector(char32_t cp) {
  return (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF);
}

bool IsEmojiContext(char32_t cp) {
  return (cp >= 0x2190 && cp <= 0x2BFF) ||   // arrows, technical, dingbats
         (cp >= 0x1F000 && cp <= 0x1FAFF) ||  // pictographs, flags, modifiers
         cp == 0x00A9 || cp == 0x00AE || cp == 0x203C || cp == 0x2049 ||
         cp == 0x2122 || cp == 0x2139 || cp == 0x3030 || cp == 0x303D ||
         cp == 0x3297 || cp == 0x3299 || cp == 0x20E3 ||
         (cp >= 0xE0020 && cp <= 0xE007F);
}

DrawAs HowToDraw(char32_t cp, char32_t prev) {
  if (IsPresentationSelector(cp)) return DrawAs::kNothing;
  if (cp == 0x200D) {
    return IsEmojiContext(prev) ? DrawAs::kNothing : DrawAs::kEscape;
  }
  return IsEscapedControl(cp) ? DrawAs::kEscape : DrawAs::kGlyph;
}

const char* UnrenderableReason(char32_t cp, char32_t prev) {
  if (cp < 0x0300) return nullptr;
  if (cp == 0x20E3) {
    return IsKeycapBase(prev) ? nullptr : kKeycap;
  }
  if (IsPresentationSelector(cp) || IsEscapedControl(cp) || cp == 0x200D) {
    return nullptr;
  }
  for (const Range& r : kUnrenderable) {
    if (cp >= r.lo && cp <= r.hi) return r.reason;
  }
  return nullptr;
}

bool IsEscapedControl(char32_t cp) {
  if (cp < 0x20) return cp != '\t' && cp != '\n';
  if (cp >= 0x7F && cp <= 0x9F) return true;
  // Bidi marks, embeddings, overrides and isolates: drawn left to right
  // they would hide that a reader applying them sees another order, so the
  // page shows them instead (e.g. "<U+202E>").
  if (cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
      (cp >= 0x2066 && cp <= 0x2069)) {
    return true;
  }
  if (cp == 0xE0001 || (cp >= 0xE0020 && cp <= 0xE007F)) return true;
  switch (cp) {
    case 0x00AD: case 0x034F: case 0x061C: case 0x180E: case 0x200B:
    case 0x200C:
    case 0x2028: case 0x2029: case 0x2060: case 0x2061: case 0x2062:
    case 0x2063: case 0x2064: case 0xFEFF: case 0xFFF9: case 0xFFFA:
    case 0xFFFB:
      return true;
    default:
      return false;
  }
}

std::string ControlEscape(char32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "<U+%04X>", static_cast<unsigned>(cp));
  return buf;
}

std::string CodePointName(char32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

}  // namespace mnemo::codec::internal
