// Copyright (c) mnemo authors.
//
// Record id assignment: the high-water mark loaded at open, ids handed out
// in increasing ranges, and the ranges still in flight.

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>

#include "coding.h"
#include "keys.h"
#include "store_impl.h"

namespace mnemo {
namespace internal {

// The counter starts above every record id and the persisted mark, but
// never above kMaxRecordId: record keys above it can only come from a store
// written before imports had a ceiling, and the counter never reaches them,
// so they are skipped; a mark above it is clamped, so assignment fails with
// ResourceExhausted instead of wrapping.
Status StoreImpl::StoredIdBound(RecordId* bound) {
  RecordId mark = 0, last = 0;
  Status s = table_.GetCounter(rocksdb::ReadOptions(), kNextIdKey, &mark);
  // A malformed mark is ignored: the last record id bounds the counter.
  if (!s.IsCorruption()) MNEMO_RETURN_IF_ERROR(s);
  MNEMO_RETURN_IF_ERROR(table_.LastId(&last));
  *bound = std::min(std::max(last, mark), kMaxRecordId);
  return Status::OK();
}

Status StoreImpl::LoadIdHighWater() {
  port::MutexLock lock(&id_mu_);  // no other thread yet: for the analysis
  MNEMO_RETURN_IF_ERROR(StoredIdBound(&last_id_));
  reserved_id_ = last_id_;
  return Status::OK();
}

namespace {

// The mark written ahead of the ids handed out (see AssignIds): about one
// second of clock ids (now_us << 8), so a steady writer records it about
// once a second rather than on nearly every Put (it was 1 << 16, 256 us:
// an extra write-ahead-log write every few Puts or batches). After a
// restart the counter resumes at the mark, at most that far ahead of the
// clock, and ids stay strictly increasing.
constexpr RecordId kIdReserve = RecordId{1} << 28;

// The id the clock suggests, now_us << 8. A clock before the epoch or past
// kMaxRecordId >> 8 (about the year 3100) suggests none (the counter alone
// keeps ids increasing), so the shift never overflows.
RecordId ClockId(Micros now) {
  if (now <= 0 || static_cast<uint64_t>(now) > (kMaxRecordId >> 8)) return 0;
  return static_cast<RecordId>(now) << 8;
}

}  // namespace

// How far the clock may run ahead of the counter before ids jump to it:
// 2^20 ids, about 4 ms of clock ids. Within it ids are consecutive, so a
// run of Puts fills whole ids blocks (record_table_ids.h) and their
// pending entries go out as one Merge per 64 records
// (record_table_pending.h) instead of one each.
constexpr RecordId kIdClockSlack = RecordId{1} << 20;

// Ids follow the clock (now_us << 8 | sequence) to within kIdClockSlack,
// strictly increasing. Before handing out
// an id above the recorded high-water mark, a new mark 64K ids further is
// written, so ids are never reused after a restart even if the newest
// records were deleted or the clock went back.
//
// This counter is what keeps a new record from landing on an existing key
// (Insert reads nothing before writing: Put speed): last_id_ is at least
// every record id at open (LoadIdHighWater), every id handed out, and every
// id restored (RaiseIdHighWater, which also refuses ids of inserts still in
// flight). So the arithmetic is checked: last_id_ never exceeds
// kMaxRecordId, so last_id_ + 1 cannot wrap, and a range that would pass
// kMaxRecordId is refused; nothing is assigned or written then.
Status StoreImpl::AssignIds(size_t n, RecordId* first) {
  port::MutexLock lock(&id_mu_);
  RecordId count = std::max<size_t>(n, 1);
  const RecordId clock = ClockId(clock_->NowMicros());
  RecordId start = last_id_ + 1;
  if (clock > start && clock - start > kIdClockSlack) start = clock;
  if (count > kMaxRecordId || start > kMaxRecordId - (count - 1)) {
    return Status::ResourceExhausted(
        "store " + dir_ + ": record ids are exhausted: " +
        std::to_string(count) + " new id(s) from " + RecordIdToString(start) +
        " would pass " + RecordIdToString(kMaxRecordId) +
        ", the largest id a store assigns (kMaxRecordId); nothing was written");
  }
  RecordId end = start + (count - 1);
  if (end > reserved_id_) {
    RecordId mark = end + std::min(kIdReserve, kMaxRecordId - end);
    // Through Commit like every other write, so its errors name the store
    // and count as failed writes (with writes more than ~1 s apart this
    // is the first write of nearly every Put).
    rocksdb::WriteBatch batch;
    table_.PutCounter(kNextIdKey, mark, &batch);
    MNEMO_RETURN_IF_ERROR(
        Commit(WriteOptions(), &batch, "recording id high-water mark"));
    reserved_id_ = mark;
  }
  last_id_ = end;
  *first = start;
  in_flight_.emplace_back(start, end);
  return Status::OK();
}

void StoreImpl::FinishIds(RecordId first) {
  port::MutexLock lock(&id_mu_);
  for (size_t i = 0; i < in_flight_.size(); ++i) {
    if (in_flight_[i].first == first) {
      in_flight_[i] = in_flight_.back();
      in_flight_.pop_back();
      return;
    }
  }
}

Status StoreImpl::AssignPageIds(size_t n, RecordId* first) {
  if (page_id_source_) return page_id_source_(n, first);
  MNEMO_RETURN_IF_ERROR(AssignIds(n, first));
  FinishIds(*first);  // page ids never enter the records family
  return Status::OK();
}

RecordId StoreImpl::SafeCommittedId() {
  port::MutexLock lock(&id_mu_);
  RecordId safe = last_id_;
  for (const auto& range : in_flight_) safe = std::min(safe, range.first - 1);
  return safe;
}

RecordId StoreImpl::IdsWatermark(RecordId own) {
  port::MutexLock lock(&id_mu_);
  RecordId safe = last_id_;
  for (const auto& range : in_flight_) {
    if (range.first != own) safe = std::min(safe, range.first - 1);
  }
  return safe;
}

// Read before the entries are taken (TakePendingIds): an insert in flight
// then holds the watermark below its ids, and one that starts later gets
// ids above it, so no id at or below it can still add an entry.
// With nothing waiting the watermark still follows the ids: inserts of 32
// records or more write their own entries, and a watermark left behind
// them would make the open after a crash (and every read-only open) read
// back each record written since, which for a bulk loader is the store.
Status StoreImpl::FlushPendingIds() {
  const RecordId safe = SafeCommittedId();
  if (table_.pending_ids() == 0 && safe <= ids_mark_written_) {
    return Status::OK();
  }
  bool marked = false;
  MNEMO_RETURN_IF_ERROR(
      table_.FlushPendingIds(safe, /*mark_always=*/true, &marked));
  if (marked) ids_mark_written_ = safe;
  return Status::OK();
}

}  // namespace internal
}  // namespace mnemo
