// Copyright (c) mnemo authors.
//
// Store: the embedded memory store. Records live in a RocksDB database in
// the store directory; every call returns a Status and never throws.
//
// Thread safety: a Store is safe for concurrent use by many threads without
// external synchronization. Only one process may open a store for writing at
// a time (a second one gets Busy naming the directory); read-only instances
// may run beside it.
//
// Tenant isolation: every call that reads or changes records names the
// tenant, and a record of another tenant is reported as NotFound, exactly as
// if it did not exist.

#ifndef MNEMO_STORE_H_
#define MNEMO_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "mnemo/admin.h"
#include "mnemo/cache.h"
#include "mnemo/compaction.h"
#include "mnemo/options.h"
#include "mnemo/record.h"
#include "mnemo/search.h"
#include "mnemo/status.h"

namespace mnemo {

class Store {
 public:
  // Opens the store in directory `dir`, creating it if needed and allowed.
  // On success stores a heap-allocated store in *store and returns OK.
  // On failure *store is left empty and the status says why:
  //   InvalidArgument: `dir` holds something that is not a mnemo store;
  //   NotSupported: the store was written by a newer format version;
  //   Busy: another process holds the store open for writing;
  //   IOError / Corruption: as reported by the storage layer.
  static Status Open(const Options& options, const std::string& dir,
                     std::unique_ptr<Store>* store);

  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  // Flushes gathered access counts and closes the database. A writer also
  // writes its memtables to table files, so the next open (and every
  // read-only open) does not replay the write-ahead log (skipped after a
  // failed write; a failed flush leaves the log to be replayed).
  virtual ~Store() = default;

  // Stores a new record and sets *id to its id. The store assigns id,
  // created/updated time, version 1, tier hot, content hash. Fails with
  // InvalidArgument (invalid namespace/UTF-8/labels, importance outside
  // 0..1, too large) without writing anything; ResourceExhausted naming the
  // store when its ids are used up (kMaxRecordId; mnemo/record.h).
  virtual Status Put(const WriteOptions& options, const Record& record,
                     RecordId* id) = 0;

  // Stores all records atomically: either every record is stored (and
  // *ids holds their ids, in order) or none is. When the write itself
  // failed (IOError, ResourceExhausted), *ids still holds the ids the
  // records were given: a write that failed at the write-ahead log may be
  // in the log whole, and a reopened store then holds the whole batch
  // (look one id up to know). *ids is empty when nothing was written.
  virtual Status PutBatch(const WriteOptions& options,
                          const std::vector<Record>& records,
                          std::vector<RecordId>* ids) = 0;

  // Writes records exactly as given, ids and store-assigned fields included
  // (used to import a dump). Atomic. InvalidArgument naming the record
  // when an id is 0 or above kMaxImportedRecordId (mnemo/record.h);
  // AlreadyExists when an id is in use (by a stored record, or by a Put
  // still being written): an existing record is never replaced. Records on
  // pages are restored as text (tier hot, no page).
  virtual Status Restore(const WriteOptions& options,
                         const std::vector<Record>& records) = 0;

  // Like Restore, and also writes `pages` (as read by
  // RecordIterator::GetPage, ids kept) so records keep their tier and page
  // references: a dump with its pages imports back identical. Hot records
  // are stored as text, warm ones as zstd text. A pixels/decayed record
  // keeps its page when every page it spans (page.page_id onwards, as the
  // manifests continue it) is in `pages`; its item and page count are taken
  // from the manifests (when page.page_count is set they must agree), and
  // it enters the live set of each of those pages. Otherwise it is restored
  // as warm text without a page (the next Compact renders it again); a
  // forgotten record (text_forgotten) has no text to fall back to: that is
  // InvalidArgument naming the record. Pages no restored record sits on are
  // not written. Checked before anything is written, errors naming the
  // page or record: each page (namespace, tier pixels/decayed, PNG decodes
  // to width x height, manifest JSON parses and is first_width wide,
  // first_width > 0), and each page a record names (same tenant and agent,
  // lists the record, its tier is the record's). AlreadyExists when a page
  // id is in use by a different page; a page already in the store exactly
  // as supplied is not written again and records are restored onto it (a
  // dump restored in several batches); page ids raise the id high-water
  // mark like record ids (and, like them, must be at most
  // kMaxImportedRecordId).
  // Waits for a running Compact. Atomic; at most
  // Options::max_batch_records records.
  virtual Status RestoreWithPages(const WriteOptions& options,
                                  const std::vector<Record>& records,
                                  const std::vector<PageData>& pages) = 0;

  // Reads record `id` of `tenant`. NotFound when it does not exist, belongs
  // to another tenant, or has expired. Corruption when its stored bytes fail
  // their checksum.
  virtual Status Get(const ReadOptions& options, std::string_view tenant,
                     RecordId id, Record* record) = 0;

  // Changes the fields set in `update`, keeping the previous version in the
  // record's history; the version goes up by one and the record returns to
  // the hot tier. When `updated` is non-null it receives the new version.
  virtual Status Update(const WriteOptions& options, std::string_view tenant,
                        RecordId id, const RecordUpdate& update,
                        Record* updated) = 0;

  // Every version of a record, oldest first, the current one last.
  virtual Status History(std::string_view tenant, RecordId id,
                         std::vector<Record>* versions) = 0;

  // Deletes one record and its history. NotFound if it does not exist.
  virtual Status Delete(const WriteOptions& options, std::string_view tenant,
                        RecordId id) = 0;

  // Deletes every record of a session (or of an agent). Sets *deleted to the
  // number removed when non-null. OK (0 deleted) when there were none.
  virtual Status DeleteSession(const WriteOptions& options,
                               const Namespace& session,
                               uint64_t* deleted) = 0;
  virtual Status DeleteAgent(const WriteOptions& options,
                             std::string_view tenant, std::string_view agent,
                             uint64_t* deleted) = 0;

  // One page of an agent's records in time order; see ScanOptions.
  virtual Status Scan(const ReadOptions& options, const ScanOptions& scan,
                      ScanResult* result) = 0;

  // The sessions that hold records, sorted; only `tenant`'s when it is
  // non-empty (an empty tenant lists all: an operator call).
  virtual Status ListNamespaces(std::string_view tenant,
                                std::vector<Namespace>* namespaces) = 0;

  // Operator call: the namespace of record `id`, whatever its tenant. Agent
  // hosts must not expose it across tenants.
  virtual Status LookupNamespace(RecordId id, Namespace* ns) = 0;

  // --- Compaction (see mnemo/compaction.h) ---

  // Moves records that are due down tiers (hot -> warm -> pixels ->
  // decayed), rendering pages and writing each page group in one atomic
  // batch. Safe to run while other threads read and write; a crash at any
  // point leaves every record readable in its old or new tier, and the next
  // run resumes. A second run with the same `now` changes nothing.
  // Aborted when options.cancel was set; InvalidArgument for a bad policy.
  virtual Status Compact(const CompactOptions& options,
                         CompactResult* result) = 0;

  // The PNG and manifest of a page of `tenant`. NotFound when the page does
  // not exist (or belongs to another tenant); Corruption when its checksum
  // fails.
  virtual Status GetPage(std::string_view tenant, uint64_t page_id,
                         PageData* page) = 0;

  // Pages of `tenant` (and `agent` when non-empty), by page id.
  virtual Status ListPages(std::string_view tenant, std::string_view agent,
                           std::vector<PageInfo>* pages) = 0;

  // Where record `id` is drawn. NotFound when it is not on a page.
  virtual Status LocateRecord(std::string_view tenant, RecordId id,
                              RecordLocation* location) = 0;

  // Record, byte, page and token totals per tier, for `tenant` (all tenants
  // when empty). Reads the whole age index and every page header.
  virtual Status GetTierStats(std::string_view tenant, TierStats* stats) = 0;

  // --- Hot cache (Options::cache; see mnemo/cache.h) ---
  // Each call is FailedPrecondition when the cache is not enabled.

  // Decodes pages of `tenant` into the vista pool (or finds them there) and
  // pins them; appends one PinnedPage per id to *pages. NotFound when a page
  // does not exist or belongs to another tenant (nothing stays pinned).
  virtual Status PinPages(std::string_view tenant,
                          const std::vector<uint64_t>& page_ids,
                          std::vector<PinnedPage>* pages) = 0;

  // Pins the pages holding the records a scan would return (one page of
  // scan results; see ScanOptions).
  virtual Status PinRange(const ScanOptions& range,
                          std::vector<PinnedPage>* pages) = 0;

  // Stores a host-computed payload for a page (e.g. kind "embedding" or
  // "kv:<model>") in the kv pool, written through to the store so it
  // survives eviction and restarts; GetKv reads it back byte-exact from the
  // device, the host tier or the store. A payload derived from the page's
  // pixels must be stored with the PinnedPage those pixels came from: that
  // overload is Aborted, naming the page, when the page changed since it was
  // pinned (a record on it was deleted, updated or expired, so the payload
  // may hold text that is gone). The page_id overload checks nothing of the
  // sort: it is for payloads that do not derive from the pixels. Both write
  // under the page's lock, so a payload is either written before a change
  // of the page (which drops it) or refused after it.
  virtual Status PutKv(std::string_view tenant, uint64_t page_id,
                       std::string_view kind, std::string_view bytes) = 0;
  virtual Status PutKv(std::string_view tenant, const PinnedPage& pinned,
                       std::string_view kind, std::string_view bytes) = 0;
  virtual Status GetKv(std::string_view tenant, uint64_t page_id,
                       std::string_view kind, std::string* bytes) = 0;

  // Backend, pool occupancy/waste and hit/eviction/spill counters.
  virtual Status GetCacheReport(CacheReport* report) = 0;

  // Writes gathered access counts now (see Options::track_access).
  virtual Status FlushAccessCounts() = 0;

  // The store directory.
  virtual const std::string& dir() const = 0;

  // --- Search (types in mnemo/search.h) ---
  // Each call requires filter.tenant (InvalidArgument when empty) and sees
  // only that tenant's records. Hits are read from one snapshot; records
  // that expired or were deleted are never returned. Reads do not count as
  // accesses. The defaults return NotSupported.

  // BM25 full-text search over every tier. OK with no hits when nothing
  // matches; InvalidArgument for bad k/BM25 parameters.
  virtual Status Search(const SearchOptions& options, SearchResult* result) {
    (void)options;
    (void)result;
    return Status::NotSupported("Search");
  }

  // Stores (or replaces) the host's embedding of record `id` of `tenant`.
  // NotFound when the record does not exist for `tenant`; InvalidArgument
  // when the dimension differs from the agent's first embedding. Deleting
  // the record deletes its embedding; Update keeps it.
  virtual Status PutEmbedding(const WriteOptions& options,
                              std::string_view tenant, RecordId id,
                              const EmbeddingRef& embedding) {
    (void)options, (void)tenant, (void)id, (void)embedding;
    return Status::NotSupported("PutEmbedding");
  }

  // Exact top-k by cosine or dot product over the embeddings of the
  // filtered records (options.query is ignored).
  virtual Status VectorSearch(const SearchOptions& options,
                              const VectorQuery& query, SearchResult* result) {
    (void)options, (void)query, (void)result;
    return Status::NotSupported("VectorSearch");
  }

  // Fuses the BM25 ranking of options.query and the vector ranking of
  // `query` by reciprocal rank (see HybridOptions).
  virtual Status HybridSearch(const SearchOptions& options,
                              const VectorQuery& query,
                              const HybridOptions& hybrid,
                              SearchResult* result) {
    (void)options, (void)query, (void)hybrid, (void)result;
    return Status::NotSupported("HybridSearch");
  }

  // Packs the newest records and the search hits of an agent into parts
  // whose token cost never exceeds options.token_budget (see Context).
  // Deterministic for a given store state. InvalidArgument for a missing
  // tenant/agent, an unknown profile or a zero budget.
  virtual Status BuildContext(const ContextOptions& options,
                              Context* context) {
    (void)options, (void)context;
    return Status::NotSupported("BuildContext");
  }

  // ---- Operator calls (types in mnemo/admin.h). They cross tenants. ----
  // The defaults return NotSupported so other Store implementations need
  // not provide them.

  // Checks `record` exactly as Put would (namespace, labels, UTF-8, size,
  // importance, metadata) without writing. OK or InvalidArgument.
  virtual Status Validate(const Record& record) {
    (void)record;
    return Status::NotSupported("Validate");
  }

  // Makes an iterator over one consistent snapshot of the store; see
  // RecordIterator. On success *it is set; the iterator must be destroyed
  // before the store.
  virtual Status NewRecordIterator(const IterateOptions& options,
                                   std::unique_ptr<RecordIterator>* it) {
    (void)options;
    it->reset();
    return Status::NotSupported("NewRecordIterator");
  }

  // Fills *stats from one snapshot (one pass over the records).
  virtual Status GetStats(StoreStats* stats) {
    (void)stats;
    return Status::NotSupported("GetStats");
  }

  // Checks every record envelope and history version against its checksum,
  // that every record has its index entry and namespace key, and that every
  // index entry resolves to its record (pages: see VerifyOptions::deep).
  // Returns OK when the check ran (problems are listed in *report, see
  // VerifyReport::ok()); an error only when it could not run (e.g. repair
  // on a read-only store: FailedPrecondition).
  virtual Status Verify(const VerifyOptions& options, VerifyReport* report) {
    (void)options;
    (void)report;
    return Status::NotSupported("Verify");
  }

  // Writes a consistent, openable copy of the store to `out_dir` (which
  // must not exist), hard-linking immutable files where the file system
  // allows. Safe while other threads write. Also works on a read-only
  // instance beside a writer process: the copy then holds the writer's
  // files as they are during the copy (write-ahead logs copied, replayed
  // to a whole-batch point when the copy is opened). The writer may delete
  // a file the copy needs (a flush or compaction finished meanwhile): that
  // fails with IOError and leaves no `out_dir`; open a fresh read-only
  // instance and try again.
  virtual Status Checkpoint(const std::string& out_dir) {
    (void)out_dir;
    return Status::NotSupported("Checkpoint");
  }

  // Adds an incremental backup of the store to `backup_dir` (created when
  // missing; files shared with earlier backups are not copied again). Safe
  // while other threads write. *info (when non-null) describes the backup.
  // On a read-only instance beside a writer process it first takes a
  // Checkpoint into `backup_dir` (hard links pin the writer's files at
  // once; IOError when the writer deleted one first: retry) and backs up
  // that private copy, which it then removes.
  virtual Status Backup(const std::string& backup_dir, BackupInfo* info) {
    (void)backup_dir;
    (void)info;
    return Status::NotSupported("Backup");
  }

  // Restores the latest backup in `backup_dir` into `db_dir`, which must not
  // exist or be empty (an existing store is never overwritten). The result
  // opens with Store::Open. NotFound when `backup_dir` holds no backup;
  // NotSupported when the backup was made by a newer store format.
  static Status RestoreBackup(const std::string& backup_dir,
                              const std::string& db_dir);
};

}  // namespace mnemo

#endif  // MNEMO_STORE_H_
