// Copyright (c) mnemo authors.
//
// FormatMigration: moves a format-1 or format-2 store to the current
// layout in place (record_table.h; the old layouts are described in
// record_table_migrate.cc). A writer's open runs it (store_open.cc) before
// anything else reads the store; `mnemo migrate` is such an open. Made by
// RecordTable::Migration(), over the table's database and handles; it
// uses the table's slots, counters and ids operands for the new keys.

#ifndef MNEMO_ENGINE_RECORD_TABLE_MIGRATE_H_
#define MNEMO_ENGINE_RECORD_TABLE_MIGRATE_H_

#include <rocksdb/db.h>

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "mnemo/status.h"

namespace mnemo::internal {

class RecordTable;

class FormatMigration {
 public:
  // `handles` indexed by Family, as the table holds them; `table` and `db`
  // must outlive the migration.
  FormatMigration(const RecordTable& table, rocksdb::DB* db,
                  std::vector<rocksdb::ColumnFamilyHandle*> handles)
      : table_(table), db_(db), handles_(std::move(handles)) {}
  FormatMigration(const FormatMigration&) = delete;
  FormatMigration& operator=(const FormatMigration&) = delete;

  // Moves format-1 records (key id(8), 't' time-index keys) to the
  // clustered layout (clustered key + `ids` entry), `batch_records` per
  // WriteBatch, at most `max_batches` batches (0 = no limit). Each batch
  // moves its records whole and notes the last id moved under
  // kMigrateV2Key, so a kill at any point leaves a store the next call
  // finishes. *done: nothing is left (the remaining 't' keys and the note
  // are then deleted). REQUIRES: a writer's open, before any other reader
  // or writer uses the table.
  Status FromFormat1(size_t batch_records, size_t max_batches, bool* done,
                     uint64_t* moved = nullptr) const;
  // Moves format-2 ids entries (id(8) -> location, one per record) into
  // format-3 blocks (record_table_ids.h), `batch_records` per WriteBatch,
  // at most `max_batches` batches; each batch notes the last id moved
  // under kMigrateV3Key, so a killed migration resumes. *done: no format-2
  // entry is left (the note is then deleted). Run after FromFormat1 (whose
  // older builds wrote format-2 entries).
  Status FromFormat2(size_t batch_records, size_t max_batches, bool* done,
                     uint64_t* moved = nullptr) const;

 private:
  const RecordTable& table_;
  rocksdb::DB* const db_;
  const std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_RECORD_TABLE_MIGRATE_H_
