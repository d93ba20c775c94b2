// Copyright (c) mnemo authors.
//
// RendererImpl: lays out items with LineLayout, streams their lines onto
// pages and blits cached glyph bitmaps.

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "font_set.h"
#include "layout.h"
#include "mnemo/codec/page.h"
#include "mnemo/codec/png.h"

namespace mnemo::codec {

std::string ItemSource(const PageItem& item) {
  if (item.header.empty()) return item.body;
  std::string source;
  source.reserve(item.header.size() + 1 + item.body.size());
  source.append(item.header).append("\n").append(item.body);
  return source;
}

namespace {

using internal::FontSet;
using internal::LayoutResult;
using internal::Line;
using internal::LineLayout;

class RendererImpl final : public Renderer {
 public:
  RendererImpl(const RenderProfile& profile, std::unique_ptr<FontSet> fonts)
      : name_(profile.name),
        description_(profile.description),
        font_(profile.font),
        profile_(profile),
        fonts_(std::move(fonts)),
        layout_(fonts_.get(),
                profile.width - profile.margin_left - profile.margin_right,
                profile.tab_width),
        lines_per_page_(LinesPerPage(profile)) {
    // Own the strings: a caller's custom profile may not outlive us.
    profile_.name = name_;
    profile_.description = description_;
    profile_.font = font_;
    params_.profile = name_;
    params_.width = profile.width;
    params_.height = profile.height;
    params_.pixel_size_64 = static_cast<int>(std::lround(profile.pixel_size * 64));
    params_.line_height = profile.line_height;
    params_.vision_tokens = profile.vision_tokens;
    params_.font_files = fonts_->files();
    params_.font_hashes = fonts_->hashes();
    params_.freetype_version = fonts_->FreeTypeVersion();
    params_.libpng_version = LibPngVersion();
    // Center the font's ascent+descent box in the line box.
    const int box = fonts_->ascent_px() + fonts_->descent_px();
    baseline_ = (profile.line_height - box) / 2 + fonts_->ascent_px();
  }

  Status CheckRenderable(std::string_view text) override {
    return layout_.Check(text);
  }

  Status Pack(const std::vector<PageItem>& items, std::vector<Page>* pages,
              std::vector<RejectedItem>* rejected) override;
  Status PackStreaming(const std::vector<PageItem>& items,
                       const PageSink& sink,
                       std::vector<RejectedItem>* rejected) override;

  const RenderProfile& profile() const override { return profile_; }
  const RenderParams& params() const override { return params_; }

 private:
  Status AddItem(uint64_t id, const LayoutResult& layout);
  // Makes open_ a page with room for a line; a full one goes to sink_.
  Status PageWithRoom();
  // Hands open_ (if any) to sink_.
  Status EmitOpenPage();
  Status DrawLine(const LayoutResult& layout, const Line& line, int index,
                  GrayImage* image);

  std::string name_, description_, font_;
  RenderProfile profile_;
  std::unique_ptr<FontSet> fonts_;
  LineLayout layout_;
  int lines_per_page_;
  int baseline_ = 0;
  RenderParams params_;
  LayoutResult scratch_;
  // While PackStreaming runs: the page being filled, where finished pages
  // go, and how many went there.
  std::optional<Page> open_;
  const PageSink* sink_ = nullptr;
  uint32_t emitted_ = 0;
};

Status RendererImpl::EmitOpenPage() {
  if (!open_) return Status::OK();
  open_->manifest.page_index = emitted_++;
  Page page = std::move(*open_);
  open_.reset();
  return (*sink_)(std::move(page));
}

Status RendererImpl::PageWithRoom() {
  if (open_ &&
      open_->manifest.line_count < static_cast<uint32_t>(lines_per_page_)) {
    return Status::OK();
  }
  MNEMO_RETURN_IF_ERROR(EmitOpenPage());
  Page& page = open_.emplace();
  page.image.Reset(profile_.width, profile_.height, 255);
  page.manifest.params = params_;
  return Status::OK();
}

Status RendererImpl::DrawLine(const LayoutResult& layout, const Line& line,
                              int index, GrayImage* image) {
  const int baseline = profile_.margin_top + index * profile_.line_height +
                       baseline_;
  const uint8_t* pool = nullptr;
  for (uint32_t k = line.glyph_begin; k < line.glyph_end; ++k) {
    const internal::PlacedGlyph& pg = layout.glyphs[k];
    const int32_t x26 = profile_.margin_left * 64 + pg.x;
    int px = x26 >> 6;
    int phase = ((x26 & 63) * internal::kPhases + 32) >> 6;
    if (phase == internal::kPhases) ++px, phase = 0;
    const internal::GlyphBitmap* bm;
    MNEMO_RETURN_IF_ERROR(fonts_->Bitmap(pg.glyph, phase, &bm));
    pool = fonts_->pixels();  // the pool may have grown
    const int x0 = px + bm->left;
    const int y0 = baseline - bm->top;
    for (int gy = 0; gy < bm->height; ++gy) {
      const int y = y0 + gy;
      if (y < 0 || y >= image->height) continue;
      uint8_t* dst = image->Row(y);
      const uint8_t* src = pool + bm->offset + gy * bm->width;
      const int gx0 = std::max(0, -x0);
      const int gx1 = std::min<int>(bm->width, image->width - x0);
      for (int gx = gx0; gx < gx1; ++gx) {
        const unsigned c = src[gx];
        if (c == 0) continue;
        uint8_t& d = dst[x0 + gx];
        d = static_cast<uint8_t>((d * (255u - c) + 127u) / 255u);
      }
    }
  }
  return Status::OK();
}

Status RendererImpl::AddItem(uint64_t id, const LayoutResult& layout) {
  size_t next = 0;
  bool continued = false;
  while (next < layout.lines.size()) {
    MNEMO_RETURN_IF_ERROR(PageWithRoom());
    Page& page = *open_;
    PageManifest& m = page.manifest;
    const size_t room = lines_per_page_ - m.line_count;
    const size_t count = std::min(room, layout.lines.size() - next);
    ItemSpan span;
    span.id = id;
    span.first_line = m.line_count;
    span.line_count = static_cast<uint32_t>(count);
    span.x = profile_.margin_left;
    span.y = profile_.margin_top + static_cast<int32_t>(m.line_count) * profile_.line_height;
    span.h = static_cast<int32_t>(count) * profile_.line_height;
    span.source_begin = layout.lines[next].source_begin;
    span.source_end = layout.lines[next + count - 1].source_end;
    span.continued = continued;
    span.continues = next + count < layout.lines.size();
    for (size_t k = next; k < next + count; ++k) {
      const Line& line = layout.lines[k];
      MNEMO_RETURN_IF_ERROR(DrawLine(layout, line, m.line_count, &page.image));
      span.w = std::max(span.w, line.width_px);
      if (k > next) span.text.push_back('\n');
      span.text += line.text;
      if (m.line_count > 0) m.text.push_back('\n');
      if (k == next) span.text_begin = static_cast<uint32_t>(m.text.size());
      m.text += line.text;
      m.lines.push_back({profile_.margin_left,
                         span.y + static_cast<int32_t>(k - next) * profile_.line_height,
                         line.width_px, profile_.line_height});
      span.x_end = profile_.margin_left + line.width_px;
      ++m.line_count;
    }
    span.x_begin = span.x;
    span.text_end = static_cast<uint32_t>(m.text.size());
    m.items.push_back(std::move(span));
    next += count;
    continued = true;
  }
  return Status::OK();
}

Status RendererImpl::Pack(const std::vector<PageItem>& items,
                          std::vector<Page>* pages,
                          std::vector<RejectedItem>* rejected) {
  std::vector<Page> out;  // appended only when every item succeeded
  MNEMO_RETURN_IF_ERROR(PackStreaming(
      items,
      [&out](Page&& page) {
        out.push_back(std::move(page));
        return Status::OK();
      },
      rejected));
  for (Page& page : out) pages->push_back(std::move(page));
  return Status::OK();
}

Status RendererImpl::PackStreaming(const std::vector<PageItem>& items,
                                   const PageSink& sink,
                                   std::vector<RejectedItem>* rejected) {
  if (lines_per_page_ <= 0) {
    return Status::InvalidArgument("profile " + params_.profile +
                                   " has no room for a line");
  }
  open_.reset();
  sink_ = &sink;
  emitted_ = 0;
  Status s;
  for (const PageItem& item : items) {
    s = layout_.Layout(ItemSource(item), &scratch_);
    if (!s.ok()) {
      s = s.WithContext("item " + std::to_string(item.id) + " not renderable");
      if (rejected == nullptr) break;
      rejected->push_back({item.id, std::move(s)});
      s = Status::OK();
      continue;
    }
    s = AddItem(item.id, scratch_);
    if (!s.ok()) break;
  }
  if (s.ok()) s = EmitOpenPage();
  open_.reset();
  sink_ = nullptr;
  return s;
}

}  // namespace

Status Renderer::Create(const RenderProfile& profile,
                        const RendererOptions& options,
                        std::unique_ptr<Renderer>* out) {
  if (profile.width <= 0 || profile.height <= 0 || profile.width > 16384 ||
      profile.height > 16384 || profile.pixel_size < 4 ||
      profile.pixel_size > 256 || profile.line_height <= 0 ||
      LinesPerPage(profile) <= 0 ||
      profile.width - profile.margin_left - profile.margin_right <
          profile.pixel_size) {
    return Status::InvalidArgument("bad geometry in profile " +
                                   std::string(profile.name));
  }
  std::unique_ptr<FontSet> fonts;
  MNEMO_RETURN_IF_ERROR(FontSet::Open(profile, options, &fonts));
  *out = std::make_unique<RendererImpl>(profile, std::move(fonts));
  return Status::OK();
}

}  // namespace mnemo::codec
