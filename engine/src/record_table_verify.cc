// Copyright (c) mnemo authors.
//
// RecordTable, fourth part: the invariants Verify checks between records
// and their ids entries and namespace keys (store_verify.cc reports what
// these find).

#include "envelope.h"
#include "keys.h"
#include "record_table.h"
#include "rocks_glue.h"
#include "rocks_iter.h"

namespace mnemo::internal {

Status RecordTable::CheckIndexOf(const rocksdb::ReadOptions& ro,
                                 const Record& r, IndexState* state,
                                 rocksdb::WriteBatch* repair) const {
  std::string key;
  uint32_t slot = 0;
  bool found = false;
  MNEMO_RETURN_IF_ERROR(SlotOf(r.ns.tenant, r.ns.agent, false, &slot, &found));
  std::string expected;
  AppendLocation(slot, r.event_time, &expected);
  std::string value;
  rocksdb::Status s = db_->Get(ro, handles_[kIds], RecordKey(r.id), &value);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading ids entry");
  *state = s.IsNotFound()                ? IndexState::kMissing
           : !found || value != expected ? IndexState::kMismatch
                                         : IndexState::kOk;
  if (*state != IndexState::kOk && found && repair != nullptr) {
    (void)repair->Put(handles_[kIds], RecordKey(r.id), expected);
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

// An ids entry must be well formed and name a slot the store allocated.
// One whose record is gone is normal (expired: the TTL filter drops the
// record, not its ids entry; Get reports it NotFound).
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
    ++*checked;
    std::string_view key(it->key().data(), it->key().size());
    uint32_t slot = 0;
    Micros time = 0;
    std::string why;
    if (key.size() != 8 ||
        !ParseLocation({it->value().data(), it->value().size()}, &slot,
                       &time)) {
      why = "malformed ids entry";
    } else if (known.count(slot) == 0) {
      why = "ids entry of record " + RecordIdToString(DecodeRecordKey(key)) +
            " names unknown slot " + std::to_string(slot);
    } else {
      continue;
    }
    dangling(key.size() == 8 ? DecodeRecordKey(key) : 0, why);
    if (repair != nullptr) (void)repair->Delete(handles_[kIds], key);
  }
  return FromRocks(it->status(), "verifying ids");
}

}  // namespace mnemo::internal
