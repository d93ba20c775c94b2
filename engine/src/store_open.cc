// Copyright (c) mnemo authors.
//
// Opening and closing a store (record ids: store_ids.cc).

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cluster_store.h"
#include "info_log.h"
#include "keys.h"
#include "record_table_migrate.h"
#include "search_analyzer.h"
#include "test_hooks.h"
#include "store_impl.h"

namespace mnemo {

Status Store::Open(const Options& options, const std::string& dir,
                   std::unique_ptr<Store>* store) {
  store->reset();
  if (dir.empty()) return Status::InvalidArgument("store directory is empty");
  if (options.cluster.Enabled()) {
    return internal::OpenClusterStore(options, dir, store);
  }
  try {
    auto impl = std::make_unique<internal::StoreImpl>(options, dir);
    MNEMO_RETURN_IF_ERROR(impl->OpenDb());
    *store = std::move(impl);
    return Status::OK();
  } catch (const std::exception& e) {
    return Status::IOError("opening store " + dir + ": " + e.what());
  }
}

namespace internal {

namespace fs = std::filesystem;

// Size at which the info log (LOG) starts a new file.
constexpr uint64_t kMaxInfoLogBytes = 16 << 20;

StoreImpl::StoreImpl(const Options& options, std::string dir)
    : options_(options),
      dir_(std::move(dir)),
      clock_(options.clock ? options.clock : Clock::System()),
      config_(MakeRocksConfig(options, clock_)) {}

StoreImpl::~StoreImpl() {
  StopBackground();
  cache_.reset();  // before the database its spill sink writes to
  if (db_ == nullptr) return;
  if (!options_.read_only) {
    (void)FlushAccessCounts();
    (void)FlushPendingIdsAtClose();
  }
  // A later read-only open searches what is indexed now.
  (void)CatchUpSearch(LastAssignedId(), /*wait=*/false, nullptr);
  if (!options_.read_only) FlushMemtables();
  CloseDb();
}

// A closed store holds its records in table files, not only in its
// write-ahead log: the next open, and every read-only open (which replays
// the log in memory each time and cannot shorten it), starts without
// replaying them. Skipped after a failed write: a write-ahead log failure
// may have left a batch in the log that no memtable holds, and flushing
// some families past that log would keep part of it (see
// WalFailureListener); after other failures RocksDB refuses flushes anyway.
// A flush that fails (a full disk) leaves the log to be replayed.
void StoreImpl::FlushMemtables() {
  if (config_.wal_failures->failed() || write_failed_.load()) return;
  rocksdb::FlushOptions flush;
  flush.allow_write_stall = true;
  (void)table_.FlushAll(flush);
  if (search_.owns_database() && !index_write_failed_.load()) {
    (void)search_.Flush();
  }
}

// The MNEMO marker file says "this directory is a mnemo store of format N".
// It is checked before RocksDB touches anything, so a foreign directory or a
// store from a newer build is refused without being modified.
Status StoreImpl::CheckMarker(bool* fresh) {
  std::error_code ec;
  *fresh = false;
  if (!fs::exists(dir_, ec)) {
    if (!options_.create_if_missing || options_.read_only) {
      return Status::NotFound("no mnemo store at " + dir_);
    }
    *fresh = true;
    return Status::OK();
  }
  if (!fs::is_directory(dir_, ec)) {
    return Status::InvalidArgument(dir_ + " is not a directory");
  }
  std::ifstream marker(dir_ + "/" + kMarkerFile);
  if (!marker) {
    // Empty, or holding only the marker's temporary file: a creation that
    // was interrupted (the marker is written before RocksDB creates
    // anything), so it starts afresh instead of refusing the directory.
    bool interrupted = true;
    for (const auto& entry : fs::directory_iterator(dir_, ec)) {
      interrupted = interrupted && entry.path().filename() == "MNEMO.tmp";
    }
    if (!ec && interrupted && options_.create_if_missing &&
        !options_.read_only) {
      *fresh = true;
      return Status::OK();
    }
    return Status::InvalidArgument(dir_ +
                                   " is not a mnemo store (no MNEMO marker)");
  }
  std::string word1, word2, word3;
  int version = 0;
  marker >> word1 >> word2 >> word3 >> version;
  if (word1 != "mnemo" || version <= 0) {
    return Status::Corruption(dir_ + "/MNEMO: unreadable marker file");
  }
  if (version > kStoreFormatVersion) {
    return Status::NotSupported(
        dir_ + " was written by a newer mnemo (store format " +
        std::to_string(version) + "; this build reads up to " +
        std::to_string(kStoreFormatVersion) + ")");
  }
  if (options_.error_if_exists) {
    return Status::AlreadyExists("mnemo store exists at " + dir_);
  }
  stored_format_ = version;
  // Format 3 differs only by the `access` family, which a read-only open
  // goes without (RecordTable::OpenDb).
  if (version < 3 && options_.read_only) {
    return Status::NotSupported(
        dir_ + " holds store format " + std::to_string(version) +
        ", which a read-only open cannot read; upgrade it with `mnemo "
        "migrate --db " + dir_ + "` (or any writer's open)");
  }
  return Status::OK();
}

// A format-1 or format-2 store is migrated in place before anything else
// reads it (FormatMigration::FromFormat1 and FromFormat2:
// batches, resumable); the marker says 3 only once every record and ids
// entry moved, so a kill in between leaves a store of its old format whose
// next writer's open goes on. Format 1 moves straight to format 3; the
// format-2 pass then regroups any format-2 ids entries (those of a
// format-2 store, or of a format-1 migration an older build began).
Status StoreImpl::MigrateIfOld() {
  // A read-only open reads formats 3 to 7 as they are (CheckMarker
  // refuses older ones) and writes nothing, the marker included.
  if (options_.read_only) return Status::OK();
  // A kill between format 8's marker and the removal of the moved index.
  if (stored_format_ >= kStoreFormatVersion) return RemoveOldIndex();
  size_t batch_records = 0, max_batches = 0;
  MigrationLimit(&batch_records, &max_batches);  // tests only
  constexpr size_t kMigrationBatch = 1000;
  if (batch_records == 0) batch_records = kMigrationBatch;
  // The test limit applies to each pass.
  bool done = true;
  // A format-6 store has its watermark, below which a crash may have left
  // ids entries unwritten (RecoverPendingIds): it must not be raised here.
  if (stored_format_ < 6) MNEMO_RETURN_IF_ERROR(WriteIdsWatermarkOnUpgrade());
  if (stored_format_ >= 3) {
    // Format 4 adds the `access` family, which the open created; counts
    // already merged into `records` stay there (its merge operator).
    // Formats 5 and 7 write envelope versions 2 and 3 (envelope.h); the
    // older values already stored stay readable, so nothing is rewritten,
    // but a build that knows only the older format must no longer open
    // the store. Format 8 moves the index out first (search_db.cc).
    MNEMO_RETURN_IF_ERROR(MoveIndexOut());
    MNEMO_RETURN_IF_ERROR(WriteMarker());
    stored_format_ = kStoreFormatVersion;
    return RemoveOldIndex();
  }
  if (stored_format_ < 2) {
    MNEMO_RETURN_IF_ERROR(
        table_.Migration().FromFormat1(batch_records, max_batches, &done));
  }
  if (done) {
    MNEMO_RETURN_IF_ERROR(
        table_.Migration().FromFormat2(batch_records, max_batches, &done));
  }
  if (!done) {
    return Status::Aborted("store " + dir_ + ": migration to format " +
                           std::to_string(kStoreFormatVersion) +
                           " stopped (test limit)");
  }
  FlushMemtables();
  MNEMO_RETURN_IF_ERROR(MoveIndexOut());
  MNEMO_RETURN_IF_ERROR(WriteMarker());
  stored_format_ = kStoreFormatVersion;
  return RemoveOldIndex();
}

// Format 6 (record_table_pending.h): every entry of an older store was
// written with its record, so the watermark is the largest id it can hold
// (written before the marker: an older build ignores it).
Status StoreImpl::WriteIdsWatermarkOnUpgrade() {
  RecordId bound = 0;
  MNEMO_RETURN_IF_ERROR(StoredIdBound(&bound));
  rocksdb::WriteBatch batch;
  table_.PutCounter(kIdsDurableKey, bound, &batch);
  return table_.Write(rocksdb::WriteOptions(), &batch,
                      "writing the ids watermark");
}

// After a crash, the ids entries the records written last were waiting
// for (record_table_pending.h).
// A writer's store then holds a watermark at or above the last id (the one
// it had, or the recovery's), so its ids task writes none until ids move.
Status StoreImpl::RecoverPendingIds() {
  size_t recovered = 0;
  const RecordId last = LastAssignedId();
  Status s = table_.RecoverPendingIds(last, stored_format_ >= 6,
                                      options_.read_only, &recovered);
  if (s.ok() && recovered > 0 && config_.db.info_log) {
    rocksdb::Log(rocksdb::InfoLogLevel::WARN_LEVEL, config_.db.info_log,
                 "recovered the ids entries of %zu records", recovered);
  }
  if (!s.ok()) return s.WithContext("opening store " + dir_);
  if (!options_.read_only) ids_mark_written_ = last;
  return s;
}

// Everything waiting, and a watermark at the reserved id mark: no id at or
// below it is handed out after this close, so the next open finds the
// watermark at its high-water mark and reads nothing back.
Status StoreImpl::FlushPendingIdsAtClose() {
  if (config_.wal_failures->failed() || write_failed_.load() ||
      ids_flush_held_) {
    return Status::OK();
  }
  RecordId mark = 0;
  {
    port::MutexLock lock(&id_mu_);
    mark = std::max(reserved_id_, last_id_);
  }
  return table_.FlushPendingIds(mark, /*mark_always=*/true);
}

Status StoreImpl::WriteMarker() { return WriteMarkerInto(dir_, MarkerText()); }

// A writer process may finish a flush or compaction while a read-only
// instance opens, deleting files the MANIFEST it read still names; the next
// attempt reads the new MANIFEST. Once open, every file is held open
// (max_open_files -1), so later deletions do not affect this instance.
// The write-ahead logs are the exception: an instance that read the
// MANIFEST before the writer flushed the last family still needing a log
// replays only the logs left, and misses what the deleted one held for the
// families not yet flushed in its view (a record without its postings):
// WalViewIsStale catches that, and the open is retried too.
// Attempts go on for up to 20 s, not a fixed count: on a slow or loaded
// machine (and in sanitizer builds) one attempt can take longer than the
// writer's flushes, and 20 quick attempts all failed in the ASAN stage.
rocksdb::Status StoreImpl::OpenReadOnlyBesideWriter(
    const std::vector<rocksdb::ColumnFamilyDescriptor>& families) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(20);
  rocksdb::Status s;
  for (int attempt = 1;; ++attempt) {
    std::vector<uint64_t> logs_before = LogNumbers();
    s = table_.OpenDb(config_.db, dir_, families, /*read_only=*/true, &db_);
    bool vanished = s.ToString().find("No such file") != std::string::npos;
    if (s.ok()) {
      NoteLogsNeeded(logs_before);
      vanished = WalViewIsStale();
      if (vanished) {
        CloseDb();
        s = rocksdb::Status::IOError(
            "a write-ahead log this instance needed was deleted by the "
            "writer process");
      }
    }
    if (s.ok() || !vanished || std::chrono::steady_clock::now() > deadline) {
      break;
    }
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::min(5 * attempt, 50)));
  }
  return s;
}

// The numbers of the write-ahead logs in the store directory.
std::vector<uint64_t> StoreImpl::LogNumbers() const {
  std::vector<uint64_t> numbers;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() <= 4 || name.compare(name.size() - 4, 4, ".log") != 0) {
      continue;
    }
    std::string digits = name.substr(0, name.size() - 4);
    if (digits.find_first_not_of("0123456789") != std::string::npos) continue;
    numbers.push_back(std::strtoull(digits.c_str(), nullptr, 10));
  }
  return numbers;
}

// The logs this instance's view needs: of those present before it read the
// MANIFEST (a log deleted earlier was obsolete in that MANIFEST already),
// the ones at or above RocksDB's min log number to keep.
void StoreImpl::NoteLogsNeeded(const std::vector<uint64_t>& logs_before) {
  uint64_t min_log = 0;
  if (!db_->GetIntProperty(rocksdb::DB::Properties::kMinLogNumberToKeep,
                           &min_log)) {
    min_log = 0;  // keep them all
  }
  logs_needed_.clear();
  for (uint64_t number : logs_before) {
    if (number >= min_log) logs_needed_.push_back(number);
  }
}

// A log this view needs is gone: the writer flushed every family past it
// after this instance read the MANIFEST (or while it replayed the log).
bool StoreImpl::WalViewIsStale() const {
  std::vector<uint64_t> now = LogNumbers();
  for (uint64_t number : logs_needed_) {
    if (std::find(now.begin(), now.end(), number) == now.end()) return true;
  }
  return false;
}

void StoreImpl::CloseDb() {
  search_.Close();
  table_.CloseDb();
  (void)db_->Close();
  delete db_;
  db_ = nullptr;
}

Status StoreImpl::OpenDb() {
  bool fresh = false;
  MNEMO_RETURN_IF_ERROR(CheckMarker(&fresh));
  MNEMO_RETURN_IF_ERROR(ValidateSearchLanguage(options_.search_language));
  if (!options_.tokenizer_file.empty()) {
    MNEMO_RETURN_IF_ERROR(
        codec::Tokenizer::Open(options_.tokenizer_file, &tokenizer_));
  }
  if (fresh) {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec)
      return Status::IOError("cannot create " + dir_ + ": " + ec.message());
    MNEMO_RETURN_IF_ERROR(WriteMarker());
  }
  // Open every family the database has (a newer build may have added some)
  // plus ours; RocksDB refuses an open that leaves one out.
  std::vector<rocksdb::ColumnFamilyDescriptor> families = config_.families;
  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(config_.db, dir_, &existing).ok()) {
    for (const std::string& name : existing) {
      bool ours = false;
      for (const auto& f : families) ours = ours || f.name == name;
      if (!ours) families.emplace_back(name, UnknownFamilyOptions());
    }
  }
  rocksdb::Status s;
  if (options_.read_only) {
    s = OpenReadOnlyBesideWriter(families);
  } else {
    // RocksDB's own info log aborts the process on a full disk (see
    // info_log.h). Read-only instances write no log.
    config_.db.info_log = std::make_shared<StoreInfoLog>(
        config_.db.env, dir_, kMaxInfoLogBytes, config_.db.keep_log_file_num);
    s = table_.OpenDb(config_.db, dir_, families, /*read_only=*/false, &db_);
  }
  if (!s.ok()) {
    db_ = nullptr;
    std::string text = s.ToString();
    if (s.IsIOError() && text.find("lock") != std::string::npos) {
      return Status::Busy("store " + dir_ +
                          " is open for writing in another process (" + text +
                          ")");
    }
    return FromRocks(s, "opening store " + dir_);
  }
  Status migrated = table_.LoadSlots();
  if (migrated.ok()) migrated = OpenIndex();  // search_db.cc
  if (migrated.ok()) migrated = MigrateIfOld();
  if (!migrated.ok()) {
    CloseDb();  // nothing else may run on a half-migrated store
    return migrated;
  }
  MNEMO_RETURN_IF_ERROR(LoadIdHighWater());
  MNEMO_RETURN_IF_ERROR(RecoverPendingIds());
  MNEMO_RETURN_IF_ERROR(LoadAccessCounts());
  MNEMO_RETURN_IF_ERROR(LoadNamespaces());
  text_store_.Attach(&table_);
  MNEMO_RETURN_IF_ERROR(text_store_.Load());
  MNEMO_RETURN_IF_ERROR(LoadSearchWatermark());
  MNEMO_RETURN_IF_ERROR(ReconcileIndex());       // search_db.cc
  MNEMO_RETURN_IF_ERROR(CountTailBeforeOpen());  // search_tail.cc
  MNEMO_RETURN_IF_ERROR(ClampAgeWatermark());
  if (options_.cache.enabled && !options_.read_only) {
    MNEMO_RETURN_IF_ERROR(
        StoreCache::Open(options_.cache, &table_, &cache_));
  }
  if (!options_.read_only && options_.compaction_threads > 0) {
    MNEMO_RETURN_IF_ERROR(options_.compaction_policy.Validate());
  }
  MNEMO_RETURN_IF_ERROR(OpenEmbedFeed());  // embed_feed.cc
  StartBackground();
  return Status::OK();
}

Status StoreImpl::LoadNamespaces() {
  port::WriterLock lock(&ns_mu_);  // no other thread yet: for the analysis
  return table_.LoadNamespaceTokens(&known_namespaces_);
}

void StoreImpl::StripeLocks::Lock(std::mutex* stripes, size_t count,
                                  const std::set<size_t>& which) {
  for (size_t index : which) held_.emplace_back(stripes[index % count]);
}

StoreImpl::StripeLocks StoreImpl::LockRecords(
    const std::vector<RecordId>& ids) {
  std::set<size_t> which;
  for (RecordId id : ids) which.insert(id % kLockStripes);
  StripeLocks locks;
  locks.Lock(record_locks_.data(), kLockStripes, which);
  return locks;
}

StoreImpl::StripeLocks StoreImpl::LockPages(const PageRemovals& pages) {
  std::set<size_t> which;
  for (const auto& [page_id, ids] : pages) which.insert(page_id % kLockStripes);
  StripeLocks locks;
  locks.Lock(page_locks_.data(), kLockStripes, which);
  return locks;
}

}  // namespace internal
}  // namespace mnemo
