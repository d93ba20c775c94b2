// Copyright (c) mnemo authors.
//
// Integer-factor Catmull-Rom upscaling. With an integer factor every output
// column (row) falls at one of `factor` sub-pixel phases, so the four filter
// taps per phase are computed once, rounded to 8.8 fixed point with their
// sum forced to exactly 1.0, and both passes run in integers: the same
// input gives the same bytes on every machine. Catmull-Rom rather than
// bilinear because Tesseract binarises the result: the slight overshoot at
// glyph edges keeps strokes crisp where bilinear smears them into gray.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "mnemo/ocr/ocr.h"

namespace mnemo::ocr {
namespace {

constexpr int kMaxFactor = 8;
constexpr int kMaxSide = 65536;
constexpr uint64_t kMaxPixels = 1ull << 28;
constexpr int kOne = 256;  // 1.0 in the taps' fixed point

struct Phase {
  int offset;                // first tap's source index relative to q
  std::array<int32_t, 4> w;  // taps at offset .. offset + 3, sum kOne
};

std::array<double, 4> CatmullRom(double t) {
  const double t2 = t * t, t3 = t2 * t;
  return {(-t3 + 2 * t2 - t) / 2, (3 * t3 - 5 * t2 + 2) / 2,
          (-3 * t3 + 4 * t2 + t) / 2, (t3 - t2) / 2};
}

// Output index q * factor + p samples source position q + (p + 0.5) /
// factor - 0.5 (pixel centres aligned).
std::vector<Phase> Phases(int factor) {
  std::vector<Phase> phases(factor);
  for (int p = 0; p < factor; ++p) {
    double s = (p + 0.5) / factor - 0.5;
    const int base = s < 0 ? -1 : 0;
    const std::array<double, 4> w = CatmullRom(s - base);
    int32_t sum = 0;
    for (int k = 0; k < 4; ++k) {
      phases[p].w[k] = static_cast<int32_t>(std::lround(w[k] * kOne));
      sum += phases[p].w[k];
    }
    // Rounding error goes to the larger centre tap: flat areas stay exact.
    phases[p].w[w[1] >= w[2] ? 1 : 2] += kOne - sum;
    phases[p].offset = base - 1;
  }
  return phases;
}

}  // namespace

Status Upscale(const codec::GrayImage& in, int factor, codec::GrayImage* out) {
  if (in.empty() || in.stride < in.width ||
      in.pixels.size() < static_cast<size_t>(in.stride) * in.height) {
    return Status::InvalidArgument("upscale: empty or malformed image");
  }
  if (factor < 1 || factor > kMaxFactor) {
    return Status::InvalidArgument("upscale: factor " + std::to_string(factor) +
                                   " is not in 1.." + std::to_string(kMaxFactor));
  }
  const int64_t w = int64_t{in.width} * factor, h = int64_t{in.height} * factor;
  if (w > kMaxSide || h > kMaxSide || uint64_t(w) * uint64_t(h) > kMaxPixels) {
    return Status::InvalidArgument("upscale: result " + std::to_string(w) + "x" +
                                   std::to_string(h) + " is too large");
  }
  const std::vector<Phase> phases = Phases(factor);
  // Horizontal pass: in.height rows of w values in 8.8 fixed point.
  std::vector<int32_t> rows(static_cast<size_t>(w) * in.height);
  for (int y = 0; y < in.height; ++y) {
    const uint8_t* src = in.Row(y);
    int32_t* dst = rows.data() + static_cast<size_t>(y) * w;
    for (int64_t x = 0; x < w; ++x) {
      const Phase& ph = phases[x % factor];
      const int q = static_cast<int>(x / factor) + ph.offset;
      int32_t acc = 0;
      for (int k = 0; k < 4; ++k) {
        acc += ph.w[k] * src[std::clamp(q + k, 0, in.width - 1)];
      }
      dst[x] = acc;
    }
  }
  // Vertical pass: 16.16 sums, rounded and clamped back to 0..255.
  out->Reset(static_cast<int>(w), static_cast<int>(h), 255);
  for (int64_t y = 0; y < h; ++y) {
    const Phase& ph = phases[y % factor];
    const int q = static_cast<int>(y / factor) + ph.offset;
    const int32_t* src[4];
    for (int k = 0; k < 4; ++k) {
      src[k] = rows.data() + static_cast<size_t>(std::clamp(q + k, 0, in.height - 1)) * w;
    }
    uint8_t* dst = out->Row(static_cast<int>(y));
    for (int64_t x = 0; x < w; ++x) {
      int64_t acc = 0;
      for (int k = 0; k < 4; ++k) acc += int64_t{ph.w[k]} * src[k][x];
      dst[x] = static_cast<uint8_t>(std::clamp<int64_t>((acc + kOne * kOne / 2) >> 16, 0, 255));
    }
  }
  return Status::OK();
}

}  // namespace mnemo::ocr
