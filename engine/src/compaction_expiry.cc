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

#include <algorithm>
#include <optional>

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
  std::string after;  // entries held back on an unmaskable page stay
  do {
    MNEMO_RETURN_IF_ERROR(store_->table().ExpiredEntries(
        rocksdb::ReadOptions(), now_, kExpireChunk, &chunk, after));
    if (chunk.empty()) break;
    after = chunk.back().key;
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
// expiry by an update) and is dropped. A record on a page that cannot be
// blanked (corrupt) is held back with its entry: removing it would leave
// its text in that page for good, and reads hide it anyway (it expired).
// The page is reported and the run goes on ('mnemo verify --repair' moves
// the page's records off it; the next run removes the record).
Status Compaction::ExpireChunk(const std::vector<ExpiredEntry>& chunk) {
  std::vector<RecordId> ids;
  for (const ExpiredEntry& e : chunk) ids.push_back(e.id);
  auto locks = store_->LockRecords(ids);
  ExpireWork work;
  for (const ExpiredEntry& e : chunk) {
    Record r;
    uint8_t flags = 0;
    Status read = store_->ReadRecord(rocksdb::ReadOptions(), e.id, &r, &flags);
    if (!read.ok() && !read.IsNotFound()) return read;
    bool due = read.ok() && NeedsExpiryEntry(r) &&
               r.expires_at == e.expires_at && r.expires_at <= now_;
    if (due) {
      work.expiring.push_back({&e, std::move(r), flags});
    } else {
      work.stale.push_back(
          {&e, read.ok() ? std::optional<Record>(std::move(r)) : std::nullopt});
    }
  }
  StoreImpl::PageRemovals all;
  ChangeBatch scratch;
  for (const auto& x : work.expiring) {
    store_->AppendDelete(x.record, x.flags, &scratch, &all);
  }
  auto page_locks = store_->LockPages(all);
  ChangeBatch batch;
  StoreImpl::StaleCache stale;
  uint64_t expired = 0;
  MNEMO_RETURN_IF_ERROR(BuildExpireBatch(&work, &batch, &stale, &expired));
  MNEMO_RETURN_IF_ERROR(Write(&batch, "removing expired records from pages"));
  store_->DropStaleCache(stale);
  std::lock_guard<std::mutex> lock(result_mu_);
  result_->records_expired += expired;
  for (uint64_t page_id : work.unmaskable) {
    auto& pages = result_->pages_unmaskable;
    if (std::find(pages.begin(), pages.end(), page_id) == pages.end()) {
      pages.push_back(page_id);
    }
  }
  return Status::OK();
}

// The chunk's batch, leaving out the records on work->unmaskable pages;
// a page that turns out unmaskable is added there and the batch rebuilt.
// REQUIRES: the records' and their pages' locks are held.
Status Compaction::BuildExpireBatch(ExpireWork* work, ChangeBatch* batch,
                                    StoreImpl::StaleCache* stale,
                                    uint64_t* expired) {
  for (;;) {
    batch->Clear();
    batch->index.Clear();
    *stale = StoreImpl::StaleCache();
    *expired = 0;
    const RecordTable& table = store_->table();
    for (const auto& [e, record] : work->stale) {
      table.DeleteExpiryEntry(*e, batch);
      if (record) table.PutExpiryEntry(*record, batch);  // its own keys
    }
    StoreImpl::PageRemovals pages;
    for (const auto& x : work->expiring) {
      if (OnAnyPage(x.record.page, work->unmaskable)) continue;
      table.DeleteExpiryEntry(*x.entry, batch);
      store_->AppendDelete(x.record, x.flags, batch, &pages);
      ++*expired;
    }
    Status s = store_->AppendPageGc(pages, batch, stale);
    if (!s.IsCorruption()) return s;
    size_t known = work->unmaskable.size();
    MNEMO_RETURN_IF_ERROR(FindUnmaskable(pages, &work->unmaskable));
    if (work->unmaskable.size() == known) return s;
  }
}

// Adds to *bad each page of `pages` whose removal fails as Corruption.
Status Compaction::FindUnmaskable(const StoreImpl::PageRemovals& pages,
                                  std::set<uint64_t>* bad) {
  for (const auto& [page_id, removed] : pages) {
    rocksdb::WriteBatch scratch;
    StoreImpl::StaleCache stale;
    Status s = store_->AppendPageGc({{page_id, removed}}, &scratch, &stale);
    if (s.IsCorruption()) {
      bad->insert(page_id);
    } else {
      MNEMO_RETURN_IF_ERROR(s);
    }
  }
  return Status::OK();
}

bool Compaction::OnAnyPage(const PageRef& page,
                           const std::set<uint64_t>& pages) {
  for (uint32_t k = 0; k < std::max(1u, page.page_count); ++k) {
    if (pages.count(page.page_id + k) > 0) return true;
  }
  return false;
}

// Stores written before the expiry index have none (or, version "1", no
// per-page keys): the first run reads
// the records once (two fixed fields each) and indexes the paged ones
// that expire. A store without pages needs no scan. Each chunk is
// re-read under its records' locks, so a concurrent update or delete
// never leaves an entry behind (a stale one would be dropped anyway).
Status Compaction::BuildExpiryIndex() {
  const RecordTable& table = store_->table();
  bool complete = false;
  MNEMO_RETURN_IF_ERROR(
      table.ExpiryIndexComplete(rocksdb::ReadOptions(), &complete));
  if (complete) return Status::OK();
  std::vector<RecordId> candidates;
  bool any_page = false;
  MNEMO_RETURN_IF_ERROR(table.AnyPage(&any_page));
  if (any_page) {
    rocksdb::ReadOptions ro;
    ro.fill_cache = false;
    // Two header fields per record: no text to decode.
    MNEMO_RETURN_IF_ERROR(
        table
            .ForEachIdRange(ro, 0, kMaxRecordId,
                            [&](const KeyFields& key, std::string_view v) {
                              EnvelopeHeader h;
                              if (PeekHeader(v, &h, &key) && h.page_id != 0 &&
                                  h.expires_at != 0) {
                                candidates.push_back(key.id);
                              }
                              return true;
                            })
            .WithContext("scanning records for the expiry index"));
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
      store_->table().PutExpiryEntry(r, &batch);
    }
    MNEMO_RETURN_IF_ERROR(Write(&batch, "building the expiry index"));
  }
  rocksdb::WriteBatch done;
  table.MarkExpiryIndexComplete(&done);
  return Write(&done, "building the expiry index");
}

}  // namespace mnemo::internal
