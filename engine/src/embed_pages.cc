// Copyright (c) mnemo authors.
//
// The encoder feed's pages (see embed_feed.cc for texts). Every page write
// (RecordTable::PutPage: compaction's pixel pass, decay, the page forget
// step's masking, restore) queues the page ('q' key) in the batch that
// writes it, so the queue is exactly as durable as the pages. A chunk
// pins up to max_page_batch() queued pages through the cache (vista pool),
// hands the leases to EmbedPages with no store lock held, and for each
// vector
//   1. stores it as the page's "embedding:<name>" payload (Cache::PutKv
//      with the PinnedPage: refused when the page changed since the pin),
//   2. under the page's stripe, when the page is still at the pinned
//      revision, writes the page vector ('f') and deletes the 'q' key in
//      one batch.
// A page that changed meanwhile keeps its 'q' key (the change wrote it
// again) and is embedded anew by a later chunk. A crash between 1 and 2
// leaves the page queued: it is embedded again after the reopen (the
// payload is replaced). A page that is gone is dequeued under its stripe.
// The page forget step (page_forget.cc) drops the page vector of a page
// that loses records, as it drops its payloads: the vector saw their text.

#include <algorithm>

#include "page_store.h"
#include "search_internal.h"
#include "store_impl.h"

namespace mnemo::internal {
namespace {

constexpr size_t kMaxPageBatch = 256;

}  // namespace

Status StoreImpl::EmbedPageChunk(const std::atomic<bool>* cancel,
                                 bool* progressed) {
  *progressed = false;
  const size_t limit =
      std::clamp<size_t>(embedder_->max_page_batch(), 1, kMaxPageBatch);
  std::vector<uint64_t> queued;
  MNEMO_RETURN_IF_ERROR(table_.PendingPages(
      rocksdb::ReadOptions(), 0, limit + failed_pages_.size(), &queued));
  std::vector<PinnedPage> pinned;
  std::vector<Namespace> owners;
  for (uint64_t page_id : queued) {
    if (failed_pages_.count(page_id) > 0 || pinned.size() == limit) continue;
    StoredPage page;
    Status s = table_.GetPage(rocksdb::ReadOptions(), page_id, &page);
    std::vector<PinnedPage> one;
    if (s.ok()) s = PinPages(page.info.ns.tenant, {page_id}, &one);
    if (s.ok()) {
      pinned.push_back(std::move(one[0]));
      owners.push_back(page.info.ns);
    } else if (s.IsNotFound()) {  // deleted: dequeued, unless written again
      StripeLocks lock = LockPages({{page_id, {}}});
      if (table_.GetPage(rocksdb::ReadOptions(), page_id, &page).IsNotFound()) {
        rocksdb::WriteBatch batch;
        table_.DequeuePage(page_id, &batch);
        MNEMO_RETURN_IF_ERROR(Commit(WriteOptions(), &batch, "dequeuing a page"));
      }
    } else if (s.IsCorruption()) {  // Verify reports it; retried at reopen
      failed_pages_.insert(page_id);
      ++embed_failed_;
    } else {
      return s;
    }
    *progressed = true;
  }
  if (pinned.empty()) return Status::OK();
  std::vector<float> vectors;
  std::vector<bool> ok;
  MNEMO_RETURN_IF_ERROR(EmbedSplit(
      pinned.size(), limit,
      [&](size_t begin, size_t end, float* out) {
        std::vector<const PinnedPage*> batch;
        for (size_t i = begin; i < end; ++i) batch.push_back(&pinned[i]);
        return embedder_->EmbedPages(batch, out);
      },
      cancel, &vectors, &ok));
  const size_t dim = embedder_->dimension();
  for (size_t i = 0; i < pinned.size(); ++i) {
    if (!ok[i]) {
      failed_pages_.insert(pinned[i].page_id);
      continue;
    }
    MNEMO_RETURN_IF_ERROR(
        StorePageVector(owners[i], pinned[i], vectors.data() + i * dim));
  }
  return Status::OK();
}

Status StoreImpl::StorePageVector(const Namespace& ns, const PinnedPage& pinned,
                                  const float* vector) {
  const size_t dim = embedder_->dimension();
  // The payload hosts read back (GetKv): the bare float32 values.
  std::string bytes(reinterpret_cast<const char*>(vector), dim * sizeof(float));
  Status s = PutKv(ns.tenant, pinned, "embedding:" + embedder_->name(), bytes);
  if (s.IsAborted() || s.IsNotFound()) return Status::OK();  // changed, gone
  MNEMO_RETURN_IF_ERROR(s);
  StripeLocks lock = LockPages({{pinned.page_id, {}}});
  uint64_t revision = 0;
  s = GetPageInfoOnly(ns.tenant, pinned.page_id, &revision);
  if (s.IsNotFound() || (s.ok() && revision != pinned.revision)) {
    return Status::OK();  // changed after the payload: queued again
  }
  MNEMO_RETURN_IF_ERROR(s);
  rocksdb::WriteBatch batch;
  table_.PutPageVector(ns, pinned.page_id, EncodeFloatVector(vector, dim),
                       &batch);
  MNEMO_RETURN_IF_ERROR(Commit(WriteOptions(), &batch, "writing a page vector"));
  ++pages_embedded_;
  return Status::OK();
}

}  // namespace mnemo::internal
