// Copyright (c) mnemo authors.
//
// The full-text indexer. Put writes only the record; its postings follow
// behind a persisted search watermark (kSearchWatermarkKey): every record
// with id <= the watermark has its postings, no record above it has any.
// Ids only grow and SafeCommittedId() bounds the ids whose inserts are
// done, so the records above the watermark are exactly the ones to index
// (Restore, the one writer of arbitrary ids, holds search_mu_).
//
// A chunk is the records in (watermark, end]: their postings (one merge
// operand per distinct term per chunk) and the new watermark are written in
// one batch while the chunk's record stripes are held. Update and Delete
// check the watermark under their record's stripe, so they see a record
// either unindexed (and leave postings to the indexer) or indexed (and
// adjust them), never half-way.
//
// The indexer runs as a background task every search_index_interval_ms
// (PeriodicTask, store_background.cc), before compaction takes new records
// into the age index, on close, and before a Search/HybridSearch when fewer
// than search_catch_up_records ids lie above the watermark (read-your-writes;
// a larger backlog the search scores itself: search_tail.cc).

#include <chrono>
#include <thread>

#include "coding.h"
#include "envelope.h"
#include "keys.h"
#include "store_impl.h"

namespace mnemo::internal {
namespace {

constexpr size_t kIndexChunk = 512;

}  // namespace

bool StoreImpl::SearchIndexOn() const {
  return options_.full_text_index && !options_.read_only;
}

RecordId StoreImpl::LastAssignedId() {
  port::MutexLock lock(&id_mu_);
  return last_id_;
}

// Stores written before the indexer existed indexed every record at
// ingest: their watermark starts at their newest record (below the id
// ceiling: keys above it come from imports before it existed).
//
// A watermark above every id the counter handed out is the mark of a store
// whose counter wrapped (ids were not capped then): every new id would
// count as indexed, so no record would ever be indexed again. It is
// clamped to the counter, so records written from now on are indexed.
// Records written while the store was in that state have no postings and
// lie below the clamp: `mnemo verify --deep --repair` rebuilds their
// agents' postings (re-indexing them here instead would count the ones
// that do have postings twice in the agent statistics).
Status StoreImpl::LoadSearchWatermark() {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(kDefault),
                               kSearchWatermarkKey, &value);
  RecordId mark = 0;
  if (s.ok()) {
    if (value.size() != 8) {
      return Status::Corruption("store " + dir_ + ": bad search watermark");
    }
    mark = DecodeFixed64(value.data());
    if (mark <= LastAssignedId()) {
      search_watermark_.store(mark);
      return Status::OK();
    }
    mark = LastAssignedId();
  } else {
    if (!s.IsNotFound()) return FromRocks(s, "reading search watermark");
    rocksdb::ReadOptions ro;
    ro.total_order_seek = true;
    std::unique_ptr<rocksdb::Iterator> it(NewIterator(db_, ro, cf(kRecords)));
    it->SeekForPrev(RecordKey(kMaxRecordId));
    if (it->Valid() && it->key().size() == 8) {
      mark = DecodeRecordKey(std::string_view(it->key().data(), 8));
    }
    MNEMO_RETURN_IF_ERROR(FromRocks(it->status(), "reading last record id"));
  }
  search_watermark_.store(mark);
  if (options_.read_only) return Status::OK();
  value.clear();
  PutFixed64(&value, mark);
  return FromRocks(db_->Put(rocksdb::WriteOptions(), cf(kDefault),
                            kSearchWatermarkKey, value),
                   "writing search watermark");
}

// The age watermark of a store whose counter wrapped (see above) is reset
// to zero: the next compaction enters every record into the age index
// again, which is idempotent (a record's age key follows from its stored
// value alone), so the records written meanwhile are aged too.
Status StoreImpl::ClampAgeWatermark() {
  if (options_.read_only) return Status::OK();
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), cf(kDefault), kAgeWatermarkKey, &value);
  if (s.IsNotFound()) return Status::OK();
  MNEMO_RETURN_IF_ERROR(FromRocks(s, "reading age watermark"));
  if (value.size() == 8 && DecodeFixed64(value.data()) <= LastAssignedId()) {
    return Status::OK();
  }
  value.clear();
  PutFixed64(&value, 0);
  return FromRocks(
      db_->Put(rocksdb::WriteOptions(), cf(kDefault), kAgeWatermarkKey, value),
      "writing age watermark");
}

Status ScanRecordRange(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
    const rocksdb::ReadOptions& read, RecordId after, RecordId upto,
    const std::function<bool(RecordId, std::string_view)>& fn) {
  std::string lower = RecordKey(after + 1), upper = RecordKey(upto + 1);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro = read;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(NewIterator(db, ro, cf));
  for (it->Seek(lower); it->Valid(); it->Next()) {
    std::string_view value(it->value().data(), it->value().size());
    // Skip access counts merged into a record that is gone.
    if (it->key().size() != 8 || value.size() < kHeaderSize + kTrailerSize) {
      continue;
    }
    RecordId id = DecodeRecordKey(std::string_view(it->key().data(), 8));
    if (!fn(id, value)) break;
  }
  return FromRocks(it->status(), "reading records to index");
}

// Indexes the next chunk above the watermark, up to `safe`.
// REQUIRES: search_mu_ held; safe > the watermark; every id <= safe is
// committed or dropped.
Status StoreImpl::IndexSearchChunk(RecordId safe) {
  RecordId from = search_watermark_.load();
  std::vector<RecordId> ids;
  MNEMO_RETURN_IF_ERROR(ScanRecordRange(
      db_, cf(kRecords), rocksdb::ReadOptions(), from, safe, [&](RecordId id, std::string_view) {
        ids.push_back(id);
        return ids.size() < kIndexChunk;
      }));
  RecordId end = ids.size() == kIndexChunk ? ids.back() : safe;
  // Reread under the stripes: Update/Delete may have changed the records
  // since the scan, and cannot until the batch is written.
  StripeLocks locks = LockRecords(ids);
  PostingsBuilder postings = NewPostingsBuilder();
  Record record;
  MNEMO_RETURN_IF_ERROR(ScanRecordRange(
      db_, cf(kRecords), rocksdb::ReadOptions(), from, end, [&](RecordId id, std::string_view value) {
        // A record that does not decode is left out (Verify reports it).
        if (DecodeStored(value, id, &record, nullptr).ok()) {
          postings.Add(record);
        }
        return true;
      }));
  rocksdb::WriteBatch batch;
  postings.AppendTo(&batch, cf(kPostings));
  std::string mark;
  PutFixed64(&mark, end);
  (void)batch.Put(cf(kDefault), kSearchWatermarkKey, mark);
  MNEMO_RETURN_IF_ERROR(
      Commit(WriteOptions(), &batch, "indexing records for search"));
  search_watermark_.store(end);
  tail_.Drop(end);
  return Status::OK();
}

Status StoreImpl::CatchUpSearch(RecordId target, bool wait,
                                const std::atomic<bool>* cancel) {
  if (!SearchIndexOn()) return Status::OK();
  while (search_watermark_.load() < target) {
    if (cancel != nullptr && cancel->load()) return Status::OK();
    port::MutexLock lock(&search_mu_);
    RecordId from = search_watermark_.load();
    if (from >= target) break;
    RecordId safe = SafeCommittedId();
    if (safe > from) {
      MNEMO_RETURN_IF_ERROR(IndexSearchChunk(std::min(safe, target)));
      continue;
    }
    if (!wait) break;
    // An insert below `target` is still being written: it finishes soon.
    lock.Unlock();
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  return Status::OK();
}

// Compaction takes into its age index only records that already have their
// postings, so it never compresses or forgets the text of an unindexed one.
RecordId StoreImpl::SafeAgeWatermark() {
  RecordId safe = SafeCommittedId();
  if (!SearchIndexOn()) return safe;
  (void)CatchUpSearch(safe, /*wait=*/false, nullptr);
  return std::min(safe, search_watermark_.load());
}

// Failures (a full disk) leave the records for the next run.
Status StoreImpl::SearchIndexRun() {
  return CatchUpSearch(LastAssignedId(), /*wait=*/false, &background_cancel_);
}

}  // namespace mnemo::internal
