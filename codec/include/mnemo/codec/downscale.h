// Copyright (c) mnemo authors.
//
// Decay: shrink a rendered page to the geometry of a smaller profile (e.g.
// base 1024x1024 -> small 640x640 or tiny 512x512), the "forgetting" tier
// that costs fewer vision tokens and reads blurrier.
//
// The filter is an exact area average (box filter with fractional pixel
// coverage, separable, fixed-point so results are bit-for-bit
// deterministic): every output pixel is the mean of the input area it covers,
// which is the alias-free choice for shrinking text. Upscaling uses the same
// code path (it degenerates to nearest-neighbour-like sampling).
//
// Thread safety: reentrant.

#ifndef MNEMO_CODEC_DOWNSCALE_H_
#define MNEMO_CODEC_DOWNSCALE_H_

#include "mnemo/codec/image.h"
#include "mnemo/codec/profile.h"
#include "mnemo/status.h"

namespace mnemo::codec {

// Resamples `in` to `width` x `height` into *out. InvalidArgument when either
// image is empty or a dimension exceeds 65536.
Status Resize(const GrayImage& in, int width, int height, GrayImage* out);

// Resamples `in` to the page size of `to`.
Status Downscale(const GrayImage& in, const RenderProfile& to, GrayImage* out);

}  // namespace mnemo::codec

#endif  // MNEMO_CODEC_DOWNSCALE_H_
