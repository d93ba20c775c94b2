// Copyright (c) mnemo authors.
//
// Store::Verify: the expiry index (expiry_index.h). An entry must exist
// exactly for each record that is on a page and has an expires_at, keyed
// by that expiry and naming the record's pages. Repair deletes entries
// that match no such record and adds the missing ones. The same holds
// for the per-page keys: one per page of each such record's span. A store whose
// index was never built (written before it existed) is not checked: its
// next compaction run builds it.

#include <algorithm>
#include <functional>
#include <set>
#include <utility>

#include "expiry_index.h"
#include "keys.h"
#include "store_verify.h"

namespace mnemo::internal {

Status StoreVerifier::CheckExpiryIndex() {
  bool complete = false;
  MNEMO_RETURN_IF_ERROR(table_.ExpiryIndexComplete(ro_, &complete));
  if (!complete) return Status::OK();  // the next compaction run builds it
  std::unordered_map<RecordId, const PagedRecord*> expiring;
  for (const PagedRecord& r : paged_) {
    if (r.expires_at > 0) expiring[r.id] = &r;
  }
  std::unordered_set<RecordId> seen;
  MNEMO_RETURN_IF_ERROR(
      WalkExpiryKeys(kExpiryTag, [&](std::string_view k, std::string_view v) {
        CheckExpiryEntry(k, v, expiring, &seen);
      }));
  std::set<std::pair<RecordId, uint64_t>> seen_pages;
  MNEMO_RETURN_IF_ERROR(WalkExpiryKeys(
      kExpiryPageTag, [&](std::string_view k, std::string_view v) {
        CheckExpiryPageEntry(k, v, expiring, &seen_pages);
      }));
  for (const auto& [id, r] : expiring) {
    if (seen.count(id) == 0) {
      MissingExpiryKey(*r, 0);
    }
    for (uint32_t k = 0; k < std::max(1u, r->page.page_count); ++k) {
      uint64_t page_id = r->page.page_id + k;
      if (seen_pages.count({id, page_id}) > 0) continue;
      MissingExpiryKey(*r, page_id);
    }
  }
  return Status::OK();
}

Status StoreVerifier::WalkExpiryKeys(
    char tag,
    const std::function<void(std::string_view, std::string_view)>& visit) {
  return table_
      .ForEachExpiryKey(ro_, tag,
                        [&](std::string_view key, std::string_view value) {
                          ++report_->index_entries_checked;
                          visit(key, value);
                        })
      .WithContext("verifying the expiry index");
}

// `page_id` 0: the record's 'x' key; otherwise its 'y' key of that page.
void StoreVerifier::MissingExpiryKey(const PagedRecord& r, uint64_t page_id) {
  Problem(Kind::kMissingIndex, r.id, page_id == 0 ? r.page.page_id : page_id,
          "record " + RecordIdToString(r.id) + " is on page " +
              std::to_string(page_id == 0 ? r.page.page_id : page_id) +
              " and expires, but has no expiry-index entry" +
              (page_id == 0 ? "" : " for that page"),
          options_.repair);
  if (!options_.repair) return;
  // The record's whole entry: a Put of the keys it has already writes the
  // same values again.
  Record entry;
  entry.id = r.id;
  entry.page = r.page;
  entry.expires_at = r.expires_at;
  table_.PutExpiryEntry(entry, &batch_);
}

void StoreVerifier::CheckExpiryPageEntry(
    std::string_view key, std::string_view value,
    const std::unordered_map<RecordId, const PagedRecord*>& expiring,
    std::set<std::pair<RecordId, uint64_t>>* seen) {
  uint64_t page_id = 0;
  RecordId id = 0;
  Micros expires_at = 0;
  std::string why;
  if (!ParseExpiryPageKey(key, &page_id, &id) ||
      !ParseExpiryPageValue(value, &expires_at)) {
    why = "malformed expiry-index entry of a page";
  } else if (corrupt_records_.count(id) > 0) {
    return;  // reported as a corrupt record
  } else {
    auto found = expiring.find(id);
    const PagedRecord* r = found == expiring.end() ? nullptr : found->second;
    if (r != nullptr && r->expires_at == expires_at &&
        page_id >= r->page.page_id &&
        page_id - r->page.page_id < std::max(1u, r->page.page_count)) {
      seen->insert({id, page_id});
      return;
    }
    why = "expiry-index entry of record " + RecordIdToString(id) + " on page " +
          std::to_string(page_id) +
          (r == nullptr ? ", which is not on a page with an expiry"
                        : " disagrees with the record");
  }
  Problem(Kind::kDanglingIndex, id, page_id, why, options_.repair);
  if (options_.repair) table_.DeleteExpiryKey(key, &batch_);
}

void StoreVerifier::CheckExpiryEntry(
    std::string_view key, std::string_view value,
    const std::unordered_map<RecordId, const PagedRecord*>& expiring,
    std::unordered_set<RecordId>* seen) {
  Micros expires_at = 0;
  RecordId id = 0;
  PageRef page;
  std::string why;
  if (!ParseExpiryKey(key, &expires_at, &id) ||
      !ParseExpiryValue(value, &page)) {
    why = "malformed expiry-index entry";
  } else if (corrupt_records_.count(id) > 0) {
    return;  // reported as a corrupt record
  } else {
    auto found = expiring.find(id);
    const PagedRecord* r = found == expiring.end() ? nullptr : found->second;
    if (r != nullptr && r->expires_at == expires_at &&
        r->page.page_id == page.page_id &&
        r->page.page_count == page.page_count) {
      seen->insert(id);
      return;
    }
    why = "expiry-index entry of record " + RecordIdToString(id) +
          (r == nullptr ? ", which is not on a page with an expiry"
                        : " disagrees with the record");
  }
  Problem(Kind::kDanglingIndex, id, page.page_id, why, options_.repair);
  if (options_.repair) table_.DeleteExpiryKey(key, &batch_);
}

}  // namespace mnemo::internal
