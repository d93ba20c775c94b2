// Copyright (c) mnemo authors.
//
// Writes a gray PNG from rows already packed and filtered (each row: the
// filter type byte, then the samples). See png_write.cc.

#ifndef MNEMO_CODEC_SRC_PNG_WRITE_H_
#define MNEMO_CODEC_SRC_PNG_WRITE_H_

#include <string>

namespace mnemo::codec::internal {

// Replaces *png with the PNG of the `width` x `height` gray image at
// `bits` per pixel whose filtered rows are `rows`, deflated at `level`
// (0..9). False when the compressor cannot be allocated.
bool WritePngRows(int width, int height, int bits, int level, const std::string& rows,
                  std::string* png);

}  // namespace mnemo::codec::internal

#endif  // MNEMO_CODEC_SRC_PNG_WRITE_H_
