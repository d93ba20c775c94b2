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

namespace {

// Calls fn(page id) for each page of a span (a record on one page may say
// page_count 0).
template <typename Fn>
void ForEachPage(const PageRef& page, Fn fn) {
  for (uint32_t k = 0; k < std::max(1u, page.page_count); ++k) {
    fn(page.page_id + k);
  }
}

}  // namespace

void AppendExpiryPut(const Record& r, rocksdb::ColumnFamilyHandle* index,
                     rocksdb::WriteBatch* batch) {
  if (!NeedsExpiryEntry(r)) return;
  (void)batch->Put(index, ExpiryKey(r.expires_at, r.id), ExpiryValue(r.page));
  ForEachPage(r.page, [&](uint64_t page_id) {
    (void)batch->Put(index, ExpiryPageKey(page_id, r.id),
                     ExpiryPageValue(r.expires_at));
  });
}

void AppendExpiryDelete(const Record& r, rocksdb::ColumnFamilyHandle* index,
                        rocksdb::WriteBatch* batch) {
  if (!NeedsExpiryEntry(r)) return;
  (void)batch->Delete(index, ExpiryKey(r.expires_at, r.id));
  ForEachPage(r.page, [&](uint64_t page_id) {
    (void)batch->Delete(index, ExpiryPageKey(page_id, r.id));
  });
}

void AppendExpiryEntryDelete(const ExpiredEntry& e,
                             rocksdb::ColumnFamilyHandle* index,
                             rocksdb::WriteBatch* batch) {
  (void)batch->Delete(index, e.key);
  ForEachPage(e.page, [&](uint64_t page_id) {
    (void)batch->Delete(index, ExpiryPageKey(page_id, e.id));
  });
}

Status ReadExpiredEntries(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* index,
                          rocksdb::ReadOptions ro, Micros now, size_t limit,
                          std::vector<ExpiredEntry>* out,
                          std::string_view after) {
  out->clear();
  if (now <= 0) return Status::OK();
  std::string upper = ExpiryUpperBound(now);
  rocksdb::Slice upper_slice(upper);
  ro.iterate_upper_bound = &upper_slice;
  ro.total_order_seek = true;  // 'x' keys are outside the agent prefixes
  std::unique_ptr<rocksdb::Iterator> it(NewIterator(db, ro, index));
  it->Seek(after.empty() ? std::string(1, kExpiryTag) : std::string(after));
  if (!after.empty() && it->Valid() &&
      it->key() == rocksdb::Slice(after.data(), after.size())) {
    it->Next();
  }
  for (; it->Valid() && out->size() < limit; it->Next()) {
    ExpiredEntry e;
    e.key.assign(it->key().data(), it->key().size());
    if (!ParseExpiryKey(e.key, &e.expires_at, &e.id) ||
        !ParseExpiryValue({it->value().data(), it->value().size()}, &e.page)) {
      return Status::Corruption(
          "malformed expiry-index entry ('mnemo verify --repair' rebuilds "
          "it)");
    }
    out->push_back(std::move(e));
  }
  return FromRocks(it->status(), "reading the expiry index");
}

Status ExpiredOnPage(rocksdb::DB* db, const rocksdb::ReadOptions& ro,
                     const ExpiryView& view, uint64_t page_id,
                     std::set<uint64_t>* ids) {
  ids->clear();
  if (view.index == nullptr || view.now <= 0) return Status::OK();
  std::string prefix = ExpiryPagePrefix(page_id);
  std::string upper = PrefixSuccessor(prefix);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions page_ro = ro;
  page_ro.iterate_upper_bound = &upper_slice;
  page_ro.total_order_seek = true;  // 'y' keys are outside the agent prefixes
  std::unique_ptr<rocksdb::Iterator> it(NewIterator(db, page_ro, view.index));
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    uint64_t on_page = 0;
    RecordId id = 0;
    Micros expires_at = 0;
    if (!ParseExpiryPageKey({it->key().data(), it->key().size()}, &on_page,
                            &id) ||
        !ParseExpiryPageValue({it->value().data(), it->value().size()},
                              &expires_at)) {
      return Status::Corruption("malformed expiry-index entry of page " +
                                std::to_string(page_id) +
                                " ('mnemo verify --repair' rebuilds it)");
    }
    if (expires_at <= view.now) ids->insert(id);
  }
  return FromRocks(it->status(), "reading the expiry index of page " +
                                     std::to_string(page_id));
}

Status MaskExpiredOnRead(rocksdb::DB* db, const rocksdb::ReadOptions& ro,
                         const ExpiryView& view, StoredPage* page) {
  const uint64_t page_id = page->info.page_id;
  std::set<uint64_t> ids;
  MNEMO_RETURN_IF_ERROR(ExpiredOnPage(db, ro, view, page_id, &ids));
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
