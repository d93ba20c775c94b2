// Copyright (c) mnemo authors.
//
// Store::Verify: the expiry index (expiry_index.h). An entry must exist
// exactly for each record that is on a page and has an expires_at, keyed
// by that expiry and naming the record's pages. Repair deletes entries
// that match no such record and adds the missing ones. A store whose
// index was never built (written before it existed) is not checked: its
// next compaction run builds it.

#include "expiry_index.h"
#include "keys.h"
#include "store_verify.h"

namespace mnemo::internal {

Status StoreVerifier::CheckExpiryIndex() {
  std::string built;
  rocksdb::Status s = db_->Get(ro_, cf(kDefault), kExpiryIndexBuiltKey, &built);
  if (s.IsNotFound()) return Status::OK();
  MNEMO_RETURN_IF_ERROR(FromRocks(s, "reading the expiry index state"));
  std::unordered_map<RecordId, const PagedRecord*> expiring;
  for (const PagedRecord& r : paged_) {
    if (r.expires_at > 0) expiring[r.id] = &r;
  }
  std::unordered_set<RecordId> seen;
  rocksdb::ReadOptions ro = ro_;
  ro.total_order_seek = true;
  std::string prefix(1, kExpiryTag);
  std::string upper = PrefixSuccessor(prefix);
  rocksdb::Slice upper_slice(upper);
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(NewIterator(db_, ro, cf(kIndex)));
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    ++report_->index_entries_checked;
    CheckExpiryEntry({it->key().data(), it->key().size()},
                     {it->value().data(), it->value().size()}, expiring, &seen);
  }
  MNEMO_RETURN_IF_ERROR(FromRocks(it->status(), "verifying the expiry index"));
  for (const auto& [id, r] : expiring) {
    if (seen.count(id) > 0) continue;
    Problem(Kind::kMissingIndex, id, r->page.page_id,
            "record " + RecordIdToString(id) + " is on page " +
                std::to_string(r->page.page_id) +
                " and expires, but has no expiry-index entry",
            options_.repair);
    if (options_.repair) {
      (void)batch_.Put(cf(kIndex), ExpiryKey(r->expires_at, id),
                       ExpiryValue(r->page));
    }
  }
  return Status::OK();
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
  if (options_.repair) (void)batch_.Delete(cf(kIndex), key);
}

}  // namespace mnemo::internal
