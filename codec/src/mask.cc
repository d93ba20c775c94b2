// Copyright (c) mnemo authors.
//
// MaskItems: see <mnemo/codec/mask.h>. Works on a pixel mask in page
// coordinates (the manifest's geometry: one rectangle per line piece of an
// item), then maps it onto the image, which may be smaller (a decayed
// page). Text is masked by the spans' byte ranges in the page text.

#include "mnemo/codec/mask.h"

#include <algorithm>
#include <string>
#include <vector>

#include "manifest_v2.h"

namespace mnemo::codec {
namespace {

bool Removed(const ItemSpan& span, const std::set<uint64_t>& ids) {
  return span.id != kRemovedItemId && ids.count(span.id) > 0;
}

Status CheckGeometry(const GrayImage& image, const PageManifest& m) {
  if (image.empty() || image.stride < image.width ||
      image.pixels.size() < static_cast<size_t>(image.stride) * image.height) {
    return Status::InvalidArgument(
        "masking items: the page image is empty or malformed");
  }
  const RenderParams& p = m.params;
  if (p.width <= 0 || p.height <= 0) {
    return Status::InvalidArgument(
        "masking items: the manifest's page size is not positive");
  }
  Status s = internal::CheckV2Fields(m);
  if (!s.ok()) return Status::InvalidArgument("masking items: " + s.message());
  for (const ItemSpan& span : m.items) {
    bool inside = uint64_t{span.first_line} + span.line_count <= m.line_count;
    for (const SpanPiece& piece : SpanPieces(m, span)) {
      inside = inside && piece.x >= 0 && piece.y >= 0 && piece.w >= 0 &&
               piece.h >= 0 && int64_t{piece.x} + piece.w <= p.width &&
               int64_t{piece.y} + piece.h <= p.height;
    }
    if (!inside) {
      return Status::InvalidArgument("masking items: item " +
                                     std::to_string(span.id) +
                                     " lies outside its page");
    }
  }
  return Status::OK();
}

// A bit per page pixel.
struct PixelMask {
  int width = 0, height = 0;
  std::vector<bool> bits;
  PixelMask(int w, int h) : width(w), height(h), bits(size_t(w) * h, false) {}
  bool at(int x, int y) const { return bits[size_t(y) * width + x]; }
  // Sets [x0, x1) x [y0, y1) (clipped), skipping pixels set in `except`.
  void Fill(int x0, int y0, int x1, int y1, const PixelMask* except) {
    x0 = std::max(0, x0), y0 = std::max(0, y0);
    x1 = std::min(width, x1), y1 = std::min(height, y1);
    for (int y = y0; y < y1; ++y) {
      for (int x = x0; x < x1; ++x) {
        if (except == nullptr || !except->at(x, y)) bits[size_t(y) * width + x] = true;
      }
    }
  }
};

// Page pixels to blank: the removed items' piece boxes, and an overflow
// band around them (half a line above and below, 2 px to the sides)
// outside the piece boxes of kept items.
PixelMask BlankPixels(const std::set<uint64_t>& ids, const PageManifest& m) {
  PixelMask kept(m.params.width, m.params.height);
  PixelMask blank(m.params.width, m.params.height);
  for (const ItemSpan& s : m.items) {
    if (s.id == kRemovedItemId || Removed(s, ids)) continue;
    for (const SpanPiece& p : SpanPieces(m, s)) {
      kept.Fill(p.x, p.y, p.x + p.w, p.y + p.h, nullptr);
    }
  }
  const int pad = std::max(0, m.params.line_height / 2);
  for (const ItemSpan& s : m.items) {
    if (!Removed(s, ids)) continue;
    for (const SpanPiece& p : SpanPieces(m, s)) {
      blank.Fill(p.x, p.y, p.x + p.w, p.y + p.h, nullptr);
      blank.Fill(p.x - 2, p.y - pad, p.x + p.w + 2, p.y + p.h + pad, &kept);
    }
  }
  return blank;
}

// Blanks each image pixel whose footprint holds a blank page pixel.
void BlankImage(const PixelMask& blank, GrayImage* image) {
  const int64_t pw = blank.width, ph = blank.height;
  const int64_t iw = image->width, ih = image->height;
  for (int64_t j = 0; j < ih; ++j) {
    const int64_t y0 = j * ph / ih, y1 = std::min(ph, ((j + 1) * ph + ih - 1) / ih);
    uint8_t* row = image->Row(static_cast<int>(j));
    for (int64_t i = 0; i < iw; ++i) {
      const int64_t x0 = i * pw / iw, x1 = std::min(pw, ((i + 1) * pw + iw - 1) / iw);
      bool any = false;
      for (int64_t y = y0; y < y1 && !any; ++y) {
        for (int64_t x = x0; x < x1 && !any; ++x) any = blank.at(int(x), int(y));
      }
      if (any) row[i] = 255;
    }
  }
}

// Removes the removed spans' text bytes (line breaks stay, so line numbering
// is unchanged) and moves every span's text range to the new offsets.
void MaskText(const std::set<uint64_t>& ids, PageManifest* m) {
  const std::string& text = m->text;
  std::vector<bool> drop(text.size(), false);
  for (const ItemSpan& s : m->items) {
    if (!Removed(s, ids)) continue;
    for (uint32_t b = s.text_begin; b < s.text_end; ++b) drop[b] = text[b] != '\n';
  }
  std::vector<uint32_t> map(text.size() + 1, 0);
  std::string kept;
  for (size_t i = 0; i < text.size(); ++i) {
    map[i] = static_cast<uint32_t>(kept.size());
    if (!drop[i]) kept.push_back(text[i]);
  }
  map[text.size()] = static_cast<uint32_t>(kept.size());
  for (ItemSpan& s : m->items) {
    s.text_begin = map[s.text_begin];
    s.text_end = Removed(s, ids) ? s.text_begin : map[s.text_end];
  }
  m->text = std::move(kept);
}

bool LineCountMatches(const PageManifest& m) {
  if (m.line_count == 0) return m.text.empty();
  return static_cast<uint64_t>(std::count(m.text.begin(), m.text.end(), '\n')) + 1 ==
         m.line_count;
}

}  // namespace

Status MaskItems(const std::set<uint64_t>& ids, GrayImage* image,
                 PageManifest* manifest, size_t* masked) {
  if (masked != nullptr) *masked = 0;
  size_t count = 0;
  for (const ItemSpan& s : manifest->items) count += Removed(s, ids) ? 1 : 0;
  if (count == 0) return Status::OK();
  MNEMO_RETURN_IF_ERROR(CheckGeometry(*image, *manifest));
  if (!LineCountMatches(*manifest)) {
    return Status::InvalidArgument(
        "masking items: the page text does not have the manifest's " +
        std::to_string(manifest->line_count) + " lines");
  }
  BlankImage(BlankPixels(ids, *manifest), image);
  MaskText(ids, manifest);
  for (ItemSpan& s : manifest->items) {
    if (!Removed(s, ids)) continue;
    s.id = kRemovedItemId;
    s.text.clear();
    s.source_begin = s.source_end = 0;
    s.continued = s.continues = false;
  }
  if (masked != nullptr) *masked = count;
  return Status::OK();
}

}  // namespace mnemo::codec
