// Copyright (c) mnemo authors.
//
// RecordTable: migration of a format-1 store to format 2, in place.
// Format 1 keyed records by id(8) and kept a 't' time-index key per record
// in the index family; format 2 keys them slot(4) time(8) id(8) with an
// `ids` entry. Both record key sizes can share the records family, so the
// migration moves records a batch at a time, each batch whole (record
// value, ids entry, old key and 't' key deleted, progress noted): a store
// killed in the middle holds some records in each form and the next call
// goes on from the note. Every other key (history, age and expiry indexes,
// pages, live sets, postings, namespaces) is the same in both formats.

#include "coding.h"
#include "envelope.h"
#include "keys.h"
#include "record_table.h"
#include "rocks_glue.h"
#include "rocks_iter.h"

namespace mnemo::internal {
namespace {

constexpr size_t kOrphanCountsSize = 16;

}  // namespace

Status RecordTable::MigrateFromFormat1(size_t batch_records,
                                       size_t max_batches, bool* done,
                                       uint64_t* moved) const {
  *done = false;
  uint64_t last = 0;
  MNEMO_RETURN_IF_ERROR(GetCounter(rocksdb::ReadOptions(), kMigrateV2Key,
                                   &last));
  for (size_t b = 0; max_batches == 0 || b < max_batches; ++b) {
    rocksdb::ReadOptions ro;
    ro.total_order_seek = true;
    std::unique_ptr<rocksdb::Iterator> it(
        NewIterator(db_, ro, handles_[kRecords]));
    rocksdb::WriteBatch batch;
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
      if (value.size() == kOrphanCountsSize) continue;  // counts only
      std::string_view labels[5];
      if (!PeekLabels(value, labels)) {
        return Status::Corruption("migrating record " + RecordIdToString(id) +
                                  ": malformed envelope");
      }
      Micros time = static_cast<Micros>(PeekFixed64(value, kOffEventTime));
      uint32_t slot = 0;
      MNEMO_RETURN_IF_ERROR(SlotOf(labels[0], labels[1], true, &slot));
      std::string loc;
      AppendLocation(slot, time, &loc);
      (void)batch.Put(handles_[kRecords], loc + RecordKey(id), value);
      (void)batch.Put(handles_[kIds], RecordKey(id), loc);
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
    PutCounter(kMigrateV2Key, last, &batch);
    MNEMO_RETURN_IF_ERROR(FromRocks(db_->Write(rocksdb::WriteOptions(), &batch),
                                    "migrating records"));
    if (moved != nullptr) *moved += n;
  }
  return Status::OK();
}

}  // namespace mnemo::internal
