// Copyright (c) mnemo authors.
//
// Store::Verify, second half: pages. Every page value must pass its
// checksum and decode (header, manifest; with deep, the PNG too, at the
// size the header claims); every live-set key must name an existing page
// and a record that says it is on that page; every paged record must find
// each page of its span, listed in the page's manifest (at its item index
// on the first page) and in the page's live set.
//
// Repair drops dangling live-set keys, adds missing ones, and moves records
// whose page is missing, corrupt or does not list them back to the warm
// tier (text kept; the next compaction renders them again). A corrupt page
// is deleted once no record needs it. Forgotten records (text dropped by
// policy) cannot leave their page and are only reported.

#include <algorithm>

#include "coding.h"
#include "envelope.h"
#include "expiry_index.h"
#include "keys.h"
#include "mnemo/codec/image.h"
#include "mnemo/codec/manifest.h"
#include "mnemo/codec/png.h"
#include "page_store.h"
#include "store_verify.h"

namespace mnemo::internal {
namespace {

std::string PageName(uint64_t page_id) {
  return "page " + std::to_string(page_id);
}

}  // namespace

Status StoreVerifier::CheckPages() {
  for (const PagedRecord& r : paged_) {
    for (uint32_t k = 0; k < std::max(1u, r.page.page_count); ++k) {
      referenced_[r.page.page_id + k].insert(r.id);
    }
  }
  std::unique_ptr<rocksdb::Iterator> it(NewIterator(db_, ro_, cf(kPages)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    std::string_view value(it->value().data(), it->value().size());
    if (key.size() == 9 && key[0] == kPageTag) {
      CheckPageValue(DecodeBigEndian64(key.data() + 1), value);
    } else if (key.size() == 17 && key[0] == kLiveTag) {
      uint64_t page_id = DecodeBigEndian64(key.data() + 1);
      pages_[page_id].live.insert(DecodeBigEndian64(key.data() + 9));
    } else {
      Problem(Kind::kCorruptPage, 0, 0, "malformed key in the pages family",
              options_.repair);
      if (options_.repair) (void)batch_.Delete(cf(kPages), key);
    }
  }
  MNEMO_RETURN_IF_ERROR(FromRocks(it->status(), "verifying pages"));
  CheckLiveKeys();
  MNEMO_RETURN_IF_ERROR(CheckPagedRecords());
  ReportCorruptPages();
  return Status::OK();
}

void StoreVerifier::CheckPageValue(uint64_t page_id, std::string_view value) {
  ++report_->pages_checked;
  PageSeen& seen = pages_[page_id];
  seen.exists = true;
  StoredPage page;
  codec::PageManifest manifest;
  Status s = DecodePage(value, page_id, &page);
  if (s.ok()) {
    s = codec::ParseManifest(page.manifest, &manifest);
    if (!s.ok()) s = s.WithContext(PageName(page_id) + " manifest");
  }
  std::string why = s.ok() ? CheckPageImage(page.info, page.png) : s.message();
  if (!why.empty()) {
    seen.corrupt = true;
    seen.why = std::move(why);
    return;
  }
  for (const codec::ItemSpan& span : manifest.items) {
    seen.items.push_back(span.id);
  }
}

// "" when the PNG agrees with the page header; else what is wrong.
std::string StoreVerifier::CheckPageImage(const PageInfo& info,
                                          std::string_view png) {
  std::string page = PageName(info.page_id);
  int width = 0, height = 0, depth = 0;
  Status s = codec::PeekPng(png, &width, &height, &depth);
  if (s.ok() && options_.deep) {
    codec::GrayImage image;
    s = codec::DecodePng(png, codec::DecodeLimits(), &image);
    width = image.width;
    height = image.height;
  }
  if (!s.ok()) return page + " image: " + s.message();
  if (width != info.width || height != info.height) {
    return page + ": image is " + std::to_string(width) + "x" +
           std::to_string(height) + ", header says " +
           std::to_string(info.width) + "x" + std::to_string(info.height);
  }
  return "";
}

// A live-set key needs its page and a record that names that page (keys
// of records that fail to decode are left alone: reported already).
void StoreVerifier::CheckLiveKeys() {
  for (auto& [page_id, seen] : pages_) {
    auto refs = referenced_.find(page_id);
    for (RecordId id : seen.live) {
      bool named = refs != referenced_.end() && refs->second.count(id) > 0;
      if ((named && seen.exists) || corrupt_records_.count(id) > 0) continue;
      Problem(Kind::kDanglingLiveKey, id, page_id,
              PageName(page_id) + " lists record " + RecordIdToString(id) +
                  " as live, but the record is not on that page",
              options_.repair);
      if (options_.repair)
        (void)batch_.Delete(cf(kPages), LiveKey(page_id, id));
    }
  }
}

Status StoreVerifier::CheckPagedRecords() {
  for (const PagedRecord& r : paged_) {
    Kind kind = Kind::kDanglingPageRef;
    std::string why = PageRefProblem(r, &kind);
    if (why.empty()) continue;
    bool repair = options_.repair && !r.forgotten;
    if (r.forgotten) {
      why += " (its text was forgotten: only the page held it)";
      for (uint32_t k = 0; k < std::max(1u, r.page.page_count); ++k) {
        still_needed_.insert(r.page.page_id + k);
      }
    }
    Problem(kind, r.id, r.page.page_id, why, repair);
    if (repair) MNEMO_RETURN_IF_ERROR(DemoteToWarm(r));
  }
  return Status::OK();
}

std::string StoreVerifier::PageRefProblem(const PagedRecord& r, Kind* kind) {
  std::string who = "record " + RecordIdToString(r.id);
  std::vector<uint64_t> missing_live;
  for (uint32_t k = 0; k < std::max(1u, r.page.page_count); ++k) {
    uint64_t page_id = r.page.page_id + k;
    auto it = pages_.find(page_id);
    if (it == pages_.end() || !it->second.exists)
      return who + " is on " + PageName(page_id) + ", which does not exist";
    const PageSeen& seen = it->second;
    if (seen.corrupt) return who + " is on a corrupt page: " + seen.why;
    const auto& items = seen.items;
    bool listed =
        k == 0 ? r.page.item < items.size() && items[r.page.item] == r.id
               : std::find(items.begin(), items.end(), r.id) != items.end();
    if (!listed) {
      *kind = Kind::kPageItemMismatch;
      return PageName(page_id) + "'s manifest does not list " + who +
             (k == 0 ? " as item " + std::to_string(r.page.item) : "");
    }
    if (seen.live.count(r.id) == 0) missing_live.push_back(page_id);
  }
  for (uint64_t page_id : missing_live) {
    Problem(Kind::kMissingLiveKey, r.id, page_id,
            who + " is missing from " + PageName(page_id) + "'s live set",
            options_.repair);
    if (options_.repair) store_->table_.PutLiveKey(page_id, r.id, &batch_);
  }
  return "";
}

// Puts a record back into the warm tier, off its pages.
Status StoreVerifier::DemoteToWarm(const PagedRecord& paged) {
  Record r;
  uint8_t flags = 0;
  MNEMO_RETURN_IF_ERROR(store_->table_.Get(ro_, paged.id, &r, &flags));
  // No page forget: verify deletes a bad page itself (ReportCorruptPages).
  return store_->table_.DetachFromPages(r, flags, &batch_, nullptr);
}

// A corrupt page counts as repaired when repair deleted it: no forgotten
// record still needs it, and the others moved back to warm text.
void StoreVerifier::ReportCorruptPages() {
  for (const auto& [page_id, seen] : pages_) {
    if (!seen.corrupt) continue;
    bool removable = options_.repair && still_needed_.count(page_id) == 0;
    Problem(Kind::kCorruptPage, 0, page_id, seen.why, removable);
    if (!removable) continue;
    (void)batch_.Delete(cf(kPages), PageKey(page_id));
    for (RecordId id : seen.live)
      (void)batch_.Delete(cf(kPages), LiveKey(page_id, id));
  }
}

}  // namespace mnemo::internal
