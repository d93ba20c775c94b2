// Copyright (c) mnemo authors.
//
// Operator calls of a Store, as free functions taking the open store (like
// RocksDB's Checkpoint or LevelDB's RepairDB): import of a dump, whole-store
// iteration from a consistent snapshot (dump), statistics, integrity checks
// (verify/repair), checkpoints and backups; and their option and result
// types.
//
// These calls cross tenants: they are for operators and admin tools, never
// for request paths of a multi-tenant agent host. Each works on a store
// opened by Store::Open; given any other Store implementation it returns
// InvalidArgument and does nothing.

#ifndef MNEMO_ADMIN_H_
#define MNEMO_ADMIN_H_

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mnemo/compaction.h"
#include "mnemo/options.h"
#include "mnemo/record.h"
#include "mnemo/status.h"
#include "mnemo/store.h"

namespace mnemo {

// Which records a RecordIterator yields. Unset filters match everything.
struct IterateOptions {
  std::optional<std::string> tenant;
  std::optional<std::string> agent;    // any tenant's agent of this name
  std::optional<std::string> session;  // any agent's session of this name
  // Event time range [since, until).
  std::optional<Micros> since;
  std::optional<Micros> until;
  // Also yield records whose expiry time has passed (not yet removed by
  // compaction). Default: false, like every other read.
  bool include_expired = false;
};

// Iterates records in id order (= creation order) over one consistent
// snapshot of the store taken when the iterator was made: records written
// or deleted afterwards are not seen, and the iterator sees either all or
// none of each atomic batch.
//
// Usage (LevelDB style):
//   for (; it->Valid(); it->Next()) Use(it->record());
//   if (!it->status().ok()) ...
//
// Cost: one pass over the records column family; filters are applied to
// decoded records (an operator call, not a query path).
// Thread safety: one iterator is used by one thread at a time. The iterator
// pins its snapshot until destroyed and must be destroyed before its Store.
class RecordIterator {
 public:
  RecordIterator() = default;
  RecordIterator(const RecordIterator&) = delete;
  RecordIterator& operator=(const RecordIterator&) = delete;
  virtual ~RecordIterator() = default;

  // True while positioned at a record. False at the end and after an error.
  virtual bool Valid() const = 0;
  // The current record. REQUIRES: Valid(). Stays valid until Next().
  virtual const Record& record() const = 0;
  // Moves to the next matching record. REQUIRES: Valid().
  virtual void Next() = 0;
  // OK at the end of a clean pass; otherwise why iteration stopped (e.g.
  // Corruption naming the record whose checksum failed).
  virtual Status status() const = 0;

  // Page `page_id` (of any tenant) as it was in this iterator's snapshot,
  // so a dump's records and pages agree. NotFound when the snapshot holds
  // no such page; Corruption when its checksum fails.
  virtual Status GetPage(uint64_t page_id, PageData* page) = 0;
};

// One background loop of a store open for writing (compaction, search
// indexer, access-count flush): how its runs went. A failed run leaves its
// work for the next one; `last_error` says why it failed.
struct BackgroundTaskStats {
  std::string name;               // "compaction", "search_index", ...
  uint64_t runs = 0;              // runs finished, failed ones included
  uint64_t failures = 0;          // runs that returned an error
  uint64_t consecutive_failures = 0;  // since the last success
  std::string last_error;         // Status::ToString() of the last failure
  Micros last_success = 0;        // store clock; 0: none yet
  Micros last_failure = 0;        // store clock; 0: none yet
  // The writer process reported these (a read-only instance reads the
  // report the writer leaves in the store directory; see GetStats).
  bool from_writer_report = false;
};

// Counts over the whole store (GetStats).
struct StoreStats {
  struct Family {
    std::string name;
    uint64_t estimated_keys = 0;  // RocksDB "rocksdb.estimate-num-keys"
    uint64_t sst_bytes = 0;       // "rocksdb.total-sst-files-size"
    uint64_t memtable_bytes = 0;  // "rocksdb.cur-size-all-mem-tables"
  };
  uint64_t records = 0;          // live (unexpired) records
  uint64_t expired_records = 0;  // expired, awaiting compaction
  uint64_t text_bytes = 0;       // UTF-8 bytes of live records' text
  // Text tokens of live records: counted by Options::tokenizer_file when
  // set, else the calibrated estimate; text_token_counter names which.
  uint64_t text_tokens_estimate = 0;
  std::string text_token_counter;
  uint64_t history_versions = 0;  // older versions kept by Update
  uint64_t namespaces = 0;        // sessions that hold records
  uint64_t pages = 0;             // keys in the pages column family
  std::array<uint64_t, 4> records_per_tier{};  // indexed by Tier
  std::map<std::string, uint64_t> records_per_tenant;
  // Key: (tenant, agent).
  std::map<std::pair<std::string, std::string>, uint64_t> records_per_agent;
  std::vector<Family> families;
  uint64_t disk_bytes = 0;  // sum of sst_bytes over families
  // Background loops of the writer, by name; empty when none ran (a store
  // opened read-only with no writer report, or with every loop off).
  std::vector<BackgroundTaskStats> background;
  // Live records not yet in the full-text index: its background indexer's
  // backlog (searches score them directly meanwhile; see
  // Options::search_catch_up_records). A read-only instance counts those
  // above the index's watermark as it opened it.
  uint64_t search_backlog = 0;
  // The encoder feed (Options::embedder); zero when none is registered.
  EmbedStats embed;
};

struct VerifyOptions {
  // Also decode every history version in full and every page image and
  // manifest (PNG size against the page header, manifest items against the
  // records on the page), and analyze every indexed record's text again to
  // check it sits in exactly the posting lists of its terms. Slower.
  bool deep = false;
  // Rebuild derived data where possible: add missing index entries and
  // namespace keys, drop dangling index entries and live-set keys, and put
  // records whose page is missing or corrupt back into the warm tier (their
  // text is kept), so the next compaction renders them onto new pages, and
  // rebuild the full-text index of every agent whose postings are wrong.
  // Records whose bytes fail their checksum, and forgotten records whose
  // only page is lost, cannot be rebuilt and are only reported.
  // REQUIRES: the store is open for writing.
  bool repair = false;
  // Stop collecting problem descriptions after this many (counting goes on).
  size_t max_problems = 1000;
  // Called from the verifying thread with the number of records checked so
  // far, about every 1024 records and once at the end of the records pass.
  // Default: none
  std::function<void(uint64_t records_checked)> progress;
};

struct VerifyProblem {
  enum class Kind : uint8_t {
    kCorruptRecord,     // record value fails its checksum / cannot decode
    kIdMismatch,        // record key and envelope id differ
    kMissingIndex,      // record without its time-index entry
    kDanglingIndex,     // time-index entry whose record is missing
    kIndexMismatch,     // index entry disagrees with its record
    kMissingNamespace,  // record's session has no namespace key
    kCorruptHistory,    // an older version fails its checksum
    kCorruptPage,       // page value fails its checksum / cannot decode
    kDanglingPageRef,   // record names a page that is missing or corrupt
    kPageItemMismatch,  // record's page does not list it where it says
    kDanglingLiveKey,   // page live-set key without a record on that page
    kMissingLiveKey,    // record on a page missing from its live set
    kCorruptPostings,   // posting list / index statistics do not decode
    kDanglingPosting,   // posting of another agent's record
    kPostingsMismatch,  // record's postings disagree with its text
  };
  Kind kind;
  RecordId id = 0;      // the record concerned (0 when unknown or a page)
  uint64_t page_id = 0;  // the page concerned (0 when none)
  std::string message;
  bool repaired = false;
};
const char* VerifyProblemKindName(VerifyProblem::Kind kind);

struct VerifyReport {
  uint64_t records_checked = 0;
  uint64_t index_entries_checked = 0;
  uint64_t history_checked = 0;
  uint64_t pages_checked = 0;
  uint64_t postings_checked = 0;
  // Postings of records that are gone (a record deleted after its text was
  // forgotten cannot be unindexed; searches skip them): not a problem;
  // repair removes them.
  uint64_t stale_postings = 0;
  uint64_t problem_count = 0;  // all found, even beyond max_problems
  uint64_t repaired_count = 0;
  std::vector<VerifyProblem> problems;  // at most max_problems
  bool ok() const { return problem_count == repaired_count; }
};

// Result of Backup.
struct BackupInfo {
  uint32_t backup_id = 0;
  uint64_t size_bytes = 0;   // bytes of this backup (shared files counted)
  uint64_t index_bytes = 0;  // of which the full-text index's
  uint32_t backup_count = 0;  // backups now kept in the backup directory
};

// --- The calls ---

// Writes records exactly as given, ids and store-assigned fields included
// (a dump read back by `mnemo import`). Atomic; at most
// Options::max_batch_records records. InvalidArgument naming the record
// when an id is 0 or above kMaxImportedRecordId (mnemo/record.h);
// AlreadyExists when an id is in use (by a stored record, or by a Put
// still being written): an existing record is never replaced. Records on
// pages are imported as text (tier hot, no page).
Status Import(Store* store, const WriteOptions& options,
              const std::vector<Record>& records);

// Like Import above, and also writes `pages` (as read by
// RecordIterator::GetPage, ids kept) so records keep their tier and page
// references: a dump with its pages imports back identical. Hot records
// are stored as text, warm ones as zstd text. A pixels/decayed record
// keeps its page when every page it spans (page.page_id onwards, as the
// manifests continue it) is in `pages`; its item and page count are taken
// from the manifests (when page.page_count is set they must agree), and
// it enters the live set of each of those pages. Otherwise it is imported
// as warm text without a page (the next Compact renders it again); a
// forgotten record (text_forgotten) has no text to fall back to: that is
// InvalidArgument naming the record. Pages no imported record sits on are
// not written. Checked before anything is written, errors naming the
// page or record: each page (namespace, tier pixels/decayed, PNG decodes
// to width x height, manifest JSON parses and is first_width wide,
// first_width > 0), and each page a record names (same tenant and agent,
// lists the record, its tier is the record's). AlreadyExists when a page
// id is in use by a different page; a page already in the store exactly
// as supplied is not written again and records are imported onto it (a
// dump imported in several batches); page ids raise the id high-water
// mark like record ids (and, like them, must be at most
// kMaxImportedRecordId). Waits for a running Compact. Atomic; at most
// Options::max_batch_records records.
Status Import(Store* store, const WriteOptions& options,
              const std::vector<Record>& records,
              const std::vector<PageData>& pages);

// Checks `record` exactly as Put would (namespace, labels, UTF-8, size,
// importance, metadata) without writing. OK or InvalidArgument.
Status Validate(Store* store, const Record& record);

// The namespace of record `id`, whatever its tenant. NotFound when there
// is no such record. Agent hosts must not expose it across tenants.
Status LookupNamespace(Store* store, RecordId id, Namespace* ns);

// Makes an iterator over one consistent snapshot of the store; see
// RecordIterator. On success *it is set; the iterator must be destroyed
// before the store. On failure *it is reset.
Status NewRecordIterator(Store* store, const IterateOptions& options,
                         std::unique_ptr<RecordIterator>* it);

// Fills *stats from one snapshot (one pass over the records).
Status GetStats(Store* store, StoreStats* stats);

// Record, byte, page and token totals per tier, for `tenant` (all tenants
// when empty). Reads the whole age index and every page header.
Status GetTierStats(Store* store, std::string_view tenant, TierStats* stats);

// Runs the encoder feed (Options::embedder) until every record and every
// queued page is embedded or refused. FailedPrecondition when no embedder
// is registered; the embedder's error when a batch keeps failing (it stays
// queued).
Status FlushEmbeddings(Store* store);

// Writes gathered access counts now (see Options::track_access); OK with
// nothing to do on a read-only store.
Status FlushAccessCounts(Store* store);

// Checks every record envelope and history version against its checksum,
// that every record has its index entry and namespace key, and that every
// index entry resolves to its record (pages, postings: see
// VerifyOptions::deep). Returns OK when the check ran (problems are listed
// in *report, see VerifyReport::ok()); an error only when it could not run
// (e.g. repair on a read-only store: FailedPrecondition).
Status Verify(Store* store, const VerifyOptions& options, VerifyReport* report);

// Writes a consistent, openable copy of the store to `out_dir` (which
// must not exist), hard-linking immutable files where the file system
// allows. Safe while other threads write. Also works on a read-only
// instance beside a writer process: the copy then holds the writer's
// files as they are during the copy (write-ahead logs copied, replayed
// to a whole-batch point when the copy is opened). The writer may delete
// a file the copy needs (a flush or compaction finished meanwhile): that
// fails with IOError and leaves no `out_dir`; open a fresh read-only
// instance and try again.
Status Checkpoint(Store* store, const std::string& out_dir);

// Adds an incremental backup of the store to `backup_dir` (created when
// missing; files shared with earlier backups are not copied again): the
// records, and the full-text index (in `backup_dir`/search) so that a
// restored store searches at once instead of indexing every record again.
// Safe while other threads write. *info (when non-null) describes the
// backup.
// On a read-only instance beside a writer process it first takes a
// Checkpoint into `backup_dir` (hard links pin the writer's files at
// once; IOError when the writer deleted one first: retry) and backs up
// that private copy, which it then removes.
Status Backup(Store* store, const std::string& backup_dir, BackupInfo* info);

// Restores the latest backup in `backup_dir` into `db_dir`, which must not
// exist or be empty (an existing store is never overwritten). The result
// opens with Store::Open. The index taken with the backup is restored
// beside the records; where there is none (a backup made before store
// format 8) or it cannot be read, the store is restored without it and
// its first writer open rebuilds it in the background (searches score the
// records not yet indexed meanwhile). NotFound when `backup_dir` holds no
// backup; NotSupported when the backup was made by a newer store format. Needs
// no open store.
Status RestoreBackup(const std::string& backup_dir, const std::string& db_dir);

}  // namespace mnemo

#endif  // MNEMO_ADMIN_H_
