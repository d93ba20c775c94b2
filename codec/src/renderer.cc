// Copyright (c) mnemo authors.
//
// RendererImpl: splits each item into units, classifies its blocks and
// feeds them to the PageComposer, which fills lines, columns and pages and
// draws them (layout version 2, see <mnemo/codec/page.h>).

#include <algorithm>
#include <cmath>
#include <utility>

#include "blocks.h"
#include "columns.h"
#include "composer.h"
#include "font_set.h"
#include "mnemo/codec/page.h"
#include "mnemo/codec/png.h"
#include "units.h"

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
using internal::PageComposer;
using internal::PageGeometry;
using internal::UnitBuilder;

PageGeometry Geometry(const RenderProfile& p, const FontSet& fonts,
                      const UnitBuilder& units) {
  PageGeometry g;
  g.width = p.width;
  g.height = p.height;
  g.margin_left = p.margin_left;
  g.margin_top = p.margin_top;
  g.margin_right = p.margin_right;
  g.line_height = p.line_height;
  // Center the font's ascent+descent box in the line box.
  const int box = fonts.ascent_px() + fonts.descent_px();
  g.baseline = (p.line_height - box) / 2 + fonts.ascent_px();
  g.rows = LinesPerPage(p);
  // Two line heights keep a clear white gutter for page segmentation.
  g.gutter = 2 * p.line_height;
  g.tab_stop = std::max<int32_t>(64, units.zero_advance() * std::max(1, p.tab_width));
  return g;
}

class RendererImpl final : public Renderer {
 public:
  RendererImpl(const RenderProfile& profile, std::unique_ptr<FontSet> fonts)
      : name_(profile.name),
        description_(profile.description),
        font_(profile.font),
        profile_(profile),
        fonts_(std::move(fonts)),
        units_(fonts_.get()),
        measure_(fonts_.get()),
        geometry_(Geometry(profile, *fonts_, units_)) {
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
    params_.layout_version = kLayoutVersion;
    line_mark_ = measure_.Measure(kLineMark);
    composer_ = std::make_unique<PageComposer>(fonts_.get(), &measure_,
                                               geometry_, params_);
  }

  Status CheckRenderable(std::string_view text) override {
    return units_.Build(text);
  }

  Status Pack(const std::vector<PageItem>& items, std::vector<Page>* pages,
              std::vector<RejectedItem>* rejected) override;
  Status PackStreaming(const std::vector<PageItem>& items,
                       const PageSink& sink,
                       std::vector<RejectedItem>* rejected) override;

  const RenderProfile& profile() const override { return profile_; }
  const RenderParams& params() const override { return params_; }

 private:
  // Builds the units of `item` (and checks its speaker name).
  Status Prepare(const PageItem& item, std::string* source);
  Status Feed(uint32_t index, const PageItem& item, const std::string& source);

  std::string name_, description_, font_;
  RenderProfile profile_;
  std::unique_ptr<FontSet> fonts_;
  UnitBuilder units_;    // the item being fed
  UnitBuilder measure_;  // decorations and the column estimate
  PageGeometry geometry_;
  RenderParams params_;
  std::unique_ptr<PageComposer> composer_;
  bool in_band_ = false;  // feeding a run of LINE blocks set in a band
  int64_t line_mark_ = 0;  // advance of kLineMark (26.6)
};

Status RendererImpl::Prepare(const PageItem& item, std::string* source) {
  if (!item.speaker.empty()) {
    Status s = units_.Build(item.speaker);
    for (const internal::SourceUnit& u : units_.units()) {
      if (!s.ok()) break;
      if (u.escaped || u.kind == internal::UnitKind::kNewline ||
          u.kind == internal::UnitKind::kTab) {
        s = Status::NotSupported("speaker name has a control character");
      }
    }
    if (!s.ok()) return s.WithContext("speaker");
  }
  *source = ItemSource(item);
  return units_.Build(*source);
}

Status RendererImpl::Feed(uint32_t index, const PageItem& item,
                          const std::string& source) {
  // A header line flows into the body: classify the body alone.
  size_t body_unit = 0;
  if (!item.header.empty()) {
    const auto& u = units_.units();
    while (body_unit < u.size() && u[body_unit].source_begin <= item.header.size()) {
      ++body_unit;
    }
  }
  std::vector<uint8_t> roles =
      internal::ClassifyUnits(source, units_.units(), body_unit);
  MNEMO_RETURN_IF_ERROR(composer_->BeginItem(index, item.id, item));
  const auto& units = units_.units();
  const auto& glyphs = units_.glyphs();
  for (size_t i = 0; i < units.size(); ++i) {
    const internal::SourceUnit& u = units[i];
    // A run of LINE blocks (up to the next flowing character) gets a band;
    // flowing text goes back to one column.
    if ((roles[i] & internal::kRoleFreshLine) && !in_band_) {
      const std::vector<int64_t> widths = internal::BlockLineWidths(
          units, roles, i, measure_.space_advance(), geometry_.tab_stop);
      const int k =
          internal::BlockColumns(widths, geometry_, measure_.zero_advance());
      if (k == 1 && internal::MarksLines(widths, geometry_, line_mark_)) {
        internal::MarkLines(units, i, &roles);
      } else {
        MNEMO_RETURN_IF_ERROR(composer_->WantColumns(k));
        in_band_ = true;
      }
    } else if (in_band_ && internal::Flows(u, roles[i])) {
      MNEMO_RETURN_IF_ERROR(composer_->WantColumns(1));
      in_band_ = false;
    }
    MNEMO_RETURN_IF_ERROR(composer_->AddSource(
        u, glyphs.data() + std::min<size_t>(u.glyph_begin, glyphs.size()),
        roles[i], source));
  }
  composer_->EndItem();
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
  if (geometry_.rows <= 0) {
    return Status::InvalidArgument("profile " + params_.profile +
                                   " has no room for a line");
  }
  composer_->Start(&sink);
  in_band_ = false;
  Status s;
  std::string source;
  for (size_t i = 0; i < items.size(); ++i) {
    const PageItem& item = items[i];
    s = Prepare(item, &source);
    if (!s.ok()) {
      s = s.WithContext("item " + std::to_string(item.id) + " not renderable");
      if (rejected == nullptr) break;
      rejected->push_back({item.id, std::move(s)});
      s = Status::OK();
      continue;
    }
    s = Feed(static_cast<uint32_t>(i), item, source);
    if (!s.ok()) break;
  }
  if (s.ok()) s = composer_->Finish();
  composer_->Start(nullptr);
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
