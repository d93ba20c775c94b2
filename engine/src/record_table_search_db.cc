// Copyright (c) mnemo authors.
//
// SearchTable (record_table_search.h): the index's own RocksDB instance
// (open, close, writes, snapshots, checkpoints, backups, statistics).

#include <rocksdb/utilities/checkpoint.h>

#include <memory>

#include "keys.h"
#include "record_table_search.h"
#include "rocks_glue.h"

namespace mnemo::internal {
namespace {

constexpr char kCountersFamily[] = "default";
constexpr char kPostingsFamily[] = "postings";

}  // namespace

Status SearchTable::Open(const rocksdb::DBOptions& options,
                         const std::string& dir,
                         const rocksdb::ColumnFamilyOptions& counters,
                         const rocksdb::ColumnFamilyOptions& postings,
                         bool read_only, bool* created) {
  Close();
  *created = false;
  rocksdb::DBOptions db_options = options;
  db_options.create_if_missing = !read_only;
  db_options.create_missing_column_families = !read_only;
  db_options.error_if_exists = false;
  std::vector<std::string> existing;
  rocksdb::Status listed =
      rocksdb::DB::ListColumnFamilies(db_options, dir, &existing);
  if (read_only && !listed.ok()) {
    return Status::NotFound("no search index at " + dir);
  }
  *created = !listed.ok();
  std::vector<rocksdb::ColumnFamilyDescriptor> families{
      {kCountersFamily, counters}, {kPostingsFamily, postings}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s =
      read_only ? rocksdb::DB::OpenForReadOnly(db_options, dir, families,
                                               &handles, &db)
                : rocksdb::DB::Open(db_options, dir, families, &handles, &db);
  if (!s.ok()) return FromRocks(s, "opening the search index at " + dir);
  db_ = db;
  owned_ = true;
  handles_ = handles;
  counters_ = handles[0];
  postings_ = handles[1];
  return Status::OK();
}

void SearchTable::ShareDatabase(rocksdb::DB* db,
                                rocksdb::ColumnFamilyHandle* postings,
                                rocksdb::ColumnFamilyHandle* counters) {
  Close();
  db_ = db;
  owned_ = false;
  postings_ = postings;
  counters_ = counters;
}

void SearchTable::Close() {
  if (owned_ && db_ != nullptr) {
    for (auto* handle : handles_) (void)db_->DestroyColumnFamilyHandle(handle);
    (void)db_->Close();
    delete db_;
  }
  handles_.clear();
  db_ = nullptr;
  owned_ = false;
  postings_ = counters_ = nullptr;
}

Status SearchTable::Write(const rocksdb::WriteOptions& options,
                          rocksdb::WriteBatch* batch,
                          std::string_view what) const {
  return FromRocks(db_->Write(options, batch), what);
}

Status SearchTable::Resume() const {
  return FromRocks(db_->Resume(), "resuming the search index");
}

Status SearchTable::Flush() const {
  rocksdb::FlushOptions flush;
  flush.allow_write_stall = true;
  return FromRocks(db_->Flush(flush, {counters_, postings_}),
                   "flushing the search index");
}

const rocksdb::Snapshot* SearchTable::GetSnapshot() const {
  return db_->GetSnapshot();
}

void SearchTable::ReleaseSnapshot(const rocksdb::Snapshot* snapshot) const {
  if (snapshot != nullptr) db_->ReleaseSnapshot(snapshot);
}

Status SearchTable::Checkpoint(const std::string& out_dir,
                               uint64_t flush_unless_wal_above) const {
  rocksdb::Checkpoint* raw = nullptr;
  MNEMO_RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(db_, &raw),
                                  "checkpoint of the search index"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  return FromRocks(
      checkpoint->CreateCheckpoint(out_dir, flush_unless_wal_above),
      "checkpoint of the search index to " + out_dir);
}

Status SearchTable::Backup(const std::string& backup_dir,
                           BackupMade* made) const {
  return BackupDatabase(db_, backup_dir, "mnemo search index\n", made)
      .WithContext("the search index");
}

std::vector<RecordTable::FamilyStats> SearchTable::FamilyProperties() const {
  std::vector<RecordTable::FamilyStats> out;
  if (!owned_) return out;
  for (auto* handle : handles_) {
    out.push_back(RecordTable::StatsOf(db_, handle));
    out.back().name = "search/" + out.back().name;
  }
  return out;
}

}  // namespace mnemo::internal
