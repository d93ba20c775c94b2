// Copyright (c) mnemo authors.
//
// Legible parts for records on decayed pages (see context_rerender.h).

#include "context_rerender.h"

#include <algorithm>
#include <ctime>
#include <mutex>
#include <string>

#include "context_internal.h"
#include "mnemo/codec/manifest.h"
#include "mnemo/codec/png.h"
#include "store_impl.h"

namespace mnemo::internal {
namespace {

// Renderers by profile name, kept between BuildContext calls: making one
// loads the fonts, and a warm glyph cache makes rendering a few lines cheap.
// Each renderer is used by one call at a time (they are thread-compatible).
class RendererPool {
 public:
  static RendererPool& Get() {
    static RendererPool* pool = new RendererPool();  // never destroyed
    return *pool;
  }
  std::unique_ptr<codec::Renderer> Borrow(const codec::RenderProfile& profile) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto& idle = idle_[std::string(profile.name)];
      if (!idle.empty()) {
        auto r = std::move(idle.back());
        idle.pop_back();
        return r;
      }
    }
    std::unique_ptr<codec::Renderer> r;
    if (!codec::Renderer::Create(profile, &r).ok()) return nullptr;
    return r;
  }
  void Return(std::unique_ptr<codec::Renderer> r) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& idle = idle_[std::string(r->profile().name)];
    if (idle.size() < kMaxIdle) idle.push_back(std::move(r));
  }

 private:
  static constexpr size_t kMaxIdle = 4;
  std::mutex mu_;
  std::map<std::string, std::vector<std::unique_ptr<codec::Renderer>>> idle_;
};

// "2023-05-08 13:56 Caroline: " -- when and who, inline on the record's
// first line as the compactor draws it, so a crop reads like its page did.
std::string ItemHeader(const Record& r) {
  std::time_t secs = static_cast<std::time_t>(r.event_time / 1'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M", &tm);
  return std::string(buf) + " " + r.role + ": ";
}

// The inked area of the spans on `page`, with the profile's margins
// around it (Tesseract and VLMs misread glyphs touching the edge).
void InkedArea(const codec::Page& page, const codec::RenderProfile& profile,
               int* x, int* y, int* w, int* h) {
  int x0 = page.image.width, y0 = page.image.height, x1 = 0, y1 = 0;
  for (const auto& span : page.manifest.items) {
    x0 = std::min(x0, span.x), y0 = std::min(y0, span.y);
    x1 = std::max(x1, span.x + span.w), y1 = std::max(y1, span.y + span.h);
  }
  if (x1 <= x0 || y1 <= y0) x0 = y0 = 0, x1 = y1 = 1;
  *x = std::max(0, x0 - profile.margin_left);
  *y = std::max(0, y0 - profile.margin_top);
  *w = std::min(page.image.width, x1 + profile.margin_right) - *x;
  *h = std::min(page.image.height, y1 + profile.margin_bottom) - *y;
}

// The window's records as one text part ("[time] role: text" per line).
ContextPart TextWindow(const std::vector<Record>& window, const Record& hit,
                       double score, const codec::Tokenizer* tokenizer) {
  ContextPart part;
  part.records = {hit.id};
  part.score = score;
  part.event_time = window.front().event_time;
  for (const Record& r : window) {
    ContextPart line = MakeTextPart(r, score, tokenizer);
    if (!part.text.empty()) part.text += "\n";
    part.text += line.text;
    part.tokens += line.tokens;
    if (r.id != hit.id) part.neighbors.push_back(r.id);
  }
  return part;
}

}  // namespace

LegibleParts::LegibleParts(Store* store, const ContextOptions& options,
                           const codec::RenderProfile& profile)
    : store_(store), options_(options), profile_(profile) {}

LegibleParts::~LegibleParts() {
  if (renderer_) RendererPool::Get().Return(std::move(renderer_));
}

bool LegibleParts::Wanted(const Record& record) {
  return record.page.valid() && record.tier == Tier::kDecayed &&
         !record.text_forgotten;
}

bool LegibleParts::AlreadyShown(const Record& record, Context* context) {
  auto it = shown_.find(record.id);
  if (it == shown_.end()) return false;
  ContextPart& part = context->parts[it->second];
  if (std::find(part.records.begin(), part.records.end(), record.id) ==
      part.records.end()) {
    part.records.push_back(record.id);
    auto& n = part.neighbors;
    n.erase(std::remove(n.begin(), n.end(), record.id), n.end());
  }
  return true;
}

void LegibleParts::Taken(const Context& context, size_t first) {
  for (size_t i = first; i < context.parts.size(); ++i) {
    for (RecordId id : context.parts[i].records) shown_.emplace(id, i);
    for (RecordId id : context.parts[i].neighbors) shown_.emplace(id, i);
  }
}

codec::Renderer* LegibleParts::renderer() {
  if (!renderer_ && !renderer_failed_) {
    renderer_ = RendererPool::Get().Borrow(profile_);
    renderer_failed_ = renderer_ == nullptr;
  }
  return renderer_.get();
}

Status LegibleParts::PageItems(uint64_t page_id,
                               const std::vector<RecordId>** ids) {
  auto it = page_items_.find(page_id);
  if (it == page_items_.end()) {
    PageData page;
    MNEMO_RETURN_IF_ERROR(
        store_->GetPage(ReadOptions(), options_.filter.tenant, page_id, &page));
    codec::PageManifest manifest;
    MNEMO_RETURN_IF_ERROR(codec::ManifestFromJson(page.manifest_json, &manifest)
                              .WithContext("page " + std::to_string(page_id)));
    std::vector<RecordId> items;
    for (const auto& span : manifest.items) items.push_back(span.id);
    it = page_items_.emplace(page_id, std::move(items)).first;
  }
  *ids = &it->second;
  return Status::OK();
}

// The hit and its neighbours on its (first) page, in page order, leaving
// out records already shown and those no longer readable as text.
Status LegibleParts::Window(const Record& record, size_t neighbors,
                            std::vector<Record>* window) {
  window->clear();
  const std::vector<RecordId>* ids = nullptr;
  MNEMO_RETURN_IF_ERROR(PageItems(record.page.page_id, &ids));
  auto at = std::find(ids->begin(), ids->end(), record.id);
  if (neighbors == 0 || at == ids->end()) {
    window->push_back(record);
    return Status::OK();
  }
  size_t i = static_cast<size_t>(at - ids->begin());
  size_t lo = i - std::min(i, neighbors);
  size_t hi = std::min(ids->size(), i + neighbors + 1);
  ReadOptions ro;
  ro.count_access = false;
  for (size_t k = lo; k < hi; ++k) {
    if (k == i) {
      window->push_back(record);
      continue;
    }
    if (shown_.count((*ids)[k])) continue;
    Record r;
    Status s = store_->Get(ro, options_.filter.tenant, (*ids)[k], &r);
    if (s.IsNotFound()) continue;  // deleted or expired since
    MNEMO_RETURN_IF_ERROR(s);
    if (r.text_forgotten || r.ns.agent != record.ns.agent) continue;
    window->push_back(std::move(r));
  }
  return Status::OK();
}

Status LegibleParts::Render(const std::vector<Record>& window,
                            const Record& hit, double score,
                            std::vector<ContextPart>* parts, bool* ok) {
  *ok = false;
  if (!options_.images) return Status::OK();
  codec::Renderer* r = renderer();
  if (r == nullptr) return Status::OK();  // fonts missing: text it is
  std::vector<codec::PageItem> items;
  for (const Record& rec : window) {
    codec::PageItem item;
    item.id = rec.id;
    item.body = ItemHeader(rec) + rec.text;
    items.push_back(std::move(item));
  }
  std::vector<codec::Page> pages;
  std::vector<codec::RejectedItem> rejected;
  MNEMO_RETURN_IF_ERROR(r->Pack(items, &pages, &rejected));
  if (!rejected.empty() || pages.empty()) return Status::OK();
  codec::PngOptions png;
  png.bit_depth = profile_.png_bit_depth;
  png.zlib_level = profile_.png_zlib_level;
  for (const codec::Page& page : pages) {
    ContextPart part;
    part.kind = ContextPart::Kind::kPage;
    part.source = ContextPart::Source::kRerendered;
    part.page_id = 0;  // fresh pixels, on no stored page
    part.score = score;
    part.cropped = true;
    InkedArea(page, profile_, &part.x, &part.y, &part.width, &part.height);
    codec::GrayImage crop;
    crop.Reset(part.width, part.height, 255);
    for (int row = 0; row < part.height; ++row) {
      std::copy_n(page.image.Row(part.y + row) + part.x, part.width,
                  crop.Row(row));
    }
    MNEMO_RETURN_IF_ERROR(codec::EncodePng(crop, png, &part.png));
    part.tokens = VisionTokens(profile_, part.width, part.height);
    for (const auto& span : page.manifest.items) {
      auto& list = span.id == hit.id ? part.records : part.neighbors;
      if (std::find(list.begin(), list.end(), span.id) == list.end()) {
        list.push_back(span.id);
      }
    }
    if (part.records.empty()) part.records = {part.neighbors.front()};
    part.event_time = hit.event_time;
    for (const Record& rec : window) {
      if (std::count(part.neighbors.begin(), part.neighbors.end(), rec.id)) {
        part.event_time = std::min(part.event_time, rec.event_time);
      }
    }
    parts->push_back(std::move(part));
  }
  *ok = true;
  return Status::OK();
}

Status LegibleParts::Make(const Record& record, double score,
                          size_t neighbors, std::vector<ContextPart>* parts) {
  parts->clear();
  std::vector<Record> window;
  MNEMO_RETURN_IF_ERROR(Window(record, neighbors, &window));
  ContextPart text = TextWindow(window, record, score,
                                static_cast<StoreImpl*>(store_)->tokenizer());
  std::vector<ContextPart> images;
  bool rendered = false;
  MNEMO_RETURN_IF_ERROR(Render(window, record, score, &images, &rendered));
  size_t image_tokens = 0;
  for (const auto& p : images) image_tokens += p.tokens;
  if (rendered && image_tokens < text.tokens) {
    *parts = std::move(images);
  } else {
    parts->push_back(std::move(text));
  }
  return Status::OK();
}

}  // namespace mnemo::internal
