// Copyright (c) mnemo authors.
//
// Forgetting items on a page that is already rendered: MaskItems blanks the
// pieces of the given items in the page image and removes their text from
// the manifest, so neither the pixels nor the manifest still hold it. The
// other items keep their pixels, text and item indices, including items
// that share a line with a removed one (layout version 2 flows items).
//
// What is blanked (to white paper):
//  * every pixel of a removed item's pieces (SpanPieces: one box per line it
//    occupies, from x_begin on its first line to x_end on its last);
//  * up to half a line height above and below them and 2 px to the sides
//    (glyph ink may overflow the box: descenders, accents, fallback fonts),
//    except pixels inside the piece boxes of kept items, whose ink must stay.
// So the only ink of a removed item that can remain is the part of its
// glyphs that overflows into a kept neighbour's box: not text.
//
// A decayed page (an image smaller than the manifest's page size; manifest
// geometry stays in the size the page was rendered at) is masked at its own
// scale: an image pixel is blanked when any page pixel it averages is, so a
// removed piece leaves none of its ink behind, and a kept neighbour may lose
// one image pixel at its edge.
//
// Removed spans stay in the manifest, in place, as tombstones: id 0, empty
// text, empty source and text ranges, no continuation flags; their geometry
// is kept (it says where the blank pieces are). Their bytes are removed from
// the page text (line breaks stay, so line numbering is unchanged) and the
// other spans' text ranges are moved accordingly. Decorations (delimiters,
// the legend) stay.
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
// not positive, a piece outside the page, a text range outside the page
// text, line boxes not line_count, page text whose line count differs from
// the manifest's line_count); nothing is changed then.
Status MaskItems(const std::set<uint64_t>& ids, GrayImage* image,
                 PageManifest* manifest, size_t* masked = nullptr);

}  // namespace mnemo::codec

#endif  // MNEMO_CODEC_MASK_H_
