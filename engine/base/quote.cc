// Copyright (c) mnemo authors.

#include "mnemo/quote.h"

#include <cstdint>
#include <cstdio>

namespace mnemo {
namespace {

// Length of the valid UTF-8 sequence at text[i] (its code point in *cp),
// or 0 when the bytes there are not one: overlong forms, surrogates and
// code points past U+10FFFF are invalid, as in IsValidUtf8.
size_t DecodeUtf8(std::string_view text, size_t i, uint32_t* cp) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
  unsigned char c = b(0);
  size_t len = c < 0x80           ? 1
               : (c >> 5) == 0x6  ? 2
               : (c >> 4) == 0xe  ? 3
               : (c >> 3) == 0x1e ? 4
                                  : 0;
  if (len == 0 || i + len > text.size()) return 0;
  uint32_t v = len == 1 ? c : c & (0x7f >> len);
  for (size_t k = 1; k < len; ++k) {
    if ((b(k) & 0xc0) != 0x80) return 0;
    v = (v << 6) | (b(k) & 0x3f);
  }
  static const uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < kMin[len] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
  *cp = v;
  return len;
}

// Code points that change how the text around them shows: C0 and C1
// controls, DEL, the bidi marks, embeddings, overrides and isolates, and
// the Unicode line and paragraph separators.
bool Hidden(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c ||
         cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

void AppendHex(const char* format, uint32_t value, std::string* out) {
  char buf[16];
  int n = std::snprintf(buf, sizeof buf, format, static_cast<unsigned>(value));
  out->append(buf, static_cast<size_t>(n));
}

// Appends text[i..) escaped up to `max_bytes` input bytes; returns the
// number of input bytes consumed. `quoting` escapes backslash and quote
// and the newline and tab too.
size_t Escape(std::string_view text, size_t max_bytes, bool quoting,
              std::string* out) {
  size_t i = 0;
  while (i < text.size() && i < max_bytes) {
    uint32_t cp = 0;
    size_t len = DecodeUtf8(text, i, &cp);
    if (len == 0) {
      AppendHex("\\x%02x", static_cast<unsigned char>(text[i]), out);
      ++i;
      continue;
    }
    bool keep_layout = !quoting && (cp == '\n' || cp == '\t');
    if (quoting && (cp == '\\' || cp == '\'')) {
      out->push_back('\\');
      out->push_back(static_cast<char>(cp));
    } else if (quoting && cp == '\n') {
      out->append("\\n");
    } else if (quoting && cp == '\r') {
      out->append("\\r");
    } else if (quoting && cp == '\t') {
      out->append("\\t");
    } else if (Hidden(cp) && !keep_layout) {
      AppendHex(cp < 0x80 ? "\\x%02x" : "\\u{%04x}", cp, out);
    } else {
      out->append(text.substr(i, len));
    }
    i += len;
  }
  return i;
}

}  // namespace

std::string QuoteForMessage(std::string_view text, size_t max_bytes) {
  std::string out = "'";
  size_t used = Escape(text, max_bytes, /*quoting=*/true, &out);
  out.push_back('\'');
  if (used < text.size()) out.append("...");
  return out;
}

std::string EscapeForTerminal(std::string_view message) {
  std::string out;
  out.reserve(message.size());
  Escape(message, message.size(), /*quoting=*/false, &out);
  return out;
}

}  // namespace mnemo
