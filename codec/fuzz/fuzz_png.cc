// Copyright (c) mnemo authors.
// libFuzzer target: DecodePng and PeekPng on arbitrary bytes, with the
// limits every page read in the engine uses (DecodeLimits()). A decoded
// image is within the limits, agrees with PeekPng, and re-encodes (8-bit
// gray) to a PNG that decodes to the same pixels.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "mnemo/codec/png.h"

namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "png fuzzer: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view png(reinterpret_cast<const char*>(data), size);
  const mnemo::codec::DecodeLimits limits;  // what the engine passes
  int peek_w = 0, peek_h = 0, peek_depth = 0;
  mnemo::Status peeked = mnemo::codec::PeekPng(png, &peek_w, &peek_h, &peek_depth);
  mnemo::codec::GrayImage image;
  mnemo::Status s = mnemo::codec::DecodePng(png, limits, &image);
  if (!s.ok()) {
    if (!s.IsCorruption() && !s.IsResourceExhausted()) Fail("unexpected status");
    return 0;
  }
  if (image.width <= 0 || image.height <= 0 || image.width > limits.max_width ||
      image.height > limits.max_height ||
      static_cast<uint64_t>(image.width) * image.height > limits.max_pixels ||
      image.stride < image.width ||
      image.pixels.size() < static_cast<size_t>(image.stride) * image.height) {
    Fail("decoded image outside the limits or inconsistent");
  }
  if (!peeked.ok() || peek_w != image.width || peek_h != image.height) {
    Fail("PeekPng disagrees with DecodePng");
  }
  std::string again;
  if (!mnemo::codec::EncodePng(image, 8, &again).ok()) Fail("re-encode");
  mnemo::codec::GrayImage back;
  if (!mnemo::codec::DecodePng(again, limits, &back).ok() ||
      back.width != image.width || back.height != image.height) {
    Fail("re-encoded PNG does not decode");
  }
  for (int y = 0; y < image.height; ++y) {
    if (std::memcmp(back.Row(y), image.Row(y), image.width) != 0) {
      Fail("re-encoded PNG has other pixels");
    }
  }
  return 0;
}
