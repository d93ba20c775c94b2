// Copyright (c) mnemo authors.
//
// Operator calls: Backup, RestoreBackup.
//
// A backup directory is RocksDB's BackupEngine directory of the records'
// instance, plus, under `search/`, one of the full-text index's instance
// (store format 8). The MNEMO marker is not a RocksDB file: a records
// backup carries it as its app metadata, followed by the number of the
// index backup taken with it:
//
//   mnemo store format 8
//   search index backup 3
//
// The index is backed up first, as a checkpoint copies it: an index older
// than the records is caught up by the indexer (records above its
// watermark) and, for an agent changed between the two copies, rebuilt by
// the restored store's first writer open (its intent and applied marks
// differ: search_db.cc). A backup without the line (made before format 8
// kept the index apart, or whose index backup is gone) restores without
// an index; the first writer open then rebuilds it in the background.

#include <rocksdb/utilities/backup_engine.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "keys.h"
#include "store_impl.h"

namespace mnemo {
namespace internal {
namespace {

namespace fs = std::filesystem;

constexpr char kIndexBackupLine[] = "search index backup ";

std::string IndexBackupDir(const std::string& backup_dir) {
  return backup_dir + "/" + kIndexDir;
}

// What a records backup's app metadata says: the marker to write into the
// restored store (the current format's for backups made without one) and
// the index backup taken with it (0: none).
struct BackupMetadata {
  std::string marker;
  uint32_t index_backup = 0;
};

Status ParseBackupMetadata(const std::string& metadata, BackupMetadata* out) {
  *out = BackupMetadata();
  if (metadata.empty()) {
    out->marker = MarkerText();
    return Status::OK();
  }
  const size_t end_of_marker = metadata.find('\n');
  const std::string marker = metadata.substr(0, end_of_marker);
  int version = 0;
  char extra = 0;
  if (std::sscanf(marker.c_str(), "mnemo store format %d%c", &version,
                  &extra) != 1 ||
      version <= 0) {
    return Status::Corruption("backup metadata is not a mnemo marker");
  }
  if (version > kStoreFormatVersion) {
    return Status::NotSupported(
        "backup was made by a newer mnemo (store format " +
        std::to_string(version) + ")");
  }
  out->marker = marker + "\n";
  const size_t line = metadata.find(kIndexBackupLine);
  if (line != std::string::npos) {
    unsigned long id = 0;  // NOLINT(runtime/int): sscanf's %lu
    const char* number = metadata.c_str() + line + sizeof(kIndexBackupLine) - 1;
    if (std::sscanf(number, "%lu", &id) != 1 || id == 0 || id > UINT32_MAX) {
      return Status::Corruption("backup metadata names no index backup");
    }
    out->index_backup = static_cast<uint32_t>(id);
  }
  return Status::OK();
}

// Restores index backup `id` into the store's index directory. A missing
// or unreadable one leaves no directory: the index is derived data, and
// the store's first writer open rebuilds it from the restored records.
void RestoreIndexBackup(const std::string& backup_dir, uint32_t id,
                        const std::string& db_dir) {
  const std::string from = IndexBackupDir(backup_dir);
  const std::string to = db_dir + "/" + kIndexDir;
  std::error_code ec;
  if (id == 0 || !fs::is_directory(from, ec)) return;
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  rocksdb::Status s = rocksdb::BackupEngineReadOnly::Open(
      rocksdb::BackupEngineOptions(from), rocksdb::Env::Default(), &raw);
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  if (s.ok()) s = engine->RestoreDBFromBackup(id, to, to);
  if (!s.ok()) fs::remove_all(to, ec);
}

}  // namespace

// Beside a writer process, files can vanish while the backup copies them
// (the writer's flushes and compactions delete them). A checkpoint pins
// them at once (hard links, in the backup directory when it shares the
// file system); the backup is then taken from that private copy, opened
// as a store of its own, and the copy removed.
Status StoreImpl::BackupThroughCheckpoint(const std::string& backup_dir,
                                          BackupInfo* info) {
  std::error_code ec;
  fs::create_directories(backup_dir, ec);
  if (ec)
    return Status::IOError("cannot create backup directory " + backup_dir);
  std::string staging =
      backup_dir + "/.mnemo-staging-" + std::to_string(::getpid());
  fs::remove_all(staging, ec);
  Status s = Checkpoint(staging);
  if (s.ok()) {
    Options copy_options;
    copy_options.create_if_missing = false;
    copy_options.track_access = false;
    std::unique_ptr<Store> copy;
    s = Store::Open(copy_options, staging, &copy);
    if (s.ok()) s = mnemo::Backup(copy.get(), backup_dir, info);
  }
  fs::remove_all(staging, ec);
  return s;
}

Status StoreImpl::Backup(const std::string& backup_dir, BackupInfo* info) {
  if (options_.read_only) return BackupThroughCheckpoint(backup_dir, info);
  std::string metadata = MarkerText();
  BackupMade index;
  if (search_.owns_database()) {
    MNEMO_RETURN_IF_ERROR(search_.Backup(IndexBackupDir(backup_dir), &index));
    metadata += kIndexBackupLine + std::to_string(index.id) + "\n";
  }
  BackupMade records;
  Status s = BackupDatabase(db_, backup_dir, metadata, &records);
  if (!s.ok() && index.id != 0) {  // no records backup will name it
    (void)DeleteBackup(IndexBackupDir(backup_dir), index.id);  // s says why
  }
  MNEMO_RETURN_IF_ERROR(s);
  if (info != nullptr) {
    info->backup_id = records.id;
    info->size_bytes = records.bytes + index.bytes;
    info->index_bytes = index.bytes;
    info->backup_count = records.count;
  }
  return Status::OK();
}

}  // namespace internal

Status RestoreBackup(const std::string& backup_dir, const std::string& db_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(backup_dir, ec)) {
    return Status::NotFound("no backup directory at " + backup_dir);
  }
  if (fs::exists(db_dir, ec) && !fs::is_empty(db_dir, ec)) {
    return Status::AlreadyExists("restore target " + db_dir +
                                 " exists and is not empty");
  }
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  rocksdb::BackupEngineOptions options(backup_dir);
  MNEMO_RETURN_IF_ERROR(
      internal::FromRocks(rocksdb::BackupEngineReadOnly::Open(
                              options, rocksdb::Env::Default(), &raw),
                          "opening backup directory " + backup_dir));
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  rocksdb::BackupInfo latest;
  rocksdb::Status s = engine->GetLatestBackupInfo(&latest);
  if (s.IsNotFound()) return Status::NotFound("no backup in " + backup_dir);
  MNEMO_RETURN_IF_ERROR(internal::FromRocks(s, "reading backup info"));
  internal::BackupMetadata metadata;
  MNEMO_RETURN_IF_ERROR(
      internal::ParseBackupMetadata(latest.app_metadata, &metadata));
  fs::create_directories(db_dir, ec);
  if (ec) return Status::IOError("cannot create " + db_dir);
  MNEMO_RETURN_IF_ERROR(internal::FromRocks(
      engine->RestoreDBFromBackup(latest.backup_id, db_dir, db_dir),
      "restoring " + backup_dir + " into " + db_dir));
  internal::RestoreIndexBackup(backup_dir, metadata.index_backup, db_dir);
  return internal::WriteMarkerInto(db_dir, metadata.marker);
}

}  // namespace mnemo
