// Copyright (c) mnemo authors.
//
// RecordTable on the format 1 layout: reads and walks of the pages family
// ('p' page values, 'v' live-set keys; keys.h).

#include <string>

#include "coding.h"
#include "keys.h"
#include "record_table.h"
#include "rocks_glue.h"
#include "rocks_iter.h"

namespace mnemo::internal {
namespace {

constexpr size_t kPageKeySize = 9;   // 'p' page_id
constexpr size_t kLiveKeySize = 17;  // 'v' page_id id

}  // namespace

Status RecordTable::GetPageBytes(const rocksdb::ReadOptions& ro,
                                 uint64_t page_id, std::string* value) const {
  rocksdb::Status s = db_->Get(ro, handles_[kPages], PageKey(page_id), value);
  std::string name = "page " + std::to_string(page_id);
  if (s.IsNotFound()) return Status::NotFound(name + " not found");
  return FromRocks(s, "reading " + name);
}

Status RecordTable::ForEachPage(
    const rocksdb::ReadOptions& read,
    const std::function<Status(uint64_t, std::string_view)>& fn) const {
  std::string prefix(1, kPageTag);
  std::string upper = PrefixSuccessor(prefix);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro = read;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(NewIterator(db_, ro, handles_[kPages]));
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    if (it->key().size() != kPageKeySize) continue;
    MNEMO_RETURN_IF_ERROR(fn(DecodeBigEndian64(it->key().data() + 1),
                             {it->value().data(), it->value().size()}));
  }
  return FromRocks(it->status(), "reading pages");
}

Status RecordTable::AnyPage(bool* any) const {
  std::string prefix(1, kPageTag);
  std::unique_ptr<rocksdb::Iterator> it(
      NewIterator(db_, rocksdb::ReadOptions(), handles_[kPages]));
  it->Seek(prefix);
  *any = it->Valid() && it->key().starts_with(prefix);
  return FromRocks(it->status(), "reading pages");
}

void RecordTable::DeleteLiveKey(uint64_t page_id, RecordId id,
                                rocksdb::WriteBatch* batch) const {
  (void)batch->Delete(handles_[kPages], LiveKey(page_id, id));
}

Status RecordTable::CheckPagesFamily(const rocksdb::ReadOptions& ro,
                                     const PagesVisitor& visit,
                                     rocksdb::WriteBatch* repair) const {
  std::unique_ptr<rocksdb::Iterator> it(NewIterator(db_, ro, handles_[kPages]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    if (key.size() == kPageKeySize && key[0] == kPageTag) {
      visit.page(DecodeBigEndian64(key.data() + 1),
                 {it->value().data(), it->value().size()});
    } else if (key.size() == kLiveKeySize && key[0] == kLiveTag) {
      visit.live(DecodeBigEndian64(key.data() + 1),
                 DecodeBigEndian64(key.data() + 9));
    } else {
      visit.malformed();
      if (repair != nullptr) (void)repair->Delete(handles_[kPages], key);
    }
  }
  return FromRocks(it->status(), "verifying pages");
}

}  // namespace mnemo::internal
