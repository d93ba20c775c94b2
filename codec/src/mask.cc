// Copyright (c) mnemo authors.
//
// MaskItems: see <mnemo/codec/mask.h>. Works on a per-row mask in page
// coordinates (the manifest's geometry), then maps it onto the image rows,
// which may be fewer (a decayed page).

#include "mnemo/codec/mask.h"

#include <algorithm>
#include <string>
#include <vector>

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
  for (const ItemSpan& s : m.items) {
    if (s.y < 0 || s.h < 0 || int64_t{s.y} + s.h > p.height ||
        uint64_t{s.first_line} + s.line_count > m.line_count) {
      return Status::InvalidArgument("masking items: item " +
                                     std::to_string(s.id) +
                                     " lies outside its page");
    }
  }
  return Status::OK();
}

// The page text split into its lines; false when they are not line_count.
bool SplitLines(const PageManifest& m, std::vector<std::string>* lines) {
  lines->clear();
  if (m.line_count == 0) return m.text.empty();
  size_t begin = 0;
  for (size_t end; (end = m.text.find('\n', begin)) != std::string::npos;
       begin = end + 1) {
    lines->push_back(m.text.substr(begin, end - begin));
  }
  lines->push_back(m.text.substr(begin));
  return lines->size() == m.line_count;
}

// Page rows to blank: the removed items' line boxes, and the overflow band
// around them outside the line boxes of kept items.
std::vector<bool> BlankRows(const std::set<uint64_t>& ids,
                            const PageManifest& m) {
  const int height = m.params.height;
  std::vector<bool> kept(height, false), blank(height, false);
  for (const ItemSpan& s : m.items) {
    if (s.id == kRemovedItemId || Removed(s, ids)) continue;
    std::fill(kept.begin() + s.y, kept.begin() + s.y + s.h, true);
  }
  const int pad = std::max(0, m.params.line_height / 2);
  for (const ItemSpan& s : m.items) {
    if (!Removed(s, ids)) continue;
    std::fill(blank.begin() + s.y, blank.begin() + s.y + s.h, true);
    for (int r = std::max(0, s.y - pad); r < std::min(height, s.y + s.h + pad);
         ++r) {
      if (!kept[r]) blank[r] = true;
    }
  }
  return blank;
}

// Blanks each image row that averages at least one blank page row.
void BlankImage(const std::vector<bool>& blank, GrayImage* image) {
  const int64_t page_h = static_cast<int64_t>(blank.size());
  const int64_t image_h = image->height;
  for (int64_t j = 0; j < image_h; ++j) {
    const int64_t first = j * page_h / image_h;
    const int64_t last =
        std::min(page_h, ((j + 1) * page_h + image_h - 1) / image_h);
    bool any = false;
    for (int64_t r = first; r < last && !any; ++r) any = blank[r];
    if (any)
      std::fill_n(image->Row(static_cast<int>(j)), image->width, uint8_t{255});
  }
}

}  // namespace

Status MaskItems(const std::set<uint64_t>& ids, GrayImage* image,
                 PageManifest* manifest, size_t* masked) {
  if (masked != nullptr) *masked = 0;
  size_t count = 0;
  for (const ItemSpan& s : manifest->items) count += Removed(s, ids) ? 1 : 0;
  if (count == 0) return Status::OK();
  MNEMO_RETURN_IF_ERROR(CheckGeometry(*image, *manifest));
  std::vector<std::string> lines;
  if (!SplitLines(*manifest, &lines)) {
    return Status::InvalidArgument(
        "masking items: the page text does not have the manifest's " +
        std::to_string(manifest->line_count) + " lines");
  }
  BlankImage(BlankRows(ids, *manifest), image);
  for (ItemSpan& s : manifest->items) {
    if (!Removed(s, ids)) continue;
    for (uint32_t k = s.first_line; k < s.first_line + s.line_count; ++k)
      lines[k].clear();
    s.id = kRemovedItemId;
    s.text.clear();
    s.source_begin = s.source_end = 0;
    s.continued = s.continues = false;
  }
  manifest->text.clear();
  for (size_t k = 0; k < lines.size(); ++k) {
    if (k > 0) manifest->text.push_back('\n');
    manifest->text += lines[k];
  }
  if (masked != nullptr) *masked = count;
  return Status::OK();
}

}  // namespace mnemo::codec
