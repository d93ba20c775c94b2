// Copyright (c) mnemo authors.
//
// Pages: a sequence of items (records) laid out in order, word-wrapped in a
// proportional font, rendered with FreeType into 8-bit gray page images, with
// a manifest that says which item occupies which lines of which page.
//
// Layout contract (what a manifest promises):
//  * An item's SOURCE text is `header + "\n" + body` (just `body` when the
//    header is empty). Offsets in a manifest are byte offsets into it.
//  * Items follow each other line by line (an item starts on a new line) and
//    may continue on the next page. Concatenating the [source_begin,
//    source_end) ranges of an item's spans over consecutive pages gives its
//    source text exactly: every byte is covered exactly once.
//  * LAID-OUT text is what is drawn: source text with a line break ("\n")
//    where a line ends; the spaces at a soft wrap are dropped; "\r\n" and
//    "\n" end a line; a tab is kept as "\t" (drawn to the next tab stop);
//    invisible or control code points (C0 other than tab/newline, DEL, C1,
//    U+00AD, U+200B, U+2028/9, U+2060..4, U+FEFF, ...) and bidi controls
//    (U+200E/F, U+202A..E, U+2066..9) are drawn, and laid out, as the
//    visible escape "<U+XXXX>". Words longer than a line are broken at the
//    line edge (hard break, no hyphen added).
//  * Emoji and symbols are drawn monochrome from the fallback chain
//    (Symbola, then Unifont's upper planes). Variation selectors U+FE00..F
//    and U+E0100..EF (U+FE0F emoji / U+FE0E text presentation) only pick a
//    glyph variant: they are drawn as nothing, take no width, and stay in
//    the laid-out text and the manifest's byte ranges like any code point.
//    A ZERO WIDTH JOINER right after an emoji is drawn as nothing too, so a
//    ZWJ sequence shows its components side by side (Unicode TR51's
//    fallback display, e.g. U+1F468 ZWJ U+1F4BB as man + laptop); a ZWJ
//    anywhere else, and ZWNJ, is drawn as an escape. Skin-tone modifiers
//    (U+1F3FB..F) are drawn as their own swatch after the base; a
//    regional-indicator flag as its two boxed letters; U+20E3 (keycap) over
//    its base 0-9, '#', '*'; tag characters (U+E0001, U+E0020..7F, e.g. in
//    England's flag) as escapes.
//  * Not renderable faithfully -> Status::NotSupported naming the item id,
//    the code point, its byte offset and the reason: right-to-left scripts,
//    scripts that need complex shaping (Indic, Thai, ...), combining marks
//    (U+20E3 without a keycap base among them), other tag-plane code
//    points, and code points no font in the fallback chain has a glyph for.
//    Invalid UTF-8 -> InvalidArgument.
//  * Deterministic: the same items, profile, fonts and library versions give
//    the same pixels, PNG bytes and manifests.

#ifndef MNEMO_CODEC_PAGE_H_
#define MNEMO_CODEC_PAGE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mnemo/codec/image.h"
#include "mnemo/codec/profile.h"
#include "mnemo/status.h"

namespace mnemo::codec {

// One record to lay out. `header` is a short line such as
// "2024-05-07 14:03 user"; `body` is the record text (UTF-8).
struct PageItem {
  uint64_t id = 0;
  std::string header;
  std::string body;
};

// Returns the source text of `item` (see the layout contract above).
std::string ItemSource(const PageItem& item);

// The part of one item on one page.
struct ItemSpan {
  uint64_t id = 0;
  uint32_t first_line = 0;    // index of its first line on the page
  uint32_t line_count = 0;    // consecutive lines it occupies
  // Pixel rectangle of those lines (x, y = top-left; inked width, height).
  int32_t x = 0, y = 0, w = 0, h = 0;
  uint32_t source_begin = 0;  // byte range of the item's source text
  uint32_t source_end = 0;
  bool continued = false;     // began on an earlier page
  bool continues = false;     // goes on on the next page
  std::string text;           // laid-out text of those lines, "\n"-joined
};

// Everything needed to reproduce or audit the pixels of a page.
struct RenderParams {
  std::string profile;            // profile name
  int width = 0, height = 0;      // page size, px
  int pixel_size_64 = 0;         // em size in 1/64 px
  int line_height = 0;
  int vision_tokens = 0;
  // Font chain in fallback order: file name and a 64-bit FNV-1a hash of the
  // file bytes (16 hex digits).
  std::vector<std::string> font_files;
  std::vector<std::string> font_hashes;
  std::string freetype_version;   // "2.12.1"
  std::string libpng_version;     // "1.6.39"
  uint32_t layout_version = 1;    // bumped when layout rules change
};

struct PageManifest {
  uint32_t page_index = 0;        // index within one Pack call
  uint32_t line_count = 0;        // lines drawn on this page
  RenderParams params;
  std::vector<ItemSpan> items;    // in layout order
  std::string text;               // the page's laid-out text, "\n"-joined
};

struct Page {
  GrayImage image;                // profile width x height, white paper
  PageManifest manifest;
};

// An item that Pack left out because it cannot be rendered faithfully.
struct RejectedItem {
  uint64_t id = 0;
  Status reason;
};

// Where to find fonts. Empty fields mean the defaults.
struct RendererOptions {
  // Font directories searched in order for bare file names; default:
  // $MNEMO_FONT_DIR (when set), /usr/share/fonts/truetype/dejavu,
  // /usr/share/fonts/truetype/wqy, /usr/share/fonts/truetype/ancient-scripts
  // (fonts-symbola), /usr/share/fonts/opentype/unifont (fonts-unifont),
  // /usr/share/fonts/truetype.
  std::vector<std::string> font_dirs;
  // Fallback fonts after the profile's font (file names or paths); default:
  // DejaVuSans.ttf, DejaVuSansMono.ttf, wqy-microhei.ttc, Symbola_hint.ttf
  // (emoji up to Unicode 10, symbols), unifont_upper.otf (newer emoji).
  // Missing fallback fonts are skipped; a missing primary font fails Create.
  // Symbola's and Unifont's glyphs are drawn darker than text (thin line
  // art at 10-12 px).
  std::vector<std::string> fallback_fonts;
};

// A reusable render context: owns the FreeType library, the font faces and
// the glyph-bitmap cache, so steady-state rendering calls no FreeType.
// Thread-compatible: one Renderer per thread (no internal locking).
class Renderer {
 public:
  // Loads the fonts of `profile`. On success stores a renderer in *out; on
  // failure returns NotFound (font file missing), InvalidArgument (bad
  // profile geometry) or IOError/Corruption (font unreadable).
  static Status Create(const RenderProfile& profile,
                       const RendererOptions& options,
                       std::unique_ptr<Renderer>* out);
  static Status Create(const RenderProfile& profile,
                       std::unique_ptr<Renderer>* out) {
    return Create(profile, RendererOptions(), out);
  }

  virtual ~Renderer() = default;

  // Checks that `text` can be laid out faithfully with this renderer's
  // fonts. OK, InvalidArgument (invalid UTF-8) or NotSupported (reason).
  virtual Status CheckRenderable(std::string_view text) = 0;

  // Lays out `items` in order into as few pages as possible and renders
  // them; appends the pages to *pages (manifest page_index counts from 0
  // within this call). When `rejected` is null, the first item that cannot
  // be rendered fails the whole call (nothing appended); otherwise such
  // items are skipped and listed in *rejected with their reason.
  virtual Status Pack(const std::vector<PageItem>& items,
                      std::vector<Page>* pages,
                      std::vector<RejectedItem>* rejected = nullptr) = 0;

  // Receives the pages of PackStreaming in order; an error stops packing.
  using PageSink = std::function<Status(Page&& page)>;
  // Packs exactly as Pack does, but hands each page to `sink` as soon as it
  // is full (the last one at the end) instead of keeping them: memory holds
  // one page and one item's layout at a time. When `rejected` is null, an
  // item that cannot be rendered stops the call with its error after the
  // pages before it were handed out.
  virtual Status PackStreaming(const std::vector<PageItem>& items,
                               const PageSink& sink,
                               std::vector<RejectedItem>* rejected) = 0;

  // The profile and render parameters every page of this renderer carries.
  virtual const RenderProfile& profile() const = 0;
  virtual const RenderParams& params() const = 0;

 protected:
  Renderer() = default;
};

}  // namespace mnemo::codec

#endif  // MNEMO_CODEC_PAGE_H_
