// Copyright (c) mnemo authors.
// libFuzzer target: TextCompressor::Decompress on arbitrary bytes (1 MiB cap).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "mnemo/codec/text_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::unique_ptr<mnemo::codec::TextCompressor> codec = [] {
    mnemo::codec::TextCodecOptions o;
    o.max_decompressed_bytes = 1 << 20;
    std::unique_ptr<mnemo::codec::TextCompressor> c;
    (void)mnemo::codec::TextCompressor::Create(o, &c);
    return c;
  }();
  std::string out;
  (void)codec->Decompress(
      std::string_view(reinterpret_cast<const char*>(data), size), &out);
  return 0;
}
