// Copyright (c) mnemo authors.
//
// Manifest version 2 fields shared by the binary and JSON readers: deriving
// them for version 1 manifests and checking them.

#ifndef MNEMO_CODEC_SRC_MANIFEST_V2_H_
#define MNEMO_CODEC_SRC_MANIFEST_V2_H_

#include "mnemo/codec/page.h"
#include "mnemo/status.h"

namespace mnemo::codec::internal {

inline constexpr uint32_t kMaxColumns = 8;

// Fills columns, lines and each span's x_begin, x_end, text_begin and
// text_end of a version 1 manifest (one item per line run, one column):
// line boxes from the spans' rectangles and the line height, text ranges
// from the page text's lines (left empty when the text does not have
// line_count lines).
void DeriveV2Fields(PageManifest* m);

// InvalidArgument naming the field when the v2 fields are out of bounds:
// columns not in 1..kMaxColumns, lines.size() != line_count, a span's text
// range not within the page text or reversed.
Status CheckV2Fields(const PageManifest& m);

}  // namespace mnemo::codec::internal

#endif  // MNEMO_CODEC_SRC_MANIFEST_V2_H_
