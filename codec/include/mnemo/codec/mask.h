// Copyright (c) mnemo authors.
//
// Forgetting items on a page that is already rendered: MaskItems blanks the
// lines of the given items in the page image and removes their text from
// the manifest, so neither the pixels nor the manifest still hold it. The
// other items keep their lines, pixels, text and item indices.
//
// What is blanked (to white paper, across the whole page width):
//  * every row of a removed item's line box (span.y .. span.y + span.h);
//  * up to half a line height above and below it (glyph ink may overflow
//    the line box: descenders, accents, fallback fonts), except rows inside
//    the line box of a kept item, whose ink must stay.
// So the only ink of a removed item that can remain is the part of its
// glyphs that overflows into a kept neighbour's line box (a row or two of
// descender tails or accents at the default profiles): not text.
//
// A decayed page (an image smaller than the manifest's page size; manifest
// geometry stays in the size the page was rendered at) is masked at its own
// scale: an image row is blanked when any page row it averages is, so a
// removed line leaves none of its ink behind, and a kept neighbour may lose
// one image row at its edge.
//
// Removed spans stay in the manifest, in place, as tombstones: id 0, empty
// text, empty source range, no continuation flags; their geometry is kept
// (it says where the blank lines are). Their lines in the page text become
// empty lines, so line numbering is unchanged.
//
// Deterministic: the same image, manifest and ids give the same result.
// Thread safety: reentrant.

#ifndef MNEMO_CODEC_MASK_H_
#define MNEMO_CODEC_MASK_H_

#include <cstddef>
#include <cstdint>
#include <set>

#include "mnemo/codec/image.h"
#include "mnemo/codec/page.h"
#include "mnemo/status.h"

namespace mnemo::codec {

// Item id of a span removed by MaskItems (record ids are never 0).
inline constexpr uint64_t kRemovedItemId = 0;

// Blanks the items of `manifest` whose id is in `ids` in *image and turns
// their spans into tombstones. *masked (optional) receives the number of
// spans removed (0: nothing matched, nothing changed). InvalidArgument when
// the image or the manifest geometry is unusable (empty image, page size
// not positive, a span outside the page, page text whose line count
// differs from the manifest's line_count); nothing is changed then.
Status MaskItems(const std::set<uint64_t>& ids, GrayImage* image,
                 PageManifest* manifest, size_t* masked = nullptr);

}  // namespace mnemo::codec

#endif  // MNEMO_CODEC_MASK_H_
