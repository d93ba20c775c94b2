// Copyright (c) mnemo authors.
//
// The scanners below mirror the encodings' regexes alternative by
// alternative. Notation: L letter, N number, M mark (general categories),
// S White_Space, O = not (S, L, N), P = not (CR, LF, L, N),
// U = Lu|Lt|Lm|Lo|M, W = Ll|Lm|Lo|M. A backtracking engine tries the
// alternatives in order at each position and takes the first that matches;
// each alternative's greedy quantifiers and their backtracking are resolved
// in closed form (see the comments on each scanner).

#include "tokenizer_pretok.h"

#include <unicode/uchar.h>

#include <algorithm>
#include <array>
#include <memory>

#include "utf8.h"

namespace mnemo::codec::internal {
namespace {

enum : uint8_t {
  kL = 1, kN = 2, kS = 4, kU = 8, kW = 16, kNl = 32,
};

uint8_t ClassifyCodePoint(char32_t c) {
  uint8_t bits = 0;
  switch (u_charType(static_cast<UChar32>(c))) {
    case U_UPPERCASE_LETTER:
    case U_TITLECASE_LETTER: bits = kL | kU; break;
    case U_LOWERCASE_LETTER: bits = kL | kW; break;
    case U_MODIFIER_LETTER:
    case U_OTHER_LETTER: bits = kL | kU | kW; break;
    case U_NON_SPACING_MARK:
    case U_ENCLOSING_MARK:
    case U_COMBINING_SPACING_MARK: bits = kU | kW; break;
    case U_DECIMAL_DIGIT_NUMBER:
    case U_LETTER_NUMBER:
    case U_OTHER_NUMBER: bits = kN; break;
    default: break;
  }
  // \s of the reference engine is the Unicode White_Space property.
  if (u_isUWhiteSpace(static_cast<UChar32>(c))) bits |= kS;
  if (c == '\r' || c == '\n') bits |= kNl;
  return bits;
}

// Classes of the Basic Multilingual Plane, computed once (64 KiB): ICU's
// lookup per code point would dominate the scan otherwise.
const uint8_t* BmpTable() {
  static const std::unique_ptr<uint8_t[]> table = [] {
    auto t = std::make_unique<uint8_t[]>(0x10000);
    for (char32_t c = 0; c < 0x10000; ++c) t[c] = ClassifyCodePoint(c);
    return t;
  }();
  return table.get();
}

struct Segment {  // one run of valid UTF-8, decoded
  std::vector<char32_t> cp;
  std::vector<uint8_t> cls;
  std::vector<size_t> off;  // byte offset of each code point, plus the end
};

class Scanner {
 public:
  Scanner(PretokPattern p, const Segment& s)
      : p_(p), cp_(s.cp), cls_(s.cls), n_(s.cp.size()) {}

  // End (code point index) of the piece starting at i < n.
  size_t Next(size_t i) const {
    switch (p_) {
      case PretokPattern::kGpt2: return NextGpt2(i);
      case PretokPattern::kCl100k: return NextCl100k(i);
      case PretokPattern::kO200k: return NextO200k(i);
    }
    return i + 1;
  }

 private:
  bool Is(size_t i, uint8_t bit) const { return i < n_ && (cls_[i] & bit); }
  bool IsO(size_t i) const { return i < n_ && !(cls_[i] & (kL | kN | kS)); }
  bool IsP(size_t i) const { return i < n_ && !(cls_[i] & (kL | kN | kNl)); }
  size_t Run(size_t i, uint8_t bit) const {
    while (Is(i, bit)) ++i;
    return i;
  }
  size_t RunO(size_t i) const {
    while (IsO(i)) ++i;
    return i;
  }

  // Length of "'s|'t|'re|'ve|'m|'ll|'d" at i (ASCII case folding when
  // `fold`), 0 when none matches.
  size_t Contraction(size_t i, bool fold) const {
    if (i + 1 >= n_ || cp_[i] != '\'') return 0;
    auto at = [&](size_t k) -> char32_t {
      if (k >= n_) return 0;
      char32_t c = cp_[k];
      return (fold && c >= 'A' && c <= 'Z') ? c + 32 : c;
    };
    const char32_t a = at(i + 1), b = at(i + 2);
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
    if ((a == 'r' || a == 'v') && b == 'e') return 3;
    if (a == 'l' && b == 'l') return 3;
    return 0;
  }

  // The whitespace tail shared by all families: [\s*[\r\n]+ when
  // `newline_alt`] | \s+(?!\S) | \s+. \s+(?!\S) backtracks to leave the
  // last blank for the next piece unless the run ends the text.
  size_t Whitespace(size_t i, bool newline_alt) const {
    const size_t j = Run(i, kS);
    if (newline_alt) {
      for (size_t k = j; k > i; --k) {
        if (cls_[k - 1] & kNl) return k;  // \s* backtracks to the last CR/LF
      }
    }
    if (j == n_ || j - i < 2) return j;
    return j - 1;
  }

  size_t NextGpt2(size_t i) const {
    if (size_t m = Contraction(i, false)) return i + m;
    const size_t j = (cp_[i] == ' ' && i + 1 < n_) ? i + 1 : i;
    if (Is(i, kL) || (j > i && Is(j, kL))) return Run(Is(i, kL) ? i : j, kL);
    if (Is(i, kN) || (j > i && Is(j, kN))) return Run(Is(i, kN) ? i : j, kN);
    if (IsO(i) || (j > i && IsO(j))) return RunO(IsO(i) ? i : j);
    return Whitespace(i, false);
  }

  size_t NextCl100k(size_t i) const {
    if (size_t m = Contraction(i, true)) return i + m;
    if (Is(i, kL)) return Run(i, kL);
    if (IsP(i) && Is(i + 1, kL)) return Run(i + 1, kL);
    if (Is(i, kN)) return std::min(Run(i, kN), i + 3);
    if (size_t e = Punctuation(i)) {
      while (Is(e, kNl)) ++e;
      return e;
    }
    return Whitespace(i, true);
  }

  // " ?[^\s\p{L}\p{N}]+" at i: its end, or 0 when it does not match.
  size_t Punctuation(size_t i) const {
    if (IsO(i)) return RunO(i);
    if (cp_[i] == ' ' && IsO(i + 1)) return RunO(i + 1);
    return 0;
  }

  size_t NextO200k(size_t i) const {
    // Alternatives 1 and 2 each try the optional prefix P first, then none.
    const bool prefix = IsP(i) && i + 1 < n_;
    size_t e = 0;
    if ((prefix && (e = LowerWord(i + 1))) || (e = LowerWord(i))) return e;
    if ((prefix && (e = UpperWord(i + 1))) || (e = UpperWord(i))) return e;
    if (Is(i, kN)) return std::min(Run(i, kN), i + 3);
    if ((e = Punctuation(i))) {
      while (e < n_ && ((cls_[e] & kNl) || cp_[e] == '/')) ++e;
      return e;
    }
    return Whitespace(i, true);
  }

  // "U*W+C?" at s: U* runs greedily to u; W+ matches at u when cp u is W,
  // else U* gives back down to the last W inside the run and W+ takes that
  // one code point (the ones after it are U but not W). 0: no match.
  size_t LowerWord(size_t s) const {
    if (s >= n_ || !(cls_[s] & (kU | kW))) return 0;
    const size_t u = Run(s, kU);
    size_t e;
    if (Is(u, kW)) {
      e = Run(u, kW);
    } else {
      size_t k = u;
      while (k > s && !(cls_[k - 1] & kW)) --k;
      if (k == s) return 0;
      e = k;
    }
    return e + Contraction(e, true);
  }

  // "U+W*C?" at s; every quantifier keeps its greedy first choice.
  size_t UpperWord(size_t s) const {
    if (!Is(s, kU)) return 0;
    const size_t e = Run(Run(s, kU), kW);
    return e + Contraction(e, true);
  }

  PretokPattern p_;
  const std::vector<char32_t>& cp_;
  const std::vector<uint8_t>& cls_;
  size_t n_;
};

// Decodes text[*pos..] up to the first invalid byte (or the end).
void DecodeSegment(std::string_view text, size_t* pos, Segment* seg) {
  const uint8_t* bmp = BmpTable();
  seg->cp.clear();
  seg->cls.clear();
  seg->off.clear();
  size_t p = *pos;
  while (p < text.size()) {
    const unsigned char b = static_cast<unsigned char>(text[p]);
    char32_t c;
    size_t next = p;
    if (b < 0x80) {
      c = b;
      next = p + 1;
    } else if (!DecodeUtf8(text, &next, &c)) {
      break;
    }
    seg->cp.push_back(c);
    seg->cls.push_back(c < 0x10000 ? bmp[c] : ClassifyCodePoint(c));
    seg->off.push_back(p);
    p = next;
  }
  seg->off.push_back(p);
  *pos = p;
}

}  // namespace

std::string_view PretokPatternName(PretokPattern p) {
  switch (p) {
    case PretokPattern::kGpt2: return "gpt2";
    case PretokPattern::kCl100k: return "cl100k";
    case PretokPattern::kO200k: return "o200k";
  }
  return "?";
}

bool PretokPatternFromString(std::string_view pat, PretokPattern* out) {
  static constexpr std::string_view kGpt2 =
      R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
  // The Python spellings, current and older, and the JavaScript one.
  static constexpr std::string_view kCl100k[] = {
      R"('(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+)",
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
      R"(('s|'S|'t|'T|'re|'rE|'Re|'RE|'ve|'vE|'Ve|'VE|'m|'M|'ll|'lL|'Ll|'LL|'d|'D)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
  };
  static constexpr std::string_view kO200kPy =
      R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
  static constexpr std::string_view kO200kJs =
      R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+('s|'S|'t|'T|'re|'rE|'Re|'RE|'ve|'vE|'Ve|'VE|'m|'M|'ll|'lL|'Ll|'LL|'d|'D)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*('s|'S|'t|'T|'re|'rE|'Re|'RE|'ve|'vE|'Ve|'VE|'m|'M|'ll|'lL|'Ll|'LL|'d|'D)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
  if (pat == kGpt2) {
    *out = PretokPattern::kGpt2;
    return true;
  }
  for (std::string_view p : kCl100k) {
    if (pat == p) {
      *out = PretokPattern::kCl100k;
      return true;
    }
  }
  if (pat == kO200kPy || pat == kO200kJs) {
    *out = PretokPattern::kO200k;
    return true;
  }
  return false;
}

void Pretokenizer::SplitInto(std::string_view text,
                             std::vector<size_t>* ends) const {
  thread_local Segment seg;
  size_t pos = 0;
  while (pos < text.size()) {
    DecodeSegment(text, &pos, &seg);
    const Scanner scanner(pattern_, seg);
    for (size_t i = 0, n = seg.cp.size(); i < n;) {
      const size_t e = scanner.Next(i);
      ends->push_back(seg.off[e]);
      i = e;
    }
    if (pos < text.size()) {  // an invalid byte: a piece of its own
      ends->push_back(++pos);
    }
  }
}

}  // namespace mnemo::codec::internal
