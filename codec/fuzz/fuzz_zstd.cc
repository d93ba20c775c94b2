// Copyright (c) mnemo authors.
// libFuzzer target: zstd text frames (the warm tier's record text), decoded
// as the store does: TextCompressor::Decompress with the store's options
// (level 3, the default 64 MiB bound), through a compressor holding the
// frame's dictionary when the frame names the one this fuzzer trained at
// start-up (as a store trains one on its records), else a plain one. A
// frame that decodes recompresses to a frame that decodes to the same text.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "mnemo/codec/text_codec.h"
#include "zstd_fuzz_dictionary.h"

namespace {

using mnemo::codec::TextCodecOptions;
using mnemo::codec::TextCompressor;

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "zstd fuzzer: %s\n", what);
  std::abort();
}

std::unique_ptr<TextCompressor> Make(const std::string& dictionary) {
  TextCodecOptions o;  // the store's: level 3, 64 MiB bound
  o.level = 3;
  o.dictionary = dictionary;
  std::unique_ptr<TextCompressor> c;
  if (!TextCompressor::Create(o, &c).ok()) Fail("create");
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::unique_ptr<TextCompressor> plain = Make("");
  static std::unique_ptr<TextCompressor> with_dict =
      Make(mnemo::codec::fuzz::TrainFuzzDictionary());
  std::string_view frame(reinterpret_cast<const char*>(data), size);
  uint32_t dict_id = mnemo::codec::FrameDictionaryId(frame);
  TextCompressor* c =
      dict_id != 0 && dict_id == with_dict->dictionary_id() ? with_dict.get()
                                                             : plain.get();
  std::string text;
  mnemo::Status s = c->Decompress(frame, &text);
  if (!s.ok()) {
    if (!s.IsCorruption() && !s.IsResourceExhausted() && !s.IsInvalidArgument()) {
      Fail("unexpected status");
    }
    if (!text.empty()) Fail("failed decode left text behind");
    return 0;
  }
  std::string again, back;
  if (!c->Compress(text, &again).ok()) Fail("recompress");
  if (!c->Decompress(again, &back).ok() || back != text) {
    Fail("recompressed frame differs");
  }
  return 0;
}
