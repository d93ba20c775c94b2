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
#include <set>

#include "page_store.h"
#include "search_internal.h"
#include "store_impl.h"

namespace mnemo::internal {
namespace {

constexpr size_t kMaxPageBatch = 256;

// Pins a queued page; *owner: its namespace. NotFound when it is gone.
Status PinQueued(StoreImpl* store, uint64_t page_id, PinnedPage* pinned,
                 Namespace* owner) {
  StoredPage page;
  MNEMO_RETURN_IF_ERROR(
      store->table().GetPage(rocksdb::ReadOptions(), page_id, &page));
  std::vector<PinnedPage> one;
  MNEMO_RETURN_IF_ERROR(store->PinPages(page.info.ns.tenant, {page_id}, &one));
  *pinned = std::move(one[0]);
  *owner = page.info.ns;
  return Status::OK();
}

// Dequeues a page found gone, unless it was written again meanwhile.
Status DequeueIfGone(StoreImpl* store, uint64_t page_id) {
  StoreImpl::StripeLocks lock = store->LockPages({{page_id, {}}});
  StoredPage page;
  Status s = store->table().GetPage(rocksdb::ReadOptions(), page_id, &page);
  if (!s.IsNotFound()) return Status::OK();
  rocksdb::WriteBatch batch;
  store->table().vectors().DequeuePage(page_id, &batch);
  return store->table().Write(rocksdb::WriteOptions(), &batch,
                              "dequeuing page " + std::to_string(page_id));
}

// Pins up to `limit` of the queued pages (skipping `failed` ones, adding
// corrupt ones to it) into *batch; dequeues pages found gone. *progressed:
// some page was looked at.
struct PageBatch {
  std::vector<PinnedPage> pinned;
  std::vector<Namespace> owners;
};
Status PinBatch(StoreImpl* store, const std::vector<uint64_t>& queued,
                size_t limit, std::set<uint64_t>* failed, PageBatch* batch,
                bool* progressed) {
  for (uint64_t page_id : queued) {
    if (failed->count(page_id) > 0 || batch->pinned.size() == limit) continue;
    *progressed = true;
    PinnedPage pin;
    Namespace owner;
    Status s = PinQueued(store, page_id, &pin, &owner);
    if (s.ok()) {
      batch->pinned.push_back(std::move(pin));
      batch->owners.push_back(std::move(owner));
    } else if (s.IsNotFound()) {
      MNEMO_RETURN_IF_ERROR(DequeueIfGone(store, page_id));
    } else if (s.IsCorruption()) {  // Verify reports it; retried at reopen
      failed->insert(page_id);
    } else if (s.IsResourceExhausted() && !batch->pinned.empty()) {
      break;  // the vista pool holds no more: embed these first
    } else {
      return s;
    }
  }
  return Status::OK();
}

}  // namespace

Status StoreImpl::EmbedPageChunk(const std::atomic<bool>* cancel,
                                 bool* progressed) {
  *progressed = false;
  const size_t limit =
      std::clamp<size_t>(embedder_->max_page_batch(), 1, kMaxPageBatch);
  std::vector<uint64_t> queued;
  MNEMO_RETURN_IF_ERROR(table_.vectors().PendingPages(
      rocksdb::ReadOptions(), 0, limit + failed_pages_.size(), &queued));
  PageBatch batch;
  size_t failed_before = failed_pages_.size();
  Status s = PinBatch(this, queued, limit, &failed_pages_, &batch, progressed);
  embed_failed_ += failed_pages_.size() - failed_before;
  MNEMO_RETURN_IF_ERROR(s);
  std::vector<PinnedPage>& pinned = batch.pinned;
  std::vector<Namespace>& owners = batch.owners;
  if (pinned.empty()) return Status::OK();
  std::vector<float> vectors;
  std::vector<bool> ok;
  MNEMO_RETURN_IF_ERROR(EmbedSplit(
      pinned.size(), limit,
      [&](size_t begin, size_t end, float* out) {
        std::vector<const PinnedPage*> some;
        for (size_t i = begin; i < end; ++i) some.push_back(&pinned[i]);
        return embedder_->EmbedPages(some, out);
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
  table_.vectors().PutPageVector(ns, pinned.page_id,
                                 EncodeFloatVector(vector, dim), &batch);
  MNEMO_RETURN_IF_ERROR(Commit(WriteOptions(), &batch, "writing a page vector"));
  ++pages_embedded_;
  return Status::OK();
}

}  // namespace mnemo::internal
