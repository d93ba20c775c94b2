// Copyright (c) mnemo authors.
//
// The expire phase: records on pages whose expires_at has passed leave
// their pages exactly as a deleted record does (AppendDelete and
// AppendPageGc: the record, its keys and its live-set entries go, and its
// lines are blanked on every page it is on, in one atomic batch; the hot
// cache drops the old pixels afterwards). The expiry index (expiry_index.h)
// names them, oldest first, so the phase reads nothing else.
//
// This runs whatever CompactionPolicy::delete_expired says: an expired
// record must not stay readable in its neighbours' page images, and the
// only way off a page is removal. Records not on a page are left to
// the warm phase and RocksDB's TTL filter as before.

#include "compaction.h"
#include "envelope.h"

namespace mnemo::internal {
namespace {

constexpr size_t kExpireChunk = 256;
constexpr size_t kBackfillChunk = 1000;

}  // namespace

Status Compaction::ExpirePass() {
  MNEMO_RETURN_IF_ERROR(BuildExpiryIndex());
  uint64_t done = 0;
  std::vector<ExpiredEntry> chunk;
  do {
    MNEMO_RETURN_IF_ERROR(ReadExpiredEntries(store_->db_, store_->cf(kIndex),
                                             rocksdb::ReadOptions(), now_,
                                             kExpireChunk, &chunk));
    if (chunk.empty()) break;
    auto started = std::chrono::steady_clock::now();
    MNEMO_RETURN_IF_ERROR(ExpireChunk(chunk));
    Pace(std::chrono::steady_clock::now() - started);
    done += chunk.size();
    Report("expire", done, 0);
    if (Cancelled()) return Status::Aborted("compaction cancelled");
  } while (chunk.size() == kExpireChunk);
  return Status::OK();
}

// Every entry of the chunk is consumed: its record is removed, or the
// entry is stale (record gone, moved off its pages, or given another
// expiry by an update) and is dropped.
Status Compaction::ExpireChunk(const std::vector<ExpiredEntry>& chunk) {
  std::vector<RecordId> ids;
  for (const ExpiredEntry& e : chunk) ids.push_back(e.id);
  auto locks = store_->LockRecords(ids);
  rocksdb::WriteBatch batch;
  StoreImpl::PageRemovals pages;
  uint64_t expired = 0;
  for (const ExpiredEntry& e : chunk) {
    Record r;
    uint8_t flags = 0;
    Status read = store_->ReadRecord(rocksdb::ReadOptions(), e.id, &r, &flags);
    if (!read.ok() && !read.IsNotFound()) return read;
    if (read.ok() && NeedsExpiryEntry(r) && r.expires_at == e.expires_at &&
        r.expires_at <= now_) {
      store_->AppendDelete(r, flags, &batch, &pages);  // drops e.key too
      ++expired;
    } else {
      (void)batch.Delete(store_->cf(kIndex), e.key);
    }
  }
  auto page_locks = store_->LockPages(pages);
  StoreImpl::StaleCache stale;
  MNEMO_RETURN_IF_ERROR(store_->AppendPageGc(pages, &batch, &stale));
  MNEMO_RETURN_IF_ERROR(Write(&batch, "removing expired records from pages"));
  store_->DropStaleCache(stale);
  std::lock_guard<std::mutex> lock(result_mu_);
  result_->records_expired += expired;
  return Status::OK();
}

// Stores written before the expiry index have none: the first run reads
// the records once (two fixed fields each) and indexes the paged ones
// that expire. A store without pages needs no scan. Each chunk is
// re-read under its records' locks, so a concurrent update or delete
// never leaves an entry behind (a stale one would be dropped anyway).
Status Compaction::BuildExpiryIndex() {
  rocksdb::DB* db = store_->db_;
  std::string built;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), store_->cf(kDefault),
                              kExpiryIndexBuiltKey, &built);
  if (s.ok()) return Status::OK();
  if (!s.IsNotFound()) return FromRocks(s, "reading the expiry index state");
  std::vector<RecordId> candidates;
  std::unique_ptr<rocksdb::Iterator> pages(
      NewIterator(db, rocksdb::ReadOptions(), store_->cf(kPages)));
  pages->Seek(std::string(1, kPageTag));
  bool any_page =
      pages->Valid() && pages->key().starts_with(rocksdb::Slice(&kPageTag, 1));
  MNEMO_RETURN_IF_ERROR(FromRocks(pages->status(), "reading pages"));
  if (any_page) {
    rocksdb::ReadOptions ro;
    ro.fill_cache = false;
    std::unique_ptr<rocksdb::Iterator> it(
        NewIterator(db, ro, store_->cf(kRecords)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string_view v(it->value().data(), it->value().size());
      if (it->key().size() != 8 || v.size() < kHeaderSize + kTrailerSize) {
        continue;
      }
      if (PeekFixed64(v, kOffPageId) != 0 &&
          PeekFixed64(v, kOffExpiresAt) != 0) {
        candidates.push_back(DecodeRecordKey({it->key().data(), 8}));
      }
    }
    MNEMO_RETURN_IF_ERROR(
        FromRocks(it->status(), "scanning records for the expiry index"));
  }
  for (size_t i = 0; i < candidates.size(); i += kBackfillChunk) {
    std::vector<RecordId> ids(
        candidates.begin() + i,
        candidates.begin() + std::min(candidates.size(), i + kBackfillChunk));
    auto locks = store_->LockRecords(ids);
    rocksdb::WriteBatch batch;
    for (RecordId id : ids) {
      Record r;
      Status read = store_->ReadRecord(rocksdb::ReadOptions(), id, &r);
      if (read.IsNotFound()) continue;
      MNEMO_RETURN_IF_ERROR(read);
      AppendExpiryPut(r, store_->cf(kIndex), &batch);
    }
    MNEMO_RETURN_IF_ERROR(Write(&batch, "building the expiry index"));
  }
  rocksdb::WriteBatch done;
  (void)done.Put(store_->cf(kDefault), kExpiryIndexBuiltKey, "1");
  return Write(&done, "building the expiry index");
}

}  // namespace mnemo::internal
