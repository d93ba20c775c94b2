// Copyright (c) mnemo authors.
//
// The RocksDB side of the engine: how each column family is configured, the
// access-count merge operator, the TTL compaction filters, the per-agent
// prefix extractor, and rocksdb::Status -> mnemo::Status conversion.
// Internal: never included by public headers.

#ifndef MNEMO_ENGINE_ROCKS_GLUE_H_
#define MNEMO_ENGINE_ROCKS_GLUE_H_

#include <rocksdb/compaction_filter.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/db.h>
#include <rocksdb/listener.h>
#include <rocksdb/status.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mnemo/options.h"
#include "mnemo/status.h"
#include "rocks_iter.h"

namespace mnemo::internal {

// Column family names, in the order the engine keeps their handles.
inline constexpr const char* kCfDefault = "default";
inline constexpr const char* kCfRecords = "records";
inline constexpr const char* kCfIndex = "index";
inline constexpr const char* kCfHistory = "history";
inline constexpr const char* kCfPages = "pages";
inline constexpr const char* kCfSpill = "spill";
inline constexpr const char* kCfPostings = "postings";  // full-text index
inline constexpr const char* kCfIds = "ids";  // format 2: id -> location
// Format 4: access-count increments not yet folded into their records
// (id(8) -> AccessOperand), so Get and Scan never step over them.
inline constexpr const char* kCfAccess = "access";
inline constexpr int kNumColumnFamilies = 9;
const std::vector<std::string>& ColumnFamilyNames();

// Converts a RocksDB status; the message is prefixed with `context`.
Status FromRocks(const rocksdb::Status& s, std::string_view context);

// db->Get of a key that may be absent: *found says whether it is; any
// other failure is converted with `context`.
Status GetIfPresent(rocksdb::DB* db, const rocksdb::ReadOptions& ro,
                    rocksdb::ColumnFamilyHandle* cf, std::string_view key,
                    std::string* value, bool* found, std::string_view context);

// One new incremental backup of `db` (its memtables flushed first) in the
// BackupEngine directory `dir` (created when missing), carrying `metadata`.
struct BackupMade {
  uint32_t id = 0;
  uint64_t bytes = 0;  // of this backup, files shared with others counted
  uint32_t count = 0;  // backups now in `dir`
};
Status BackupDatabase(rocksdb::DB* db, const std::string& dir,
                      const std::string& metadata, BackupMade* made);
// Removes backup `id` from the BackupEngine directory `dir`.
Status DeleteBackup(const std::string& dir, uint32_t id);

// Operand of the access merge: +count reads, latest read at `last`.
std::string AccessOperand(uint64_t count, Micros last);

// Notices a foreground write that failed at the write-ahead log (a failed
// append or sync: RocksDB reports it as a background error of reason
// kWriteCallback, or kMemTable) and turns RocksDB's automatic recovery off
// for it. The failed batch may be in the log in full or in part, without
// being in any memtable. DB::Resume() (and the automatic recovery) then
// flushes the column families one by one: if one flush fails (the disk is
// still full) and the process stops or the store is closed, the families
// already flushed have moved past that log while the others replay it, so a
// reopened store holds part of the failed batch (a record without its
// index entry). Atomic flush would avoid that, but in RocksDB 7.8 a failed
// atomic flush leaks a column family reference and the library aborts when
// the database is closed. So, as later RocksDB releases do for such errors,
// the store treats it as fatal until reopened: a reopen replays the log for
// every family alike (no family flushed after the failure).
class WalFailureListener final : public rocksdb::EventListener {
 public:
  void OnBackgroundError(rocksdb::BackgroundErrorReason reason,
                         rocksdb::Status* bg_error) override;
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason reason,
                            rocksdb::Status bg_error,
                            bool* auto_recovery) override;
  bool failed() const { return failed_.load(); }
  std::string what() const;  // the first such error
  // The first such error was "no space left" (a full disk).
  bool no_space() const { return no_space_.load(); }

 private:
  static bool IsWalWrite(rocksdb::BackgroundErrorReason reason);
  std::atomic<bool> failed_{false};
  std::atomic<bool> no_space_{false};
  mutable std::mutex mu_;
  std::string what_;
};

// Database-wide options (shared block cache etc.) for a store.
struct RocksConfig {
  rocksdb::DBOptions db;
  std::shared_ptr<WalFailureListener> wal_failures;  // in db.listeners
  std::vector<rocksdb::ColumnFamilyDescriptor> families;  // all of ours
  // Compaction filters referenced (not owned) by `families`; must outlive
  // the database.
  std::vector<std::unique_ptr<rocksdb::CompactionFilter>> filters;
};
// Builds the configuration for `options`; the clock drives TTL filters.
RocksConfig MakeRocksConfig(const Options& options, Clock* clock);

// Options for a column family not created by this build (a newer store may
// have more); opened with defaults so RocksDB accepts the open.
rocksdb::ColumnFamilyOptions UnknownFamilyOptions();

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_ROCKS_GLUE_H_
