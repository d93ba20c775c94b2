// Copyright (c) mnemo authors.
//
// RecordTable, fourth part: the invariants Verify checks between records
// and their ids entries and namespace keys (store_verify.cc reports what
// these find).

#include "envelope.h"
#include "keys.h"
#include "record_table.h"
#include "record_table_ids.h"
#include "rocks_glue.h"
#include "rocks_iter.h"

namespace mnemo::internal {

Status RecordTable::CheckIndexOf(const rocksdb::ReadOptions& ro,
                                 const Record& r, IndexState* state,
                                 rocksdb::WriteBatch* repair) const {
  uint32_t slot = 0;
  bool found = false;
  MNEMO_RETURN_IF_ERROR(SlotOf(r.ns.tenant, r.ns.agent, false, &slot, &found));
  std::string expected;
  AppendLocation(slot, r.event_time, &expected);
  // A new record's entry may not be written yet (record_table_pending.h).
  std::string waiting;
  const bool pending = pending_.Find(r.id, &waiting);
  std::string block;
  rocksdb::Status s = db_->Get(ro, handles_[kIds], IdsBlockKey(r.id), &block);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading ids entry");
  std::string_view location;
  bool present = s.ok() && FindInIdsBlock(block, r.id, &location);
  if (!present && pending) {
    present = true;
    location = waiting;
  }
  // In a damaged block no entry is trusted: each record's is rewritten
  // (the merge operator folds the damaged value away).
  bool damaged = s.ok() && !IdsBlockWellFormed(block);
  *state = !present && !damaged                        ? IndexState::kMissing
           : !found || damaged || location != expected ? IndexState::kMismatch
                                                       : IndexState::kOk;
  if (*state != IndexState::kOk && found && repair != nullptr) {
    MergeIds(r.id, expected, repair);
  }
  return Status::OK();
}

Status RecordTable::CheckNamespaceOf(const rocksdb::ReadOptions& ro,
                                     const Record& r, bool* present,
                                     rocksdb::WriteBatch* repair) const {
  std::string key = NamespaceKey(r.ns);
  std::string value;
  rocksdb::Status s = db_->Get(ro, handles_[kIndex], key, &value);
  if (!s.ok() && !s.IsNotFound()) {
    return FromRocks(s, "reading namespace key");
  }
  *present = s.ok();
  if (!*present && repair != nullptr) {
    (void)repair->Put(handles_[kIndex], key, "");
  }
  return Status::OK();
}

// An ids block must be well formed and its entries name slots the store
// allocated. An entry whose record is gone is normal (expired: the TTL
// filter drops the record, not its ids entry; Get reports it NotFound).
// The repair of a malformed block is an empty Merge, which folds the
// damaged value away; V2 (run first, same repair batch) rewrote the
// entries of the records the block held. An entry naming an unknown slot
// is marked deleted.
Status RecordTable::CheckIndexEntries(
    const rocksdb::ReadOptions& ro,
    const std::function<void(RecordId, const std::string&)>& dangling,
    rocksdb::WriteBatch* repair, uint64_t* checked) const {
  std::unique_ptr<rocksdb::Iterator> it(NewIterator(db_, ro, handles_[kIds]));
  std::shared_lock lock(slot_mu_);
  std::unordered_set<uint32_t> known;
  for (const auto& [name, slot] : slots_) known.insert(slot);
  lock.unlock();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    std::string_view value(it->value().data(), it->value().size());
    RecordId first = 0;
    const bool block = ParseIdsBlockKey(key, &first);
    if (!block || !IdsBlockWellFormed(value)) {
      ++*checked;
      dangling(first, "malformed ids entry");
      if (repair != nullptr) {
        if (block) {
          (void)repair->Merge(handles_[kIds], key, "");
        } else {
          (void)repair->Delete(handles_[kIds], key);  // names no block
        }
      }
      continue;
    }
    ForEachInIdsBlock(value, first, [&](RecordId id, std::string_view loc) {
      ++*checked;
      uint32_t slot = 0;
      Micros time = 0;
      if (ParseLocation(loc, &slot, &time) && known.count(slot) != 0) return;
      dangling(id, "ids entry of record " + RecordIdToString(id) +
                       " names unknown slot " + std::to_string(slot));
      if (repair != nullptr) MergeIds(id, std::string_view(), repair);
    });
  }
  return FromRocks(it->status(), "verifying ids");
}

}  // namespace mnemo::internal
