// Copyright (c) mnemo authors.
//
// Render profiles: named page geometries matching the input modes of
// vision-language models, each with the font and spacing tuned so the page
// stays legible (measured with Tesseract; see bench/codec_bench.cc), and the
// token accounting that decides whether a page is worth it.
//
//   tiny   512x512   64 vision tokens (DeepSeek-OCR Tiny, one token / 64x64 px)
//   small  640x640  100 vision tokens (DeepSeek-OCR Small)
//   base  1024x1024 256 vision tokens (DeepSeek-OCR Base) -- the default
//   large 1280x1280 400 vision tokens (DeepSeek-OCR Large)
//   qwen   896x896 1024 vision tokens (Qwen2.5-VL: one token / 28x28 px)
//
// Text tokens are counted by a Tokenizer (mnemo/codec/tokenizer.h) when one
// is configured, else ESTIMATED by EstimateTextTokens: per content class,
// with factors measured against o200k_base. kTextTokenEstimator names the
// estimate in reports.
//
// Thread safety: the built-in profiles are immutable statics.

#ifndef MNEMO_CODEC_PROFILE_H_
#define MNEMO_CODEC_PROFILE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace mnemo::codec {

struct RenderProfile {
  std::string_view name;         // "base"
  std::string_view description;  // one line for --help and reports
  int width = 1024;              // page size in pixels
  int height = 1024;
  int vision_tokens = 256;       // tokens a VLM spends on one page
  std::string_view font = "DejaVuSans.ttf";  // primary font file name
  bool monospace = false;        // true: fixed advance of '0' per cell
  double pixel_size = 10.5;      // em height in px (1/64 px precision)
  int line_height = 12;          // baseline-to-baseline distance, px
  int margin_left = 8;           // < ~8 px: Tesseract misreads line starts
  int margin_top = 8;
  int margin_right = 8;
  int margin_bottom = 8;
  int tab_width = 4;             // tab stops every tab_width * advance('0')
  int png_bit_depth = 4;         // 8, 4, 2 or 1 (kept CER within bounds)
  // zlib 1: a base page encodes ~2.6x faster than at 6 for ~25% more bytes
  // (4-bit/zlib 1 is as small as 8-bit/zlib 6); see the codec report.
  int png_zlib_level = 1;
};

// The built-in profiles, in the order listed above.
std::span<const RenderProfile> Profiles();

// Returns the built-in profile called `name`, or nullptr when none is.
const RenderProfile* FindProfile(std::string_view name);

// The default profile ("base").
const RenderProfile& DefaultProfile();

// Lines of text that fit on one page of `profile`.
int LinesPerPage(const RenderProfile& profile);

// Names the text-token estimator used by EstimateTextTokens.
inline constexpr std::string_view kTextTokenEstimator = "calibrated-o200k-v1";

// Estimated o200k tokens of UTF-8 `text`, rounded up: the text is classed
// (prose, technical, code, logs) from its share of ASCII digits and
// punctuation, and each kind of code point is weighted by a factor
// measured against o200k_base (token_estimate.cc). 0 for "".
size_t EstimateTextTokens(std::string_view text);

// Unicode code points in UTF-8 `text` (invalid bytes count one each).
size_t CountCodePoints(std::string_view text);

}  // namespace mnemo::codec

#endif  // MNEMO_CODEC_PROFILE_H_
