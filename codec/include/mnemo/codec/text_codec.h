// Copyright (c) mnemo authors.
//
// The zstd text codec of the warm tier: per-record compression, optionally
// with a dictionary trained on the store's own records.
//
// Every frame records its content size, a content checksum (XXH64, verified
// on decompression) and, with a dictionary, the dictionary id. Decompression
// is bounded: a frame claiming more than max_decompressed_bytes, a frame
// without a content size, trailing bytes, or a dictionary mismatch are
// rejected before any output is allocated.
//
// Thread safety: a TextCompressor owns reusable zstd contexts and is
// thread-compatible (one per thread); TrainDictionary is reentrant.

#ifndef MNEMO_CODEC_TEXT_CODEC_H_
#define MNEMO_CODEC_TEXT_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mnemo/status.h"

namespace mnemo::codec {

struct TextCodecOptions {
  int level = 3;                        // zstd level, 1..19
  std::string dictionary;               // empty: no dictionary
  size_t max_decompressed_bytes = 64u << 20;
};

class TextCompressor {
 public:
  // InvalidArgument for a bad level or a dictionary zstd cannot load.
  static Status Create(const TextCodecOptions& options,
                       std::unique_ptr<TextCompressor>* out);

  virtual ~TextCompressor() = default;

  // Replaces *frame with one zstd frame holding `text`.
  virtual Status Compress(std::string_view text, std::string* frame) = 0;

  // Replaces *text with the content of `frame`. Corruption for malformed,
  // truncated, checksum-failing frames or trailing bytes; ResourceExhausted
  // when the frame claims more than max_decompressed_bytes; InvalidArgument
  // when the frame needs a dictionary this compressor does not have.
  virtual Status Decompress(std::string_view frame, std::string* text) = 0;

  // The dictionary id (0 when none).
  virtual uint32_t dictionary_id() const = 0;

 protected:
  TextCompressor() = default;
};

// Trains a dictionary of at most `dict_size` bytes on `samples` into *dict.
// InvalidArgument when the samples are too few or too small for zstd to
// train on (zstd wants roughly 100x dict_size bytes of samples).
Status TrainDictionary(const std::vector<std::string>& samples,
                       size_t dict_size, std::string* dict);

// The dictionary id stored in a frame (0 when none or not a frame).
uint32_t FrameDictionaryId(std::string_view frame);

// "1.5.4": the zstd the codec was linked with.
std::string ZstdVersion();

}  // namespace mnemo::codec

#endif  // MNEMO_CODEC_TEXT_CODEC_H_
