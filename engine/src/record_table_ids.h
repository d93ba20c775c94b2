// Copyright (c) mnemo authors.
//
// The `ids` family of format 3 (keys.h): id -> location of the record in
// `records`, one key per block of kIdsBlockSize consecutive ids. A value
// is the block's entries in offset order, each
//   offset(1) slot(4) time(8)        (the 12-byte location of format 2)
// and every write is a Merge operand of the same form: the merge operator
// applies operands in order (the last entry of an offset wins) and drops
// entries whose slot is 0 (a deleted id) once nothing older can lie below.
// Format 6: an offset byte with kIdsInsertFlag set is a new record's
// entry, written some time after the record (PendingIds): it applies only
// where nothing older holds an entry for the offset, because every other
// change of an id (move, delete, import, repair) comes after its insert,
// so a late insert entry never undoes one.
// A batch of new records therefore writes one ids entry per block it
// touches (one or two for PutBatch(32)) instead of one per record, and a
// Get still finds the location with one point lookup.
//
// Internal to the record table (record_table*.cc) and the family options
// (rocks_glue.cc, which installs the merge operator).

#ifndef MNEMO_ENGINE_RECORD_TABLE_IDS_H_
#define MNEMO_ENGINE_RECORD_TABLE_IDS_H_

#include <rocksdb/merge_operator.h>
#include <rocksdb/slice.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "mnemo/record.h"

namespace mnemo::internal {

inline constexpr size_t kIdsBlockShift = 6;
inline constexpr size_t kIdsBlockSize = size_t{1} << kIdsBlockShift;
inline constexpr size_t kIdsEntrySize = 13;  // offset(1) + location(12)
inline constexpr char kIdsBlockTag = 'b';
inline constexpr size_t kIdsBlockKeySize = 9;  // tag + block number(8)
inline constexpr uint8_t kIdsInsertFlag = 0x80;  // in the offset byte
inline constexpr uint8_t kIdsOffsetMask = kIdsBlockSize - 1;

// 'b' + BE64(id >> kIdsBlockShift): the key of the block holding `id`.
std::string IdsBlockKey(RecordId id);
void AppendIdsBlockKey(RecordId id, std::string* out);
// The first id of the block named by a block key; false when `key` is not
// one (format-2 ids keys are 8 bytes).
bool ParseIdsBlockKey(std::string_view key, RecordId* first);

// Checks that `value` is a sequence of whole entries with offsets below
// kIdsBlockSize, strictly increasing (the insert flag aside).
bool IdsBlockWellFormed(std::string_view value);
// The 12-byte location of `id` in its block's value; false when the block
// has no entry for it (or holds a deletion). *at: the entry's byte offset.
bool FindInIdsBlock(std::string_view value, RecordId id,
                    std::string_view* location, size_t* at = nullptr);
// Calls fn(id, location) for each entry of a well-formed block value whose
// first id is `first`, in id order, skipping deletions.
void ForEachInIdsBlock(
    std::string_view value, RecordId first,
    const std::function<void(RecordId, std::string_view)>& fn);

// One block's operand under construction: entries appended in increasing
// id order (a batch of new records), or single entries.
class IdsOperand {
 public:
  // Appends the entry of `id` (location: 12 bytes; "" = deleted; `insert`:
  // a new record's entry, kIdsInsertFlag). Returns false, appending
  // nothing, when `id` lies in another block than the entries so far or
  // does not follow the last one (the caller flushes).
  bool Add(RecordId id, std::string_view location, bool insert = false);
  bool empty() const { return value_.empty(); }
  // RecordTable::Insert with a stamp: the new records' entries wait
  // (record_table_pending.h) instead of going into this operand.
  void set_deferred(bool deferred) { deferred_ = deferred; }
  bool deferred() const { return deferred_; }
  RecordId first_id() const { return block_first_; }
  const std::string& value() const { return value_; }
  void Clear() { value_.clear(); }

 private:
  RecordId block_first_ = 0;
  int last_offset_ = -1;
  bool deferred_ = false;
  std::string value_;
};

// The ids family's merge operator (rocks_glue.cc installs it).
std::shared_ptr<rocksdb::MergeOperator> NewIdsMergeOperator();

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_RECORD_TABLE_IDS_H_
