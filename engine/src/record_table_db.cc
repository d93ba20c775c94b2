// Copyright (c) mnemo authors.
//
// RecordTable on the format 1 layout: the database and its handles (open,
// close, flush), the statistics Store::GetStats reports, the metadata
// kept in the default family (zstd dictionaries) and the hot cache's
// spill family.

#include <algorithm>
#include <string>

#include "keys.h"
#include "record_table.h"
#include "rocks_glue.h"
#include "rocks_iter.h"

namespace mnemo::internal {
namespace {

// Counts the keys of `family` that start with `prefix` ("" = all).
Status CountKeys(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family,
                 const std::string& prefix, uint64_t* count) {
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(NewIterator(db, ro, family));
  *count = 0;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    ++*count;
  }
  return FromRocks(it->status(), "counting keys of " + family->GetName());
}

uint64_t IntProperty(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family,
                     const std::string& name) {
  uint64_t value = 0;
  return db->GetIntProperty(family, name, &value) ? value : 0;
}

}  // namespace

rocksdb::Status RecordTable::OpenDb(
    const rocksdb::DBOptions& options, const std::string& dir,
    const std::vector<rocksdb::ColumnFamilyDescriptor>& families,
    bool read_only, rocksdb::DB** db) {
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  *db = nullptr;
  // A read-only open cannot create a family: one an older format lacks
  // (`access` before format 4) is left out and its handle stays null.
  std::vector<rocksdb::ColumnFamilyDescriptor> present = families;
  std::vector<size_t> missing;
  std::vector<std::string> existing;
  if (read_only &&
      rocksdb::DB::ListColumnFamilies(options, dir, &existing).ok()) {
    present.clear();
    for (size_t i = 0; i < families.size(); ++i) {
      bool there = std::find(existing.begin(), existing.end(),
                             families[i].name) != existing.end();
      if (there || i != kAccess) present.push_back(families[i]);
      else missing.push_back(i);
    }
  }
  rocksdb::Status s =
      read_only
          ? rocksdb::DB::OpenForReadOnly(options, dir, present, &handles, db)
          : rocksdb::DB::Open(options, dir, present, &handles, db);
  if (!s.ok()) {
    *db = nullptr;
    return s;
  }
  for (size_t i : missing) handles.insert(handles.begin() + i, nullptr);
  Attach(*db, handles);
  return s;
}

void RecordTable::CloseDb() {
  if (db_ != nullptr) {
    for (auto* handle : handles_) {
      if (handle != nullptr) (void)db_->DestroyColumnFamilyHandle(handle);
    }
  }
  Detach();
}

rocksdb::Status RecordTable::FlushAll(
    const rocksdb::FlushOptions& options) const {
  std::vector<rocksdb::ColumnFamilyHandle*> open;
  for (auto* handle : handles_) {
    if (handle != nullptr) open.push_back(handle);
  }
  return db_->Flush(options, open);
}

Status RecordTable::Write(const rocksdb::WriteOptions& options,
                          rocksdb::WriteBatch* batch,
                          std::string_view what) const {
  return FromRocks(db_->Write(options, batch), what);
}

const rocksdb::Snapshot* RecordTable::GetSnapshot() const {
  return db_->GetSnapshot();
}

void RecordTable::ReleaseSnapshot(const rocksdb::Snapshot* snapshot) const {
  db_->ReleaseSnapshot(snapshot);
}

RecordTable::FamilyStats RecordTable::StatsOf(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family) {
  FamilyStats f;
  f.name = family->GetName();
  f.estimated_keys = IntProperty(db, family, "rocksdb.estimate-num-keys");
  f.sst_bytes = IntProperty(db, family, "rocksdb.total-sst-files-size");
  f.memtable_bytes = IntProperty(db, family, "rocksdb.cur-size-all-mem-tables");
  return f;
}

std::vector<RecordTable::FamilyStats> RecordTable::FamilyProperties() const {
  std::vector<FamilyStats> out;
  for (auto* handle : handles_) {
    if (handle == nullptr) continue;  // not in this store's format
    out.push_back(StatsOf(db_, handle));
  }
  return out;
}

Status RecordTable::CountHistory(uint64_t* n) const {
  return CountKeys(db_, handles_[kHistory], "", n);
}

Status RecordTable::CountNamespaces(uint64_t* n) const {
  return CountKeys(db_, handles_[kIndex], std::string(1, kNamespaceTag), n);
}

Status RecordTable::CountPages(uint64_t* n) const {
  return CountKeys(db_, handles_[kPages], std::string(1, kPageTag), n);
}

Status RecordTable::GetCurrentDictionary(uint32_t* id) const {
  *id = 0;
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handles_[kDefault],
                               kDictCurrentKey, &value);
  if (s.IsNotFound()) return Status::OK();
  MNEMO_RETURN_IF_ERROR(FromRocks(s, "reading dictionary id"));
  size_t used = 0;
  unsigned long parsed = 0;
  try {
    parsed = std::stoul(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != value.size() || parsed > UINT32_MAX) {
    return Status::Corruption("bad " + std::string(kDictCurrentKey) +
                              " value (" + std::to_string(value.size()) +
                              " bytes)");
  }
  *id = static_cast<uint32_t>(parsed);
  return Status::OK();
}

Status RecordTable::GetDictionary(uint32_t id, std::string* dict,
                                  bool* found) const {
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), handles_[kDefault],
               std::string(kDictKeyPrefix) + std::to_string(id), dict);
  *found = s.ok();
  if (s.IsNotFound()) return Status::OK();
  return FromRocks(s, "reading zstd dictionary " + std::to_string(id));
}

Status RecordTable::PutDictionary(uint32_t id, std::string_view dict) const {
  rocksdb::WriteBatch batch;
  (void)batch.Put(handles_[kDefault],
                  std::string(kDictKeyPrefix) + std::to_string(id), dict);
  (void)batch.Put(handles_[kDefault], kDictCurrentKey, std::to_string(id));
  rocksdb::WriteOptions wo;
  wo.sync = true;  // records compressed with it must never outlive it
  return FromRocks(db_->Write(wo, &batch), "storing dictionary");
}

Status RecordTable::PutSpill(std::string_view key,
                             std::string_view value) const {
  return FromRocks(
      db_->Put(rocksdb::WriteOptions(), handles_[kSpill], key, value),
      "spilling");
}

Status RecordTable::GetSpill(std::string_view key, std::string* value) const {
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), handles_[kSpill], key, value);
  if (s.IsNotFound()) return Status::NotFound("spilled entry");
  return FromRocks(s, "reading spilled entry");
}

Status RecordTable::EraseSpill(std::string_view key) const {
  return FromRocks(db_->Delete(rocksdb::WriteOptions(), handles_[kSpill], key),
                   "erasing spilled entry");
}

Status RecordTable::ForEachSpillKey(
    std::string_view prefix,
    const std::function<void(std::string_view)>& fn) const {
  std::string lower(prefix), upper = PrefixSuccessor(lower);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(NewIterator(db_, ro, handles_[kSpill]));
  for (it->Seek(lower); it->Valid(); it->Next()) {
    fn({it->key().data(), it->key().size()});
  }
  return FromRocks(it->status(), "reading the spill family");
}

void RecordTable::DeleteSpill(std::string_view key,
                              rocksdb::WriteBatch* batch) const {
  (void)batch->Delete(handles_[kSpill], key);
}

}  // namespace mnemo::internal
