// Copyright (c) mnemo authors.
//
// SearchTable: the full-text index's keys, and the one code that reads and
// writes them: posting lists ('w') and per-agent statistics ('s'), keys by
// search_postings.h; the search watermark (kSearchWatermarkKey: every
// record with an id at or below it has its postings, none above it has
// any; search_indexer.cc); and one "applied" mark per agent (below).
//
// Format 8: the index lives in a RocksDB instance of its own, in the
// store's `search` directory (families "default": watermark and marks;
// "postings": lists and statistics, with the options of the store's
// family of that name). The indexer's bulk writes then never share the
// records' write queue: a writer's Put no longer waits behind the memtable
// inserts of an indexed chunk (bench/perf.md, "postings in a second
// instance"). The index is derived data: every key follows from the
// records at or below the watermark, so it can always be rebuilt.
//
// Changes that touch both instances (search_db.cc):
// - the indexer writes a chunk's postings and the new watermark in one
//   batch of this instance alone;
// - a change of indexed records (Update, Delete, the bulk deletes, expiry,
//   Restore, Verify's repair) writes the records' batch first, with an
//   "intent" token per agent whose index it changes (RecordTable), then
//   the index's batch with the same token as each agent's applied mark.
//   An open finds an agent whose intent and applied mark differ (a crash
//   between the two writes, or an index written further than the records
//   after a power loss) and rebuilds its index from its records;
// - a search reads postings and the watermark at an index snapshot taken
//   before its records snapshot, so the records it scores past the
//   watermark are at least as new as the postings it read.
//
// A read-only open of a store of format 7 or older binds the table to the
// store's own database (ShareDatabase), where those formats kept the index
// (the `postings` family, the watermark in the default family).
//
// Embeddings, page vectors and the encoder feed's queue stay in the store's
// `postings` family: they are not derived from the records (a host or the
// feed writes them), and RecordTable reads and writes them (its "vector
// values").
//
// Thread safety: Open/ShareDatabase and Close are not thread-safe; between
// them every method is safe to call concurrently.

#ifndef MNEMO_ENGINE_RECORD_TABLE_SEARCH_H_
#define MNEMO_ENGINE_RECORD_TABLE_SEARCH_H_

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "mnemo/record.h"
#include "mnemo/status.h"
#include "record_table.h"
#include "rocks_glue.h"
#include "search_postings.h"

namespace mnemo::internal {

class SearchTable {
 public:
  // `full_text_index`/`language` configure the postings builders the table
  // hands out (Options::full_text_index, Options::search_language).
  SearchTable(bool full_text_index, std::string language)
      : full_text_index_(full_text_index), language_(std::move(language)) {}
  ~SearchTable() { Close(); }
  SearchTable(const SearchTable&) = delete;
  SearchTable& operator=(const SearchTable&) = delete;

  // ---- Its database (record_table_search_db.cc) -------------------------

  // Opens the index's own instance at `dir` with `options` (its families
  // take the options of the store's default and postings families). A
  // writer's open creates it when missing (*created true then: an empty
  // index, watermark 0). A read-only open of a missing one fails with
  // NotFound.
  Status Open(const rocksdb::DBOptions& options, const std::string& dir,
              const rocksdb::ColumnFamilyOptions& counters,
              const rocksdb::ColumnFamilyOptions& postings, bool read_only,
              bool* created);
  // Binds the index kept in the store's own database (format 7 and older;
  // RecordTable::BindSearch hands its handles).
  void ShareDatabase(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* postings,
                     rocksdb::ColumnFamilyHandle* counters);
  // Closes its instance (or unbinds the store's). Idempotent.
  void Close();
  bool is_open() const { return db_ != nullptr; }
  bool owns_database() const { return owned_; }

  Status Write(const rocksdb::WriteOptions& options, rocksdb::WriteBatch* batch,
               std::string_view what) const;
  // After a failed write: RocksDB refuses writes until Resume succeeds.
  Status Resume() const;
  // Flushes the memtables (durable without the log).
  Status Flush() const;
  // A snapshot of the index; release it with ReleaseSnapshot.
  const rocksdb::Snapshot* GetSnapshot() const;
  void ReleaseSnapshot(const rocksdb::Snapshot* snapshot) const;
  // A checkpoint of the instance into `out_dir` (RocksDB Checkpoint, as the
  // store's own: flush_unless_wal_above as CreateCheckpoint's).
  Status Checkpoint(const std::string& out_dir,
                    uint64_t flush_unless_wal_above) const;
  // Adds an incremental backup of the instance (flushed first) to the
  // BackupEngine directory `backup_dir` (BackupDatabase, rocks_glue.h).
  Status Backup(const std::string& backup_dir, BackupMade* made) const;
  // Its families' estimates, named "search/<family>" (owned instance only).
  std::vector<RecordTable::FamilyStats> FamilyProperties() const;

  // ---- Postings (record_table_search.cc) --------------------------------

  // A builder for one batch's postings; ApplyPostings adds its merges to
  // an index batch and clears it.
  PostingsBuilder NewPostings() const;
  void ApplyPostings(PostingsBuilder* postings,
                     rocksdb::WriteBatch* batch) const;
  // One posting list or statistics value; *found false when absent.
  Status Get(const rocksdb::ReadOptions& ro, std::string_view key,
             std::string* value, bool* found) const;
  // The lists and statistics under `prefix` ("" = all of them), in key
  // order: fn(key, value) until it returns false.
  Status ForEach(
      const rocksdb::ReadOptions& ro, std::string_view prefix,
      const std::function<bool(std::string_view, std::string_view)>& fn) const;
  // Removes `id` from the posting list under `key` (a stale posting).
  void RemovePosting(std::string_view key, RecordId id,
                     rocksdb::WriteBatch* batch) const;
  // Deletes an agent's posting lists and statistics.
  void DeleteAgent(std::string_view tenant, std::string_view agent,
                   rocksdb::WriteBatch* batch) const;
  // Puts a list or statistics value as it is (the move of a format-7
  // store's index).
  void Copy(std::string_view key, std::string_view value,
            rocksdb::WriteBatch* batch) const;
  // Deletes every list, statistic, mark and the watermark (an index to be
  // rebuilt from nothing).
  void DeleteAll(rocksdb::WriteBatch* batch) const;
  // The agents ("tenant \0 agent") whose lists or statistics `batch` (an
  // index batch built by this table) changes.
  static void AgentsOf(const rocksdb::WriteBatch& batch,
                       std::set<std::string>* agents);

  // ---- Watermark and applied marks --------------------------------------

  // *mark 0 and *found false when absent; Corruption when malformed.
  Status GetWatermark(const rocksdb::ReadOptions& ro, RecordId* mark,
                      bool* found = nullptr) const;
  void PutWatermark(RecordId mark, rocksdb::WriteBatch* batch) const;
  // Every agent's applied mark (agent key -> token).
  Status AppliedMarks(std::map<std::string, uint64_t>* marks) const;
  void PutApplied(std::string_view agent_key, uint64_t token,
                  rocksdb::WriteBatch* batch) const;
  void DeleteApplied(std::string_view agent_key,
                     rocksdb::WriteBatch* batch) const;
  // The fixed64 tokens under `prefix` in `family` of `db`, by the rest of
  // their keys (the applied marks; RecordTable's intents); `what` names
  // them in errors.
  static Status ReadTokens(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family,
                           std::string_view prefix, std::string_view what,
                           std::map<std::string, uint64_t>* tokens);

 private:
  const bool full_text_index_;
  const std::string language_;
  rocksdb::DB* db_ = nullptr;
  bool owned_ = false;  // db_ is this table's instance (else the store's)
  rocksdb::ColumnFamilyHandle* postings_ = nullptr;
  rocksdb::ColumnFamilyHandle* counters_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // owned instance's
};

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_RECORD_TABLE_SEARCH_H_
