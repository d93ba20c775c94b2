// Copyright (c) mnemo authors.
//
// RecordTable: whole-family walks of the records and history families for
// Verify (V1, V5). Unlike ForEachIdRange they hand out malformed entries
// too, so Verify can report them. Format 2: records keyed slot time id
// (kClusteredKeySize), walked in key order (by agent, then time).

#include "envelope.h"
#include "keys.h"
#include "record_table.h"
#include "rocks_glue.h"
#include "rocks_iter.h"

namespace mnemo::internal {
namespace {

// A value of 16 bytes holds only access counts merged into a deleted
// record (rocks_glue.cc's merge operator).
constexpr size_t kOrphanCountsSize = 16;

}  // namespace

Status RecordTable::ForEachStoredRecord(
    const rocksdb::ReadOptions& ro,
    const std::function<Status(const KeyFields&, std::string_view)>& fn,
    const std::function<void()>& bad_key) const {
  std::unique_ptr<rocksdb::Iterator> it(
      NewIterator(db_, ro, handles_[kRecords]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->value().size() == kOrphanCountsSize) continue;
    if (it->key().size() != kClusteredKeySize) {
      bad_key();
      continue;
    }
    MNEMO_RETURN_IF_ERROR(fn(KeyFieldsOf({it->key().data(), it->key().size()}),
                             {it->value().data(), it->value().size()}));
  }
  return FromRocks(it->status(), "reading records");
}

Status RecordTable::ForEachHistoryValue(
    const rocksdb::ReadOptions& ro,
    const std::function<void(RecordId, std::string_view)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(
      NewIterator(db_, ro, handles_[kHistory]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    RecordId id =
        it->key().size() >= 8 ? DecodeRecordKey({it->key().data(), 8}) : 0;
    fn(id, {it->value().data(), it->value().size()});
  }
  return FromRocks(it->status(), "reading history");
}

}  // namespace mnemo::internal
