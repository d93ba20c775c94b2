// Copyright (c) mnemo authors.
//
// Store: the embedded memory store. Records live in a RocksDB database in
// the store directory; every call returns a Status and never throws.
//
// This header holds the record calls an agent host makes on its request
// paths. Operator calls that cross tenants (import, checkpoint, backup,
// verify, statistics, whole-store iteration) are free functions in
// mnemo/admin.h; the hot cache's calls are on Store::cache() (mnemo/cache.h).
//
// Thread safety: a Store is safe for concurrent use by many threads without
// external synchronization. Only one process may open a store for writing at
// a time (a second one gets Busy naming the directory); read-only instances
// may run beside it, and every mutating call on them is FailedPrecondition.
//
// Tenants: a record's tenant is Record::ns.tenant. Every other call names
// the tenant exactly one way: calls that address records, pages or agents
// take `std::string_view tenant` as their first argument after the per-call
// options; queries described by an options struct (Scan, Search,
// BuildContext, Cache::PinRange) carry it in that struct only
// (ScanOptions::tenant, SearchOptions::filter.tenant,
// ContextOptions::filter.tenant). A record or page of another tenant is
// reported as NotFound, exactly as if it did not exist.
//
// Snapshots: reads that take ReadOptions (Get, History, Scan, GetPage,
// ListPages) read one consistent state: ReadOptions::snapshot when set
// (GetSnapshot), else the state at the start of the call.

#ifndef MNEMO_STORE_H_
#define MNEMO_STORE_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

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
  // REQUIRES: every snapshot released, every PinnedPage lease and
  // RecordIterator destroyed; called before main returns (or exit is
  // called): the storage layer's own static state is destroyed then, so a
  // store held in a static or global object must be closed explicitly.
  virtual ~Store() = default;

  // --- Writes ---

  // Stores a new record and sets *id to its id. The store assigns id,
  // created/updated time, version 1, tier hot, content hash. Fails with
  // InvalidArgument (invalid namespace/UTF-8/labels, importance outside
  // 0..1, too large) without writing anything; ResourceExhausted naming the
  // store when its ids are used up (kMaxRecordId; mnemo/record.h).
  virtual Status Put(const WriteOptions& options, const Record& record,
                     RecordId* id) = 0;

  // Stores all records atomically: either every record is stored (and
  // *ids holds their ids, in order) or none is. At most
  // Options::max_batch_records records. When the write itself failed
  // (IOError, ResourceExhausted), *ids still holds the ids the records were
  // given: a write that failed at the write-ahead log may be in the log
  // whole, and a reopened store then holds the whole batch (look one id up
  // to know). *ids is empty when nothing was written.
  virtual Status PutBatch(const WriteOptions& options,
                          const std::vector<Record>& records,
                          std::vector<RecordId>* ids) = 0;

  // Changes the fields set in `update`, keeping the previous version in the
  // record's history; the version goes up by one and the record returns to
  // the hot tier (its text is kept as written). When `updated` is non-null
  // it receives the new version. NotFound as for Get; InvalidArgument as
  // for Put, naming the record.
  virtual Status Update(const WriteOptions& options, std::string_view tenant,
                        RecordId id, const RecordUpdate& update,
                        Record* updated) = 0;

  // Deletes one record, its history and its embedding; pages it sat on
  // forget it. NotFound if it does not exist for `tenant`.
  virtual Status Delete(const WriteOptions& options, std::string_view tenant,
                        RecordId id) = 0;

  // Deletes every record of a session (or of an agent). Sets *deleted to the
  // number removed when non-null. OK (0 deleted) when there were none.
  virtual Status DeleteSession(const WriteOptions& options,
                               std::string_view tenant, std::string_view agent,
                               std::string_view session, uint64_t* deleted) = 0;
  virtual Status DeleteAgent(const WriteOptions& options,
                             std::string_view tenant, std::string_view agent,
                             uint64_t* deleted) = 0;

  // Stores (or replaces) the host's embedding of record `id` of `tenant`.
  // NotFound when the record does not exist for `tenant`; InvalidArgument
  // when the dimension differs from the agent's first embedding. Deleting
  // the record deletes its embedding; Update keeps it.
  virtual Status PutEmbedding(const WriteOptions& options,
                              std::string_view tenant, RecordId id,
                              const EmbeddingRef& embedding) = 0;

  // --- Reads ---

  // Reads record `id` of `tenant`. NotFound when it does not exist, belongs
  // to another tenant, or has expired. Corruption when its stored bytes fail
  // their checksum. Counts an access unless options.count_access is false.
  virtual Status Get(const ReadOptions& options, std::string_view tenant,
                     RecordId id, Record* record) = 0;

  // Every version of a record, oldest first, the current one last. NotFound
  // as for Get (then *versions is empty).
  virtual Status History(const ReadOptions& options, std::string_view tenant,
                         RecordId id, std::vector<Record>* versions) = 0;

  // One page of an agent's records in time order; see ScanOptions.
  // InvalidArgument for a missing tenant/agent, a bad limit or a cursor
  // made with other filters.
  virtual Status Scan(const ReadOptions& options, const ScanOptions& scan,
                      ScanResult* result) = 0;

  // The sessions that hold records, sorted; only `tenant`'s when it is
  // non-empty (an empty tenant lists every tenant's: an operator use).
  virtual Status ListNamespaces(std::string_view tenant,
                                std::vector<Namespace>* namespaces) = 0;

  // Ranks `tenant`'s records (options.filter.tenant, required) by
  // options.mode: BM25 full-text, exact vector similarity over the
  // embeddings (PutEmbedding), or both fused by reciprocal rank. Hits are
  // read from one snapshot; records that expired or were deleted are never
  // returned. Reads do not count as accesses. OK with no hits when nothing
  // matches; InvalidArgument for a missing tenant or bad k/BM25/hybrid
  // parameters. See mnemo/search.h.
  virtual Status Search(const SearchOptions& options, SearchResult* result) = 0;

  // Packs the newest records and the search hits of an agent into parts
  // whose token cost never exceeds options.token_budget (see Context).
  // Deterministic for a given store state. InvalidArgument for a missing
  // tenant/agent, an unknown profile or a zero budget.
  virtual Status BuildContext(const ContextOptions& options,
                              Context* context) = 0;

  // --- Compacted memory (see mnemo/compaction.h) ---

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
  virtual Status GetPage(const ReadOptions& options, std::string_view tenant,
                         uint64_t page_id, PageData* page) = 0;

  // Pages of `tenant` (and `agent` when non-empty), by page id.
  virtual Status ListPages(const ReadOptions& options, std::string_view tenant,
                           std::string_view agent,
                           std::vector<PageInfo>* pages) = 0;

  // Where record `id` of `tenant` is drawn (page, item, rectangles).
  // NotFound when the record does not exist for `tenant` or is not on a
  // page.
  virtual Status LocateRecord(std::string_view tenant, RecordId id,
                              RecordLocation* location) = 0;

  // --- Snapshots and the rest ---

  // A handle to the current state, for ReadOptions::snapshot. The caller
  // must ReleaseSnapshot it (on this store) when done: an unreleased
  // snapshot keeps old versions of the data on disk.
  virtual const Snapshot* GetSnapshot() = 0;
  virtual void ReleaseSnapshot(const Snapshot* snapshot) = 0;

  // The hot cache's calls (mnemo/cache.h). Never null; owned by the store.
  virtual Cache* cache() = 0;

  // The store directory.
  virtual const std::string& dir() const = 0;
};

}  // namespace mnemo

#endif  // MNEMO_STORE_H_
