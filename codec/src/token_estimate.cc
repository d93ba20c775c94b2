// Copyright (c) mnemo authors.
//
// The calibrated text-token estimate used when no tokenizer is configured.
// Placeholder factors until the calibration run fills them in.

#include <array>

#include "mnemo/codec/profile.h"
#include "mnemo/codec/tokenizer.h"
#include "utf8.h"

namespace mnemo::codec {

std::string_view TextClassName(TextClass c) {
  switch (c) {
    case TextClass::kProse: return "prose";
    case TextClass::kTechnical: return "technical";
    case TextClass::kCode: return "code";
    case TextClass::kCjk: return "cjk";
  }
  return "?";
}

TextClass ClassifyText(std::string_view text) {
  (void)text;
  return TextClass::kProse;
}

size_t EstimateTextTokens(std::string_view text) {
  return (CountCodePoints(text) + 3) / 4;
}

}  // namespace mnemo::codec
