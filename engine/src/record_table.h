// Copyright (c) mnemo authors.
//
// RecordTable: the one owner of the store's schema. It holds the column
// family handles and every key layout (keys.h, expiry_index.h), and turns
// each named change of a record into exactly the keys the schema needs,
// appended to the caller's WriteBatch. Callers (StoreImpl, Compaction,
// StoreVerifier, the search indexer, restore) decide *what* happens and
// hold the locks; the table decides *which keys* that means. No caller
// names a column family or builds a key.
//
// Layout (format 3, keys.h): records clustered by slot(tenant, agent),
// event time and id, so an agent's time range is one range read; an `ids`
// family maps id -> location in blocks of 64 consecutive ids, written as
// merge operands (record_table_ids.h; Get = ids block Get + records Get);
// no time-index keys. Format 4 adds the `access` family: access counts not
// yet folded into their records (record_table_access.cc). Format 6 writes
// new records' ids entries after the records, insert-flagged
// (record_table_pending.h). Format 7 writes records values as envelope
// version 3, whose id and event time the key holds: every read hands the
// key's fields (KeyFieldsOf) to Decode. Format 8 keeps the full-text
// index in an instance of its own (SearchTable, record_table_search.h);
// the table writes each agent's index intent beside the records
// (search_db.cc). Formats 1 (records by id, 't' time-index keys) and 2
// (one ids entry per id) are only read by the
// migration (record_table_migrate.h). Reads return records, never raw
// keys (cursors and walk positions are opaque strings: a scan cursor is
// "time id", the same bytes in both formats).
//
// Key sets (what each mutation writes). "rec" = the records key
// slot time id, "ids" = a Merge of the id's entry into its ids block
// (Insert: one Merge per block for all records of a batch, FinishInserts,
// or later for small inserts, TakePendingIds; Delete: an entry marking the
// id deleted). "span" = the pages
// [page.page_id, page.page_id + max(1, page.page_count)).
//   Insert        rec Put, ids Merge, 'n' Put unless the session is known
//   Restore       Insert's keys + 'g' Put + 'v' Put per page of the span
//                 + expiry Put (when paged and expiring) + postings Add
//   Update        history Put(old as stored) + Rewrite(old -> next)
//                 + postings Remove(old)/Add(next)
//   Rewrite       rec Delete(old) when the event time changed, rec
//                 Put(next), ids Merge(next); 'g' Delete(old) then
//                 Put(next); 'v' Delete per page of the old span, then Put
//                 per page of the new one; expiry Delete(old) then
//                 Put(next). (Deletes first, always: a key both have
//                 stays, a missing one is healed.) MoveTier, AttachToPage,
//                 DetachFromPages and forgetting text are Rewrites with a
//                 different new record or flags.
//   Delete        rec, ids (Merge: deleted), 'g', every history version,
//                 expiry, 'v' per page of the span, embedding Delete,
//                 postings Remove
//
// Thread safety: besides the handles set by Attach, the table's mutable
// state is the slot map, the location hints and the waiting ids entries,
// each guarded by its own mutexes; concurrent calls are safe. Callers
// serialise changes of one record with the store's record stripes and of
// one page with its page stripes (store_impl.h); every method that reads
// and then writes says what it requires.
//
// Implementation: record_table.cc (mutations, namespaces, Get),
// record_table_insert.cc (Insert), record_table_index.cc (age index,
// pages, live sets, counters, id-range reads, history),
// record_table_expiry.cc (expiry index), record_table_pages.cc (page
// reads, V8), record_table_scan.cc (ScanAgent, namespaces; what it takes:
// record_table_scan.h), record_table_access.cc (access counts),
// record_table_db.cc (open and close, statistics, dictionaries, spill
// family), record_table_walk.cc, record_table_verify.cc and
// record_table_verify_expiry.cc (Verify's walks and Check*),
// record_table_slots.cc (slots, location hints: record_table_hints.h),
// record_table_ids.cc (ids blocks), record_table_deferred.cc (ids entries
// written later, record_table_pending.h), record_table_vectors.cc (index
// intents, BindSearch). Classes of their own: the full-text index's keys
// (SearchTable, record_table_search.h, owned by the store and bound by
// BindSearch), the vector values and the encoder feed's keys (VectorTable,
// record_table_vectors.h, owned by the table) and the migration of
// formats 1 and 2 (FormatMigration, record_table_migrate.h).

#ifndef MNEMO_ENGINE_RECORD_TABLE_H_
#define MNEMO_ENGINE_RECORD_TABLE_H_

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "envelope.h"
#include "expiry_index.h"
#include "keys.h"
#include "mnemo/record.h"
#include "mnemo/status.h"
#include "record_table_expiry.h"
#include "record_table_hints.h"
#include "record_table_ids.h"
#include "record_table_pending.h"
#include "record_table_scan.h"
#include "record_table_vectors.h"

namespace mnemo::internal {

// The most a per-thread read buffer keeps between reads: a long record read
// once does not stay allocated for the thread's lifetime.
inline constexpr size_t kMaxKeptReadBuffer = 64 << 10;

class FormatMigration;  // record_table_migrate.h
class PostingsBuilder;  // search_postings.h
class SearchTable;      // record_table_search.h
class TextStore;        // text_store.h
struct StoredPage;      // page_store.h

// Pages losing live records, with the ids removed from each (the input of
// the page forget step, page_forget.cc).
using PageRemovals = std::map<uint64_t, std::set<RecordId>>;

class RecordTable {
 public:
  // `text` compresses and decompresses stored text (zstd dictionaries);
  // it must outlive the table. `location_hint_bytes`:
  // Options::location_hint_bytes.
  RecordTable(TextStore* text, size_t location_hint_bytes);
  RecordTable(const RecordTable&) = delete;
  RecordTable& operator=(const RecordTable&) = delete;

  // Binds the open database and its handles (indexed by Family). Called
  // after every open; Detach before the handles are destroyed. REQUIRES:
  // handles.size() > kIds.
  void Attach(rocksdb::DB* db,
              const std::vector<rocksdb::ColumnFamilyHandle*>& handles);
  void Detach();

  // ---- Encoding -------------------------------------------------------

  // The stored form of `record`: zstd text when flags has kFlagTextZstd,
  // no text when kFlagTextForgotten (envelope.h). Fails only when the text
  // cannot be compressed.
  Status Encode(const Record& record, uint8_t flags, std::string* out) const;
  // The inverse: checks the envelope, decompresses the text. `key`: the
  // fields of the value's records key (KeyFieldsOf), which a version-3
  // value leaves out; its id names the record in errors. `peeked` as
  // DecodeEnvelope's (peeked with the same key).
  Status Decode(std::string_view value, const KeyFields& key, Record* record,
                uint8_t* flags, const EnvelopeHeader* peeked = nullptr) const;
  // The stored form of `record` in the history family (self-contained:
  // its key holds no event time).
  Status EncodeHistory(const Record& record, uint8_t flags,
                       std::string* out) const;
  // Age-index bucket of a record as stored: its tier, or
  // kKeptAsTextBucket when flags has kFlagKeptAsText.
  static uint8_t AgeBucket(const Record& record, uint8_t flags);

  // ---- Record mutations -----------------------------------------------
  // Each appends to *batch and writes nothing itself. Records passed in
  // are complete (as read, or as they will be stored), with the ids,
  // versions, tiers and page refs the caller decided. REQUIRES: the
  // records' stripes held until the batch is written.

  // A new record: tier hot, no page, stored with flags 0. `known`: the
  // caller's set of namespace tokens already stored (see NamespaceToken),
  // `new_namespaces`: tokens this batch adds (appended to; also read, so a
  // batch writes each session's key once). REQUIRES: the caller's
  // namespace lock held shared until the batch is written, then the new
  // tokens added to `known` under it.
  Status Insert(const Record& record,
                const std::unordered_set<std::string>& known,
                std::vector<std::string>* new_namespaces,
                rocksdb::WriteBatch* batch) const;
  // The same for the caller's `record` as `stamp` completes it (the id,
  // times and hash the store gives it; envelope.h), for a caller that
  // counts the removals from `known`: `known_generation` changes whenever
  // a token leaves `known`. Each thread remembers its last agent's slot
  // and the last token it found in `known`, so a run of records of one
  // agent and session (an agent writing its turns) skips the slot and
  // namespace lookups.
  // The ids entries of a batch of such records wait in memory when
  // new_ids->deferred() (TakePendingIds; record_table_pending.h), else are
  // gathered in `new_ids` (one operand per block of ids) and appended by
  // FinishInserts, which the caller calls once after the batch's last
  // Insert. FinishInserts appends whatever `new_ids` has gathered and
  // clears it, so a caller that gathers ids itself (the format migration)
  // also calls it when the next id belongs to another block.
  Status Insert(const Record& record, const NewRecordStamp& stamp,
                const std::unordered_set<std::string>& known,
                uint64_t known_generation,
                std::vector<std::string>* new_namespaces, IdsOperand* new_ids,
                rocksdb::WriteBatch* batch) const;
  void FinishInserts(IdsOperand* new_ids, rocksdb::WriteBatch* batch) const;

  // A record imported with its id, placed as the caller planned (`flags`,
  // record.tier, record.page): Insert's keys plus its age key (restored
  // ids may lie below the age watermark), live-set keys and expiry entry.
  // `postings` (nullable): the record's postings are added to it (callers
  // pass it when the id is at or below the search watermark).
  Status Restore(const Record& record, uint8_t flags,
                 const std::unordered_set<std::string>& known,
                 std::vector<std::string>* new_namespaces,
                 PostingsBuilder* postings, rocksdb::WriteBatch* batch) const;

  // A new version: `old` (as stored, with `old_flags`) goes to history
  // under its version; `next` (next.version == old.version + 1, tier hot,
  // no page) replaces it. Notes in *pages the pages `old` leaves (the
  // caller runs the page forget step for them). `postings` (nullable):
  // old's postings removed, next's added.
  // When the text changes and old's embedding was made by the encoder
  // feed, the embedding is deleted and next queued for it ('r').
  Status Update(const Record& old, uint8_t old_flags, const Record& next,
                PostingsBuilder* postings, rocksdb::WriteBatch* batch,
                PageRemovals* pages) const;
  Status RequeueText(const Record& old, const Record& next,
                     rocksdb::WriteBatch* batch) const;

  // The same record (id, namespace, version, event time unchanged) stored
  // anew with a new placement: `next`/`next_flags` replace `old`/
  // `old_flags`. The named forms below say which placements each pass
  // makes; all share this key set (see the top of the file). Notes the
  // pages `old` is on and `next` is not in *pages (nullable when none).
  Status Rewrite(const Record& old, uint8_t old_flags, const Record& next,
                 uint8_t next_flags, rocksdb::WriteBatch* batch,
                 PageRemovals* pages) const;
  // Compaction's warm and decay passes: next.tier changed; next_flags may
  // add kFlagTextZstd (warm) or kFlagTextForgotten (decay forgets text).
  Status MoveTier(const Record& old, uint8_t old_flags, const Record& next,
                  uint8_t next_flags, rocksdb::WriteBatch* batch) const {
    return Rewrite(old, old_flags, next, next_flags, batch, nullptr);
  }
  // The pixel pass: `next` is on its pages (tier pixels, page set) and
  // their page values are in the same batch (PutPage); or it stays text
  // for good (next_flags has kFlagKeptAsText, next.page unset).
  Status AttachToPage(const Record& old, uint8_t old_flags, const Record& next,
                      uint8_t next_flags, rocksdb::WriteBatch* batch) const {
    return Rewrite(old, old_flags, next, next_flags, batch, nullptr);
  }
  // Verify's repair: `old` leaves its pages for the warm tier, text kept.
  // REQUIRES: old's text is stored (flags lack kFlagTextForgotten).
  Status DetachFromPages(const Record& old, uint8_t flags,
                         rocksdb::WriteBatch* batch, PageRemovals* pages) const;

  // Removes `record` (as stored, with `flags`) and every key it owns:
  // history, age and expiry entries, live-set keys, embedding; its
  // postings are removed through `postings` (nullable: not indexed).
  // Notes the pages it leaves in *pages.
  void Delete(const Record& record, uint8_t flags, PostingsBuilder* postings,
              rocksdb::WriteBatch* batch, PageRemovals* pages) const;

  // ---- Namespaces -----------------------------------------------------

  // The token under which callers remember that a session has its key.
  std::string NamespaceToken(const Namespace& ns) const;
  // Tokens in `known` that belong to tenant/agent (all sessions).
  std::vector<std::string> AgentTokens(
      std::string_view tenant, std::string_view agent,
      const std::unordered_set<std::string>& known) const;
  // Deletes the namespace keys of `tokens`.
  void DeleteNamespaces(const std::vector<std::string>& tokens,
                        rocksdb::WriteBatch* batch) const;
  // Every stored token (at open), or those of one tenant ("" = all), as
  // namespaces.
  Status ListNamespaces(std::string_view tenant,
                        std::vector<Namespace>* namespaces) const;
  Status LoadNamespaceTokens(std::unordered_set<std::string>* tokens) const;

  // ---- Reads ------------------------------------------------------------

  // NotFound (naming the id) when absent or only access counts remain.
  Status Get(const rocksdb::ReadOptions& ro, RecordId id, Record* record,
             uint8_t* flags = nullptr) const;
  // Starts loading what Get(id) looks up first (its location hint), so a
  // caller with another cache miss to wait for overlaps the two.
  void PrefetchLocation(RecordId id) const { hints_.Prefetch(id); }
  // Older versions of `id`, oldest first (not the current one).
  Status History(const rocksdb::ReadOptions& ro, RecordId id,
                 std::vector<Record>* versions) const;
  // The agent's records in `range`, in time order (reverse: newest first),
  // that `filter` accepts, up to `limit`; *more: a further one exists and
  // *last_position resumes after the last one returned (AgentRange::after).
  // Entries whose record is gone (expired by the TTL filter) are skipped.
  // One iterator reads them all: one consistent view (ro.snapshot, else
  // the iterator's own).
  Status ScanAgent(const rocksdb::ReadOptions& ro, const AgentRange& range,
                   const std::function<bool(const ScanEntry&)>& filter,
                   size_t limit, std::vector<Record>* records, bool* more,
                   std::string* last_position) const;
  // Every record of the agent (of one session when `session` is set), as
  // stored: fn(record, flags) until it fails. Entries whose record is gone
  // (the TTL filter dropped it) are deleted in *batch (bulk deletes).
  // REQUIRES: no writer of the agent runs meanwhile (the store's
  // namespace lock held exclusively).
  Status ForEachInAgent(std::string_view tenant, std::string_view agent,
                        const std::optional<std::string_view>& session,
                        const std::function<Status(const Record&, uint8_t)>& fn,
                        rocksdb::WriteBatch* batch) const;
  // Records with ids in (after, upto], in id order, as stored values
  // (indexer, age watermark pass, search tail): an ids walk plus one
  // records MultiGet per chunk; orphan counts and dangling ids entries
  // skipped.
  // fn(key fields, value): the fields Decode needs with the value.
  Status ForEachIdRange(
      const rocksdb::ReadOptions& ro, RecordId after, RecordId upto,
      const std::function<bool(const KeyFields&, std::string_view)>& fn) const;
  // The ids in (after, upto] of the ids family, in order, until fn returns
  // false; no record is read (so ids whose record the TTL filter dropped
  // are included).
  Status ForEachId(const rocksdb::ReadOptions& ro, RecordId after,
                   RecordId upto,
                   const std::function<bool(RecordId)>& fn) const;
  // The stored values of `ids` (sorted ascending) at `ro`: fn(key fields,
  // value) for each one present (absent ones and orphan counts skipped),
  // in batches of one MultiGet.
  Status GetMany(
      const rocksdb::ReadOptions& ro, const std::vector<RecordId>& ids,
      const std::function<void(const KeyFields&, std::string_view)>& fn) const;
  // The largest record id stored (0 when none).
  Status LastId(RecordId* id) const;

  // ---- Deferred ids entries (format 6, record_table_deferred.cc) ------

  // Entries waiting (an estimate while writers run).
  size_t pending_ids() const;
  // Appends every waiting entry and `watermark` (no id at or below it
  // can still add one) to *batch; false when none wait or another flush
  // runs, else the caller reports the write with PendingIdsWritten.
  bool TakePendingIds(RecordId watermark, rocksdb::WriteBatch* batch) const;
  void PendingIdsWritten(bool written) const;
  // Writes every waiting entry and `watermark` in writes of its own
  // (`mark_always`: the watermark even when nothing waits). *marked (when
  // given): whether it wrote the watermark (not while another flush runs).
  Status FlushPendingIds(RecordId watermark, bool mark_always = false,
                         bool* marked = nullptr) const;
  // At open: the entries of the records above the watermark, read back
  // and written with watermark `bound`, or kept (`keep_in_memory`).
  // `format6`: a store without the watermark never flushed (else it is
  // older and has none to recover).
  Status RecoverPendingIds(RecordId bound, bool format6, bool keep_in_memory,
                           size_t* recovered) const;

  // ---- Access counts ----------------------------------------------------

  struct AccessCount {
    RecordId id = 0;
    uint64_t count = 0;
    Micros last = 0;
  };
  // Format 4 (record_table_access.cc): counts live in the `access`
  // family until a fold writes them into their records, so Get and Scan
  // never step over them. False for a format-3 store opened read-only
  // (no `access` family; its counts are in `records` as merge operands).
  bool HasAccessFamily() const;
  // Appends each count as a merge of its id's increment (the flush).
  // REQUIRES: HasAccessFamily().
  void AddAccessIncrements(const std::vector<AccessCount>& counts,
                           rocksdb::WriteBatch* batch) const;
  // Every increment not yet folded (the store loads them at open).
  Status ForEachAccessIncrement(
      const rocksdb::ReadOptions& ro,
      const std::function<void(const AccessCount&)>& fn) const;
  // Adds the increment stored at `ro` for record->id to its counts (a
  // reader at a snapshot: the store's in-memory counts are the current
  // ones, not the snapshot's).
  Status AddUnfoldedAccess(const rocksdb::ReadOptions& ro,
                           Record* record) const;
  // Folds `counts` (each the whole increment stored for its id) into
  // their records: the record Put with the counts added and the
  // increment deleted, in *batch; only the increment for a record gone.
  // REQUIRES: the ids' record stripes held and no flush running until the
  // batch is written.
  Status FoldAccess(const std::vector<AccessCount>& counts,
                    rocksdb::WriteBatch* batch) const;

  // ---- Age index --------------------------------------------------------

  // Enters the record at `key` (stored value `value`) into the age index
  // (the watermark pass). Idempotent. REQUIRES: `value` is a whole record
  // value, as ForEachIdRange hands them out (orphan counts are skipped
  // there).
  void PutAgeEntry(const KeyFields& key, std::string_view value,
                   rocksdb::WriteBatch* batch) const;
  // Drops an age entry found stale (its record gone or moved).
  void DropAgeEntry(std::string_view position,
                    rocksdb::WriteBatch* batch) const;
  // Age entries of `bucket` with event time <= `before`, oldest first,
  // after `after` ("" = from the first): fn(position, time, id).
  Status AgeWalk(uint8_t bucket, Micros before, std::string_view after,
                 const std::function<Status(std::string_view, Micros,
                                            RecordId)>& fn) const;

  // ---- Expiry index -----------------------------------------------------

  Status ExpiredEntries(const rocksdb::ReadOptions& ro, Micros now,
                        size_t limit, std::vector<ExpiredEntry>* out,
                        std::string_view after) const;
  void DeleteExpiryEntry(const ExpiredEntry& e,
                         rocksdb::WriteBatch* batch) const;
  // Adds the expiry entry `record` needs (building the index of an old
  // store; verify's repair).
  void PutExpiryEntry(const Record& record, rocksdb::WriteBatch* batch) const;
  // What page readers blank at `now`.
  ExpiryView expiry_view(Micros now) const;

  // ---- Pages ------------------------------------------------------------

  Status GetPage(const rocksdb::ReadOptions& ro, uint64_t page_id,
                 StoredPage* page) const;
  // Stores a page value (new, masked or downscaled). Live-set keys are
  // the records' business (Restore, AttachToPage, Rewrite, Delete). With
  // the encoder feed on (set_embed_pages), also queues the page for it
  // ('q' key, same batch), and DeletePage drops that key.
  void PutPage(uint64_t page_id, const StoredPage& page,
               rocksdb::WriteBatch* batch) const;
  void PutLiveKey(uint64_t page_id, RecordId id,
                  rocksdb::WriteBatch* batch) const;
  void DeletePage(uint64_t page_id, rocksdb::WriteBatch* batch) const;
  // The ids in the page's live set, in id order.
  Status LiveSet(const rocksdb::ReadOptions& ro, uint64_t page_id,
                 std::vector<RecordId>* ids) const;

  // ---- Watermarks (default family) ----------------------------------------

  // A fixed 8-byte counter under `name` (kNextIdKey, kAgeWatermarkKey; the
  // search watermark is SearchTable's): *value 0 and *found false when
  // absent; Corruption when it is not 8 bytes.
  Status GetCounter(const rocksdb::ReadOptions& ro, std::string_view name,
                    uint64_t* value, bool* found = nullptr) const;
  void PutCounter(std::string_view name, uint64_t value,
                  rocksdb::WriteBatch* batch) const;
  // Format 8 (record_table_search.h): the token of the last change of an
  // agent's index ("tenant \0 agent"), written with the records' batch
  // (record_table_vectors.cc).
  void PutIndexIntent(std::string_view agent_key, uint64_t token,
                      rocksdb::WriteBatch* batch) const;
  Status IndexIntents(std::map<std::string, uint64_t>* intents) const;

  // ---- Invariants (Verify) ------------------------------------------------
  // What Verify checks, stated once. Each Check* compares what the stored
  // keys hold with what the record implies and, when `repair` is non-null,
  // appends the repair to it. The Verify problem kinds are in mnemo/admin.h.

  enum class IndexState { kOk, kMissing, kMismatch };
  // V2: the record's ids entry exists and points at the record's
  // clustered key (slot of its namespace, its event time).
  Status CheckIndexOf(const rocksdb::ReadOptions& ro, const Record& record,
                      IndexState* state, rocksdb::WriteBatch* repair) const;
  // V3: the record's session has its namespace key.
  Status CheckNamespaceOf(const rocksdb::ReadOptions& ro, const Record& record,
                          bool* present, rocksdb::WriteBatch* repair) const;
  // V4: every ids entry is well formed (fn(0, why) otherwise) and names
  // an existing slot. An entry whose record is gone is normal (the TTL
  // filter drops expired records, not their ids entries) and not reported.
  Status CheckIndexEntries(
      const rocksdb::ReadOptions& ro,
      const std::function<void(RecordId, const std::string&)>& dangling,
      rocksdb::WriteBatch* repair, uint64_t* checked) const;

  // ---- Database --------------------------------------------------------

  // Opens the database at `dir` with `families` (ours first, in Family
  // order, then any the store does not know) and binds the table to it
  // (Attach). On failure *db stays null and nothing is bound.
  rocksdb::Status OpenDb(
      const rocksdb::DBOptions& options, const std::string& dir,
      const std::vector<rocksdb::ColumnFamilyDescriptor>& families,
      bool read_only, rocksdb::DB** db);
  // Destroys the handles and unbinds (Detach); the caller then closes and
  // deletes the database.
  void CloseDb();
  // Flushes every family's memtable (a writer's close).
  rocksdb::Status FlushAll(const rocksdb::FlushOptions& options) const;

  // Writes a batch the table's mutations built (background passes and
  // Verify; the store's own writes go through StoreImpl::Commit).
  Status Write(const rocksdb::WriteOptions& options, rocksdb::WriteBatch* batch,
               std::string_view what) const;
  // A consistent view for a multi-step read (Verify, the dump).
  const rocksdb::Snapshot* GetSnapshot() const;
  void ReleaseSnapshot(const rocksdb::Snapshot* snapshot) const;

  // ---- Statistics (Store::GetStats) -------------------------------------

  struct FamilyStats {
    std::string name;
    uint64_t estimated_keys = 0, sst_bytes = 0, memtable_bytes = 0;
  };
  // RocksDB's estimates, one entry per open family.
  std::vector<FamilyStats> FamilyProperties() const;
  // The estimates of one family of `db` (the search index's instance too).
  static FamilyStats StatsOf(rocksdb::DB* db,
                             rocksdb::ColumnFamilyHandle* family);
  // Exact counts (one walk each): history versions, namespace keys, pages.
  Status CountHistory(uint64_t* n) const;
  Status CountNamespaces(uint64_t* n) const;
  Status CountPages(uint64_t* n) const;

  // ---- Metadata in the default family ------------------------------------

  // Whether the expiry index is complete (kExpiryIndexBuiltKey holds
  // kExpiryIndexVersion); stores written before it have to build it.
  Status ExpiryIndexComplete(const rocksdb::ReadOptions& ro,
                             bool* complete) const;
  void MarkExpiryIndexComplete(rocksdb::WriteBatch* batch) const;
  // zstd dictionaries (TextStore): the current id (0: none), a dictionary
  // by id (*found false when absent), and storing a new current one
  // (written durably at once: records compressed with it must never
  // outlive it).
  Status GetCurrentDictionary(uint32_t* id) const;
  Status GetDictionary(uint32_t id, std::string* dict, bool* found) const;
  Status PutDictionary(uint32_t id, std::string_view dict) const;

  // ---- Cache spill family (hot-cache payloads and evicted entries) --------

  // Written and erased at once (the cache's sink), not in a batch.
  Status PutSpill(std::string_view key, std::string_view value) const;
  // NotFound when absent.
  Status GetSpill(std::string_view key, std::string* value) const;
  Status EraseSpill(std::string_view key) const;
  // Keys starting with `prefix`, in order: fn(key).
  Status ForEachSpillKey(
      std::string_view prefix,
      const std::function<void(std::string_view)>& fn) const;
  void DeleteSpill(std::string_view key, rocksdb::WriteBatch* batch) const;

  // ---- Expiry index reads --------------------------------------------------

  // The records on page `page_id` that expired by `now` and are still
  // listed (their removal awaits the next compaction run): one prefix seek.
  Status ExpiredOnPage(const rocksdb::ReadOptions& ro, Micros now,
                       uint64_t page_id, std::set<uint64_t>* ids) const;

  // ---- Page reads ----------------------------------------------------------

  // The page value as stored (restore compares bytes); NotFound naming it.
  Status GetPageBytes(const rocksdb::ReadOptions& ro, uint64_t page_id,
                      std::string* value) const;
  // Every page, in page id order: fn(page id, stored value) until it fails.
  Status ForEachPage(
      const rocksdb::ReadOptions& ro,
      const std::function<Status(uint64_t, std::string_view)>& fn) const;
  // True when at least one page is stored.
  Status AnyPage(bool* any) const;
  void DeleteLiveKey(uint64_t page_id, RecordId id,
                     rocksdb::WriteBatch* batch) const;

  // ---- Whole-family walks (Verify, the dump) ---------------------------------

  // V1 walk: every stored record (in storage order), malformed ones
  // included (unlike ForEachIdRange): fn(key fields, value) until it
  // fails; bad_key() for a key that names no id. Orphan access counts are
  // skipped.
  Status ForEachStoredRecord(
      const rocksdb::ReadOptions& ro,
      const std::function<Status(const KeyFields&, std::string_view)>& fn,
      const std::function<void()>& bad_key) const;
  // V5 walk: every history value: fn(id, value) (id 0 when the key is
  // malformed).
  Status ForEachHistoryValue(
      const rocksdb::ReadOptions& ro,
      const std::function<void(RecordId, std::string_view)>& fn) const;
  // V8: the pages family holds only page values and live-set keys. Calls
  // page(page id, value) and live(page id, id) for each; malformed(),
  // with its deletion appended to *repair when non-null, for any other key.
  struct PagesVisitor {
    std::function<void(uint64_t, std::string_view)> page;
    std::function<void(uint64_t, RecordId)> live;
    std::function<void()> malformed;
  };
  Status CheckPagesFamily(const rocksdb::ReadOptions& ro,
                          const PagesVisitor& visit,
                          rocksdb::WriteBatch* repair) const;
  // V6, V7: the expiry index (when complete, ExpiryIndexComplete) holds
  // an entry exactly for each record of `paged` (the records on pages, as
  // Verify read them) that has an expires_at: its 'x' key and one 'y' key
  // per page of its span, agreeing with the record. problem() for each
  // wrong key (dangling: repair deletes it) and each missing one (repair
  // writes the record's entry). Keys of records in `skip` (corrupt,
  // reported already) are left alone. *checked counts the keys read.
  struct ExpiryProblem {
    bool missing = false;  // else dangling or malformed
    RecordId id = 0;
    uint64_t page_id = 0;
    std::string message;
  };
  Status CheckExpiryIndex(const rocksdb::ReadOptions& ro,
                          const std::vector<Record>& paged,
                          const std::unordered_set<RecordId>& skip,
                          const std::function<void(const ExpiryProblem&)>& problem,
                          rocksdb::WriteBatch* repair, uint64_t* checked) const;

  // ---- Search index of formats 3-7 ---------------------------------------
  // Binds `search` to the index a store of format 7 or older kept in this
  // database (the postings family, the watermark in the default family).
  void BindSearch(SearchTable* search) const;

 private:
  // Every expiry-index key of one kind (kExpiryTag or kExpiryPageTag):
  // fn(key, value) (CheckExpiryIndex).
  Status ForEachExpiryKey(
      const rocksdb::ReadOptions& ro, char tag,
      const std::function<void(std::string_view, std::string_view)>& fn)
      const;

 public:
  // ---- Vectors and the encoder feed (record_table_vectors.h) -------------
  // Embeddings, page vectors, the feed's queue and model record. PutPage,
  // DeletePage and RequeueText keep the queue in step with what they change.
  const VectorTable& vectors() const { return vectors_; }
  VectorTable& vectors() { return vectors_; }

  // ---- Slots and migration (record_table_slots.cc,
  //      record_table_migrate.h) -------------------------------------------

  // Loads the slot map (default family) into memory. Called after Attach.
  Status LoadSlots();
  // The slot of tenant/agent: *found false when the agent has none (it
  // never wrote). With `create`, one is allocated first: a durable write
  // of both slot keys in the default family under the table's slot mutex,
  // before the caller's batch (a failed batch only wastes a slot; two
  // first writers of one agent get the same slot). Slots of deleted agents
  // are kept.
  Status SlotOf(std::string_view tenant, std::string_view agent, bool create,
                uint32_t* slot, bool* found = nullptr) const;

  // The in-place migration of a format-1 or format-2 store
  // (record_table_migrate.h), over this table's database and handles.
  FormatMigration Migration() const;

 private:
  // The ids walk under ForEachIdRange and ForEachId.
  Status WalkIds(
      const rocksdb::ReadOptions& read, RecordId after, RecordId upto,
      const char* what,
      const std::function<bool(RecordId, std::string_view)>& fn) const;
  // Appends the ids operand of one id (location "" = deleted) / of a
  // gathered block, then clears it.
  void MergeIds(RecordId id, std::string_view location,
                rocksdb::WriteBatch* batch) const;
  void FlushIds(IdsOperand* ids, rocksdb::WriteBatch* batch) const;
  // Insert-flagged ids operands of entries (sorted by id).
  void AppendPendingMerges(const PendingIds::Entry* entries, size_t n,
                           rocksdb::WriteBatch* batch) const;
  void PutNamespace(const Record& r,
                    const std::unordered_set<std::string>& known,
                    std::vector<std::string>* new_namespaces,
                    rocksdb::WriteBatch* batch) const;
  struct InsertMemo;  // record_table_insert.cc
  Status MemoSlot(const Record& r, RecordId id, InsertMemo* memo) const;
  void PutNamespaceOnce(const Record& r,
                        const std::unordered_set<std::string>& known,
                        InsertMemo* memo,
                        std::vector<std::string>* new_namespaces,
                        rocksdb::WriteBatch* batch) const;
  Status InsertWith(const Record& r, const NewRecordStamp* stamp,
                    const std::unordered_set<std::string>& known,
                    InsertMemo* memo, std::vector<std::string>* new_namespaces,
                    IdsOperand* new_ids, rocksdb::WriteBatch* batch) const;

  TextStore* const text_;

  // The records key of `r` (format 2); allocates its agent's slot when
  // `create` (else Corruption when it has none).
  Status KeyOf(const Record& r, bool create, std::string* key) const;
  // Reads the ids entry of `id`: the records key into *key; NotFound when
  // absent.
  Status LocateId(const rocksdb::ReadOptions& ro, RecordId id,
                  std::string* key) const;
  Status LocateInIds(const rocksdb::ReadOptions& ro, RecordId id,
                     std::string* key, bool* found) const;
  // The records key and stored value of `id` (FoldAccess).
  Status ReadStoredValue(RecordId id, std::string* key,
                         std::string* value) const;

  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  VectorTable vectors_{*this};
  // Names this attachment for Insert's per-thread memo (unique per
  // process, so a memo never outlives the table it was made for).
  std::atomic<uint64_t> epoch_{0};

  // Slots: "tenant\0agent" -> slot, loaded at open, grown by SlotOf.
  mutable std::shared_mutex slot_mu_;
  mutable std::unordered_map<std::string, uint32_t> slots_;
  mutable uint32_t next_slot_ = 1;
  mutable LocationHints hints_;
  mutable PendingIds pending_;
};

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_RECORD_TABLE_H_
