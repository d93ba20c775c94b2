// Copyright (c) mnemo authors.
//
// PageComposer: the flow of layout version 2. Items arrive unit by unit;
// units fill lines greedily (breaking at spaces, hard-breaking words longer
// than a line); full lines fill the line slots of the open page (bands of
// columns, legend band); a full page is drawn and handed to the sink. Decorations
// (item delimiter, "HH:MM TAG", dates, paragraph and wrap marks, legend)
// are units that carry no source bytes.
// Thread-compatible (owned by one Renderer).

#ifndef MNEMO_CODEC_SRC_COMPOSER_H_
#define MNEMO_CODEC_SRC_COMPOSER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "font_set.h"
#include "mnemo/codec/page.h"
#include "units.h"

namespace mnemo::codec::internal {

struct PageGeometry {
  int width = 0, height = 0;
  int margin_left = 0, margin_top = 0, margin_right = 0;
  int line_height = 0;
  int baseline = 0;       // from a line box's top
  int rows = 0;           // line rows per page
  int gutter = 0;         // px between columns
  int32_t tab_stop = 64;  // 26.6
  int usable() const { return width - margin_left - margin_right; }
  int ColumnWidth(int columns) const {
    return (usable() - (columns - 1) * gutter) / columns;
  }
};

class PageComposer {
 public:
  PageComposer(FontSet* fonts, UnitBuilder* shaper, const PageGeometry& geo,
               const RenderParams& params);

  void Start(const Renderer::PageSink* sink);
  // The column count (1..4) for what is fed next. A page is a stack of
  // BANDS across its width, each with its own column count; a change
  // closes the open band (its lines balanced over its columns) and opens
  // one below it, at the next line start (the line being filled, if any,
  // ends in the band it started in).
  Status WantColumns(int columns);
  // Starts item `owner` (index within the Pack call) with record id `id`:
  // the delimiter, then for a structured item its date (at the top of a
  // page or when the UTC day changes), "HH:MM" and speaker tag.
  Status BeginItem(uint32_t owner, uint64_t id, const PageItem& item);
  // Adds one unit of the current item's source (role from ClassifyUnits).
  Status AddSource(const SourceUnit& u, const GlyphInfo* glyphs, uint8_t role,
                   std::string_view source);
  // Ends the current item (its span on the open page does not continue).
  void EndItem() { item_open_ = false; }
  // Draws and hands out the last page.
  Status Finish();

 private:
  enum class Kind : uint8_t { kGlyphs, kSpace, kTab };
  struct Unit {
    Kind kind;
    bool visible;         // meant to be drawn (a leading space is not)
    bool drawn;
    bool in_lines;        // wraps of its line get a wrap mark
    int64_t owner;        // item index, -1: none
    uint32_t source_begin, source_end;
    uint32_t glyph_begin, glyph_count;
    uint32_t text_begin, text_len;
    int32_t width;        // 26.6 (tabs: set when placed)
    int32_t x = 0;        // 26.6 from the line start
    bool break_after = false;  // a line may break after it (",", "/", ...)
  };
  struct Line {
    size_t unit_begin = 0, unit_end = 0;
    int32_t ink = 0;  // 26.6
  };
  struct Speaker {
    std::string name, tag;
    bool operator==(const Speaker&) const = default;
  };

  // Line filling (composer.cc).
  Status Add(Unit u);
  Status Place(Unit u);
  Status BreakLine(bool wrap_mark);
  Status CommitLine();
  struct Carried {
    Unit unit;
    std::vector<GlyphInfo> glyphs;
    std::string text;
  };
  Status Carry(std::vector<Carried> carried, bool wrap_mark);
  std::vector<Carried> TakeTail(size_t from);
  Unit Decoration(std::string_view text, int64_t owner, uint32_t at);
  Unit Space(bool drawn, int64_t owner, uint32_t b, uint32_t e);
  bool LineHasInk() const;

  // Pages (composer_page.cc).
  Status EnsurePage();
  Status EmitPage();
  std::string TagFor(const std::string& name) const;
  // Adds `name` (when not empty) to the page's legend and sets the page's
  // date (when `day` is not kNoDay and none is set), ending the page first
  // when the longer band leaves no room for the line being filled. *tag:
  // the speaker's tag.
  Status Legend(const std::string& name, int64_t day, std::string* tag);
  // The band lines: "YYYY-MM-DD, CA = Caroline, MB = Melanie".
  std::vector<std::string> LegendLines(const std::vector<Speaker>& speakers,
                                       int64_t day) const;
  // Rows of LegendLines(speakers, day); asked for every line and every
  // item, while a page's legend changes a few times: the last answer is
  // kept.
  int BandRows(const std::vector<Speaker>& speakers, int64_t day) const;
  // Line slots left on the open page with `legend_rows` band rows.
  int64_t SlotsLeft(int legend_rows) const;
  // Rows the closed bands of the open page take.
  int ClosedRows() const;
  // Opens a band with want_columns_ at the next line when it differs.
  Status ApplyColumns();
  // Draws glyphs starting at pen x26 (26.6, page coordinates) on the line
  // whose box top is y.
  Status DrawRun(const GlyphInfo* glyphs, size_t count, int32_t x26, int y,
                 GrayImage* image);
  uint64_t OwnerId(int64_t owner) const;

  FontSet* fonts_;
  UnitBuilder* shaper_;
  PageGeometry geo_;
  RenderParams params_;
  const Renderer::PageSink* sink_ = nullptr;
  uint32_t emitted_ = 0;
  int want_columns_ = 1;

  // The open page: its bands, each from its first line on.
  struct Band {
    size_t first_line = 0;
    int columns = 1;
  };
  bool open_ = false;
  std::vector<Band> bands_;
  int32_t max_width_ = 0;  // 26.6, one column of the open band
  std::vector<Speaker> speakers_;
  struct BandRowsMemo {
    std::vector<Speaker> speakers;
    int64_t day = 0;
    int rows = -1;  // none yet
  };
  mutable BandRowsMemo band_rows_;  // BandRows' last answer
  static constexpr int64_t kNoDay = INT64_MIN;
  int64_t page_day_ = kNoDay;  // the date in the open page's band
  int64_t last_day_ = kNoDay;  // UTC day of the last timed item
  std::vector<Unit> units_;
  std::vector<GlyphInfo> glyphs_;
  std::string text_;
  std::vector<Line> lines_;
  std::vector<std::pair<int64_t, uint64_t>> owner_ids_;  // owner -> record id
  size_t line_begin_ = 0;  // first unit of the line being filled
  int32_t pen_ = 0;
  bool line_ink_ = false;  // the line being filled has drawn glyphs
  size_t last_break_ = SIZE_MAX;  // its last drawn space after ink
  int64_t prev_last_owner_ = -1;  // last item on the page before
  bool item_open_ = false;
  // The current item.
  int64_t owner_ = -1;
  uint32_t cursor_ = 0;  // source bytes fed so far
};

}  // namespace mnemo::codec::internal

#endif  // MNEMO_CODEC_SRC_COMPOSER_H_
