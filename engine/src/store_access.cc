// Copyright (c) mnemo authors.
//
// Access counts (format 4). Get counts reads in memory (AccessTracker);
// the flush task writes them to the `access` family (durable) and moves
// them to the tracker's pending stage, where readers add them to the
// records' stored counts; the fold writes them into the records and
// deletes the increments. Readers therefore never step over counts in the
// records family, and a fold writes each counted record once however many
// flushes counted it. At open the `access` family is loaded back, so a
// crash loses no written count.

#include <algorithm>

#include "store_impl.h"

namespace mnemo::internal {
namespace {

// Ids folded per batch (their record stripes are held meanwhile).
constexpr size_t kFoldChunk = 256;
// A flush folds at once when this many ids wait (bounds the memory of the
// pending counts between the fold task's runs).
constexpr size_t kFoldAtPending = size_t{1} << 18;

std::vector<RecordTable::AccessCount> ToTable(
    const AccessTracker::IdCounts& counts) {
  std::vector<RecordTable::AccessCount> out;
  out.reserve(counts.size());
  for (const auto& [id, c] : counts) out.push_back({id, c.count, c.last});
  return out;
}

}  // namespace

Status StoreImpl::FlushAccessCounts() {
  if (options_.read_only) return Status::OK();
  // The counts wait for a reopen like every other write (see Commit).
  if (config_.wal_failures->failed()) return WalFailed("writing access counts");
  bool fold = false;
  {
    port::MutexLock lock(&access_write_mu_);
    AccessTracker::IdCounts counts = access_.Drain();
    if (counts.empty()) return Status::OK();
    // Ascending ids: the increments go into the memtable in key order.
    std::sort(counts.begin(), counts.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    rocksdb::WriteBatch batch;
    table_.AddAccessIncrements(ToTable(counts), &batch);
    rocksdb::Status s = db_->Write(rocksdb::WriteOptions(), &batch);
    if (!s.ok()) {
      access_.Restore(counts);
      return FromRocks(s, "writing access counts in store " + dir_);
    }
    access_.AddPending(counts);
    fold = access_.pending_ids() >= kFoldAtPending;
  }
  return fold ? FoldAccessCounts() : Status::OK();
}

Status StoreImpl::FoldAccessCounts() {
  if (options_.read_only) return Status::OK();
  if (config_.wal_failures->failed()) return WalFailed("folding access counts");
  port::MutexLock lock(&access_write_mu_);
  AccessTracker::IdCounts pending = access_.PendingCounts();
  std::sort(pending.begin(), pending.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < pending.size(); i += kFoldChunk) {
    if (background_cancel_.load()) break;  // closing: the rest stays durable
    AccessTracker::IdCounts chunk(
        pending.begin() + i,
        pending.begin() + std::min(pending.size(), i + kFoldChunk));
    MNEMO_RETURN_IF_ERROR(FoldChunk(chunk));
  }
  return Status::OK();
}

// No flush runs (access_write_mu_), so each id's pending counts are exactly
// its stored increment; the record stripes keep writers of the records
// out between the fold's read and its write. Readers see the record and
// its pending counts both before or both after (the fold scope).
Status StoreImpl::FoldChunk(const AccessTracker::IdCounts& chunk) {
  std::vector<RecordId> ids;
  ids.reserve(chunk.size());
  for (const auto& entry : chunk) ids.push_back(entry.first);
  StripeLocks locks = LockRecords(ids);
  rocksdb::WriteBatch batch;
  MNEMO_RETURN_IF_ERROR(table_.FoldAccess(ToTable(chunk), &batch));
  AccessTracker::FoldScope fold(&access_);
  rocksdb::Status s = db_->Write(rocksdb::WriteOptions(), &batch);
  if (!s.ok()) return FromRocks(s, "folding access counts in store " + dir_);
  access_.SubtractPending(chunk);
  return Status::OK();
}

Status StoreImpl::LoadAccessCounts() {
  AccessTracker::IdCounts counts;
  MNEMO_RETURN_IF_ERROR(table_.ForEachAccessIncrement(
      rocksdb::ReadOptions(), [&](const RecordTable::AccessCount& c) {
        counts.emplace_back(c.id, AccessTracker::Counts{c.count, c.last});
      }));
  access_.AddPending(counts);
  return Status::OK();
}

Status StoreImpl::AddUnfolded(const rocksdb::ReadOptions& ro,
                              std::vector<Record>* records) {
  if (ro.snapshot != nullptr) {
    for (Record& r : *records) {
      MNEMO_RETURN_IF_ERROR(table_.AddUnfoldedAccess(ro, &r));
    }
    return Status::OK();
  }
  constexpr size_t kAtOnce = 64;
  RecordId ids[kAtOnce];
  AccessTracker::Counts counts[kAtOnce];
  for (size_t at = 0; at < records->size(); at += kAtOnce) {
    const size_t n = std::min(kAtOnce, records->size() - at);
    for (size_t i = 0; i < n; ++i) ids[i] = (*records)[at + i].id;
    access_.PendingMany(ids, n, counts);
    for (size_t i = 0; i < n; ++i) {
      Record& r = (*records)[at + i];
      r.access_count += counts[i].count;
      r.last_access = std::max(r.last_access, counts[i].last);
    }
  }
  return Status::OK();
}

}  // namespace mnemo::internal
