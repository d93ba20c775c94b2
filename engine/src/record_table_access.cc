// Copyright (c) mnemo authors.
//
// RecordTable: access counts (format 4). A flush writes each id's counted
// reads as a merge operand (AccessOperand, 16 bytes) under the id's 8-byte
// key in the `access` family, never into `records`: Get and Scan neither
// search past nor merge them. The store keeps the same counts in memory
// (AccessTracker's pending stage) and readers add them. A fold moves them
// into the records' stored values: one Put of the record with the counts
// added and a Delete of the increment, in one batch (a kill leaves either
// both or neither). Format-3 stores may still hold access operands in
// `records`; its merge operator folds them on read as before.

#include <algorithm>

#include "coding.h"
#include "envelope.h"
#include "keys.h"
#include "record_table.h"
#include "rocks_glue.h"
#include "rocks_iter.h"

namespace mnemo::internal {
namespace {

constexpr size_t kOperandSize = 16;

}  // namespace

bool RecordTable::HasAccessFamily() const {
  return handles_.size() > kAccess && handles_[kAccess] != nullptr;
}

void RecordTable::AddAccessIncrements(const std::vector<AccessCount>& counts,
                                      rocksdb::WriteBatch* batch) const {
  for (const AccessCount& c : counts) {
    (void)batch->Merge(handles_[kAccess], RecordKey(c.id),
                       AccessOperand(c.count, c.last));
  }
}

Status RecordTable::ForEachAccessIncrement(
    const rocksdb::ReadOptions& ro,
    const std::function<void(const AccessCount&)>& fn) const {
  if (!HasAccessFamily()) return Status::OK();  // a format-3 store
  std::unique_ptr<rocksdb::Iterator> it(
      NewIterator(db_, ro, handles_[kAccess]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() != 8 || it->value().size() != kOperandSize) {
      return Status::Corruption(
          "access family: malformed entry (key " +
          std::to_string(it->key().size()) + " bytes, value " +
          std::to_string(it->value().size()) + " bytes)");
    }
    AccessCount c;
    c.id = DecodeRecordKey(std::string_view(it->key().data(), 8));
    c.count = DecodeFixed64(it->value().data());
    c.last = static_cast<Micros>(DecodeFixed64(it->value().data() + 8));
    fn(c);
  }
  return FromRocks(it->status(), "reading the access family");
}

Status RecordTable::AddUnfoldedAccess(const rocksdb::ReadOptions& ro,
                                      Record* record) const {
  if (!HasAccessFamily()) return Status::OK();
  thread_local std::string key;
  key = RecordKey(record->id);
  rocksdb::PinnableSlice value;
  rocksdb::Status s = db_->Get(ro, handles_[kAccess], key, &value);
  if (s.IsNotFound()) return Status::OK();
  if (!s.ok() || value.size() != kOperandSize) {
    return s.ok() ? Status::Corruption("access counts of record " +
                                       RecordIdToString(record->id) +
                                       " are malformed")
                  : FromRocks(s, "reading the access counts of record " +
                                     RecordIdToString(record->id));
  }
  record->access_count += DecodeFixed64(value.data());
  record->last_access = std::max(
      record->last_access, static_cast<Micros>(DecodeFixed64(value.data() + 8)));
  return Status::OK();
}

// The record's key and stored value (format-3 operands merged); NotFound
// when it is gone or only orphan counts remain.
Status RecordTable::ReadStoredValue(RecordId id, std::string* key,
                                    std::string* value) const {
  const rocksdb::ReadOptions ro;
  rocksdb::Status s;
  if (hints_.Find(id, key)) {
    s = db_->Get(ro, handles_[kRecords], *key, value);
    if (s.ok() && value->size() != kOperandSize) return Status::OK();
  }
  MNEMO_RETURN_IF_ERROR(LocateId(ro, id, key));
  s = db_->Get(ro, handles_[kRecords], *key, value);
  if (s.IsNotFound() || (s.ok() && value->size() == kOperandSize)) {
    return Status::NotFound("record " + RecordIdToString(id) + " not found");
  }
  return FromRocks(s, "reading record " + RecordIdToString(id));
}

Status RecordTable::FoldAccess(const std::vector<AccessCount>& counts,
                               rocksdb::WriteBatch* batch) const {
  std::string key, value, folded;
  for (const AccessCount& c : counts) {
    Status s = ReadStoredValue(c.id, &key, &value);
    if (s.ok()) {
      const KeyFields fields = KeyFieldsOf(key);
      if (AddAccessChecked(value, c.count, c.last, &folded, &fields)) {
        (void)batch->Put(handles_[kRecords], key, folded);
      }
      // else: a corrupt record (Verify reports it) cannot hold counts.
    } else if (!s.IsNotFound()) {
      return s;
    }
    // Gone (deleted, or dropped by the TTL filter): the counts go too.
    (void)batch->Delete(handles_[kAccess], RecordKey(c.id));
  }
  return Status::OK();
}

}  // namespace mnemo::internal
