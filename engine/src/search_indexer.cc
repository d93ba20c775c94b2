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
// one batch of the index's own instance (record_table_search.h) while the
// chunk's record stripes are held. Update and Delete
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

// Records per chunk. A chunk writes one operand per (agent, term) it
// holds, so larger chunks coalesce more of an agent's repeated terms: with
// agents writing interleaved, 512 records held ~2-3 records of each of 200
// agents, i.e. nearly one operand per term per record. The cost: the
// chunk's stripes (Update/Delete of those records) wait for the whole
// chunk to be read, analysed and written.
constexpr size_t kIndexChunk = 2048;

}  // namespace

bool StoreImpl::SearchIndexOn() const {
  return options_.full_text_index && !options_.read_only;
}

RecordId StoreImpl::LastAssignedId() {
  port::MutexLock lock(&id_mu_);
  return last_id_;
}

// A watermark above every id the records hold: after a power loss, an
// index whose log kept more than the records' did (its postings may name
// records that are gone, or ids handed out again); or, in a store of
// format 7 or older, an id counter that once wrapped (every new id would
// count as indexed). A writer empties the index and the indexer rebuilds
// it from the records (clamping it instead would count the records that
// do have postings twice in their agents' statistics); a read-only open
// reads it up to the last id.
//
// An index without a watermark is empty (a new store, or one restored
// from a backup, which holds no index, opened read-only too). Only in a
// store of format 7 or older (read-only: its index in its own database)
// is a missing watermark a store written before the indexer existed,
// which indexed every record at ingest: its newest record.
Status StoreImpl::LoadSearchWatermark() {
  RecordId mark = 0;
  bool found = false;
  MNEMO_RETURN_IF_ERROR(
      search_.GetWatermark(rocksdb::ReadOptions(), &mark, &found)
          .WithContext("store " + dir_));
  if (!found && stored_format_ < 8) {
    MNEMO_RETURN_IF_ERROR(table_.LastId(&mark));
  }
  if (mark > LastAssignedId()) {
    if (options_.read_only) {
      mark = LastAssignedId();
    } else {
      MNEMO_RETURN_IF_ERROR(ClearIndex());
      mark = 0;
    }
  }
  search_watermark_.store(mark);
  return Status::OK();
}

// The age watermark of a store whose counter wrapped (see above) is reset
// to zero: the next compaction enters every record into the age index
// again, which is idempotent (a record's age key follows from its stored
// value alone), so the records written meanwhile are aged too.
Status StoreImpl::ClampAgeWatermark() {
  if (options_.read_only) return Status::OK();
  RecordId mark = 0;
  bool found = false;
  Status s = table_.GetCounter(rocksdb::ReadOptions(), kAgeWatermarkKey, &mark,
                               &found);
  if (!s.IsCorruption()) {  // a malformed mark is reset as well
    MNEMO_RETURN_IF_ERROR(s);
    if (!found || mark <= LastAssignedId()) return Status::OK();
  }
  rocksdb::WriteBatch batch;
  table_.PutCounter(kAgeWatermarkKey, 0, &batch);
  return FromRocks(db_->Write(rocksdb::WriteOptions(), &batch),
                   "writing age watermark");
}

// Indexes the next chunk above the watermark, up to `safe`.
// REQUIRES: search_mu_ held; safe > the watermark; every id <= safe is
// committed or dropped.
Status StoreImpl::IndexSearchChunk(RecordId safe) {
  RecordId from = search_watermark_.load();
  std::vector<RecordId> ids;
  // The chunk's bounds and stripes come from the ids alone: the records
  // are read once, below, under the stripes.
  MNEMO_RETURN_IF_ERROR(table_.ForEachId(
      rocksdb::ReadOptions(), from, safe, [&](RecordId id) {
        ids.push_back(id);
        return ids.size() < kIndexChunk;
      }));
  RecordId end = ids.size() == kIndexChunk ? ids.back() : safe;
  // Reread under the stripes: Update/Delete may have changed the records
  // since the scan, and cannot until the batch is written.
  StripeLocks locks = LockRecords(ids);
  PostingsBuilder postings = search_.NewPostings();
  Record record;
  MNEMO_RETURN_IF_ERROR(table_.ForEachIdRange(
      rocksdb::ReadOptions(), from, end,
      [&](const KeyFields& key, std::string_view value) {
        // A record that does not decode is left out (Verify reports it).
        if (DecodeStored(value, key, &record, nullptr).ok()) {
          postings.Add(record);
        }
        return true;
      }));
  // The index's instance alone: the records' write queue never waits
  // behind these memtable inserts.
  rocksdb::WriteBatch batch;
  search_.ApplyPostings(&postings, &batch);
  search_.PutWatermark(end, &batch);
  MNEMO_RETURN_IF_ERROR(
      CommitIndex(WriteOptions(), &batch, "indexing records for search"));
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
  if (!SearchIndexOn()) return Status::OK();
  MNEMO_RETURN_IF_ERROR(RepairStaleIndex());
  return CatchUpSearch(LastAssignedId(), /*wait=*/false, &background_cancel_);
}

}  // namespace mnemo::internal
