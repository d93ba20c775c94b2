// Copyright (c) mnemo authors.
//
// Text and page-image parts of a context, with their token cost.

#include <algorithm>
#include <cstdlib>
#include <cmath>
#include <ctime>

#include "context_internal.h"
#include "mnemo/codec/png.h"

namespace mnemo::internal {
namespace {

std::string FormatTime(Micros t) {
  std::time_t secs = static_cast<std::time_t>(t / 1'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Cuts `rect` out of the page PNG and re-encodes it.
Status CropPng(const std::string& png, const RecordLocation::Rect& rect,
               ContextPart* part) {
  codec::GrayImage page, crop;
  MNEMO_RETURN_IF_ERROR(codec::DecodePng(png, codec::DecodeLimits(), &page));
  int x = std::clamp(rect.x, 0, page.width), y = std::clamp(rect.y, 0, page.height);
  int w = std::clamp(rect.w, 0, page.width - x), h = std::clamp(rect.h, 0, page.height - y);
  if (w == 0 || h == 0) return Status::Corruption("empty crop of a page");
  crop.Reset(w, h, 255);
  for (int row = 0; row < h; ++row) {
    std::copy_n(page.Row(y + row) + x, w, crop.Row(row));
  }
  part->x = x, part->y = y, part->width = w, part->height = h;
  part->cropped = true;
  return codec::EncodePng(crop, 8, &part->png);
}

ContextPart PagePart(const Record& record, double score, uint64_t page_id) {
  ContextPart part;
  part.kind = ContextPart::Kind::kPage;
  part.records = {record.id};
  part.event_time = record.event_time;
  part.page_id = page_id;
  part.score = score;
  return part;
}

// A decayed page reaches a context only when its records' text is
// forgotten (context_rerender.h); a pixels page is at full resolution.
ContextPart::Source PageSource(const PageData& page) {
  return page.info.tier == Tier::kDecayed ? ContextPart::Source::kDecayedOnly
                                          : ContextPart::Source::kStoredPage;
}

}  // namespace

ContextPart MakeTextPart(const Record& record, double score,
                         const codec::Tokenizer* tokenizer) {
  ContextPart part;
  part.kind = ContextPart::Kind::kText;
  part.records = {record.id};
  part.event_time = record.event_time;
  part.text = "[" + FormatTime(record.event_time) + "] " + record.role + ": " +
              record.text;
  part.tokens = codec::CountTextTokens(tokenizer, part.text);
  part.score = score;
  return part;
}

size_t VisionTokens(const codec::RenderProfile& profile, int width,
                    int height) {
  double share = static_cast<double>(width) * height /
                 (static_cast<double>(profile.width) * profile.height);
  return std::max<size_t>(1, static_cast<size_t>(
                                 std::ceil(share * profile.vision_tokens)));
}

namespace {

// The record's line pieces joined into one crop per run of adjacent lines
// of one column of a page (their bounding box: a flowing record's first
// and last line may show some neighbouring text, which is context).
std::vector<RecordLocation::Rect> CropRects(
    const std::vector<RecordLocation::Rect>& pieces) {
  std::vector<RecordLocation::Rect> out;
  for (const RecordLocation::Rect& p : pieces) {
    if (!out.empty()) {
      RecordLocation::Rect& last = out.back();
      // Adjacent lines of one column (1 px of rounding on a decayed page).
      if (last.page_id == p.page_id && std::abs(p.y - (last.y + last.h)) <= 1) {
        const int x1 = std::max(last.x + last.w, p.x + p.w);
        last.x = std::min(last.x, p.x);
        last.w = x1 - last.x;
        last.h = p.y + p.h - last.y;
        continue;
      }
    }
    out.push_back(p);
  }
  return out;
}

}  // namespace

Status MakePageParts(Store* store, const Record& record, double score,
                     bool crop, const codec::RenderProfile& profile,
                     std::vector<ContextPart>* parts) {
  const std::string& tenant = record.ns.tenant;
  if (!crop) {
    for (uint32_t k = 0; k < std::max(1u, record.page.page_count); ++k) {
      ContextPart part = PagePart(record, score, record.page.page_id + k);
      PageData page;
      MNEMO_RETURN_IF_ERROR(
          store->GetPage(ReadOptions(), tenant, part.page_id, &page));
      part.source = PageSource(page);
      part.png = std::move(page.png);
      part.width = page.info.width;
      part.height = page.info.height;
      part.tokens = VisionTokens(profile, part.width, part.height);
      parts->push_back(std::move(part));
    }
    return Status::OK();
  }
  RecordLocation location;
  MNEMO_RETURN_IF_ERROR(store->LocateRecord(tenant, record.id, &location));
  for (const RecordLocation::Rect& rect : CropRects(location.rects)) {
    ContextPart part = PagePart(record, score, rect.page_id);
    PageData page;
    MNEMO_RETURN_IF_ERROR(
        store->GetPage(ReadOptions(), tenant, rect.page_id, &page));
    part.source = PageSource(page);
    MNEMO_RETURN_IF_ERROR(CropPng(page.png, rect, &part));
    part.tokens = VisionTokens(profile, part.width, part.height);
    parts->push_back(std::move(part));
  }
  return Status::OK();
}

}  // namespace mnemo::internal
