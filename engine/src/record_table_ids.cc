// Copyright (c) mnemo authors.
//
// The format-3 ids blocks (record_table_ids.h): key and value codec and
// the merge operator that folds a block's operands.

#include "record_table_ids.h"

#include <array>
#include <cstring>
#include <deque>

#include "coding.h"
#include "keys.h"

namespace mnemo::internal {
namespace {

bool IsDeletion(const char* entry) {
  return DecodeBigEndian32(entry + 1) == 0;  // slots start at 1
}

bool IsInsert(const char* entry) {
  return (static_cast<uint8_t>(entry[0]) & kIdsInsertFlag) != 0;
}

// The latest entry per offset of a sequence of block values/operands; an
// insert entry (kIdsInsertFlag) only where no older one holds the offset.
class BlockFold {
 public:
  // False, applying nothing, when `value` is malformed.
  bool Apply(const rocksdb::Slice& value) {
    if (!IdsBlockWellFormed({value.data(), value.size()})) return false;
    for (size_t at = 0; at < value.size(); at += kIdsEntrySize) {
      const char* entry = value.data() + at;
      const char*& slot = latest_[static_cast<uint8_t>(*entry) & kIdsOffsetMask];
      if (slot == nullptr || !IsInsert(entry)) slot = entry;
    }
    return true;
  }
  // The folded value; deletions and insert flags kept (a partial merge:
  // older operands may lie below) or dropped (a full merge: nothing lies
  // below, so the result is the block's settled state).
  void Emit(bool partial, std::string* out) const {
    out->clear();
    for (const char* entry : latest_) {
      if (entry == nullptr || (!partial && IsDeletion(entry))) continue;
      out->append(entry, kIdsEntrySize);
      if (!partial) out->at(out->size() - kIdsEntrySize) &= kIdsOffsetMask;
    }
  }

 private:
  std::array<const char*, kIdsBlockSize> latest_{};
};

class IdsMergeOperator final : public rocksdb::MergeOperator {
 public:
  const char* Name() const override { return "mnemo.IdsBlock"; }

  // A malformed value or operand (a damaged block) is left out of the
  // fold rather than failing it: a failed merge would make every id of
  // the block unreadable, while verify's repair rewrites the entries of
  // the block's records on top of it (record_table_verify.cc).
  bool FullMergeV2(const MergeOperationInput& in,
                   MergeOperationOutput* out) const override {
    BlockFold fold;
    if (in.existing_value != nullptr) (void)fold.Apply(*in.existing_value);
    for (const rocksdb::Slice& operand : in.operand_list) {
      (void)fold.Apply(operand);
    }
    fold.Emit(/*partial=*/false, &out->new_value);
    return true;
  }

  bool PartialMergeMulti(const rocksdb::Slice& /*key*/,
                         const std::deque<rocksdb::Slice>& operands,
                         std::string* new_value,
                         rocksdb::Logger* /*logger*/) const override {
    BlockFold fold;
    for (const rocksdb::Slice& operand : operands) (void)fold.Apply(operand);
    fold.Emit(/*partial=*/true, new_value);
    return true;
  }
};

}  // namespace

void AppendIdsBlockKey(RecordId id, std::string* out) {
  out->push_back(kIdsBlockTag);
  PutBigEndian64(out, id >> kIdsBlockShift);
}

std::string IdsBlockKey(RecordId id) {
  std::string key;
  key.reserve(kIdsBlockKeySize);
  AppendIdsBlockKey(id, &key);
  return key;
}

bool ParseIdsBlockKey(std::string_view key, RecordId* first) {
  if (key.size() != kIdsBlockKeySize || key[0] != kIdsBlockTag) return false;
  *first = DecodeBigEndian64(key.data() + 1) << kIdsBlockShift;
  return true;
}

bool IdsBlockWellFormed(std::string_view value) {
  if (value.size() % kIdsEntrySize != 0) return false;
  int last = -1;
  for (size_t at = 0; at < value.size(); at += kIdsEntrySize) {
    const uint8_t byte = static_cast<uint8_t>(value[at]);
    const int offset = byte & ~kIdsInsertFlag;
    if (offset >= static_cast<int>(kIdsBlockSize) || offset <= last) {
      return false;
    }
    last = offset;
  }
  return true;
}

// Entries are in offset order: a full block holds offset k at entry k, so
// the search starts there.
bool FindInIdsBlock(std::string_view value, RecordId id,
                    std::string_view* location, size_t* at) {
  const uint8_t offset = static_cast<uint8_t>(id & (kIdsBlockSize - 1));
  size_t lo = 0, hi = value.size() / kIdsEntrySize;
  size_t mid = std::min<size_t>(offset, hi == 0 ? 0 : hi - 1);
  while (lo < hi) {
    const char* entry = value.data() + mid * kIdsEntrySize;
    uint8_t got = static_cast<uint8_t>(entry[0]) & kIdsOffsetMask;
    if (got == offset) {
      if (IsDeletion(entry)) return false;
      *location = std::string_view(entry + 1, kLocationSize);
      if (at != nullptr) *at = mid * kIdsEntrySize;
      return true;
    }
    if (got < offset) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
    mid = lo + (hi - lo) / 2;
  }
  return false;
}

void ForEachInIdsBlock(
    std::string_view value, RecordId first,
    const std::function<void(RecordId, std::string_view)>& fn) {
  for (size_t at = 0; at + kIdsEntrySize <= value.size();
       at += kIdsEntrySize) {
    const char* entry = value.data() + at;
    if (IsDeletion(entry)) continue;
    fn(first + (static_cast<uint8_t>(entry[0]) & kIdsOffsetMask),
       std::string_view(entry + 1, kLocationSize));
  }
}

bool IdsOperand::Add(RecordId id, std::string_view location, bool insert) {
  const RecordId first = id & ~RecordId{kIdsBlockSize - 1};
  const int offset = static_cast<int>(id - first);
  if (!value_.empty() && (first != block_first_ || offset <= last_offset_)) {
    return false;
  }
  if (value_.empty()) value_.reserve(kIdsEntrySize * 8);
  block_first_ = first;
  last_offset_ = offset;
  value_.push_back(static_cast<char>(offset | (insert ? kIdsInsertFlag : 0)));
  if (location.size() == kLocationSize) {
    value_.append(location);
  } else {
    value_.append(kLocationSize, '\0');  // slot 0: deleted
  }
  return true;
}

std::shared_ptr<rocksdb::MergeOperator> NewIdsMergeOperator() {
  return std::make_shared<IdsMergeOperator>();
}

}  // namespace mnemo::internal
