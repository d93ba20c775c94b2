// Copyright (c) mnemo authors.
//
// The calibrated text-token estimate used when no tokenizer is configured:
//
//   tokens = latin / chars_per_token[class] + cjk * kCjk
//            + other_letters * kOtherLetter + symbols * kSymbol
//
// The class comes from the share of ASCII digits and punctuation; every
// factor was measured against o200k_base on text nobody in this project
// wrote (Debian docs, man pages, changelogs, logs, headers, Python
// sources, JSON, gnupg help translations, LoCoMo dialogue and summaries)
// with mnemo-token-calibrate; the table and each source's error are in the
// README ("Text tokens").

#include <cmath>

#include "mnemo/codec/profile.h"
#include "mnemo/codec/tokenizer.h"
#include "utf8.h"

namespace mnemo::codec {
namespace {

// Measured chars (ASCII letters, blanks, digits, punctuation) per o200k
// token, by class.
constexpr double kCharsPerToken[kTextClasses] = {4.57, 4.00, 3.08, 2.37};
// Share of digits + punctuation at which each class starts.
constexpr double kClassFloor[kTextClasses] = {0.0, 0.075, 0.16, 0.28};
constexpr double kCjk = 0.80;          // tokens per CJK code point
constexpr double kOtherLetter = 1.00;  // tokens per other non-ASCII letter
constexpr double kSymbol = 0.72;       // tokens per emoji / symbol

bool IsCjk(char32_t c) {
  return (c >= 0x2E80 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFF00 && c <= 0xFFEF) ||
         (c >= 0x20000 && c <= 0x3FFFF);
}

}  // namespace

std::string_view TextClassName(TextClass c) {
  switch (c) {
    case TextClass::kProse: return "prose";
    case TextClass::kTechnical: return "technical";
    case TextClass::kCode: return "code";
    case TextClass::kLogs: return "logs";
  }
  return "?";
}

TextStats MeasureText(std::string_view text) {
  TextStats st;
  size_t pos = 0;
  while (pos < text.size()) {
    const unsigned char b = static_cast<unsigned char>(text[pos]);
    ++st.code_points;
    if (b < 0x80) {
      ++pos;
      if (b >= '0' && b <= '9') {
        ++st.digits;
      } else if (b > ' ' && b < 0x7f && !((b | 0x20) >= 'a' && (b | 0x20) <= 'z')) {
        ++st.punct;
      }
      continue;
    }
    char32_t c;
    if (!internal::DecodeUtf8(text, &pos, &c)) {
      ++pos;
      ++st.symbols;  // a stray byte is a token of its own
    } else if (IsCjk(c)) {
      ++st.cjk;
    } else if (c >= 0x2000) {
      ++st.symbols;
    } else {
      ++st.other_letters;
    }
  }
  return st;
}

TextClass ClassifyStats(const TextStats& st) {
  if (st.code_points == 0) return TextClass::kProse;
  const double dense =
      static_cast<double>(st.digits + st.punct) / st.code_points;
  int c = kTextClasses - 1;
  while (c > 0 && dense < kClassFloor[c]) --c;
  return static_cast<TextClass>(c);
}

TextClass ClassifyText(std::string_view text) {
  return ClassifyStats(MeasureText(text));
}

size_t EstimateTextTokens(std::string_view text) {
  const TextStats st = MeasureText(text);
  const int cls = static_cast<int>(ClassifyStats(st));
  const double tokens = st.latin() / kCharsPerToken[cls] + st.cjk * kCjk +
                        st.other_letters * kOtherLetter + st.symbols * kSymbol;
  return static_cast<size_t>(std::ceil(tokens - 1e-9));
}

}  // namespace mnemo::codec
