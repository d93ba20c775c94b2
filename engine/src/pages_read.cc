// Copyright (c) mnemo authors.
//
// Reading compacted memory: pages, record locations, tier statistics.

#include <algorithm>

#include "coding.h"
#include "envelope.h"
#include "keys.h"
#include "mnemo/codec/manifest.h"
#include "mnemo/codec/profile.h"
#include "page_store.h"
#include "store_impl.h"

namespace mnemo::internal {
namespace {

Status PageNotFound(uint64_t page_id) {
  return Status::NotFound("page " + std::to_string(page_id) + " not found");
}

uint32_t CountLive(const RecordTable& table, const rocksdb::ReadOptions& ro,
                   uint64_t page_id) {
  std::vector<RecordId> ids;
  // A failed read counts none: the count is informational.
  if (!table.LiveSet(ro, page_id, &ids).ok()) return 0;
  return static_cast<uint32_t>(ids.size());
}

}  // namespace

Status ReadPageData(const RecordTable& table, const rocksdb::ReadOptions& ro,
                    uint64_t page_id, const std::string_view* tenant,
                    PageData* out, const ExpiryView& expiry) {
  StoredPage page;
  MNEMO_RETURN_IF_ERROR(table.GetPage(ro, page_id, &page));
  if (tenant != nullptr && page.info.ns.tenant != *tenant) {
    return PageNotFound(page_id);
  }
  MNEMO_RETURN_IF_ERROR(MaskExpiredOnRead(ro, expiry, &page));
  codec::PageManifest manifest;
  Status s = codec::ParseManifest(page.manifest, &manifest);
  if (!s.ok()) return s.WithContext("page " + std::to_string(page_id) + " manifest");
  out->info = page.info;
  out->info.live_records = CountLive(table, ro, page_id);
  out->png = std::move(page.png);
  out->manifest_json = codec::ManifestToJson(manifest);
  out->first_width = page.first_width;
  out->scale = page.first_width > 0
                   ? static_cast<double>(page.info.width) / page.first_width
                   : 1.0;
  return Status::OK();
}

Status StoreImpl::GetPage(const ReadOptions& options, std::string_view tenant,
                          uint64_t page_id, PageData* out) {
  rocksdb::ReadOptions ro = RocksRead(options);
  const rocksdb::Snapshot* snap = nullptr;  // one of our own unless given
  if (ro.snapshot == nullptr) ro.snapshot = snap = db_->GetSnapshot();
  Status s = ReadPageData(table_, ro, page_id, &tenant, out,
                          table_.expiry_view(clock_->NowMicros()));
  if (snap != nullptr) db_->ReleaseSnapshot(snap);
  return s;
}

Status StoreImpl::ListPages(const ReadOptions& options, std::string_view tenant,
                            std::string_view agent,
                            std::vector<PageInfo>* pages) {
  pages->clear();
  rocksdb::ReadOptions ro = RocksRead(options);
  const rocksdb::Snapshot* snap = nullptr;  // one of our own unless given
  if (ro.snapshot == nullptr) ro.snapshot = snap = db_->GetSnapshot();
  Status s = ListPagesAt(ro, tenant, agent, pages);
  if (snap != nullptr) db_->ReleaseSnapshot(snap);
  return s;
}

Status StoreImpl::ListPagesAt(const rocksdb::ReadOptions& snapshot_ro,
                              std::string_view tenant, std::string_view agent,
                              std::vector<PageInfo>* pages) {
  return table_.ForEachPage(
      snapshot_ro, [&](uint64_t page_id, std::string_view value) {
        StoredPage page;
        MNEMO_RETURN_IF_ERROR(DecodePage(value, page_id, &page));
        if (!tenant.empty() && page.info.ns.tenant != tenant) return Status::OK();
        if (!agent.empty() && page.info.ns.agent != agent) return Status::OK();
        page.info.live_records = CountLive(table_, snapshot_ro, page_id);
        pages->push_back(std::move(page.info));
        return Status::OK();
      });
}

namespace {

// One rectangle per line piece of `span` (layout v2 pages have columns and
// records that share lines: a piece holds this record alone).
void AddPieceRects(const codec::PageManifest& manifest,
                   const codec::ItemSpan& span, uint64_t page_id,
                   double scale, std::vector<RecordLocation::Rect>* rects) {
  for (const codec::SpanPiece& p : codec::SpanPieces(manifest, span)) {
    rects->push_back({page_id, static_cast<int>(p.x * scale),
                      static_cast<int>(p.y * scale),
                      static_cast<int>(p.w * scale + 0.5),
                      static_cast<int>(p.h * scale + 0.5)});
  }
}

}  // namespace

Status StoreImpl::LocateRecord(std::string_view tenant, RecordId id,
                               RecordLocation* location) {
  Record r;
  MNEMO_RETURN_IF_ERROR(ReadVisible(tenant, id, &r));
  if (!r.page.valid()) {
    return Status::NotFound("record " + RecordIdToString(id) + " is not on a page");
  }
  location->page_id = r.page.page_id;
  location->item = r.page.item;
  location->rects.clear();
  for (uint32_t k = 0; k < std::max(1u, r.page.page_count); ++k) {
    StoredPage page;
    uint64_t page_id = r.page.page_id + k;
    MNEMO_RETURN_IF_ERROR(table_.GetPage(rocksdb::ReadOptions(), page_id, &page));
    if (page.info.ns.tenant != tenant) return PageNotFound(page_id);
    codec::PageManifest manifest;
    MNEMO_RETURN_IF_ERROR(codec::ParseManifest(page.manifest, &manifest));
    double scale = page.first_width > 0
                       ? static_cast<double>(page.info.width) / page.first_width
                       : 1.0;
    for (const auto& span : manifest.items) {
      if (span.id != id) continue;
      AddPieceRects(manifest, span, r.page.page_id + k, scale, &location->rects);
    }
  }
  return Status::OK();
}

Status StoreImpl::GetTierStats(std::string_view tenant, TierStats* stats) {
  *stats = TierStats();
  stats->text_token_counter = codec::TextTokenCounterName(tokenizer_.get());
  Status decoded;
  MNEMO_RETURN_IF_ERROR(table_.ForEachIdRange(
      rocksdb::ReadOptions(), 0, kMaxRecordId,
      [&](const KeyFields& key, std::string_view value) {
        Record r;
        uint8_t flags = 0;
        decoded = table_.Decode(value, key, &r, &flags);
        if (!decoded.ok()) return false;
        if (!tenant.empty() && r.ns.tenant != tenant) return true;
        TierTotals& t = stats->tiers[static_cast<int>(r.tier)];
        t.records++;
        t.text_bytes += r.text.size();
        t.stored_text_bytes += value.size();
        t.text_tokens_est += TextTokens(r.text);
        if (flags & kFlagKeptAsText) stats->records_kept_as_text++;
        return true;
      }));
  MNEMO_RETURN_IF_ERROR(decoded);
  std::vector<PageInfo> pages;
  MNEMO_RETURN_IF_ERROR(ListPages(ReadOptions(), tenant, "", &pages));
  for (const PageInfo& p : pages) {
    TierTotals& t = stats->tiers[static_cast<int>(p.tier)];
    t.pages++;
    t.vision_tokens += p.vision_tokens;
  }
  // PNG bytes need the page values; ListPages dropped them, so read sizes.
  return table_.ForEachPage(
      rocksdb::ReadOptions(), [&](uint64_t page_id, std::string_view value) {
        StoredPage page;
        if (!DecodePage(value, page_id, &page).ok()) return Status::OK();
        if (!tenant.empty() && page.info.ns.tenant != tenant) return Status::OK();
        stats->tiers[static_cast<int>(page.info.tier)].page_bytes +=
            page.png.size();
        return Status::OK();
      });
}

}  // namespace mnemo::internal
