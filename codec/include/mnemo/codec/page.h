// Copyright (c) mnemo authors.
//
// Pages: a sequence of items (records) laid out in order, word-wrapped in a
// proportional font, rendered with FreeType into 8-bit gray page images, with
// a manifest that says which item occupies which lines of which page.
//
// Layout contract (layout_version 3; what a manifest promises):
//  * An item's SOURCE text is `header + "\n" + body` (just `body` when the
//    header is empty). Offsets in a manifest are byte offsets into it.
//    Structured fields (time_us, speaker) are drawn as decorations: they
//    appear on the page and in the page text but are not source bytes.
//  * The page is a sequence of LINE BOXES in reading order. A page is a
//    stack of BANDS across its width: flowing text (prose, records, joined
//    lines) is one full-width column; a run of LINE blocks gets a band of
//    its own with 1..4 columns of equal width (as many as save page rows
//    while most of its lines fit a column unwrapped), its lines balanced
//    over them; a run of kept lines that gets no band and whose lines are
//    short (inline they take at most 60% of their rows: the code of a
//    README example, a small table) is set INLINE in the flow, each kept
//    break drawn as the mark kLineMark, the next line's indentation kept
//    after it. Reading order is band by band, top to bottom; in a band,
//    column 1 top to bottom, then column 2, ... A legend/date band at the
//    top of a page spans the page. PageManifest::columns is the most
//    columns of any band on the page.
//  * Items FLOW: an item starts on the line where the previous one ended,
//    after the delimiter kItemDelimiter (a decoration). A structured item
//    starts with "HH:MM TAG " (TAG: a 2-3 letter speaker tag, unique on the
//    page, listed in the page's legend band "CA = Caroline, MB = Melanie");
//    the band at the top of a page starts with the date ("YYYY-MM-DD") of
//    the page, and an item whose UTC day differs from the item before it
//    starts with its date.
//  * A header line flows into the body (its newline is laid out as a
//    space). The body is split into blocks at blank lines. PROSE blocks
//    (hard-wrapped paragraphs) are reflowed: a single newline is laid out as a
//    space. LINE blocks (code, logs, JSON, tables, lists, headings, short
//    lines) keep their line breaks; a line longer than its column wraps and the
//    continuation starts with the mark kWrapMark. In a LINE block, a line
//    whose break carries no meaning flows on after the line before it (the
//    break laid out as a space, its indentation hidden): a list item
//    ("* ", "- ", "+ ", "> ", "1. ", "[ "; the marker shows where it
//    starts), a description indented under its term ("-a, --all"), a
//    wrapped line, Markdown paragraph and image lines, "key: value" lines
//    (front matter between "---" lines), every line of a
//    block that starts with an HTML tag, and ``` fence lines (joined to the
//    code next to them; the code keeps its lines). A word hyphenated at a
//    break laid out as a space, between lowercase letters ("re-\nmote"),
//    is drawn whole ("remote"): the hyphen and the break are source bytes
//    drawn as nothing. A blank-line run between blocks is drawn as the
//    inline mark kParagraphMark.
//  * Concatenating the [source_begin, source_end) ranges of an item's spans
//    over consecutive pages gives its source text exactly: every byte is
//    covered exactly once (newlines, blank lines and soft-wrap spaces
//    included, though they are not drawn as such).
//  * LAID-OUT text is what is drawn, line by line ("\n" between lines): a
//    tab is kept as "\t" (drawn to the next tab stop); invisible or control
//    code points (C0 other than tab/newline, DEL, C1, U+00AD, U+200B,
//    U+2028/9, U+2060..4, U+FEFF, ...) and bidi controls (U+200E/F,
//    U+202A..E, U+2066..9) are drawn, and laid out, as the visible escape
//    "<U+XXXX>". A line breaks at the last space that fits, or after the
//    last of , ; / & ? = | ) ] } that fits (URLs, paths, compact JSON);
//    a word longer than a line is broken at the line edge.
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
//
// Layout version 1 (old stores): one item per line run, no columns, no
// decorations; ParseManifest/ManifestFromJson derive the v2 fields for it.

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

// Decorations drawn between and inside items (UTF-8; not source bytes).
// Chosen because Tesseract reads them back as themselves (base profile,
// 133 marks set in prose: "»" 129, "«" 127, "§" 120; "¦" 0 (read as | { }
// ; !), "¶" 0, "·" 0 (read as -), "↪" 0 (read as +), "•" 0, "▸" 0).
inline constexpr std::string_view kItemDelimiter = " \xC2\xBB ";  // " » "
inline constexpr std::string_view kParagraphMark = " \xC2\xA7 ";  // " § "
inline constexpr std::string_view kWrapMark = "\xC2\xAB ";        // "« "
// A kept line break of a run of short lines (code, a small table) set
// inline. Tesseract has no output for any newline-like mark ("¦" is read
// as | ! }, "↵" as + #, "¶" as 4 9, "¬" as a dash: CER 1.05-1.13% at 3x on
// the corpus's Markdown either way); "↵" says what it is and is no
// character of code (unlike "¦", which a reader may take for a pipe).
inline constexpr std::string_view kLineMark = " \xE2\x86\xB5 ";  // " ↵ "
// Between the entries of a page's legend band ("2023-05-08, CA = Caroline").
inline constexpr std::string_view kLegendSeparator = ", ";
// Bumped whenever the same items and fonts would give other pixels: layout
// rules, and the glyph reshapes applied to a font's outlines (font_set.cc).
// 3: runs of short kept lines set inline with kLineMark; 'I' with serifs.
// 2: flowing items, bands, decorations (pages of 2 may differ in the '*'
// and '_' glyphs: that reshape came without a bump).
inline constexpr uint32_t kLayoutVersion = 3;

// One record to lay out. `header` is an optional source line such as
// "2024-05-07 14:03 user" (part of the source text); `body` is the record
// text (UTF-8). `time_us` (microseconds since the Unix epoch, UTC; 0 = none)
// and `speaker` (empty = none) make the item STRUCTURED: they are drawn as
// a short "HH:MM TAG" header and a date line and legend entry, and are not
// part of the source text.
struct PageItem {
  uint64_t id = 0;
  std::string header;
  std::string body;
  int64_t time_us = 0;
  std::string speaker;
};

// Returns the source text of `item` (see the layout contract above).
std::string ItemSource(const PageItem& item);

// One line of a page, in reading order: its box in page pixels. `w` is the
// inked width (from x to the end of the last glyph's advance), not the
// column width.
struct LineBox {
  int32_t x = 0, y = 0, w = 0, h = 0;
};

// The part of one item on one page. Its lines are
// [first_line, first_line + line_count) of PageManifest::lines; on the
// first of them it starts at x_begin, on the last it ends at x_end (the
// lines in between it fills from box x to x + w).
struct ItemSpan {
  uint64_t id = 0;
  uint32_t first_line = 0;    // index of its first line on the page
  uint32_t line_count = 0;    // consecutive lines it occupies
  // Bounding rectangle of its pieces (x, y = top-left). With columns and
  // shared lines it may include other items: use SpanPieces to locate it.
  int32_t x = 0, y = 0, w = 0, h = 0;
  int32_t x_begin = 0;        // page x where it starts on its first line
  int32_t x_end = 0;          // page x where it ends on its last line
  // Byte range of its laid-out text in PageManifest::text (its drawn
  // "HH:MM TAG " included; the delimiter before it not).
  uint32_t text_begin = 0;
  uint32_t text_end = 0;
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
  uint32_t layout_version = kLayoutVersion;  // bumped when layout rules change
};

struct PageManifest {
  uint32_t page_index = 0;        // index within one Pack call
  uint32_t line_count = 0;        // lines drawn on this page
  uint32_t columns = 1;           // most columns of a band on this page (1..4)
  RenderParams params;
  std::vector<LineBox> lines;     // line_count boxes, reading order
  std::vector<ItemSpan> items;    // in layout order
  std::string text;               // the page's laid-out text, "\n"-joined
};

// The fill factor of a page: the area of its inked lines over the page
// area, sum(line.w * line.h) / (width * height), in [0, 1]. 0 when the page
// size is not positive.
double FillFactor(const PageManifest& manifest);

// A piece of an item on one line of its page.
struct SpanPiece {
  uint32_t line = 0;              // index into PageManifest::lines
  int32_t x = 0, y = 0, w = 0, h = 0;
};

// The pieces of `span`, one per line it occupies (x_begin on the first,
// x_end on the last line). Lines outside manifest.lines are skipped.
std::vector<SpanPiece> SpanPieces(const PageManifest& manifest,
                                  const ItemSpan& span);

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
