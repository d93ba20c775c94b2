// Copyright (c) mnemo authors.
// libFuzzer target: DecodePng on arbitrary bytes (small limits).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mnemo/codec/png.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mnemo::codec::DecodeLimits limits;
  limits.max_pixels = 1 << 22;
  mnemo::codec::GrayImage image;
  (void)mnemo::codec::DecodePng(
      std::string_view(reinterpret_cast<const char*>(data), size), limits, &image);
  return 0;
}
