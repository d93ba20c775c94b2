// Copyright (c) mnemo authors.
//
// RecordTable: writing the ids entries of new records after the records
// (format 6, record_table_pending.h), and reading them back after a crash.

#include <rocksdb/table_properties.h>

#include "coding.h"
#include "envelope.h"
#include "keys.h"
#include "record_table.h"
#include "record_table_ids.h"
#include "rocks_glue.h"
#include "rocks_iter.h"

namespace mnemo::internal {
namespace {

// Entries per write when a flush has many (recovered ones).
constexpr size_t kEntriesPerWrite = 4096;

// The largest record id of a records table file (MaxIdCollector), or 0
// when the file does not say (written before format 6: every id in it
// had its entry written with it).
RecordId MaxIdOf(const rocksdb::TableProperties& props) {
  auto it = props.user_collected_properties.find(kMaxIdProperty);
  if (it == props.user_collected_properties.end() || it->second.size() != 8) {
    return 0;
  }
  return DecodeBigEndian64(it->second.data());
}

}  // namespace

void RecordTable::AppendPendingMerges(
    const PendingIds::Entry* entries, size_t n,
    rocksdb::WriteBatch* batch) const {
  IdsOperand block;
  for (size_t i = 0; i < n; ++i) {
    const PendingIds::Entry& e = entries[i];
    const std::string_view location(e.location, kLocationSize);
    if (!block.Add(e.id, location, /*insert=*/true)) {
      FlushIds(&block, batch);
      block.Add(e.id, location, /*insert=*/true);
    }
  }
  FlushIds(&block, batch);
}

bool RecordTable::TakePendingIds(RecordId watermark,
                                 rocksdb::WriteBatch* batch) const {
  std::vector<PendingIds::Entry> entries;
  if (!pending_.Take(&entries)) return false;
  AppendPendingMerges(entries.data(), entries.size(), batch);
  PutCounter(kIdsDurableKey, watermark, batch);
  return true;
}

void RecordTable::PendingIdsWritten(bool written) const {
  pending_.Done(written);
}

Status RecordTable::FlushPendingIds(RecordId watermark, bool mark_always,
                                    bool* marked) const {
  if (marked != nullptr) *marked = false;
  std::vector<PendingIds::Entry> entries;
  if (!pending_.Take(&entries)) {
    // With a flush running (its entries still count), the mark waits.
    if (!mark_always || pending_.size() != 0) return Status::OK();
    rocksdb::WriteBatch batch;
    PutCounter(kIdsDurableKey, watermark, &batch);
    MNEMO_RETURN_IF_ERROR(Write(rocksdb::WriteOptions(), &batch,
                                "writing the ids watermark"));
    if (marked != nullptr) *marked = true;
    return Status::OK();
  }
  Status s;
  for (size_t at = 0; at < entries.size() && s.ok(); at += kEntriesPerWrite) {
    const size_t end = std::min(entries.size(), at + kEntriesPerWrite);
    rocksdb::WriteBatch batch;
    AppendPendingMerges(entries.data() + at, end - at, &batch);
    // The watermark goes with the last part: only then is every entry in.
    if (end == entries.size()) PutCounter(kIdsDurableKey, watermark, &batch);
    s = Write(rocksdb::WriteOptions(), &batch, "writing record ids");
  }
  pending_.Done(s.ok());
  if (marked != nullptr) *marked = s.ok();
  return s;
}

// The records written above the watermark are those of the memtables and
// of the table files whose largest id lies above it (MaxIdCollector).
Status RecordTable::RecoverPendingIds(RecordId bound, bool format6,
                                      bool keep_in_memory,
                                      size_t* recovered) const {
  *recovered = 0;
  RecordId watermark = 0;
  bool found = false;
  MNEMO_RETURN_IF_ERROR(
      GetCounter(rocksdb::ReadOptions(), kIdsDurableKey, &watermark, &found));
  // Before format 6 every entry was written with its record; a format-6
  // store without the watermark crashed before its first flush.
  if ((!found && !format6) || (found && watermark >= bound)) {
    return Status::OK();
  }
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;
  ro.fill_cache = false;
  ro.table_filter = [watermark](const rocksdb::TableProperties& props) {
    return MaxIdOf(props) > watermark;
  };
  std::unique_ptr<rocksdb::Iterator> it(
      NewIterator(db_, ro, handles_[kRecords]));
  std::vector<PendingIds::Entry> entries;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const rocksdb::Slice key = it->key();
    if (key.size() != kClusteredKeySize ||
        it->value().size() == kOrphanAccessCountsSize) {
      continue;
    }
    const RecordId id = RecordIdOfKey({key.data(), key.size()});
    if (id <= watermark) continue;
    PendingIds::Entry e;
    e.id = id;
    std::memcpy(e.location, key.data(), kLocationSize);
    entries.push_back(e);
  }
  MNEMO_RETURN_IF_ERROR(FromRocks(it->status(), "recovering record ids"));
  *recovered = entries.size();
  pending_.AddRecovered(std::move(entries));
  if (keep_in_memory) return Status::OK();
  return FlushPendingIds(bound, /*mark_always=*/true);
}

size_t RecordTable::pending_ids() const { return pending_.size(); }

}  // namespace mnemo::internal
