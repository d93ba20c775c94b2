// Copyright (c) mnemo authors.
//
// FormatMigration (record_table_migrate.h): migration of a format-1 or
// format-2 store to format 3, in place (format 4 only adds a family).
// Format 1 keyed records by id(8) and kept a 't' time-index key per record
// in the index family; formats 2 and 3 key them slot(4) time(8) id(8) with
// an `ids` entry (format 2: one key id(8) per record; format 3: blocks of
// 64 ids, record_table_ids.h). Format 1 moves straight to format 3 (below);
// format-2 ids entries (a format-2 store, or a format-1 store that an older
// build began migrating) are then regrouped by FromFormat2. Both record
// key sizes can share the records family, so the migration moves records
// a batch at a time, each batch whole (record value, ids entry, old key
// and 't' key deleted, progress noted): a store killed in the middle holds
// some records in each form and the next call goes on from the note. Every
// other key (history, age and expiry indexes, pages, live sets, postings,
// namespaces) is the same in both formats.

#include "record_table_migrate.h"

#include "coding.h"
#include "envelope.h"
#include "keys.h"
#include "record_table.h"
#include "record_table_ids.h"
#include "rocks_glue.h"
#include "rocks_iter.h"

namespace mnemo::internal {

FormatMigration RecordTable::Migration() const {
  return FormatMigration(*this, db_, handles_);
}

Status FormatMigration::FromFormat1(size_t batch_records, size_t max_batches,
                                    bool* done, uint64_t* moved) const {
  *done = false;
  uint64_t last = 0;
  MNEMO_RETURN_IF_ERROR(
      table_.GetCounter(rocksdb::ReadOptions(), kMigrateV2Key, &last));
  for (size_t b = 0; max_batches == 0 || b < max_batches; ++b) {
    rocksdb::ReadOptions ro;
    ro.total_order_seek = true;
    std::unique_ptr<rocksdb::Iterator> it(
        NewIterator(db_, ro, handles_[kRecords]));
    rocksdb::WriteBatch batch;
    IdsOperand ids;
    size_t n = 0;
    // Format-2 keys (20 bytes) may sort among the old ones: skipped.
    for (it->Seek(RecordKey(last)); it->Valid() && n < batch_records;
         it->Next()) {
      if (it->key().size() != 8) continue;
      RecordId id = DecodeRecordKey({it->key().data(), 8});
      std::string_view value(it->value().data(), it->value().size());
      (void)batch.Delete(handles_[kRecords], it->key());
      last = id;
      ++n;
      if (value.size() == kOrphanAccessCountsSize) continue;  // counts only
      std::string_view labels[5];
      EnvelopeHeader header;
      if (!PeekHeader(value, &header) ||
          !PeekLabels(value, header, labels)) {
        return Status::Corruption("migrating record " + RecordIdToString(id) +
                                  ": malformed envelope");
      }
      const Micros time = header.event_time;
      uint32_t slot = 0;
      MNEMO_RETURN_IF_ERROR(table_.SlotOf(labels[0], labels[1], true, &slot));
      std::string loc;
      AppendLocation(slot, time, &loc);
      (void)batch.Put(handles_[kRecords], loc + RecordKey(id), value);
      if (!ids.Add(id, loc)) {  // ids grow: one operand per block
        table_.FinishInserts(&ids, &batch);
        ids.Add(id, loc);
      }
      (void)batch.Delete(handles_[kIndex],
                         TimeIndexKey(labels[0], labels[1], time, id));
    }
    MNEMO_RETURN_IF_ERROR(FromRocks(it->status(), "migrating records"));
    it.reset();
    if (n == 0) {
      // Nothing left: 't' keys of records the TTL filter dropped, and the
      // note, go too.
      std::string t(1, kTimeIndexTag);
      (void)batch.DeleteRange(handles_[kIndex], t, PrefixSuccessor(t));
      (void)batch.Delete(handles_[kDefault], kMigrateV2Key);
      MNEMO_RETURN_IF_ERROR(FromRocks(
          db_->Write(rocksdb::WriteOptions(), &batch), "finishing migration"));
      *done = true;
      return Status::OK();
    }
    table_.FinishInserts(&ids, &batch);
    table_.PutCounter(kMigrateV2Key, last, &batch);
    MNEMO_RETURN_IF_ERROR(FromRocks(db_->Write(rocksdb::WriteOptions(), &batch),
                                    "migrating records"));
    if (moved != nullptr) *moved += n;
  }
  return Status::OK();
}

// Each batch deletes up to `batch_records` format-2 entries (8-byte keys)
// and merges them into their blocks; Merge is idempotent per entry, and
// the note makes the next call skip what a batch already moved.
Status FormatMigration::FromFormat2(size_t batch_records, size_t max_batches,
                                    bool* done, uint64_t* moved) const {
  *done = false;
  uint64_t last = 0;
  bool noted = false;
  MNEMO_RETURN_IF_ERROR(
      table_.GetCounter(rocksdb::ReadOptions(), kMigrateV3Key, &last, &noted));
  for (size_t b = 0; max_batches == 0 || b < max_batches; ++b) {
    rocksdb::ReadOptions ro;
    ro.total_order_seek = true;
    std::unique_ptr<rocksdb::Iterator> it(
        NewIterator(db_, ro, handles_[kIds]));
    rocksdb::WriteBatch batch;
    IdsOperand ids;
    size_t n = 0;
    // Format-3 block keys (9 bytes) may sort among the old ones: skipped.
    for (it->Seek(RecordKey(noted ? last + 1 : 0));
         it->Valid() && n < batch_records; it->Next()) {
      if (it->key().size() != 8) continue;
      RecordId id = DecodeRecordKey({it->key().data(), 8});
      (void)batch.Delete(handles_[kIds], it->key());
      last = id;
      noted = true;
      ++n;
      // A malformed entry is dropped: verify's V2 rewrites the entry of
      // the record from the record itself.
      if (it->value().size() != kLocationSize) continue;
      std::string_view loc(it->value().data(), it->value().size());
      if (!ids.Add(id, loc)) {
        table_.FinishInserts(&ids, &batch);
        ids.Add(id, loc);
      }
    }
    MNEMO_RETURN_IF_ERROR(FromRocks(it->status(), "migrating record ids"));
    it.reset();
    if (n == 0) {
      (void)batch.Delete(handles_[kDefault], kMigrateV3Key);
      MNEMO_RETURN_IF_ERROR(
          FromRocks(db_->Write(rocksdb::WriteOptions(), &batch),
                    "finishing the migration of record ids"));
      *done = true;
      return Status::OK();
    }
    table_.FinishInserts(&ids, &batch);
    table_.PutCounter(kMigrateV3Key, last, &batch);
    MNEMO_RETURN_IF_ERROR(FromRocks(db_->Write(rocksdb::WriteOptions(), &batch),
                                    "migrating record ids"));
    if (moved != nullptr) *moved += n;
  }
  return Status::OK();
}

}  // namespace mnemo::internal
