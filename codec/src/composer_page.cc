// Copyright (c) mnemo authors.
//
// PageComposer, pages: opening one (column count), the speaker legend band,
// and emitting a full page (line boxes in reading order, glyphs drawn, page
// text, item spans).

#include <algorithm>
#include <cctype>
#include <ctime>

#include "composer.h"

namespace mnemo::codec::internal {
namespace {


std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Tag candidates for a speaker name, best first: initials of the first two
// words, the first two letters, the first letter with a later one.
std::vector<std::string> TagCandidates(const std::string& name) {
  std::vector<std::string> words;
  std::string word;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      word.push_back(c);
    } else if (!word.empty()) {
      words.push_back(word);
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(word);
  std::vector<std::string> out;
  if (words.size() >= 2) out.push_back(Upper({words[0][0], words[1][0]}));
  std::string letters;
  for (const std::string& w : words) letters += w;
  if (letters.size() >= 2) out.push_back(Upper(letters.substr(0, 2)));
  for (size_t i = 2; i < letters.size() && i < 12; ++i) {
    out.push_back(Upper({letters[0], letters[i]}));
  }
  if (!letters.empty()) {
    for (size_t i = 1; i < letters.size() && i < 8; ++i) {
      out.push_back(Upper({letters[0], letters[i], letters.back()}));
    }
  }
  return out;
}

}  // namespace

std::string PageComposer::TagFor(const std::string& name) const {
  auto taken = [this](const std::string& tag) {
    return std::any_of(speakers_.begin(), speakers_.end(),
                       [&](const Speaker& s) { return s.tag == tag; });
  };
  for (const std::string& tag : TagCandidates(name)) {
    if (!taken(tag)) return tag;
  }
  for (int n = 1;; ++n) {
    std::string tag = "S" + std::to_string(n);
    if (!taken(tag)) return tag;
  }
}

std::vector<std::string> PageComposer::LegendLines(
    const std::vector<Speaker>& speakers, int64_t day) const {
  std::vector<std::string> entries;
  if (day != kNoDay) {
    const time_t secs = static_cast<time_t>(day * 86400);
    struct tm tm_utc;
    gmtime_r(&secs, &tm_utc);
    char buf[32];
    strftime(buf, sizeof buf, "%Y-%m-%d", &tm_utc);
    entries.push_back(buf);
  }
  for (const Speaker& s : speakers) entries.push_back(s.tag + " = " + s.name);
  std::vector<std::string> lines;
  const int64_t width = int64_t{geo_.usable()} * 64;
  const int64_t sep = shaper_->Measure(kLegendSeparator);
  int64_t pen = 0;
  for (const std::string& entry : entries) {
    const int64_t w = shaper_->Measure(entry);
    if (lines.empty() || (pen > 0 && pen + sep + w > width)) {
      lines.emplace_back();
      pen = 0;
    }
    if (pen > 0) lines.back().append(kLegendSeparator);
    lines.back() += entry;
    pen += (pen > 0 ? sep : 0) + w;
  }
  return lines;
}

int PageComposer::BandRows(const std::vector<Speaker>& speakers,
                           int64_t day) const {
  if (band_rows_.rows < 0 || band_rows_.day != day ||
      band_rows_.speakers != speakers) {
    band_rows_.rows = static_cast<int>(LegendLines(speakers, day).size());
    band_rows_.speakers = speakers;
    band_rows_.day = day;
  }
  return band_rows_.rows;
}

int PageComposer::ClosedRows() const {
  int rows = 0;
  for (size_t b = 0; b + 1 < bands_.size(); ++b) {
    const size_t n = bands_[b + 1].first_line - bands_[b].first_line;
    rows += static_cast<int>((n + bands_[b].columns - 1) / bands_[b].columns);
  }
  return rows;
}

int64_t PageComposer::SlotsLeft(int legend_rows) const {
  if (bands_.empty()) return 0;
  const Band& open = bands_.back();
  const int64_t rows = std::max(0, geo_.rows - legend_rows - ClosedRows());
  return open.columns * rows - static_cast<int64_t>(lines_.size() - open.first_line);
}

Status PageComposer::Legend(const std::string& name, int64_t day,
                            std::string* tag) {
  auto known = [&]() -> const Speaker* {
    for (const Speaker& s : speakers_) {
      if (s.name == name) return &s;
    }
    return nullptr;
  };
  auto wanted = [&](std::vector<Speaker>* more, int64_t* page_day) {
    *more = speakers_;
    if (!name.empty() && known() == nullptr) more->push_back({name, TagFor(name)});
    *page_day = page_day_ == kNoDay ? day : page_day_;
  };
  std::vector<Speaker> more;
  int64_t page_day;
  wanted(&more, &page_day);
  if (SlotsLeft(BandRows(more, page_day)) < 1 && !lines_.empty()) {
    // No room for a longer band: this page ends here.
    if (line_ink_) MNEMO_RETURN_IF_ERROR(CommitLine());
    if (open_) {
      if (line_begin_ < units_.size() && !lines_.empty()) {
        lines_.back().unit_end = units_.size();
        line_begin_ = units_.size();
      }
      MNEMO_RETURN_IF_ERROR(EmitPage());
    }
    MNEMO_RETURN_IF_ERROR(EnsurePage());
    wanted(&more, &page_day);
  }
  if (geo_.rows - BandRows(more, page_day) >= 1) {
    speakers_ = std::move(more);
    page_day_ = page_day;
  }
  const Speaker* s = known();
  *tag = s != nullptr ? s->tag : name;  // a full band: the name is its tag
  return Status::OK();
}

Status PageComposer::EnsurePage() {
  if (open_) return Status::OK();
  bands_.assign(1, Band{0, want_columns_});
  max_width_ = geo_.ColumnWidth(want_columns_) * 64;
  speakers_.clear();
  // The band of a page after a timed item starts with that item's date.
  page_day_ = last_day_;
  open_ = true;
  return Status::OK();
}

Status PageComposer::Finish() {
  if (!open_) return Status::OK();
  if (line_ink_) {
    MNEMO_RETURN_IF_ERROR(CommitLine());
    if (!open_) return Status::OK();
  }
  if (line_begin_ < units_.size()) {
    if (lines_.empty()) {
      lines_.push_back({line_begin_, units_.size(), 0});
    } else {
      lines_.back().unit_end = units_.size();
    }
    line_begin_ = units_.size();
  }
  return lines_.empty() ? Status::OK() : EmitPage();
}

Status PageComposer::DrawRun(const GlyphInfo* glyphs, size_t count,
                             int32_t x26, int y, GrayImage* image) {
  const int baseline = y + geo_.baseline;
  for (size_t k = 0; k < count; ++k) {
    const GlyphInfo& g = glyphs[k];
    int px = x26 >> 6;
    int phase = ((x26 & 63) * kPhases + 32) >> 6;
    if (phase == kPhases) ++px, phase = 0;
    x26 += g.advance;
    const GlyphBitmap* bm;
    MNEMO_RETURN_IF_ERROR(fonts_->Bitmap(g, phase, &bm));
    const uint8_t* pool = fonts_->pixels();
    const int gx0 = px + bm->left, gy0 = baseline - bm->top;
    for (int gy = 0; gy < bm->height; ++gy) {
      const int yy = gy0 + gy;
      if (yy < 0 || yy >= image->height) continue;
      uint8_t* dst = image->Row(yy);
      const uint8_t* src = pool + bm->offset + gy * bm->width;
      const int from = std::max(0, -gx0);
      const int to = std::min<int>(bm->width, image->width - gx0);
      for (int gx = from; gx < to; ++gx) {
        // On paper (d == 255) the blend below is 255 - c exactly; coverage
        // 0 leaves any d as it is.
        const unsigned c = src[gx];
        uint8_t& d = dst[gx0 + gx];
        d = static_cast<uint8_t>(d == 255 ? 255u - c : (d * (255u - c) + 127u) / 255u);
      }
    }
  }
  return Status::OK();
}

}  // namespace mnemo::codec::internal
