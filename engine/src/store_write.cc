// Copyright (c) mnemo authors.
//
// Writes of new records: Put, PutBatch, Restore (RestoreWithPages is in
// store_restore.cc; Update and the deletes in store_mutate.cc).

#include <algorithm>
#include <optional>
#include <unordered_set>

#include "envelope.h"
#include "keys.h"
#include "mnemo/quote.h"
#include "store_impl.h"

namespace mnemo::internal {
namespace {

Status CheckLabel(std::string_view label, std::string_view what,
                  RecordId id) {
  std::string name(what);
  if (id != 0) name = "record " + RecordIdToString(id) + ": " + name;
  if (label.empty()) return Status::InvalidArgument(name + " is empty");
  if (label.size() > kMaxLabel) {
    return Status::InvalidArgument(name + " is longer than " +
                                   std::to_string(kMaxLabel) + " bytes");
  }
  for (unsigned char c : label) {
    if (c < 0x20 || c == 0x7f) {
      return Status::InvalidArgument(name + " " + QuoteForMessage(label, 64) +
                                     " contains a control character");
    }
  }
  if (!IsValidUtf8(label)) {
    return Status::InvalidArgument(name + " is not valid UTF-8");
  }
  return Status::OK();
}

// A record's bytes (against Options::max_record_bytes) and, found in the
// same walk, its first metadata entry that is malformed.
struct RecordShape {
  size_t bytes = 0;
  std::optional<std::string_view> bad_metadata_key;
};

RecordShape ShapeOf(const Record& r) {
  RecordShape shape;
  shape.bytes = r.text.size() + r.role.size() + r.kind.size();
  for (const auto& [key, value] : r.metadata) {
    shape.bytes += key.size() + value.size();
    if (!shape.bad_metadata_key &&
        (key.empty() || key.size() > kMaxMetadataKey || !IsValidUtf8(key) ||
         !IsValidUtf8(value))) {
      shape.bad_metadata_key = key;
    }
  }
  return shape;
}

}  // namespace

Status StoreImpl::CheckWritable() const {
  if (options_.read_only) {
    return Status::FailedPrecondition("store " + dir_ +
                                      " is open read-only");
  }
  return Status::OK();
}

Status StoreImpl::ValidateRecord(const Record& r) const {
  std::string who =
      r.id != 0 ? "record " + RecordIdToString(r.id) + ": " : std::string();
  Status s = ValidateNamespace(r.ns);
  if (!s.ok()) return s.WithContext(who.empty() ? "record" : who.substr(0, who.size() - 2));
  MNEMO_RETURN_IF_ERROR(CheckLabel(r.role, "role", r.id));
  MNEMO_RETURN_IF_ERROR(CheckLabel(r.kind, "kind", r.id));
  const RecordShape shape = ShapeOf(r);
  if (shape.bytes > options_.max_record_bytes) {
    return Status::InvalidArgument(
        who + "record is " + std::to_string(shape.bytes) +
        " bytes; the limit is " + std::to_string(options_.max_record_bytes) +
        " (Options::max_record_bytes)");
  }
  if (!IsValidUtf8(r.text)) {
    return Status::InvalidArgument(who + "text is not valid UTF-8");
  }
  if (!(r.importance >= 0.0f && r.importance <= 1.0f)) {
    return Status::InvalidArgument(who + "importance " +
                                   std::to_string(r.importance) +
                                   " is outside 0..1");
  }
  if (r.metadata.size() > kMaxMetadataEntries) {
    return Status::InvalidArgument(who + "more than " +
                                   std::to_string(kMaxMetadataEntries) +
                                   " metadata entries");
  }
  if (shape.bad_metadata_key) {
    return Status::InvalidArgument(
        who + "metadata key " + QuoteForMessage(*shape.bad_metadata_key, 64) +
        " is empty, too long, or not valid UTF-8 (or its value is not)");
  }
  if (r.expires_at < 0) {
    return Status::InvalidArgument(who + "expires_at is negative");
  }
  return Status::OK();
}

// Adds the keys of a new record to `batch` (RecordTable::Insert); fails
// only when its agent has no slot and one cannot be written.
// REQUIRES: ns_mu_ held (shared) until the batch is written.
Status StoreImpl::AppendInsert(const Record& r, const NewRecordStamp& stamp,
                               rocksdb::WriteBatch* batch,
                               std::vector<std::string>* new_namespaces,
                               IdsOperand* new_ids) {
  return table_.Insert(r, stamp, known_namespaces_,
                       known_namespaces_generation_, new_namespaces, new_ids,
                       batch);
}

void StoreImpl::RememberNamespaces(std::vector<std::string>* keys) {
  if (keys->empty()) return;
  port::WriterLock lock(&ns_mu_);
  for (auto& key : *keys) known_namespaces_.insert(std::move(key));
}

Status StoreImpl::Commit(const WriteOptions& options,
                         rocksdb::WriteBatch* batch, std::string_view what) {
  rocksdb::WriteOptions wo;
  wo.sync = options.sync;
  // A write that failed at the write-ahead log leaves the store refusing
  // writes until it is reopened (see WalFailureListener for why it cannot
  // be resumed in place). After any other failed write (a flush or
  // compaction that hit a full disk or an I/O error) RocksDB refuses every
  // write until DB::Resume() succeeds: try it first (it fails fast while
  // the disk is still full), so the store recovers once space returns,
  // without a reopen. The failed batch itself is never retried (its
  // outcome is unknown to the caller, who got an error).
  // (Busy: RocksDB's own retry of the failed flush is under way.)
  if (config_.wal_failures->failed()) return WalFailed(what);
  rocksdb::Status s;
  if (write_failed_.load()) s = db_->Resume();
  if (s.ok() || s.IsBusy()) s = db_->Write(wo, batch);
  write_failed_.store(!s.ok() && s.IsIOError());
  if (s.ok()) return Status::OK();
  std::string context = std::string(what) + " in store " + dir_;
  if (config_.wal_failures->failed()) {
    context += " (a write-ahead log write failed: writes are refused until "
               "the store is reopened)";
  }
  return FromRocks(s, context);
}

Status StoreImpl::WalFailed(std::string_view what) const {
  std::string message =
      std::string(what) + " in store " + dir_ +
      ": writes are refused since a write-ahead log write failed (" +
      config_.wal_failures->what() +
      "); reopen the store (every acknowledged write is kept)";
  // A full disk stays the caller's ResourceExhausted on every later write.
  if (config_.wal_failures->no_space()) {
    return Status::ResourceExhausted(message);
  }
  return Status::IOError(message);
}

Status StoreImpl::Put(const WriteOptions& options, const Record& record,
                      RecordId* id) {
  RecordId first = 0;
  MNEMO_RETURN_IF_ERROR(Insert(options, &record, 1, &first));
  if (id) *id = first;
  return Status::OK();
}

Status StoreImpl::PutBatch(const WriteOptions& options,
                           const std::vector<Record>& records,
                           std::vector<RecordId>* ids) {
  RecordId first = 0;
  Status s = Insert(options, records.data(), records.size(), &first);
  if (ids) {
    // Ids are given out just before the write: a failed write keeps them
    // (its batch may be in the write-ahead log; see store.h).
    ids->clear();
    if (first != 0) {
      ids->resize(records.size());
      for (size_t i = 0; i < records.size(); ++i) (*ids)[i] = first + i;
    }
  }
  return s;
}

Status StoreImpl::CheckBatchSize(size_t n, const char* what) const {
  if (n <= options_.max_batch_records) return Status::OK();
  return Status::InvalidArgument(
      std::string(what) + " of " + std::to_string(n) +
      " records; the limit is " + std::to_string(options_.max_batch_records) +
      " (Options::max_batch_records)");
}

// Validates all, assigns consecutive ids, writes one atomic batch.
Status StoreImpl::Insert(const WriteOptions& options, const Record* records,
                         size_t n, RecordId* first) {
  MNEMO_RETURN_IF_ERROR(CheckWritable());
  if (n == 0) return Status::OK();
  MNEMO_RETURN_IF_ERROR(CheckBatchSize(n, "batch"));
  for (size_t i = 0; i < n; ++i) {
    Status s = ValidateRecord(records[i]);
    if (!s.ok()) {
      return n == 1 ? s : s.WithContext("batch item " + std::to_string(i));
    }
  }
  MNEMO_RETURN_IF_ERROR(AssignIds(n, first));
  Micros now = clock_->NowMicros();
  rocksdb::WriteBatch batch(n * (kHeaderSize + 128 + records[0].text.size()));
  std::vector<std::string> new_namespaces;
  IdsOperand new_ids;  // the batch's ids entries, one per block
  // A batch of half a block or more writes its own entries (one or two
  // merges, no cheaper for waiting); smaller inserts leave theirs to wait
  // for a later batch (record_table_pending.h).
  new_ids.set_deferred(n < kIdsBlockSize / 2);
  port::ReaderLock ns_lock(&ns_mu_);
  for (size_t i = 0; i < n; ++i) {
    // The caller's record as stored: the stamp's fields, tier hot, no
    // page, no access, version 1 (EncodeNewEnvelope), without a copy.
    NewRecordStamp stamp;
    stamp.id = *first + i;
    stamp.event_time = records[i].event_time != 0 ? records[i].event_time : now;
    stamp.now = now;
    stamp.content_hash = ContentHash(records[i].text);
    Status appended =
        AppendInsert(records[i], stamp, &batch, &new_namespaces, &new_ids);
    if (!appended.ok()) {
      // Nothing written: the ids stay handed out (never reused).
      FinishIds(*first);
      return appended.WithContext("writing records in store " + dir_);
    }
  }
  table_.FinishInserts(&new_ids, &batch);
  // The ids entries of the last inserts (these included) ride along once
  // a block's worth waits (record_table_pending.h).
  const bool ids_taken =
      table_.pending_ids() >= kIdsFlushEntries && !ids_flush_held_ &&
      table_.TakePendingIds(IdsWatermark(*first), &batch);
  // No postings: the indexer adds them (search_indexer.cc).
  Status s = Commit(options, &batch, "writing records");
  if (ids_taken) table_.PendingIdsWritten(s.ok());
  // Noted before FinishIds lets the indexer take them, so the indexer's
  // Drop never runs ahead of the note.
  if (s.ok() && SearchIndexOn()) tail_.Add(records, n, *first);
  FinishIds(*first);
  MNEMO_RETURN_IF_ERROR(s);
  ns_lock.Unlock();
  if (!new_namespaces.empty()) {
    port::WriterLock lock(&ns_mu_);
    for (auto& key : new_namespaces) known_namespaces_.insert(std::move(key));
  }
  return Status::OK();
}

Status StoreImpl::CheckRestored(const std::vector<Record>& records,
                                RecordId* max_id) {
  std::unordered_set<RecordId> ids;
  for (const Record& r : records) {
    if (r.id == 0) return Status::InvalidArgument("restore: record id is 0");
    if (r.id > kMaxImportedRecordId) {
      return Status::InvalidArgument(
          "restore: record " + RecordIdToString(r.id) +
          ": id is above " + RecordIdToString(kMaxImportedRecordId) +
          ", the largest id a restored record may carry "
          "(kMaxImportedRecordId; larger ids are kept for the store to "
          "assign)");
    }
    if (!ids.insert(r.id).second) {
      return Status::InvalidArgument("restore: record " +
                                     RecordIdToString(r.id) + " is given twice");
    }
    MNEMO_RETURN_IF_ERROR(ValidateRecord(r));
    *max_id = std::max(*max_id, r.id);
  }
  return Status::OK();
}

// The ids are taken (under id_mu_) before their keys are checked, so once
// CheckRecordsAbsent finds them free no Put can be handed one of them
// before the restore writes it: later ids are assigned above max_id, and an
// id an insert already holds (assigned, its batch not yet written, so not
// yet visible to the check) is refused here. A refused or failed restore
// leaves the mark raised: ids are skipped, never reused.
Status StoreImpl::RaiseIdHighWater(const std::vector<Record>& records,
                                   RecordId max_id) {
  {
    port::MutexLock lock(&id_mu_);
    for (const auto& [first, last] : in_flight_) {
      if (first > max_id) continue;
      for (const Record& r : records) {
        if (r.id < first || r.id > last) continue;
        return Status::AlreadyExists(
            "record " + RecordIdToString(r.id) +
            " is being written by a concurrent insert in store " + dir_ +
            "; nothing was restored");
      }
    }
    // max_id <= kMaxImportedRecordId (CheckRestored, PlanPages), so
    // last_id_ stays <= kMaxRecordId.
    if (max_id > last_id_) last_id_ = max_id;
  }
  RecordId probe;
  MNEMO_RETURN_IF_ERROR(AssignIds(1, &probe));  // persists the high-water mark
  FinishIds(probe);
  return Status::OK();
}

Status StoreImpl::CheckRecordsAbsent(const std::vector<Record>& records) {
  Record existing;
  for (const Record& r : records) {
    Status s = ReadRecord(rocksdb::ReadOptions(), r.id, &existing);
    if (s.ok()) {
      return Status::AlreadyExists("record " + RecordIdToString(r.id) +
                                   " already exists");
    }
    if (!s.IsNotFound()) return s;
    // Access counts of a deleted record under this id, flushed but not yet
    // folded, must not pass to the imported one (store_access.cc).
    access_.SubtractPending({{r.id, access_.Pending(r.id)}});
  }
  return Status::OK();
}

namespace {

std::vector<RecordId> IdsOf(const std::vector<Record>& records) {
  std::vector<RecordId> ids;
  ids.reserve(records.size());
  for (const Record& r : records) ids.push_back(r.id);
  return ids;
}

}  // namespace

Status StoreImpl::Restore(const WriteOptions& options,
                          const std::vector<Record>& records) {
  MNEMO_RETURN_IF_ERROR(CheckWritable());
  MNEMO_RETURN_IF_ERROR(CheckBatchSize(records.size(), "restore"));
  RecordId max_id = 0;
  MNEMO_RETURN_IF_ERROR(CheckRestored(records, &max_id));
  // Ids above the search watermark are the indexer's; it must not pass
  // them before they are written.
  port::MutexLock index_lock(&search_mu_);
  MNEMO_RETURN_IF_ERROR(RaiseIdHighWater(records, max_id));
  ChangeBatch batch;
  std::vector<std::string> new_namespaces;
  port::ReaderLock ns_lock(&ns_mu_);
  {
    // Checked where the keys are written: under the stripes (which Update,
    // Delete and compaction hold) until the batch is committed.
    StripeLocks locks = LockRecords(IdsOf(records));
    MNEMO_RETURN_IF_ERROR(CheckRecordsAbsent(records));
    PostingsBuilder postings = search_.NewPostings();  // search index
    for (Record r : records) {
      r.tier = Tier::kHot;
      r.page = PageRef();
      r.text_forgotten = false;
      r.content_hash = ContentHash(r.text);
      if (r.version == 0) r.version = 1;
      // Unindexed ids get their postings from the indexer.
      MNEMO_RETURN_IF_ERROR(table_.Restore(
          r, 0, known_namespaces_, &new_namespaces,
          SearchIndexed(r.id) ? &postings : nullptr, &batch));
    }
    search_.ApplyPostings(&postings, &batch.index);
    MNEMO_RETURN_IF_ERROR(Commit(options, &batch, "restoring records"));
    // Under search_mu_: the indexer cannot pass these ids before they are
    // noted for searches.
    if (SearchIndexOn()) tail_.Add(records.data(), records.size(), 0);
  }  // the stripes before the namespace lock is taken exclusively below
  ns_lock.Unlock();
  RememberNamespaces(&new_namespaces);
  return Status::OK();
}

}  // namespace mnemo::internal
