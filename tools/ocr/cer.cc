// Copyright (c) mnemo authors.
//
// Character error rate: normalisation (see ocr.h, CerOptions) and a
// two-row Levenshtein distance over code points.

#include <algorithm>
#include <utility>
#include <vector>

#include "mnemo/ocr/ocr.h"

namespace mnemo::ocr {

// A malformed or truncated sequence yields one U+FFFD per offending byte,
// so corrupt text is still compared rather than rejected.
std::u32string CodePoints(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const int len = b < 0x80         ? 1
                    : (b >> 5) == 6  ? 2
                    : (b >> 4) == 14 ? 3
                    : (b >> 3) == 30 ? 4
                                     : 0;
    bool ok = len > 0 && i + len <= s.size();
    char32_t cp = len == 1 ? b : b & (0x3F >> (len > 0 ? len - 1 : 0));
    for (int k = 1; ok && k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      ok = (c & 0xC0) == 0x80;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (!ok) {
      out.push_back(U'\uFFFD');
      ++i;
      continue;
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

namespace {

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

// The ASCII that a typographic variant Tesseract emits stands for; empty
// when `cp` is not one.
std::u32string_view FoldTypography(char32_t cp) {
  switch (cp) {
    case U'\u201C':
    case U'\u201D':
      return U"\"";
    case U'\u2018':
    case U'\u2019':
      return U"'";
    case U'\u2010':
    case U'\u2011':
    case U'\u2013':
    case U'\u2014':
    case U'\u2212':
      return U"-";
    case U'\uFB00':
      return U"ff";
    case U'\uFB01':
      return U"fi";
    case U'\uFB02':
      return U"fl";
    case U'\uFB03':
      return U"ffi";
    case U'\uFB04':
      return U"ffl";
    default:
      return {};
  }
}

bool IsSpace(char32_t cp) {
  return cp == U' ' || cp == U'\n' || cp == U'\t' || cp == U'\r' ||
         cp == U'\f' || cp == U'\v';
}

std::u32string Normalize(std::string_view text, const CerOptions& options) {
  std::u32string folded;
  for (char32_t cp : CodePoints(text)) {
    if (options.excluded.find(cp) != std::u32string::npos) cp = U' ';
    std::u32string_view ascii =
        options.fold_typography ? FoldTypography(cp) : std::u32string_view();
    if (!ascii.empty())
      folded.append(ascii);
    else
      folded.push_back(cp);
  }
  if (!options.fold_whitespace) return folded;
  std::u32string out;
  out.reserve(folded.size());
  bool pending_space = false;
  for (char32_t cp : folded) {
    if (IsSpace(cp)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(U' ');
    pending_space = false;
    out.push_back(cp);
  }
  return out;
}

// Edit distance from reference `a` to `b`; a[i] with wild[i] set matches
// any one character of `b`, or none, at no cost.
uint64_t Levenshtein(const std::u32string& a, const std::vector<bool>& wild,
                     const std::u32string& b) {
  std::vector<uint32_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = static_cast<uint32_t>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    const char32_t ai = a[i - 1];
    const uint32_t miss = wild[i - 1] ? 0 : 1;
    cur[0] = prev[0] + miss;
    for (size_t j = 1; j <= b.size(); ++j) {
      const uint32_t sub = prev[j - 1] + (ai == b[j - 1] ? 0 : miss);
      cur[j] = std::min({prev[j] + miss, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

double CerCount::rate() const {
  if (reference_chars == 0) return edits == 0 ? 0.0 : 1.0;
  return static_cast<double>(edits) / static_cast<double>(reference_chars);
}

CerCount& CerCount::operator+=(const CerCount& other) {
  edits += other.edits;
  reference_chars += other.reference_chars;
  ocr_chars += other.ocr_chars;
  unscored += other.unscored;
  return *this;
}

std::string NormalizeForCer(std::string_view text, const CerOptions& options) {
  std::string out;
  for (char32_t cp : Normalize(text, options)) AppendUtf8(cp, &out);
  return out;
}

CerCount CharErrorRate(std::string_view reference, std::string_view ocr,
                       const CerOptions& options) {
  const std::u32string a = Normalize(reference, options);
  const std::u32string b = Normalize(ocr, options);
  CerCount count;
  count.reference_chars = a.size();
  count.ocr_chars = b.size();
  std::vector<bool> wild(a.size(), false);
  if (!options.readable.empty()) {
    for (size_t i = 0; i < a.size(); ++i) {
      wild[i] =
          !IsSpace(a[i]) && options.readable.find(a[i]) == std::u32string::npos;
      count.unscored += wild[i];
    }
  }
  count.edits = Levenshtein(a, wild, b);
  return count;
}

}  // namespace mnemo::ocr
