// Copyright (c) mnemo authors.
//
// Store::RestoreWithPages: a dump's records come back with their tiers and
// their pages, written as compaction would have written them:
//   - hot records as plain text, warm ones as zstd text;
//   - pixels/decayed records whose every page (page_id .. page_id +
//     page_count - 1) is supplied and lists them: the record with its page
//     reference (item and page count taken from the manifests), a live-set
//     key on each of those pages, the time-index entry with the tier and the
//     age-index key in the tier's bucket (compaction_pages.cc,
//     compaction_decay.cc);
//   - pixels/decayed records whose first page is not supplied, or whose
//     span continues on a page that is not: warm text without a page (the
//     next compaction renders them again). A forgotten record has no text
//     to fall back to: that is InvalidArgument.
// Pages keep their ids (ids share one space with records: the high-water
// mark rises past them; at most kMaxImportedRecordId, as record ids).
// Supplied pages no restored record sits on are not written (nothing would
// keep them alive). Everything is checked first (record ids again under
// their stripes, after the id mark is raised past them); then one atomic
// batch.
//
// Not carried by a Record, so not restored: the "kept as text" mark of
// warm records compaction could not render (the next Compact tries them
// once more, rejects them again and marks them; no tier changes), and the
// content hash of a forgotten record's text (kept when the caller gives
// one, e.g. from a RecordIterator; else the hash of the empty text).

#include <map>

#include "envelope.h"
#include "expiry_index.h"
#include "keys.h"
#include "mnemo/codec/manifest.h"
#include "mnemo/codec/png.h"
#include "page_store.h"
#include "store_impl.h"
#include "test_hooks.h"

namespace mnemo::internal {

struct RestorePlan {
  struct Page {
    StoredPage stored;
    codec::PageManifest manifest;
    bool used = false;  // a restored record sits on it
    bool stored_already = false;  // in the store, identical: not written
  };
  struct Placed {
    Tier tier = Tier::kHot;
    uint8_t flags = 0;  // envelope flags (kFlag*)
    PageRef page;       // valid only for records kept on their pages
  };
  std::map<uint64_t, Page> pages;
  std::vector<Placed> records;  // parallel to the records restored
  RecordId max_id = 0;          // records and pages
};

namespace {

constexpr size_t kMaxProfileName = 64;  // as page_store.cc stores it

std::string PageName(uint64_t page_id) {
  return "page " + std::to_string(page_id);
}

Status BadPage(uint64_t page_id, const std::string& why) {
  return Status::InvalidArgument(PageName(page_id) + ": " + why);
}

std::string RecordName(const Record& r) {
  return "record " + RecordIdToString(r.id);
}

Status CheckPageHeader(const PageData& page) {
  const PageInfo& info = page.info;
  uint64_t id = info.page_id;
  Status s = ValidateNamespace(info.ns);
  if (!s.ok()) return s.WithContext(PageName(id));
  if (info.tier != Tier::kPixels && info.tier != Tier::kDecayed) {
    return BadPage(id, "tier must be pixels or decayed");
  }
  if (info.profile.empty() || info.profile.size() > kMaxProfileName ||
      !IsValidUtf8(info.profile)) {
    return BadPage(id, "profile name must be 1..64 bytes of UTF-8");
  }
  if (page.first_width <= 0 || info.width <= 0 || info.height <= 0 ||
      info.vision_tokens < 0) {
    return BadPage(id, "first_width, width and height must be positive, "
                       "vision_tokens not negative");
  }
  if (info.width > page.first_width ||
      (info.tier == Tier::kPixels && info.width != page.first_width)) {
    return BadPage(id, "width " + std::to_string(info.width) +
                           " does not fit first_width " +
                           std::to_string(page.first_width) +
                           " (a pixels page keeps it; decay shrinks it)");
  }
  return Status::OK();
}

Status CheckPng(const PageData& page) {
  codec::GrayImage image;
  Status s = codec::DecodePng(page.png, codec::DecodeLimits(), &image);
  if (!s.ok()) return s.WithContext(PageName(page.info.page_id) + " PNG");
  if (image.width != page.info.width || image.height != page.info.height) {
    return BadPage(page.info.page_id,
                   "PNG is " + std::to_string(image.width) + "x" +
                       std::to_string(image.height) + "; the page says " +
                       std::to_string(page.info.width) + "x" +
                       std::to_string(page.info.height));
  }
  return Status::OK();
}

// Checks one page and prepares its stored form.
Status PlanPage(const PageData& page, RestorePlan::Page* plan) {
  uint64_t id = page.info.page_id;
  MNEMO_RETURN_IF_ERROR(CheckPageHeader(page));
  MNEMO_RETURN_IF_ERROR(CheckPng(page));
  Status s = codec::ManifestFromJson(page.manifest_json, &plan->manifest);
  if (s.ok() && plan->manifest.params.width != page.first_width) {
    s = Status::InvalidArgument(
        "manifest page width " + std::to_string(plan->manifest.params.width) +
        " differs from first_width " + std::to_string(page.first_width));
  }
  if (s.ok()) s = codec::SerializeManifest(plan->manifest, &plan->stored.manifest);
  if (!s.ok()) return s.WithContext(PageName(id));
  plan->stored.info = page.info;
  plan->stored.info.live_records = 0;  // not stored: the live set counts
  plan->stored.first_width = page.first_width;
  plan->stored.png = page.png;
  return Status::OK();
}

Status PlanPages(const std::vector<PageData>& pages, RestorePlan* plan) {
  for (const PageData& page : pages) {
    uint64_t id = page.info.page_id;
    if (id == 0) return Status::InvalidArgument("restore: page id is 0");
    if (id > kMaxImportedRecordId) {
      return BadPage(id, "id is above " +
                             RecordIdToString(kMaxImportedRecordId) +
                             ", the largest id a restored page may carry "
                             "(kMaxImportedRecordId; page ids share the id "
                             "space with records)");
    }
    auto [it, fresh] = plan->pages.try_emplace(id);
    if (!fresh) return BadPage(id, "given twice");
    MNEMO_RETURN_IF_ERROR(PlanPage(page, &it->second));
    plan->max_id = std::max(plan->max_id, id);
  }
  return Status::OK();
}

// Index of the first item of `id` on a page, or -1.
int FindItem(const codec::PageManifest& manifest, RecordId id) {
  for (size_t i = 0; i < manifest.items.size(); ++i) {
    if (manifest.items[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

// A page of a record's span must hold that record's (tenant, agent).
Status CheckSameAgent(const Record& r, const RestorePlan::Page& page) {
  const Namespace& ns = page.stored.info.ns;
  if (ns.tenant == r.ns.tenant && ns.agent == r.ns.agent) return Status::OK();
  return BadPage(page.stored.info.page_id,
                 "its tenant/agent differs from that of " + RecordName(r) +
                     ", which names it");
}

// The pages after the first that a record continues on; *complete false
// when one of them is not supplied.
Status FollowSpan(const Record& r, const codec::ItemSpan& first,
                  const RestorePlan& plan, uint32_t* count, bool* complete) {
  *count = 1;
  *complete = true;
  for (const codec::ItemSpan* span = &first; span->continues; ++*count) {
    uint64_t next_id = r.page.page_id + *count;
    auto next = plan.pages.find(next_id);
    if (next == plan.pages.end()) {
      *complete = false;
      return Status::OK();
    }
    MNEMO_RETURN_IF_ERROR(CheckSameAgent(r, next->second));
    const auto& items = next->second.manifest.items;
    if (items.empty() || items[0].id != r.id || !items[0].continued) {
      return BadPage(next_id, "does not continue " + RecordName(r) +
                                  " from the page before it");
    }
    span = &items[0];
  }
  return Status::OK();
}

// Places a pixels/decayed record on its supplied pages: *ref stays
// invalid when a page of its span is not supplied.
Status PlaceOnPages(const Record& r, RestorePlan* plan, PageRef* ref) {
  *ref = PageRef();
  auto first = plan->pages.find(r.page.page_id);
  if (!r.page.valid() || first == plan->pages.end()) return Status::OK();
  MNEMO_RETURN_IF_ERROR(CheckSameAgent(r, first->second));
  const codec::PageManifest& manifest = first->second.manifest;
  int item = FindItem(manifest, r.id);
  if (item < 0 || manifest.items[item].continued) {
    return BadPage(r.page.page_id, std::string(item < 0 ? "does not list "
                                                        : "is not the first page of ") +
                                       RecordName(r) + ", which names it");
  }
  if (first->second.stored.info.tier != r.tier) {
    return BadPage(r.page.page_id, "is " +
                                       std::string(TierName(first->second.stored.info.tier)) +
                                       " but " + RecordName(r) + " is " +
                                       TierName(r.tier));
  }
  uint32_t count = 0;
  bool complete = false;
  MNEMO_RETURN_IF_ERROR(FollowSpan(r, manifest.items[item], *plan, &count, &complete));
  if (!complete) return Status::OK();
  if (r.page.page_count != 0 &&
      (r.page.page_count != count || r.page.item != static_cast<uint32_t>(item))) {
    return Status::InvalidArgument(
        RecordName(r) + ": its page reference (item " +
        std::to_string(r.page.item) + ", " + std::to_string(r.page.page_count) +
        " pages) disagrees with the manifests (item " + std::to_string(item) +
        ", " + std::to_string(count) + " pages)");
  }
  for (uint32_t k = 0; k < count; ++k) plan->pages[r.page.page_id + k].used = true;
  *ref = {r.page.page_id, static_cast<uint32_t>(item), count};
  return Status::OK();
}

Status PlanRecord(const Record& r, RestorePlan* plan, RestorePlan::Placed* out) {
  if (static_cast<uint8_t>(r.tier) > static_cast<uint8_t>(Tier::kDecayed)) {
    return Status::InvalidArgument(RecordName(r) + ": unknown tier " +
                                   std::to_string(static_cast<int>(r.tier)));
  }
  if (r.text_forgotten && r.tier != Tier::kDecayed) {
    return Status::InvalidArgument(RecordName(r) + ": text_forgotten, but " +
                                   TierName(r.tier) + " (only decay forgets)");
  }
  out->tier = r.tier;
  out->flags = r.tier == Tier::kHot ? 0 : kFlagTextZstd;  // as WarmPass does
  if (r.tier == Tier::kHot || r.tier == Tier::kWarm) return Status::OK();
  MNEMO_RETURN_IF_ERROR(PlaceOnPages(r, plan, &out->page));
  if (r.text_forgotten && !out->page.valid()) {
    return Status::InvalidArgument(
        RecordName(r) + ": its text was forgotten and its page " +
        std::to_string(r.page.page_id) + " (or a page it continues on) is "
        "not supplied: only the page holds it");
  }
  if (!out->page.valid()) out->tier = Tier::kWarm;  // restored as text
  if (r.text_forgotten) out->flags = kFlagTextForgotten;
  return Status::OK();
}

}  // namespace

// A page already stored exactly as supplied (restored by an earlier batch
// of the same dump) is kept: records are restored onto it, it is not
// written again.
Status StoreImpl::CheckPagesFree(RestorePlan* plan) {
  std::string value, supplied;
  for (auto& [page_id, page] : plan->pages) {
    Status s = table_.GetPageBytes(rocksdb::ReadOptions(), page_id, &value);
    if (s.IsNotFound()) continue;
    MNEMO_RETURN_IF_ERROR(s);
    EncodePage(page.stored, &supplied);
    if (value != supplied) {
      return Status::AlreadyExists(PageName(page_id) +
                                   " already exists in store " + dir_);
    }
    page.stored_already = true;
  }
  return Status::OK();
}

Status StoreImpl::AppendRestored(const std::vector<Record>& records,
                                 const RestorePlan& plan, ChangeBatch* batch,
                                 std::vector<std::string>* new_namespaces) {
  PostingsBuilder postings = search_.NewPostings();  // search index
  for (size_t i = 0; i < records.size(); ++i) {
    const RestorePlan::Placed& placed = plan.records[i];
    Record r = records[i];
    r.tier = placed.tier;
    r.page = placed.page;
    r.text_forgotten = (placed.flags & kFlagTextForgotten) != 0;
    if (!r.text_forgotten || r.content_hash == 0) r.content_hash = ContentHash(r.text);
    if (r.version == 0) r.version = 1;
    // Unindexed ids get their postings from the indexer.
    MNEMO_RETURN_IF_ERROR(table_.Restore(
        r, placed.flags, known_namespaces_, new_namespaces,
        SearchIndexed(r.id) ? &postings : nullptr, batch));
  }
  search_.ApplyPostings(&postings, &batch->index);
  for (const auto& [page_id, page] : plan.pages) {
    if (!page.used || page.stored_already) continue;
    table_.PutPage(page_id, page.stored, batch);
  }
  return Status::OK();
}

Status StoreImpl::RestoreWithPages(const WriteOptions& options,
                                   const std::vector<Record>& records,
                                   const std::vector<PageData>& pages) {
  MNEMO_RETURN_IF_ERROR(CheckWritable());
  MNEMO_RETURN_IF_ERROR(CheckBatchSize(records.size(), "restore"));
  RestorePlan plan;
  MNEMO_RETURN_IF_ERROR(CheckRestored(records, &plan.max_id));
  MNEMO_RETURN_IF_ERROR(PlanPages(pages, &plan));
  plan.records.resize(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    MNEMO_RETURN_IF_ERROR(PlanRecord(records[i], &plan, &plan.records[i]));
  }
  // No compaction writes pages or takes page ids meanwhile; then, as in
  // Restore, the indexer waits until the restored ids are written.
  port::MutexLock compaction_lock(&compaction_mu_);
  port::MutexLock index_lock(&search_mu_);
  MNEMO_RETURN_IF_ERROR(RaiseIdHighWater(records, plan.max_id));
  ChangeBatch batch;
  std::vector<std::string> new_namespaces;
  port::ReaderLock ns_lock(&ns_mu_);
  {
    // As in Restore: the ids are checked under their stripes, which are
    // held until the batch is committed.
    std::vector<RecordId> ids;
    for (const Record& r : records) ids.push_back(r.id);
    StripeLocks locks = LockRecords(ids);
    MNEMO_RETURN_IF_ERROR(CheckRecordsAbsent(records));
    // A page stored already is accepted as is: its stripes stay held until
    // the restored live keys are committed, or a Delete of the page's last
    // live record could remove the page in between (records, then pages:
    // the order Delete, Update and compaction take them in).
    PageRemovals pages;
    for (const auto& [page_id, page] : plan.pages) pages[page_id];
    StripeLocks page_locks = LockPages(pages);
    MNEMO_RETURN_IF_ERROR(CheckPagesFree(&plan));
    RunRestoreHook();
    MNEMO_RETURN_IF_ERROR(AppendRestored(records, plan, &batch, &new_namespaces));
    MNEMO_RETURN_IF_ERROR(Commit(options, &batch, "restoring records and pages"));
    if (SearchIndexOn()) tail_.Add(records.data(), records.size(), 0);
  }
  ns_lock.Unlock();
  RememberNamespaces(&new_namespaces);
  return Status::OK();
}

}  // namespace mnemo::internal
