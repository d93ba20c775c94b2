// Copyright (c) mnemo authors.
//
// StoreImpl: the Store on RocksDB. Split over store_open.cc (open/close),
// store_ids.cc (id assignment), store_write.cc and store_mutate.cc
// (put/update/delete), store_restore.cc (restore with pages),
// store_read.cc, store_scan.cc and store_iterate.cc (reads), the search_*
// files (full-text and vector search, the indexer), compaction*.cc,
// page_*.cc, store_cache.cc (hot cache), store_admin.cc and
// store_verify*.cc (operator calls) and store_background.cc (the
// background loops and their report).
//
// Locks (clang checks the annotated ones, see mnemo/port/mutex.h):
// compaction_mu_ before search_mu_ (compaction, restore); embed_mu_
// (the encoder feed) before embed_call_mu_ and before record and page
// stripes; embed_call_mu_ is held with no other lock but embed_mu_ (it is
// held across embedder calls, which take no store lock); ns_mu_, then
// record stripes, then page stripes (StripeLocks); id_mu_,
// access_write_mu_ before record stripes (the access-count fold);
// report_mu_ is taken last (nothing is locked while it is held, except a
// task's own lock under report_write_mu_).

#ifndef MNEMO_ENGINE_STORE_IMPL_H_
#define MNEMO_ENGINE_STORE_IMPL_H_

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "access_tracker.h"
#include "expiry_index.h"
#include "mnemo/admin.h"
#include "mnemo/codec/tokenizer.h"
#include "mnemo/port/mutex.h"
#include "mnemo/store.h"
#include "periodic_task.h"
#include "record_table.h"
#include "record_table_search.h"
#include "rocks_glue.h"
#include "search_postings.h"
#include "search_tail.h"
#include "store_cache.h"
#include "test_hooks.h"
#include "text_store.h"

namespace mnemo::internal {

// Version of the store layout; bumped when old builds cannot read new stores.
// Format 2: records clustered by agent and time, an `ids` family
// (record_table.h). Format 3: the ids entries in blocks of 64 ids, written
// as merge operands (record_table_ids.h). A writer's open migrates formats
// 1 and 2 in place. Format 4: access counts in their own `access` family
// until folded into the records (record_table_access.cc); a format-3
// store opens (read-only too: its counts are merge operands in `records`,
// which the merge operator still folds) and a writer's open upgrades it.
// Format 5: new values are envelope version 2 (envelope.h); version-1
// values stay readable, so a format-3 or -4 store opens (read-only too)
// and a writer's open only rewrites the marker. Format 6: new records'
// ids entries are written after the records, insert-flagged, with an ids
// watermark (record_table_pending.h); a writer's open of format 3-5 writes
// the watermark and the marker, a read-only open reads them as they are.
// Format 7: new values in `records` are envelope version 3, which leaves
// id and event time to the key (envelope.h); versions 1 and 2 stay
// readable, so a format-3 to -6 store opens (read-only too) and a
// writer's open only rewrites the marker (and, below 6, the watermark).
// Format 8: the full-text index (posting lists, statistics, the search
// watermark) lives in a RocksDB instance of its own in the `search`
// directory (record_table_search.h); a writer's open of format 3-7 copies
// it there, then rewrites the marker; a read-only open of those formats
// reads it where it is.
inline constexpr int kStoreFormatVersion = 8;
// Ids entries that make a pending flush ride along with an insert.
inline constexpr size_t kIdsFlushEntries = 64;
inline constexpr char kMarkerFile[] = "MNEMO";
// This build's marker text: "mnemo store format N\n" (store_admin.cc).
std::string MarkerText();
// Writes `text` as the MNEMO marker of `dir`, durably (via rename).
Status WriteMarkerInto(const std::string& dir, const std::string& text);

struct RestorePlan;  // store_restore.cc
struct StoredPage;   // page_store.h
struct SearchEnv;    // search_internal.h
struct TermLists;    // search_internal.h
struct TextChunk;    // embed_feed.cc
class StoreImpl;

// A change of records and of the full-text index built from them: the
// records' keys in the batch itself, the index's in `index` (SearchTable's
// mutations). StoreImpl::Commit writes the records first, then the index,
// each agent's intent and applied mark with them (search_db.cc).
class ChangeBatch : public rocksdb::WriteBatch {
 public:
  rocksdb::WriteBatch index;
};

// Store::cache() of a StoreImpl: forwards to its hot-cache methods
// (store_api.cc).
class StoreCacheCalls final : public Cache {
 public:
  explicit StoreCacheCalls(StoreImpl* store) : store_(store) {}
  Status PinPages(std::string_view tenant,
                  const std::vector<uint64_t>& page_ids,
                  std::vector<PinnedPage>* pages) override;
  Status PinRange(const ScanOptions& range,
                  std::vector<PinnedPage>* pages) override;
  Status PutKv(std::string_view tenant, uint64_t page_id, std::string_view kind,
               std::string_view bytes) override;
  Status PutKv(std::string_view tenant, const PinnedPage& pinned,
               std::string_view kind, std::string_view bytes) override;
  Status GetKv(std::string_view tenant, uint64_t page_id, std::string_view kind,
               std::string* bytes) override;
  Status GetReport(CacheReport* report) override;

 private:
  StoreImpl* const store_;
};

class StoreImpl final : public Store {
 public:
  StoreImpl(const Options& options, std::string dir);
  ~StoreImpl() override;

  Status OpenDb();
  Status BackupThroughCheckpoint(const std::string& backup_dir,
                                 BackupInfo* info);
  rocksdb::Status OpenReadOnlyBesideWriter(
      const std::vector<rocksdb::ColumnFamilyDescriptor>& families);
  // True when a write-ahead log this read-only instance's view needs was
  // deleted by a writer process (see OpenReadOnlyBesideWriter).
  bool WalViewIsStale() const;
  std::vector<uint64_t> LogNumbers() const;
  void NoteLogsNeeded(const std::vector<uint64_t>& logs_before);
  // Releases the handles and the database (a failed open attempt, close).
  void CloseDb();
  // Writes the memtables to table files (a writer's close).
  void FlushMemtables();

  Status Put(const WriteOptions& options, const Record& record,
             RecordId* id) override;
  Status PutBatch(const WriteOptions& options,
                  const std::vector<Record>& records,
                  std::vector<RecordId>* ids) override;
  // Import (mnemo/admin.h) without and with pages.
  Status Restore(const WriteOptions& options,
                 const std::vector<Record>& records);
  // InvalidArgument when n exceeds Options::max_batch_records.
  Status CheckBatchSize(size_t n, const char* what) const;
  Status RestoreWithPages(const WriteOptions& options,
                          const std::vector<Record>& records,
                          const std::vector<PageData>& pages);
  Status Get(const ReadOptions& options, std::string_view tenant, RecordId id,
             Record* record) override;
  Status Update(const WriteOptions& options, std::string_view tenant,
                RecordId id, const RecordUpdate& update,
                Record* updated) override;
  Status History(const ReadOptions& options, std::string_view tenant,
                 RecordId id, std::vector<Record>* versions) override;
  Status Delete(const WriteOptions& options, std::string_view tenant,
                RecordId id) override;
  Status DeleteSession(const WriteOptions& options, std::string_view tenant,
                       std::string_view agent, std::string_view session,
                       uint64_t* deleted) override;
  Status DeleteSession(const WriteOptions& options, const Namespace& session,
                       uint64_t* deleted);
  Status DeleteAgent(const WriteOptions& options, std::string_view tenant,
                     std::string_view agent, uint64_t* deleted) override;
  Status Scan(const ReadOptions& options, const ScanOptions& scan,
              ScanResult* result) override;
  Status ListNamespaces(std::string_view tenant,
                        std::vector<Namespace>* namespaces) override;
  Status LookupNamespace(RecordId id, Namespace* ns);
  // Writes the counted reads to the `access` family (then readers see
  // them); folds them into their records when too many wait.
  Status FlushAccessCounts() EXCLUDES(access_write_mu_);
  // Writes every unfolded count into its record (store_access.cc).
  Status FoldAccessCounts() EXCLUDES(access_write_mu_);
  const std::string& dir() const override { return dir_; }

  // Snapshots and the hot-cache calls (store_api.cc).
  const Snapshot* GetSnapshot() override;
  void ReleaseSnapshot(const Snapshot* snapshot) override;
  Cache* cache() override { return &cache_calls_; }
  // The RocksDB read options of `options` (its snapshot, if any).
  static rocksdb::ReadOptions RocksRead(const ReadOptions& options);

  // Search (store_api.cc dispatches by mode to search_text.cc,
  // search_vector.cc; context_builder.cc).
  Status Search(const SearchOptions& options, SearchResult* result) override;
  Status TextSearch(const SearchOptions& options, SearchResult* result);
  Status PutEmbedding(const WriteOptions& options, std::string_view tenant,
                      RecordId id, const EmbeddingRef& embedding) override;
  Status VectorSearch(const SearchOptions& options, const VectorQuery& query,
                      SearchResult* result);
  Status HybridSearch(const SearchOptions& options, const VectorQuery& query,
                      const HybridOptions& hybrid, SearchResult* result);
  Status BuildContext(const ContextOptions& options, Context* context) override;

  // Encoder feed (embed_feed.cc, embed_pages.cc; mnemo/embedder.h).
  // admin FlushEmbeddings.
  Status FlushEmbeddings() EXCLUDES(embed_mu_);
  // The query text's vector (a kVector/kHybrid search without one).
  Status EmbedQuery(std::string_view text, std::vector<float>* out)
      EXCLUDES(embed_call_mu_);

  // Options::tokenizer_file loaded at Open, or null (calibrated estimate).
  const codec::Tokenizer* tokenizer() const { return tokenizer_.get(); }
  size_t TextTokens(std::string_view text) const {
    return codec::CountTextTokens(tokenizer_.get(), text);
  }
  // Adds the deletion of every search key of an agent (its postings and
  // statistics, its embeddings and page vectors).
  void AppendSearchDeleteAgent(std::string_view tenant, std::string_view agent,
                               ChangeBatch* batch);

  // Operator calls (store_admin.cc, store_iterate.cc, store_verify.cc).
  // They are the functions of mnemo/admin.h (admin.cc forwards).
  Status Validate(const Record& record);
  Status NewRecordIterator(const IterateOptions& options,
                           std::unique_ptr<RecordIterator>* it);
  Status GetStats(StoreStats* stats);
  Status Verify(const VerifyOptions& options, VerifyReport* report);
  Status Checkpoint(const std::string& out_dir);
  Status Backup(const std::string& backup_dir, BackupInfo* info);
  Clock* clock() const { return clock_; }

  Status Compact(const CompactOptions& options, CompactResult* result) override
      EXCLUDES(compaction_mu_);
  Status GetPage(const ReadOptions& options, std::string_view tenant,
                 uint64_t page_id, PageData* page) override;
  Status ListPages(const ReadOptions& options, std::string_view tenant,
                   std::string_view agent,
                   std::vector<PageInfo>* pages) override;
  // ListPages reading at `ro` (which holds a snapshot).
  Status ListPagesAt(const rocksdb::ReadOptions& ro, std::string_view tenant,
                     std::string_view agent, std::vector<PageInfo>* pages);
  Status LocateRecord(std::string_view tenant, RecordId id,
                      RecordLocation* location) override;
  Status GetTierStats(std::string_view tenant, TierStats* stats);

  // The hot-cache calls (store_cache.cc), reached through cache().
  Status PinPages(std::string_view tenant,
                  const std::vector<uint64_t>& page_ids,
                  std::vector<PinnedPage>* pages);
  Status PinRange(const ScanOptions& range, std::vector<PinnedPage>* pages);
  Status PutKv(std::string_view tenant, uint64_t page_id, std::string_view kind,
               std::string_view bytes);
  Status PutKv(std::string_view tenant, const PinnedPage& pinned,
               std::string_view kind, std::string_view bytes);
  Status GetKv(std::string_view tenant, uint64_t page_id, std::string_view kind,
               std::string* bytes);
  Status GetCacheReport(CacheReport* report);

  // Pages losing live records, with the ids removed from each.
  using PageRemovals = internal::PageRemovals;
  // Hot-cache keys of pages that changed or went away: (page id, content
  // hash) of their cached pixels and of their payloads.
  struct StaleCache {
    std::vector<std::pair<uint64_t, uint64_t>> pixels;
    std::vector<std::pair<uint64_t, uint64_t>> payloads;
  };

  // ---- Internal interface of the background passes and Verify
  // (compaction*.cc, store_verify*.cc), which reach the schema only
  // through table(): no friend classes, no handle accessors.
  const RecordTable& table() const { return table_; }
  const SearchTable& search_table() const { return search_; }
  TextStore* text_store() { return &text_store_; }
  const Options& options() const { return options_; }
  RecordId search_watermark() const { return search_watermark_.load(); }

  // Locks a set of lock stripes in index order (the global lock order is:
  // namespace lock, record stripes, page stripes); unlocks on destruction.
  class StripeLocks {
   public:
    StripeLocks() = default;
    StripeLocks(StripeLocks&&) = default;
    void Lock(std::mutex* stripes, size_t count, const std::set<size_t>& which);

   private:
    std::vector<std::unique_lock<std::mutex>> held_;
  };
  StripeLocks LockRecords(const std::vector<RecordId>& ids);
  StripeLocks LockPages(const PageRemovals& pages);

 private:
  // Open helpers (store_open.cc).
  Status CheckMarker(bool* fresh);
  // Format 1 -> 2 when the marker says 1 (writers only; store_open.cc).
  Status MigrateIfOld();
  Status WriteIdsWatermarkOnUpgrade();
  Status RecoverPendingIds() EXCLUDES(id_mu_);
  Status FlushPendingIdsAtClose() EXCLUDES(id_mu_);
  Status WriteMarker();
  Status LoadIdHighWater() EXCLUDES(id_mu_);
  // Every id the stored records and id mark account for (the larger of
  // the two, at most kMaxRecordId).
  Status StoredIdBound(RecordId* bound);
  Status LoadNamespaces() EXCLUDES(ns_mu_);
 public:  // (AssignIds to RecordId SafeAgeWatermark: compaction too)
  Status AssignIds(size_t n, RecordId* first) EXCLUDES(id_mu_);
  // The write of ids from `first` is done.
  void FinishIds(RecordId first) EXCLUDES(id_mu_);
  // Where compaction takes the ids of new pages: AssignIds by default. A
  // cluster store's cache takes them from the cluster instead, so page ids
  // are unique across hosts. Set once, before the first Compact.
  using PageIdSource = std::function<Status(size_t n, RecordId* first)>;
  void SetPageIdSource(PageIdSource source) {
    page_id_source_ = std::move(source);
  }
  Status AssignPageIds(size_t n, RecordId* first) EXCLUDES(id_mu_);
  // Every id <= it is committed or dropped.
  RecordId SafeCommittedId() EXCLUDES(id_mu_);
  // SafeCommittedId() leaving out the insert whose ids start at `own`
  // (its records are in the batch that writes the pending ids entries).
  RecordId IdsWatermark(RecordId own) EXCLUDES(id_mu_);
  // Writes the ids entries of new records that wait (record_table_pending.h).
  Status FlushPendingIds();
  // SafeCommittedId(), bounded by the search watermark when the full-text
  // index is on (after catching the index up; search_indexer.cc).
  RecordId SafeAgeWatermark();

 private:
  RecordId LastAssignedId() EXCLUDES(id_mu_);

  // Background loops (store_background.cc): started at the end of Open,
  // stopped first thing at close.
  void StartBackground();
  void StopBackground();
  std::vector<PeriodicTask*> BackgroundTasks() const;
  std::vector<BackgroundTaskStats> BackgroundStats() const;
  // The report a writer left in the store directory (for read-only opens).
  std::vector<BackgroundTaskStats> ReadBackgroundReport() const;
  void OnBackgroundRun(const Status& s, const BackgroundTaskStats& stats)
      EXCLUDES(report_mu_);
  void WriteBackgroundReport() EXCLUDES(report_write_mu_);

  // Full-text indexer (search_indexer.cc).
  bool SearchIndexOn() const;
  Status LoadSearchWatermark();
  Status ClampAgeWatermark();
  // True when the record has its postings. REQUIRES: its stripe held.
  bool SearchIndexed(RecordId id) const { return id <= search_watermark_.load(); }
  // Indexes records until the watermark reaches `target`; `wait`: wait for
  // inserts below it still being written (else stop there).
  Status CatchUpSearch(RecordId target, bool wait,
                       const std::atomic<bool>* cancel) EXCLUDES(search_mu_);
  // Read-your-writes before a search: indexes a small backlog, or (above
  // Options::search_catch_up_records) waits only for inserts in flight and
  // lets `env` score the unindexed records itself (search_tail.cc).
  Status CatchUpBeforeSearch(SearchEnv* env);
  // The postings the covered agents' unindexed records would have: the
  // watermark read at `index_ro`, the records at `ro`.
  Status AddUnindexedPostings(const rocksdb::ReadOptions& index_ro,
                              const rocksdb::ReadOptions& ro,
                              std::string_view tenant,
                              const std::vector<std::string>& agents,
                              const std::vector<std::string>& terms,
                              TermLists* out);
  Status ReadTail(const rocksdb::ReadOptions& ro,
                  const std::vector<RecordId>& ids,
                  const std::function<void(const Record&)>& fn);
  Status IndexSearchChunk(RecordId safe) REQUIRES(search_mu_);
  Status SearchIndexRun();  // one run of the background indexer

  // The index's own instance (search_db.cc).
  Status OpenIndex();
  Status OpenIndexReadOnly();
  // Format 7 and older to 8: copies the index out of the store's database.
  Status MoveIndexOut();
  // Deletes what the store's database still holds of an index moved out.
  Status RemoveOldIndex();
  // Rebuilds every agent whose intent and applied mark differ.
  Status ReconcileIndex();
  // Rebuilds an agent's index from its records at or below the watermark;
  // its applied mark becomes `token` (null: removed).
  Status RebuildAgentIndex(const std::string& agent_key, const uint64_t* token);
  // Rebuilds the agents whose index write failed after their records'
  // write (Commit), before a search and in the indexer's runs.
  Status RepairStaleIndex() EXCLUDES(search_mu_, index_commit_mu_);
  // Empties the index (watermark 0): the indexer rebuilds it.
  Status ClearIndex();
  Status CommitIndex(const WriteOptions& options, rocksdb::WriteBatch* batch,
                     std::string_view what);

  // Encoder feed (embed_feed.cc, embed_pages.cc).
  // At open: checks and records the model, loads the watermark.
  Status OpenEmbedFeed();
  bool EmbedFeedOn() const { return embedder_ != nullptr && !options_.read_only; }
  Status EmbedRun() EXCLUDES(embed_mu_);  // one background run
  // Embeds until the text cursor reaches `target` (waiting for inserts
  // below it) and the page queue is empty, or `cancel` is set.
  Status EmbedPass(RecordId target, const std::atomic<bool>* cancel)
      REQUIRES(embed_mu_);
  // InvalidArgument for an embedder the store cannot take (no cache, bad
  // name or dimension, another model than `stored`, when non-null).
  Status CheckEmbedder(const std::string* stored, uint32_t stored_dim) const;
  Status EmbedTextChunk(RecordId safe, const std::atomic<bool>* cancel)
      REQUIRES(embed_mu_);
  Status NextTexts(RecordId safe, size_t limit, TextChunk* chunk)
      REQUIRES(embed_mu_);
  Status EmbedChunkTexts(size_t batch, const std::atomic<bool>* cancel,
                         TextChunk* chunk) REQUIRES(embed_mu_);
  // Whether an agent's embeddings have the embedder's dimension, by
  // tenant\0agent.
  using DimFits = std::unordered_map<std::string, bool>;
  Status PutTextVector(const TextChunk& chunk, size_t i, const Record& r,
                       DimFits* fits, rocksdb::WriteBatch* batch);
  Status WriteTextVectors(const TextChunk& chunk) REQUIRES(embed_mu_);
  // The records queued again ('r', RecordTable::RequeueText): one chunk;
  // *left false when none is left to try.
  Status EmbedQueuedTexts(const std::atomic<bool>* cancel, bool* left)
      REQUIRES(embed_mu_);
  Status WriteQueuedTexts(const TextChunk& chunk,
                          const std::vector<RecordId>& queued)
      REQUIRES(embed_mu_);
  // One batch of queued pages; *progressed false when none was left.
  Status EmbedPageChunk(const std::atomic<bool>* cancel, bool* progressed)
      REQUIRES(embed_mu_);
  Status StorePageVector(const Namespace& ns, const PinnedPage& pinned,
                         const float* vector) REQUIRES(embed_mu_);
  // Calls the embedder under embed_call_mu_, adding the time to the stats.
  Status TimedEmbedderCall(const std::function<Status()>& call)
      EXCLUDES(embed_call_mu_);
  // Embeds n items in calls of at most `max_batch` (timed, serialised by
  // embed_call_mu_); `call` embeds items [begin, end) into out.
  // InvalidArgument is narrowed down by halving to the items refused (*ok
  // false for them); other errors are returned, and Aborted once `cancel`
  // (nullable) is set.
  Status EmbedSplit(size_t n, size_t max_batch,
                    const std::function<Status(size_t, size_t, float*)>& call,
                    const std::atomic<bool>* cancel, std::vector<float>* out,
                    std::vector<bool>* ok) EXCLUDES(embed_call_mu_);
  void FillEmbedStats(EmbedStats* stats);

  // Write helpers (store_write.cc).
  Status ValidateRecord(const Record& record) const;
  Status CheckWritable() const;
  Status Insert(const WriteOptions& options, const Record* records, size_t n,
                RecordId* first);
  Status AppendInsert(const Record& record, const NewRecordStamp& stamp,
                      rocksdb::WriteBatch* batch,
                      std::vector<std::string>* new_namespaces,
                      IdsOperand* new_ids) REQUIRES_SHARED(ns_mu_);
  void RememberNamespaces(std::vector<std::string>* keys) EXCLUDES(ns_mu_);

  // Restore helpers (store_write.cc, store_restore.cc).
  // Checks records to restore (ids set, at most kMaxImportedRecordId, not
  // repeated; valid); raises *max_id to the largest id.
  Status CheckRestored(const std::vector<Record>& records, RecordId* max_id);
  // Takes the ids of `records` before they are checked and written: keeps
  // later ids above `max_id` (persisting the high-water mark) and refuses
  // an id a concurrent insert holds. REQUIRES: search_mu_ held until the
  // restored ids are written.
  Status RaiseIdHighWater(const std::vector<Record>& records,
                          RecordId max_id) REQUIRES(search_mu_) EXCLUDES(id_mu_);
  // AlreadyExists naming the first record of `records` whose id is in use.
  // REQUIRES: their stripes held (LockRecords) until the batch is written.
  Status CheckRecordsAbsent(const std::vector<Record>& records);
  // AlreadyExists when a planned page id is in use by a different page;
  // marks pages stored exactly as planned.
  Status CheckPagesFree(RestorePlan* plan);
  // Adds restored records (their tier and page kept as planned) and pages.
  Status AppendRestored(const std::vector<Record>& records,
                        const RestorePlan& plan, ChangeBatch* batch,
                        std::vector<std::string>* new_namespaces)
      REQUIRES_SHARED(ns_mu_);
  Status Commit(const WriteOptions& options, rocksdb::WriteBatch* batch,
                std::string_view what);
  // The error of a write refused after a write-ahead log failure.
  Status WalFailed(std::string_view what) const;
  Status DeleteMatching(const WriteOptions& options, const Namespace& ns,
                        bool whole_agent, uint64_t* deleted);
 public:  // (AppendDelete to AgeBucket: compaction too)
  // Adds the deletion of a record (its value, time-index and age entries,
  // history, live-set entries, postings) and notes the pages it leaves.
  void AppendDelete(const Record& record, uint8_t flags, ChangeBatch* batch,
                    PageRemovals* pages);
  // Writes the records' batch, then (when it has any) the index's, with
  // an intent and an applied mark for each agent whose index it changes
  // (search_db.cc; compaction and Verify's repairs too).
  Status Commit(const WriteOptions& options, ChangeBatch* batch,
                std::string_view what);
  // Snapshots of the index and of the records that agree: no change of
  // both is between them (Verify).
  void TakeSnapshots(const rocksdb::Snapshot** index,
                     const rocksdb::Snapshot** records);
  // Makes the pages forget the records being removed (page_forget.cc):
  // deletes pages whose every live record is being removed, rewrites the
  // others with those records blanked and cut from their manifests, and
  // deletes the pages' cache payloads; notes in *stale what the hot cache
  // must drop once the batch is written (DropStaleCache). Corruption when
  // a page that keeps live records cannot be read or masked. REQUIRES: the
  // page stripes of `pages` are held until the batch is written.
  Status AppendPageGc(const PageRemovals& pages, rocksdb::WriteBatch* batch,
                      StaleCache* stale);
  Status AppendPageMask(uint64_t page_id, const std::set<RecordId>& removed,
                        rocksdb::WriteBatch* batch, StaleCache* stale);
  Status AppendPayloadDeletes(uint64_t page_id, rocksdb::WriteBatch* batch,
                              StaleCache* stale);
  Status ReadStoredPage(uint64_t page_id, StoredPage* page);
  // Drops the cached pixels and payloads of changed pages (no-op without a
  // cache). Call after the batch of AppendPageGc is written.
  void DropStaleCache(const StaleCache& stale);
  // Age-index bucket: the tier, or kKeptAsTextBucket.
  static uint8_t AgeBucket(const Record& record, uint8_t flags) {
    return RecordTable::AgeBucket(record, flags);
  }

 private:
  std::mutex& LockFor(RecordId id) { return record_locks_[id % kLockStripes]; }

 public:  // (ReadRecord to Expired: compaction too)
  // Read helpers (store_read.cc).
  // Reads the record stored under `id` without tenant/expiry checks.
  Status ReadRecord(const rocksdb::ReadOptions& ro, RecordId id,
                    Record* record, uint8_t* flags = nullptr);
  // Decodes a stored value (`key`: its records key's fields) and
  // decompresses its text.
  Status DecodeStored(std::string_view value, const KeyFields& key,
                      Record* record, uint8_t* flags);
  // With `count`, the read is counted (Get's access count).
  Status ReadVisible(std::string_view tenant, RecordId id, Record* record,
                     const rocksdb::ReadOptions& ro = rocksdb::ReadOptions(),
                     bool count = false);
  // The access counts of `id` not yet folded into its stored record (the
  // compaction policy; readers of records use the sequence lock,
  // store_access.cc).
  uint64_t UnfoldedAccessCount(RecordId id) {
    return access_.Pending(id).count;
  }
  bool Expired(const Record& record) const;

 private:

  const Options options_;
  const std::string dir_;
  int stored_format_ = kStoreFormatVersion;  // the marker's, at open
  Clock* const clock_;
  RocksConfig config_;
  rocksdb::DB* db_ = nullptr;

  port::Mutex id_mu_;
  RecordId last_id_ GUARDED_BY(id_mu_) = 0;  // <= kMaxRecordId
  // Ids <= this are recorded on disk.
  RecordId reserved_id_ GUARDED_BY(id_mu_) = 0;
  // Id ranges (first, last) of inserts assigned but not yet written.
  std::vector<std::pair<RecordId, RecordId>> in_flight_ GUARDED_BY(id_mu_);
  PageIdSource page_id_source_;  // empty: AssignIds (SetPageIdSource)

  // Namespaces known to have an 'n' key. Writers of new records hold it
  // shared; bulk deletes hold it exclusively (see DeleteMatching).
  port::SharedMutex ns_mu_;
  std::unordered_set<std::string> known_namespaces_ GUARDED_BY(ns_mu_);
  // Counts removals from known_namespaces_ (RecordTable::Insert's memo).
  uint64_t known_namespaces_generation_ GUARDED_BY(ns_mu_) = 0;

  static constexpr size_t kLockStripes = 64;
  std::array<std::mutex, kLockStripes> record_locks_;
  std::array<std::mutex, kLockStripes> page_locks_;

  TextStore text_store_;
  // The schema: every key the store writes goes through it (bound to the
  // handles by OpenDb, unbound by CloseDb).
  RecordTable table_{&text_store_, options_.location_hint_bytes};
  // The full-text index's keys (bound with table_, by OpenDb).
  SearchTable search_{options_.full_text_index, options_.search_language};

  // Hot cache (store_cache.cc); null unless Options::cache.enabled.
  std::unique_ptr<codec::Tokenizer> tokenizer_;
  std::unique_ptr<StoreCache> cache_;
  StoreCacheCalls cache_calls_{this};
  Status CheckCache() const;
  Status PinPage(std::string_view tenant, uint64_t page_id, PinnedPage* pinned);
  // NotFound unless the page exists and belongs to `tenant`; *revision
  // (optional): the PixelsCacheHash of the page as reads serve it.
  Status GetPageInfoOnly(std::string_view tenant, uint64_t page_id,
                         uint64_t* revision = nullptr);
  // PutKv; `revision` (optional): the page's revision must still be it.
  Status PutKvAt(std::string_view tenant, uint64_t page_id,
                 const uint64_t* revision, std::string_view kind,
                 std::string_view bytes);
  port::Mutex compaction_mu_;  // one Compact at a time
  std::atomic<bool> background_cancel_{false};  // set on close
  // Read-only instances: the write-ahead logs their view needs.
  std::vector<uint64_t> logs_needed_;
  // A write failed: RocksDB refuses writes until DB::Resume() (see Commit).
  std::atomic<bool> write_failed_{false};
  Status CompactionRun();  // one run of the background compaction

  AccessTracker access_;
  // Serializes FlushAccessCounts, so a flush that returns has seen every
  // count gathered before it started, including ones another flush drained;
  // a fold holds it so that no flush adds to an increment it deletes.
  port::Mutex access_write_mu_;
  // Loads the `access` family's increments into access_ (open).
  Status LoadAccessCounts();
  // Adds the unfolded counts to records read at `ro`: the in-memory ones
  // (REQUIRES: read inside access_.ReadBegin/ReadValid) or, at a snapshot,
  // the `access` family's at it.
  Status AddUnfolded(const rocksdb::ReadOptions& ro,
                     std::vector<Record>* records);
  Status FoldChunk(const AccessTracker::IdCounts& chunk)
      REQUIRES(access_write_mu_);

  // Full-text indexer: one chunk at a time; Restore holds it too.
  port::Mutex search_mu_;
  std::atomic<RecordId> search_watermark_{0};  // written under search_mu_
  // Changes of records and index (Commit of a ChangeBatch) one at a time,
  // so each agent's intents and applied marks are written in one order.
  port::Mutex index_commit_mu_;
  uint64_t index_token_ GUARDED_BY(index_commit_mu_) = 0;
  std::atomic<bool> index_write_failed_{false};  // see CommitIndex
  // Agents whose index missed a change (its write failed after the
  // records'), each with its last intent token; stale_index_count_ mirrors
  // the map's size for a lock-free check before every search.
  std::map<std::string, uint64_t> stale_index_ GUARDED_BY(index_commit_mu_);
  std::atomic<size_t> stale_index_count_{0};
  // Tests only (SetIndexCommitsDropped).
  const bool index_commits_dropped_ = IndexCommitsDropped();

  // Encoder feed: one pass at a time (embed_mu_); every embedder call
  // under embed_call_mu_ (query embeddings too), so calls never overlap.
  std::shared_ptr<Embedder> embedder_;  // Options::embedder
  port::Mutex embed_mu_;
  port::Mutex embed_call_mu_;
  // Records with ids <= it were offered to the embedder (persisted as
  // kEmbedWatermarkKey, lowered to below the first refused one).
  std::atomic<RecordId> embed_cursor_{0};
  std::set<RecordId> failed_texts_ GUARDED_BY(embed_mu_);
  std::set<uint64_t> failed_pages_ GUARDED_BY(embed_mu_);
  // Queued texts refused or unreadable: skipped until the next open.
  std::set<RecordId> failed_queued_ GUARDED_BY(embed_mu_);
  std::chrono::steady_clock::time_point embed_retry_at_ GUARDED_BY(embed_mu_);
  std::chrono::milliseconds embed_backoff_ GUARDED_BY(embed_mu_){0};
  std::atomic<uint64_t> texts_embedded_{0}, pages_embedded_{0};
  std::atomic<uint64_t> embed_failed_{0}, embed_nanos_{0};

  // Background loops; null when off (options, read-only).
  std::unique_ptr<PeriodicTask> embed_task_;
  std::unique_ptr<PeriodicTask> search_task_;
  std::unique_ptr<PeriodicTask> flush_task_;
  std::unique_ptr<PeriodicTask> fold_task_;
  std::unique_ptr<PeriodicTask> ids_task_;  // FlushPendingIds
  // The last ids watermark FlushPendingIds wrote, or the one the open left
  // (written before the task starts, then by its thread only).
  RecordId ids_mark_written_ = 0;
  // Tests only (SetIdsFlushHeld): the store writes no waiting ids entries.
  const bool ids_flush_held_ = IdsFlushHeld();
  std::unique_ptr<PeriodicTask> compaction_task_;
  port::Mutex report_mu_;  // acquired before any task's own lock
  std::set<std::string> failing_tasks_ GUARDED_BY(report_mu_);
  std::chrono::steady_clock::time_point last_report_ GUARDED_BY(report_mu_);
  port::Mutex report_write_mu_;  // one writer of the report file
  // Ids written by this process above the watermark, by agent; ids up to
  // tail_floor_ (the last id when the store opened) are not in it.
  UnindexedTail tail_;
  RecordId tail_floor_ = 0;  // set in Open before any thread starts
  size_t tail_floor_count_ = 0;  // records in (watermark at open, floor]
  Status CountTailBeforeOpen();
};

// Reads page `page_id` with `ro` (e.g. at a snapshot) into *out. With
// `tenant` non-null, a page of another tenant is NotFound. Records that
// `expiry` lists as expired are blanked in *out (expiry_index.h).
Status ReadPageData(const RecordTable& table, const rocksdb::ReadOptions& ro,
                    uint64_t page_id, const std::string_view* tenant,
                    PageData* out, const ExpiryView& expiry = ExpiryView());

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_STORE_IMPL_H_
