// Copyright (c) mnemo authors.
//
// PNG encoding (libdeflate inside) and bounded decoding (libpng inside) of
// gray page images; no third-party type leaks out. Errors from libpng are
// converted to Status.
//
// Thread safety: the functions are reentrant.

#ifndef MNEMO_CODEC_PNG_H_
#define MNEMO_CODEC_PNG_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mnemo/codec/image.h"
#include "mnemo/status.h"

namespace mnemo::codec {

struct PngOptions {
  // 8, 4, 2 or 1 bits per gray pixel. Below 8 the gray levels are quantized
  // (rounding); 1 is a threshold at 50%.
  int bit_depth = 8;
  // Deflate level 0..9 (libdeflate's zlib-like scale): 1 is ~2x faster,
  // 6 ~15% smaller (see the codec bench).
  int zlib_level = 6;
};

// Encodes `image` as a grayscale PNG into *png (replacing its contents).
// InvalidArgument on an empty image or bad options.
Status EncodePng(const GrayImage& image, const PngOptions& options,
                 std::string* png);
inline Status EncodePng(const GrayImage& image, int bit_depth,
                        std::string* png) {
  PngOptions options;
  options.bit_depth = bit_depth;
  return EncodePng(image, options, png);
}

// Limits on untrusted PNG input, checked before anything is allocated.
struct DecodeLimits {
  size_t max_input_bytes = 64u << 20;
  int max_width = 8192;
  int max_height = 8192;
  uint64_t max_pixels = 4096ull * 4096ull;
};

// Decodes any PNG (gray, palette, RGB(A), 1..16 bits, interlaced) into 8-bit
// gray *image. Corruption for malformed or truncated data (with libpng's
// message), ResourceExhausted when a limit is exceeded.
Status DecodePng(std::string_view png, const DecodeLimits& limits,
                 GrayImage* image);

// Reads only the header: width, height and bit depth of a PNG.
Status PeekPng(std::string_view png, int* width, int* height, int* bit_depth);

// "1.6.39": the libpng the codec was linked with.
std::string LibPngVersion();

}  // namespace mnemo::codec

#endif  // MNEMO_CODEC_PNG_H_
