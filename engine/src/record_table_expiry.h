// Copyright (c) mnemo authors.
//
// The expiry index's writes and its due-walk, on the index family handle:
// used by RecordTable's format-1 implementation only (record_table*.cc).
// Key layouts: expiry_index.h.

#ifndef MNEMO_ENGINE_RECORD_TABLE_EXPIRY_H_
#define MNEMO_ENGINE_RECORD_TABLE_EXPIRY_H_

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <string_view>
#include <vector>

#include "expiry_index.h"

namespace mnemo::internal {

// Adds the entry of `r` (when it needs one: its 'x' key and a 'y' key
// per page of its span) / its deletion.
void AppendExpiryPut(const Record& r, rocksdb::ColumnFamilyHandle* index,
                     rocksdb::WriteBatch* batch);
void AppendExpiryDelete(const Record& r, rocksdb::ColumnFamilyHandle* index,
                        rocksdb::WriteBatch* batch);
// Deletes the 'x' key and the 'y' keys an entry names.
void AppendExpiryEntryDelete(const ExpiredEntry& e,
                             rocksdb::ColumnFamilyHandle* index,
                             rocksdb::WriteBatch* batch);
// Reads up to `limit` entries that expire at or before `now`, oldest
// first, starting after the 'x' key `after` ("": from the first).
// Corruption on a malformed entry.
Status ReadExpiredEntries(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* index,
                          rocksdb::ReadOptions ro, Micros now, size_t limit,
                          std::vector<ExpiredEntry>* out,
                          std::string_view after = {});

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_RECORD_TABLE_EXPIRY_H_
