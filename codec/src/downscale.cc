// Copyright (c) mnemo authors.
//
// Exact area-average resampling, separable, in fixed point (14-bit weights)
// so the output is bit-for-bit reproducible.

#include "mnemo/codec/downscale.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace mnemo::codec {
namespace {

constexpr int kWeightBits = 14;
constexpr int32_t kOne = 1 << kWeightBits;

struct Taps {
  std::vector<int> first;        // first input index per output
  std::vector<int> count;        // taps per output
  std::vector<int32_t> weights;  // concatenated, each output sums to kOne
  std::vector<size_t> offset;    // into weights per output
};

// Output pixel o covers input [o*s, (o+1)*s), s = in/out; each input pixel
// contributes its overlap. Weights come from rounded cumulative sums so they
// add up to exactly kOne.
Taps MakeTaps(int in, int out) {
  Taps t;
  const double s = static_cast<double>(in) / out;
  for (int o = 0; o < out; ++o) {
    const double a = o * s;
    const double b = std::min<double>(in, (o + 1) * s);
    const int lo = static_cast<int>(std::floor(a));
    const int hi = std::max(lo + 1, static_cast<int>(std::ceil(b)));
    t.first.push_back(lo);
    t.count.push_back(hi - lo);
    t.offset.push_back(t.weights.size());
    double cum = 0;
    int32_t prev = 0;
    for (int i = lo; i < hi; ++i) {
      const double overlap = std::min<double>(b, i + 1) - std::max<double>(a, i);
      cum += std::max(0.0, overlap) / (b - a);
      const int32_t next =
          i + 1 == hi ? kOne : static_cast<int32_t>(std::lround(cum * kOne));
      t.weights.push_back(next - prev);
      prev = next;
    }
  }
  return t;
}

}  // namespace

Status Resize(const GrayImage& in, int width, int height, GrayImage* out) {
  if (in.empty() || width <= 0 || height <= 0 || width > 65536 ||
      height > 65536 || in.stride < in.width ||
      in.pixels.size() < static_cast<size_t>(in.stride) * in.height) {
    return Status::InvalidArgument("Resize: empty or inconsistent image");
  }
  const Taps tx = MakeTaps(in.width, width);
  const Taps ty = MakeTaps(in.height, height);
  // Horizontal pass: in.height rows of `width` values scaled by kOne.
  std::vector<int32_t> tmp(static_cast<size_t>(width) * in.height);
  for (int y = 0; y < in.height; ++y) {
    const uint8_t* src = in.Row(y);
    int32_t* dst = tmp.data() + static_cast<size_t>(y) * width;
    for (int x = 0; x < width; ++x) {
      const int32_t* w = tx.weights.data() + tx.offset[x];
      const uint8_t* p = src + tx.first[x];
      int32_t acc = 0;
      for (int k = 0; k < tx.count[x]; ++k) acc += w[k] * p[k];
      dst[x] = acc;
    }
  }
  GrayImage result;
  result.Reset(width, height, 0);
  std::vector<int64_t> acc(width);
  for (int y = 0; y < height; ++y) {
    std::fill(acc.begin(), acc.end(), 0);
    const int32_t* w = ty.weights.data() + ty.offset[y];
    for (int k = 0; k < ty.count[y]; ++k) {
      const int32_t* row = tmp.data() + static_cast<size_t>(ty.first[y] + k) * width;
      for (int x = 0; x < width; ++x) acc[x] += int64_t{w[k]} * row[x];
    }
    uint8_t* dst = result.Row(y);
    constexpr int64_t kHalf = int64_t{1} << (2 * kWeightBits - 1);
    for (int x = 0; x < width; ++x) {
      dst[x] = static_cast<uint8_t>(
          std::clamp<int64_t>((acc[x] + kHalf) >> (2 * kWeightBits), 0, 255));
    }
  }
  *out = std::move(result);
  return Status::OK();
}

Status Downscale(const GrayImage& in, const RenderProfile& to, GrayImage* out) {
  return Resize(in, to.width, to.height, out);
}

}  // namespace mnemo::codec
