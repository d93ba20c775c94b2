// Copyright (c) mnemo authors.
//
// GrayImage: an 8-bit grayscale raster (0 = black ink, 255 = white paper),
// the pixel currency of the codec: pages are rendered into one, PNG encodes
// and decodes one, Downscale maps one to a smaller one.
//
// Thread safety: a value type; distinct objects need no synchronization.

#ifndef MNEMO_CODEC_IMAGE_H_
#define MNEMO_CODEC_IMAGE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mnemo::codec {

struct GrayImage {
  int width = 0;
  int height = 0;
  // Bytes from the start of one row to the start of the next (>= width).
  int stride = 0;
  // height * stride bytes, row-major, top row first.
  std::vector<uint8_t> pixels;

  // Resizes to width x height with stride == width, every pixel `fill`.
  void Reset(int w, int h, uint8_t fill) {
    width = w;
    height = h;
    stride = w;
    pixels.assign(static_cast<size_t>(w) * static_cast<size_t>(h), fill);
  }
  uint8_t* Row(int y) { return pixels.data() + static_cast<size_t>(y) * stride; }
  const uint8_t* Row(int y) const {
    return pixels.data() + static_cast<size_t>(y) * stride;
  }
  bool empty() const { return width == 0 || height == 0; }
};

}  // namespace mnemo::codec

#endif  // MNEMO_CODEC_IMAGE_H_
