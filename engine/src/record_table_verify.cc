// Copyright (c) mnemo authors.
//
// RecordTable on the format 1 layout, fourth part: the invariants Verify
// checks between records and their index keys (store_verify.cc reports
// what these find).

#include "envelope.h"
#include "keys.h"
#include "record_table.h"
#include "rocks_glue.h"
#include "rocks_iter.h"

namespace mnemo::internal {

Status RecordTable::CheckIndexOf(const rocksdb::ReadOptions& ro,
                                 const Record& r, IndexState* state,
                                 rocksdb::WriteBatch* repair) const {
  std::string key = TimeIndexKey(r.ns.tenant, r.ns.agent, r.event_time, r.id);
  std::string value, expected;
  EncodeIndexEntry(r, &expected);
  rocksdb::Status s = db_->Get(ro, handles_[kIndex], key, &value);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading index");
  *state = s.IsNotFound()      ? IndexState::kMissing
           : value != expected ? IndexState::kMismatch
                               : IndexState::kOk;
  if (*state != IndexState::kOk && repair != nullptr) {
    (void)repair->Put(handles_[kIndex], key, expected);
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

// A time-index entry must name a record that exists and maps back to
// exactly this key.
Status RecordTable::CheckIndexEntries(
    const rocksdb::ReadOptions& ro,
    const std::function<void(RecordId, const std::string&)>& dangling,
    rocksdb::WriteBatch* repair, uint64_t* checked) const {
  std::unique_ptr<rocksdb::Iterator> it(NewIterator(db_, ro, handles_[kIndex]));
  std::string prefix(1, kTimeIndexTag);
  std::string value;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    ++*checked;
    std::string_view key(it->key().data(), it->key().size());
    Micros time = 0;
    RecordId id = 0;
    std::string why;
    if (key.size() < 17 ||
        !ParseTimeIndexSuffix(key, key.size() - 16, &time, &id)) {
      why = "malformed time-index key";
      id = 0;
    } else {
      rocksdb::Status s =
          db_->Get(ro, handles_[kRecords], RecordKey(id), &value);
      if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading record");
      Record r;
      bool exists = s.ok() && value.size() != 16;
      // An undecodable record is reported as corrupt, not here.
      if (exists && !Decode(value, id, &r, nullptr).ok()) continue;
      if (exists &&
          TimeIndexKey(r.ns.tenant, r.ns.agent, r.event_time, r.id) == key) {
        continue;
      }
      why = "time-index entry points to " +
            std::string(exists ? "a record stored under another key: "
                               : "missing record ") +
            RecordIdToString(id);
    }
    dangling(id, why);
    if (repair != nullptr) (void)repair->Delete(handles_[kIndex], key);
  }
  return FromRocks(it->status(), "verifying index");
}

}  // namespace mnemo::internal
