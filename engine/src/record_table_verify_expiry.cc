// Copyright (c) mnemo authors.
//
// RecordTable on the format 1 layout: Verify's expiry-index invariants
// (V6, V7). An entry exists exactly for each record that is on a page and
// has an expires_at: its 'x' key, keyed by that expiry and naming the
// record's pages, and one 'y' key per page of its span (expiry_index.h).
// Repair deletes keys that match no such record and writes the entry of a
// record that lacks one of its keys (a Put of the keys it has writes the
// same values again).

#include <algorithm>
#include <set>
#include <unordered_map>
#include <utility>

#include "keys.h"
#include "record_table.h"

namespace mnemo::internal {
namespace {

using Expiring = std::unordered_map<RecordId, const Record*>;

bool InSpan(const PageRef& page, uint64_t page_id) {
  return page_id >= page.page_id &&
         page_id - page.page_id < std::max(1u, page.page_count);
}

// Why the 'x' key (key, value) is wrong ("" when right, and then `id` is
// noted in *seen); *id and *page_id say whose it is.
std::string CheckEntry(std::string_view key, std::string_view value,
                       const Expiring& expiring, RecordId* id,
                       uint64_t* page_id, bool* malformed,
                       std::set<RecordId>* seen) {
  Micros expires_at = 0;
  PageRef page;
  if (!ParseExpiryKey(key, &expires_at, id) ||
      !ParseExpiryValue(value, &page)) {
    *malformed = true;
    return "malformed expiry-index entry";
  }
  *page_id = page.page_id;
  auto found = expiring.find(*id);
  const Record* r = found == expiring.end() ? nullptr : found->second;
  if (r != nullptr && r->expires_at == expires_at &&
      r->page.page_id == page.page_id &&
      r->page.page_count == page.page_count) {
    seen->insert(*id);
    return "";
  }
  return "expiry-index entry of record " + RecordIdToString(*id) +
         (r == nullptr ? ", which is not on a page with an expiry"
                       : " disagrees with the record");
}

// The same for a 'y' key (one page of the span).
std::string CheckPageEntry(std::string_view key, std::string_view value,
                           const Expiring& expiring, RecordId* id,
                           uint64_t* page_id, bool* malformed,
                           std::set<std::pair<RecordId, uint64_t>>* seen) {
  Micros expires_at = 0;
  if (!ParseExpiryPageKey(key, page_id, id) ||
      !ParseExpiryPageValue(value, &expires_at)) {
    *malformed = true;
    return "malformed expiry-index entry of a page";
  }
  auto found = expiring.find(*id);
  const Record* r = found == expiring.end() ? nullptr : found->second;
  if (r != nullptr && r->expires_at == expires_at &&
      InSpan(r->page, *page_id)) {
    seen->insert({*id, *page_id});
    return "";
  }
  return "expiry-index entry of record " + RecordIdToString(*id) + " on page " +
         std::to_string(*page_id) +
         (r == nullptr ? ", which is not on a page with an expiry"
                       : " disagrees with the record");
}

}  // namespace

Status RecordTable::CheckExpiryIndex(
    const rocksdb::ReadOptions& ro, const std::vector<Record>& paged,
    const std::unordered_set<RecordId>& skip,
    const std::function<void(const ExpiryProblem&)>& problem,
    rocksdb::WriteBatch* repair, uint64_t* checked) const {
  Expiring expiring;
  for (const Record& r : paged) {
    if (NeedsExpiryEntry(r)) expiring[r.id] = &r;
  }
  // Walks one kind of key; `check` says why a key is wrong ("" if right).
  auto walk = [&](char tag, const auto& check) {
    return ForEachExpiryKey(
        ro, tag, [&](std::string_view key, std::string_view value) {
          ++*checked;
          RecordId id = 0;
          uint64_t page_id = 0;
          bool malformed = false;
          std::string why = check(key, value, &id, &page_id, &malformed);
          // A record that fails to decode is reported as such already.
          if (why.empty() || (!malformed && skip.count(id) > 0)) return;
          problem({false, id, page_id, std::move(why)});
          if (repair != nullptr) (void)repair->Delete(handles_[kIndex], key);
        });
  };
  std::set<RecordId> seen;
  MNEMO_RETURN_IF_ERROR(
      walk(kExpiryTag, [&](auto k, auto v, auto id, auto p, auto bad) {
        return CheckEntry(k, v, expiring, id, p, bad, &seen);
      }));
  std::set<std::pair<RecordId, uint64_t>> seen_pages;
  MNEMO_RETURN_IF_ERROR(
      walk(kExpiryPageTag, [&](auto k, auto v, auto id, auto p, auto bad) {
        return CheckPageEntry(k, v, expiring, id, p, bad, &seen_pages);
      }));
  for (const Record& r : paged) {
    if (!NeedsExpiryEntry(r)) continue;
    std::string who = "record " + RecordIdToString(r.id) + " is on page ";
    bool missing = false;
    if (seen.count(r.id) == 0) {
      missing = true;
      problem({true, r.id, r.page.page_id,
               who + std::to_string(r.page.page_id) +
                   " and expires, but has no expiry-index entry"});
    }
    for (uint32_t k = 0; k < std::max(1u, r.page.page_count); ++k) {
      uint64_t page_id = r.page.page_id + k;
      if (seen_pages.count({r.id, page_id}) > 0) continue;
      missing = true;
      problem({true, r.id, page_id,
               who + std::to_string(page_id) +
                   " and expires, but has no expiry-index entry for that "
                   "page"});
    }
    if (missing && repair != nullptr) PutExpiryEntry(r, repair);
  }
  return Status::OK();
}

}  // namespace mnemo::internal
