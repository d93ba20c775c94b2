// Copyright (c) mnemo authors.
//
// Page manifest persistence. The binary form is what the engine stores next
// to a page's PNG; the JSON form is for humans and the CLI.
//
// Binary format (little-endian, version 2; version 1 is still read):
//   "MNPM" | u8 version | varint-encoded fields ... | u64 FNV-1a checksum of
//   everything before it. Version 2 adds the column count, the line boxes
//   and per span x_begin, x_end, text_begin, text_end. For a version 1
//   manifest (layout_version 1 pages: one item per line run) the parsers
//   derive them: line boxes from the spans' rectangles and line_height,
//   text ranges from the page text's lines.
// ParseManifest verifies the magic, version and checksum first, then bounds
// every count and length against the remaining bytes (and kMaxManifestBytes)
// before allocating, so hostile input cannot make it allocate much.
//
// Thread safety: the functions are reentrant.

#ifndef MNEMO_CODEC_MANIFEST_H_
#define MNEMO_CODEC_MANIFEST_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "mnemo/codec/page.h"
#include "mnemo/status.h"

namespace mnemo::codec {

inline constexpr size_t kMaxManifestBytes = 16u << 20;

// Appends nothing: replaces *out with the binary manifest.
Status SerializeManifest(const PageManifest& manifest, std::string* out);

// Parses a binary manifest. Corruption (bad magic, checksum, truncation,
// out-of-range values) or NotSupported (newer version).
Status ParseManifest(std::string_view data, PageManifest* manifest);

// One JSON object: {"version":2,"page_index","profile","page_px":[w,h],
// "vision_tokens","text","chars","text_tokens_est","line_count","columns",
// "fill_factor","lines":[[x,y,w,h],...],
// "items":[{"id","text","span":{"first_line","line_count","x","y","w","h",
// "x_begin","x_end","text_begin","text_end",
// "source_begin","source_end","continued","continues"}}],
// "render":{"pixel_size_64","line_height","fonts":[{"file","fnv1a64"}],
// "freetype","libpng","layout_version"}}. Strings are escaped per RFC 8259.
std::string ManifestToJson(const PageManifest& manifest);

inline constexpr size_t kMaxManifestJsonBytes = 32u << 20;

// Parses the JSON form back (e.g. a page file written by `mnemo dump
// --include-pages`): ManifestFromJson(ManifestToJson(m)) gives m exactly
// (strings with invalid UTF-8 excepted: ManifestToJson writes U+FFFD), so
// the binary form and the JSON written again are byte-identical. Every
// field ManifestToJson writes is required with its JSON type and the range
// of the struct field, except the derived ones (chars, text_tokens_est,
// text_token_estimator, fill_factor), which are ignored; unknown keys are
// ignored. A version 1 object (no columns, lines, x_begin, ...) is read
// with the v2 fields derived as ParseManifest does.
// Spans are checked like ParseManifest does (source range, lines within the
// page, text range within the page text). InvalidArgument names the field (e.g. "items[2].span.x");
// NotSupported for another "version"; ResourceExhausted past
// kMaxManifestJsonBytes, nesting deeper than 8 or 2^22 JSON tokens.
Status ManifestFromJson(std::string_view json, PageManifest* manifest);

// Escapes `s` as a JSON string literal (with the quotes).
std::string JsonQuote(std::string_view s);

}  // namespace mnemo::codec

#endif  // MNEMO_CODEC_MANIFEST_H_
