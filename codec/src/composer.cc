// Copyright (c) mnemo authors.
//
// PageComposer, line filling: greedy breaking at spaces, hard breaks of
// overlong words, wrap marks in LINE blocks, items and their decorations.

#include <algorithm>
#include <ctime>

#include "blocks.h"
#include "composer.h"
#include "utf8.h"

namespace mnemo::codec::internal {

PageComposer::PageComposer(FontSet* fonts, UnitBuilder* shaper,
                           const PageGeometry& geo, const RenderParams& params)
    : fonts_(fonts), shaper_(shaper), geo_(geo), params_(params) {}

void PageComposer::Start(const Renderer::PageSink* sink) {
  sink_ = sink;
  emitted_ = 0;
  want_columns_ = 1;
  bands_.clear();
  open_ = false;
  units_.clear();
  glyphs_.clear();
  text_.clear();
  lines_.clear();
  owner_ids_.clear();
  line_begin_ = 0;
  pen_ = 0;
  line_ink_ = false;
  last_break_ = SIZE_MAX;
  prev_last_owner_ = -1;
  owner_ = -1;
  item_open_ = false;
  page_day_ = last_day_ = kNoDay;
}

PageComposer::Unit PageComposer::Decoration(std::string_view text,
                                            int64_t owner, uint32_t at) {
  Unit u{Kind::kGlyphs, true, true, false, owner, at, at,
         static_cast<uint32_t>(glyphs_.size()), 0,
         static_cast<uint32_t>(text_.size()),
         static_cast<uint32_t>(text.size()), 0};
  u.width = shaper_->Shape(text, &glyphs_);
  u.glyph_count = static_cast<uint32_t>(glyphs_.size()) - u.glyph_begin;
  text_.append(text);
  return u;
}

PageComposer::Unit PageComposer::Space(bool visible, int64_t owner, uint32_t b,
                                       uint32_t e) {
  Unit u{Kind::kSpace, visible, visible, false, owner, b, e, 0, 0,
         static_cast<uint32_t>(text_.size()), 1, shaper_->space_advance()};
  text_.push_back(' ');
  return u;
}

bool PageComposer::LineHasInk() const { return line_ink_; }

Status PageComposer::Place(Unit u) {
  MNEMO_RETURN_IF_ERROR(EnsurePage());
  u.x = pen_;
  u.drawn = u.visible;
  if (u.kind != Kind::kGlyphs) {
    // Leading spaces are dropped, except the indentation of a LINE block
    // line; hidden ones are consumed, not drawn.
    const bool indent = !line_ink_ && u.in_lines && u.visible;
    if (indent) {
      if (u.kind == Kind::kTab) {
        u.width = (pen_ / geo_.tab_stop + 1) * geo_.tab_stop - pen_;
      }
      pen_ += u.width;
    } else if (!line_ink_ || !u.visible) {
      u.drawn = false;
      u.width = 0;
    } else {
      if (u.kind == Kind::kTab) {
        u.width = (pen_ / geo_.tab_stop + 1) * geo_.tab_stop - pen_;
      }
      pen_ += u.width;
      last_break_ = units_.size();
    }
    units_.push_back(u);
    return Status::OK();
  }
  if (!u.visible || u.width == 0 || pen_ + u.width <= max_width_ ||
      !line_ink_) {
    if (u.visible && u.width > 0) line_ink_ = true;
    pen_ += u.visible ? u.width : 0;
    if (u.break_after && line_ink_) last_break_ = units_.size();
    units_.push_back(u);
    return Status::OK();
  }
  // Overflow: break at the last space, or (one word longer than the line)
  // right here.
  if (last_break_ != SIZE_MAX && last_break_ >= line_begin_) {
    const bool wrap = units_[last_break_].in_lines;
    std::vector<Carried> carried = TakeTail(last_break_ + 1);
    carried.push_back({u, {glyphs_.begin() + u.glyph_begin,
                           glyphs_.begin() + u.glyph_begin + u.glyph_count},
                       text_.substr(u.text_begin, u.text_len)});
    MNEMO_RETURN_IF_ERROR(CommitLine());
    return Carry(std::move(carried), wrap);
  }
  std::vector<Carried> carried;
  carried.push_back({u, {glyphs_.begin() + u.glyph_begin,
                         glyphs_.begin() + u.glyph_begin + u.glyph_count},
                     text_.substr(u.text_begin, u.text_len)});
  MNEMO_RETURN_IF_ERROR(CommitLine());
  return Carry(std::move(carried), u.in_lines);
}

std::vector<PageComposer::Carried> PageComposer::TakeTail(size_t from) {
  std::vector<Carried> out;
  for (size_t i = from; i < units_.size(); ++i) {
    const Unit& u = units_[i];
    out.push_back({u, {glyphs_.begin() + u.glyph_begin,
                       glyphs_.begin() + u.glyph_begin + u.glyph_count},
                   text_.substr(u.text_begin, u.text_len)});
  }
  units_.resize(from);
  return out;
}

Status PageComposer::Carry(std::vector<Carried> carried, bool wrap_mark) {
  if (wrap_mark && !carried.empty()) {
    const Unit& first = carried.front().unit;
    MNEMO_RETURN_IF_ERROR(EnsurePage());
    Unit mark = Decoration(kWrapMark.substr(0, kWrapMark.size() - 1),
                           first.owner, first.source_begin);
    mark.in_lines = true;
    MNEMO_RETURN_IF_ERROR(Place(mark));
    MNEMO_RETURN_IF_ERROR(
        Place(Space(true, first.owner, first.source_begin, first.source_begin)));
  }
  for (Carried& c : carried) {
    MNEMO_RETURN_IF_ERROR(EnsurePage());
    Unit u = c.unit;
    u.glyph_begin = static_cast<uint32_t>(glyphs_.size());
    glyphs_.insert(glyphs_.end(), c.glyphs.begin(), c.glyphs.end());
    u.text_begin = static_cast<uint32_t>(text_.size());
    text_.append(c.text);
    MNEMO_RETURN_IF_ERROR(Place(u));
  }
  return Status::OK();
}

Status PageComposer::CommitLine() {
  int32_t ink = 0;
  for (size_t i = line_begin_; i < units_.size(); ++i) {
    const Unit& u = units_[i];
    if (u.drawn && u.kind == Kind::kGlyphs) ink = std::max(ink, u.x + u.width);
  }
  // Spaces after the last glyph are not drawn (nor in the page text).
  for (size_t i = units_.size(); i > line_begin_; --i) {
    Unit& u = units_[i - 1];
    if (u.kind == Kind::kGlyphs && u.drawn) break;
    if (u.kind != Kind::kGlyphs) u.drawn = false;
  }
  lines_.push_back({line_begin_, units_.size(), ink});
  line_begin_ = units_.size();
  pen_ = 0;
  line_ink_ = false;
  last_break_ = SIZE_MAX;
  if (SlotsLeft(BandRows(speakers_, page_day_)) <= 0) return EmitPage();
  return ApplyColumns();
}

Status PageComposer::WantColumns(int columns) {
  want_columns_ = std::clamp(columns, 1, 4);
  while (want_columns_ > 1 && geo_.ColumnWidth(want_columns_) < 8 * geo_.line_height) {
    --want_columns_;
  }
  return ApplyColumns();
}

Status PageComposer::ApplyColumns() {
  if (!open_ || line_ink_ || bands_.back().columns == want_columns_) {
    return Status::OK();
  }
  if (bands_.back().first_line == lines_.size()) {
    bands_.back().columns = want_columns_;
  } else {
    bands_.push_back({lines_.size(), want_columns_});
    if (SlotsLeft(BandRows(speakers_, page_day_)) <= 0) return EmitPage();
  }
  max_width_ = geo_.ColumnWidth(want_columns_) * 64;
  return Status::OK();
}

Status PageComposer::BeginItem(uint32_t owner, uint64_t id,
                               const PageItem& item) {
  const bool structured = item.time_us != 0 || !item.speaker.empty();
  MNEMO_RETURN_IF_ERROR(EnsurePage());
  const int64_t secs = item.time_us / 1000000 - (item.time_us % 1000000 < 0 ? 1 : 0);
  const int64_t day = item.time_us == 0
                          ? kNoDay
                          : secs / 86400 - (secs % 86400 < 0 ? 1 : 0);
  std::string tag;
  if (structured) MNEMO_RETURN_IF_ERROR(Legend(item.speaker, day, &tag));
  owner_ = owner;
  cursor_ = 0;
  item_open_ = true;
  owner_ids_.push_back({owner, id});
  if (line_ink_) {
    MNEMO_RETURN_IF_ERROR(Place(Space(true, -1, 0, 0)));
  }
  if (line_ink_ || !lines_.empty()) {
    MNEMO_RETURN_IF_ERROR(Place(Decoration(
        kItemDelimiter.substr(1, kItemDelimiter.size() - 2), -1, 0)));
    MNEMO_RETURN_IF_ERROR(Place(Space(true, -1, 0, 0)));
  }
  Unit marker = Decoration("", owner, 0);
  marker.visible = false;
  MNEMO_RETURN_IF_ERROR(Place(marker));
  if (!structured) return Status::OK();
  if (item.time_us != 0) {
    time_t t = static_cast<time_t>(secs);
    struct tm tm_utc;
    gmtime_r(&t, &tm_utc);
    char buf[32];
    // The band shows the page's date; a day change within it is inline.
    if (last_day_ != kNoDay && day != last_day_) {
      strftime(buf, sizeof buf, "%Y-%m-%d", &tm_utc);
      MNEMO_RETURN_IF_ERROR(Place(Decoration(buf, owner, 0)));
      MNEMO_RETURN_IF_ERROR(Place(Space(true, owner, 0, 0)));
    }
    last_day_ = day;
    strftime(buf, sizeof buf, "%H:%M", &tm_utc);
    MNEMO_RETURN_IF_ERROR(Place(Decoration(buf, owner, 0)));
    MNEMO_RETURN_IF_ERROR(Place(Space(true, owner, 0, 0)));
  }
  if (!tag.empty()) {
    MNEMO_RETURN_IF_ERROR(Place(Decoration(tag, owner, 0)));
    MNEMO_RETURN_IF_ERROR(Place(Space(true, owner, 0, 0)));
  }
  return Status::OK();
}

Status PageComposer::AddSource(const SourceUnit& su, const GlyphInfo* glyphs,
                               uint8_t role, std::string_view source) {
  const uint32_t b = su.source_begin, e = su.source_end;
  const bool in_lines = (role & kRoleInLines) != 0;
  if ((role & kRoleFreshLine) && line_ink_) {
    MNEMO_RETURN_IF_ERROR(CommitLine());
  }
  cursor_ = e;
  Unit u;
  switch (role & kRoleMask) {
    case kRoleSoft:
      u = Space(true, owner_, b, e);
      u.in_lines = in_lines;
      return Place(u);
    case kRoleHard:
      MNEMO_RETURN_IF_ERROR(Place(Space(false, owner_, b, e)));
      return line_ink_ ? CommitLine() : Status::OK();
    case kRoleParagraph:
      MNEMO_RETURN_IF_ERROR(Place(Space(true, owner_, b, e)));
      MNEMO_RETURN_IF_ERROR(Place(Decoration(
          kParagraphMark.substr(1, kParagraphMark.size() - 2), owner_, e)));
      return Place(Space(true, owner_, e, e));
    case kRoleLineMark:
      MNEMO_RETURN_IF_ERROR(Place(Space(true, owner_, b, e)));
      MNEMO_RETURN_IF_ERROR(Place(
          Decoration(kLineMark.substr(1, kLineMark.size() - 2), owner_, e)));
      return Place(Space(true, owner_, e, e));
    case kRoleHidden:
      u = Space(false, owner_, b, e);
      u.in_lines = in_lines;
      return Place(u);
    default:
      break;
  }
  if (su.kind == UnitKind::kSpace || su.kind == UnitKind::kTab ||
      su.kind == UnitKind::kNewline) {
    u = Space(su.kind != UnitKind::kNewline, owner_, b, e);
    if (su.kind == UnitKind::kTab) {
      u.kind = Kind::kTab;
      text_.back() = '\t';
    }
  } else {
    u = Unit{Kind::kGlyphs, true, true, false, owner_, b, e,
             static_cast<uint32_t>(glyphs_.size()), su.glyph_count,
             static_cast<uint32_t>(text_.size()), 0, su.width};
    glyphs_.insert(glyphs_.end(), glyphs, glyphs + su.glyph_count);
    if (su.escaped) {
      text_ += ControlEscape(su.cp);
    } else {
      text_.append(source.substr(b, e - b));
    }
    u.text_len = static_cast<uint32_t>(text_.size()) - u.text_begin;
    // Long tokens without spaces (URLs, paths, compact JSON) may break
    // after these, rather than at the line edge.
    u.break_after = su.cp < 0x80 && std::string_view(",;/&?=|)]}").find(
                                        static_cast<char>(su.cp)) !=
                                        std::string_view::npos;
  }
  u.in_lines = in_lines;
  return Place(u);
}

}  // namespace mnemo::codec::internal
