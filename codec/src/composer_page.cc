// Copyright (c) mnemo authors.
//
// PageComposer, pages: opening one (column count), the speaker legend band,
// and emitting a full page (line boxes in reading order, glyphs drawn, page
// text, item spans).

#include <algorithm>
#include <cctype>

#include "composer.h"

namespace mnemo::codec::internal {
namespace {

constexpr std::string_view kLegendSeparator = " \xC2\xB7 ";  // " · "

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
    const std::vector<Speaker>& speakers) const {
  std::vector<std::string> lines;
  const int64_t width = int64_t{geo_.usable()} * 64;
  const int64_t sep = shaper_->Measure(kLegendSeparator);
  int64_t pen = 0;
  for (const Speaker& s : speakers) {
    const std::string entry = s.tag + " = " + s.name;
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

int PageComposer::Capacity() const {
  return columns_ * std::max(0, geo_.rows - BandRows(speakers_));
}

Status PageComposer::AddSpeaker(const std::string& name, std::string* tag) {
  for (const Speaker& s : speakers_) {
    if (s.name == name) {
      *tag = s.tag;
      return Status::OK();
    }
  }
  std::vector<Speaker> more = speakers_;
  more.push_back({name, TagFor(name)});
  const int64_t need = static_cast<int64_t>(lines_.size()) + 1;
  if (int64_t{columns_} * (geo_.rows - BandRows(more)) < need &&
      !lines_.empty()) {
    // No room for a longer legend: this page ends here.
    if (line_ink_) MNEMO_RETURN_IF_ERROR(CommitLine());
    if (open_) {
      if (line_begin_ < units_.size() && !lines_.empty()) {
        lines_.back().unit_end = units_.size();
        line_begin_ = units_.size();
      }
      MNEMO_RETURN_IF_ERROR(EmitPage());
    }
    MNEMO_RETURN_IF_ERROR(EnsurePage());
    more = speakers_;
    more.push_back({name, TagFor(name)});
  }
  if (geo_.rows - BandRows(more) < 1) {
    *tag = name;  // a legend that fills the page: the name is its own tag
    return Status::OK();
  }
  speakers_ = std::move(more);
  *tag = speakers_.back().tag;
  return Status::OK();
}

Status PageComposer::EnsurePage() {
  if (open_) return Status::OK();
  columns_ = std::clamp(chooser_ ? chooser_() : 1, 1, 4);
  while (columns_ > 1 && geo_.ColumnWidth(columns_) < 8 * geo_.line_height) {
    --columns_;
  }
  max_width_ = geo_.ColumnWidth(columns_) * 64;
  speakers_.clear();
  page_last_day_ = INT64_MIN;
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
        const unsigned c = src[gx];
        if (c == 0) continue;
        uint8_t& d = dst[gx0 + gx];
        d = static_cast<uint8_t>((d * (255u - c) + 127u) / 255u);
      }
    }
  }
  return Status::OK();
}

}  // namespace mnemo::codec::internal
