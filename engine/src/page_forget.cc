// Copyright (c) mnemo authors.
//
// Pages forget the records that leave them (delete, update, bulk deletes,
// expiry): in the same batch that removes a record, each page it was on is
// deleted when no live record remains on it, and otherwise rewritten with
// the record's lines blanked and its text cut from the manifest
// (codec::MaskItems), at the page's own size (a decayed page too). The
// page's hot-cache payloads are deleted from the spill family in that
// batch; once it is written, DropStaleCache drops the cached pixels and
// payloads from the pools. A crash at any point leaves either the old
// record and page or neither: the batch is atomic.

#include <algorithm>

#include "coding.h"
#include "keys.h"
#include "mnemo/codec/manifest.h"
#include "mnemo/codec/mask.h"
#include "mnemo/codec/png.h"
#include "mnemo/codec/profile.h"
#include "mnemo/gpu/spill.h"
#include "page_store.h"
#include "store_impl.h"

namespace mnemo::internal {
namespace {

constexpr char kPayloadPool[] = "kv";  // as store_cache.cc names the pool

std::string PageName(uint64_t page_id) {
  return "page " + std::to_string(page_id);
}

}  // namespace

// Re-encodes `image` the way the page was encoded (its bit depth; the
// zlib level of its profile).
Status EncodePngLike(const StoredPage& page, const codec::GrayImage& image,
                     std::string* png) {
  int width = 0, height = 0;
  codec::PngOptions options;
  MNEMO_RETURN_IF_ERROR(
      codec::PeekPng(page.png, &width, &height, &options.bit_depth));
  const codec::RenderProfile* profile = codec::FindProfile(page.info.profile);
  options.zlib_level = profile != nullptr ? profile->png_zlib_level : 1;
  return codec::EncodePng(image, options, png);
}

uint64_t PixelsCacheHash(const StoredPage& page) {
  std::string identity = std::to_string(static_cast<int>(page.info.tier)) +
                         "/" + std::to_string(page.info.width) + "/";
  identity += page.manifest;  // masking changes it; decay changes the size
  return ContentHash(identity);
}

Status StoreImpl::ReadStoredPage(uint64_t page_id, StoredPage* page) {
  return table_.GetPage(rocksdb::ReadOptions(), page_id, page);
}

Status StoreImpl::AppendPageGc(const PageRemovals& pages,
                               rocksdb::WriteBatch* batch, StaleCache* stale) {
  std::vector<RecordId> live;
  for (const auto& [page_id, removed] : pages) {
    MNEMO_RETURN_IF_ERROR(table_.LiveSet(rocksdb::ReadOptions(), page_id, &live));
    const std::set<RecordId>& gone = removed;  // clang < 16: no binding captures
    bool still_live = std::any_of(live.begin(), live.end(), [&](RecordId id) {
      return gone.count(id) == 0;
    });
    if (still_live) {
      MNEMO_RETURN_IF_ERROR(AppendPageMask(page_id, removed, batch, stale));
    } else {
      StoredPage page;
      if (ReadStoredPage(page_id, &page).ok()) {  // a corrupt page goes too
        stale->pixels.emplace_back(page_id, PixelsCacheHash(page));
      }
      table_.DeletePage(page_id, batch);
    }
    MNEMO_RETURN_IF_ERROR(AppendPayloadDeletes(page_id, batch, stale));
    // The encoder feed's vector saw the removed text too (a masked page is
    // queued again by its PutPage).
    StoredPage page;
    if (table_.vectors().queues_pages() &&
        ReadStoredPage(page_id, &page).ok()) {
      table_.vectors().DeletePageVector(page.info.ns, page_id, batch);
    }
  }
  return Status::OK();
}

// A page that cannot be read cannot be masked: the removal fails rather
// than leave the text readable (verify --repair moves the other records
// off a corrupt page and deletes it).
Status StoreImpl::AppendPageMask(uint64_t page_id,
                                 const std::set<RecordId>& removed,
                                 rocksdb::WriteBatch* batch,
                                 StaleCache* stale) {
  StoredPage page;
  Status s = ReadStoredPage(page_id, &page);
  if (s.IsNotFound()) return Status::OK();  // gone already: nothing to mask
  codec::PageManifest manifest;
  if (s.ok()) s = codec::ParseManifest(page.manifest, &manifest);
  codec::GrayImage image;
  if (s.ok()) s = codec::DecodePng(page.png, codec::DecodeLimits(), &image);
  size_t masked = 0;
  if (s.ok()) s = codec::MaskItems(removed, &image, &manifest, &masked);
  if (!s.ok()) {
    std::string what =
        "cannot blank the removed records on " + PageName(page_id);
    if (!s.IsCorruption() && !s.IsInvalidArgument()) return s.WithContext(what);
    return Status::Corruption(
        what + ": " + s.message() +
        " ('mnemo verify --repair' moves its other records off it)");
  }
  if (masked == 0) return Status::OK();
  stale->pixels.emplace_back(page_id, PixelsCacheHash(page));
  MNEMO_RETURN_IF_ERROR(EncodePngLike(page, image, &page.png));
  MNEMO_RETURN_IF_ERROR(codec::SerializeManifest(manifest, &page.manifest));
  table_.PutPage(page_id, page, batch);
  return Status::OK();
}

// Payloads (PutKv) are derived from the page's pixels by the host: they go
// with the old pixels. They live in the spill family whether or not the
// cache is open now.
Status StoreImpl::AppendPayloadDeletes(uint64_t page_id,
                                       rocksdb::WriteBatch* batch,
                                       StaleCache* stale) {
  std::string prefix = gpu::EncodeSpillKey(kPayloadPool, page_id, 0);
  prefix.resize(prefix.size() - 8);
  return table_
      .ForEachSpillKey(prefix,
                       [&](std::string_view key) {
                         if (key.size() != prefix.size() + 8) return;
                         table_.DeleteSpill(key, batch);
                         stale->payloads.emplace_back(
                             page_id,
                             DecodeBigEndian64(key.data() + prefix.size()));
                       })
      .WithContext("reading the payloads of " + PageName(page_id));
}

void StoreImpl::DropStaleCache(const StaleCache& stale) {
  if (cache_ == nullptr) return;
  const auto vista = static_cast<uint32_t>(cache_->vista->index());
  const auto kv = static_cast<uint32_t>(cache_->kv->index());
  for (const auto& [page_id, hash] : stale.pixels) {
    cache_->cache->Drop(gpu::CacheKey{vista, page_id, hash});
  }
  for (const auto& [page_id, hash] : stale.payloads) {
    cache_->cache->Drop(gpu::CacheKey{kv, page_id, hash});
  }
}

}  // namespace mnemo::internal
