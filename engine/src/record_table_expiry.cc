// Copyright (c) mnemo authors.
//
// RecordTable on the format 1 layout: the expiry index's keys in the index
// family (layouts: expiry_index.h) — its writes, the due-walk, the per-page
// lookup page readers use, and the walk of one kind of key.

#include "record_table_expiry.h"

#include <algorithm>

#include "keys.h"
#include "record_table.h"
#include "rocks_glue.h"
#include "rocks_iter.h"

namespace mnemo::internal {

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

Status RecordTable::ExpiredOnPage(const rocksdb::ReadOptions& ro, Micros now,
                                  uint64_t page_id,
                                  std::set<uint64_t>* ids) const {
  ids->clear();
  if (now <= 0) return Status::OK();
  std::string prefix = ExpiryPagePrefix(page_id);
  std::string upper = PrefixSuccessor(prefix);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions page_ro = ro;
  page_ro.iterate_upper_bound = &upper_slice;
  page_ro.total_order_seek = true;  // 'y' keys are outside the agent prefixes
  std::unique_ptr<rocksdb::Iterator> it(
      NewIterator(db_, page_ro, handles_[kIndex]));
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
    if (expires_at <= now) ids->insert(id);
  }
  return FromRocks(it->status(), "reading the expiry index of page " +
                                     std::to_string(page_id));
}

Status RecordTable::ForEachExpiryKey(
    const rocksdb::ReadOptions& read, char tag,
    const std::function<void(std::string_view, std::string_view)>& fn) const {
  rocksdb::ReadOptions ro = read;
  ro.total_order_seek = true;  // expiry keys are outside the agent prefixes
  std::string prefix(1, tag);
  std::string upper = PrefixSuccessor(prefix);
  rocksdb::Slice upper_slice(upper);
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(NewIterator(db_, ro, handles_[kIndex]));
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    fn({it->key().data(), it->key().size()},
       {it->value().data(), it->value().size()});
  }
  return FromRocks(it->status(), "reading the expiry index");
}

Status RecordTable::ExpiryIndexComplete(const rocksdb::ReadOptions& ro,
                                        bool* complete) const {
  *complete = false;
  std::string built;
  rocksdb::Status s =
      db_->Get(ro, handles_[kDefault], kExpiryIndexBuiltKey, &built);
  if (s.IsNotFound()) return Status::OK();
  MNEMO_RETURN_IF_ERROR(FromRocks(s, "reading the expiry index state"));
  *complete = built == kExpiryIndexVersion;
  return Status::OK();
}

void RecordTable::MarkExpiryIndexComplete(rocksdb::WriteBatch* batch) const {
  (void)batch->Put(handles_[kDefault], kExpiryIndexBuiltKey,
                   kExpiryIndexVersion);
}

}  // namespace mnemo::internal
