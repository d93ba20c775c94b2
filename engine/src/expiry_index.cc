// Copyright (c) mnemo authors.
//
// The expiry index of paged records (expiry_index.h) and the read-time
// blanking of paged records that expired before compaction removed them.

#include "expiry_index.h"

#include <algorithm>
#include <set>

#include "coding.h"
#include "keys.h"
#include "mnemo/codec/manifest.h"
#include "mnemo/codec/mask.h"
#include "mnemo/codec/png.h"
#include "page_store.h"
#include "record_table.h"
#include "rocks_glue.h"

namespace mnemo::internal {

std::string ExpiryKey(Micros expires_at, RecordId id) {
  std::string key(1, kExpiryTag);
  PutBigEndian64(&key, static_cast<uint64_t>(expires_at));
  PutBigEndian64(&key, id);
  return key;
}

bool ParseExpiryKey(std::string_view key, Micros* expires_at, RecordId* id) {
  if (key.size() != 17 || key[0] != kExpiryTag) return false;
  *expires_at = static_cast<Micros>(DecodeBigEndian64(key.data() + 1));
  *id = DecodeBigEndian64(key.data() + 9);
  return *expires_at > 0 && *id != 0;
}

std::string ExpiryUpperBound(Micros now) {
  std::string key(1, kExpiryTag);
  PutBigEndian64(&key, static_cast<uint64_t>(now) + 1);
  return key;
}

std::string ExpiryValue(const PageRef& page) {
  std::string value;
  PutBigEndian64(&value, page.page_id);
  PutFixed32(&value, page.page_count);
  return value;
}

bool ParseExpiryValue(std::string_view value, PageRef* page) {
  if (value.size() != 12) return false;
  page->page_id = DecodeBigEndian64(value.data());
  page->page_count = DecodeFixed32(value.data() + 8);
  return page->page_id != 0;
}

std::string ExpiryPagePrefix(uint64_t page_id) {
  std::string key(1, kExpiryPageTag);
  PutBigEndian64(&key, page_id);
  return key;
}

std::string ExpiryPageKey(uint64_t page_id, RecordId id) {
  std::string key = ExpiryPagePrefix(page_id);
  PutBigEndian64(&key, id);
  return key;
}

bool ParseExpiryPageKey(std::string_view key, uint64_t* page_id, RecordId* id) {
  if (key.size() != 17 || key[0] != kExpiryPageTag) return false;
  *page_id = DecodeBigEndian64(key.data() + 1);
  *id = DecodeBigEndian64(key.data() + 9);
  return *page_id != 0 && *id != 0;
}

std::string ExpiryPageValue(Micros expires_at) {
  std::string value;
  PutBigEndian64(&value, static_cast<uint64_t>(expires_at));
  return value;
}

bool ParseExpiryPageValue(std::string_view value, Micros* expires_at) {
  if (value.size() != 8) return false;
  *expires_at = static_cast<Micros>(DecodeBigEndian64(value.data()));
  return *expires_at > 0;
}

Status MaskExpiredOnRead(const rocksdb::ReadOptions& ro,
                         const ExpiryView& view, StoredPage* page) {
  const uint64_t page_id = page->info.page_id;
  std::set<uint64_t> ids;
  if (view.table != nullptr) {
    MNEMO_RETURN_IF_ERROR(view.table->ExpiredOnPage(ro, view.now, page_id, &ids));
  }
  if (ids.empty()) return Status::OK();
  std::string what = "page " + std::to_string(page_id);
  codec::PageManifest manifest;
  MNEMO_RETURN_IF_ERROR(codec::ParseManifest(page->manifest, &manifest)
                            .WithContext(what + " manifest"));
  codec::GrayImage image;
  MNEMO_RETURN_IF_ERROR(
      codec::DecodePng(page->png, codec::DecodeLimits(), &image)
          .WithContext(what + " image"));
  size_t masked = 0;
  MNEMO_RETURN_IF_ERROR(
      codec::MaskItems(ids, &image, &manifest, &masked)
          .WithContext("blanking expired records on " + what));
  if (masked == 0) return Status::OK();
  MNEMO_RETURN_IF_ERROR(EncodePngLike(*page, image, &page->png));
  return codec::SerializeManifest(manifest, &page->manifest);
}

}  // namespace mnemo::internal
