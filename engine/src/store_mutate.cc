// Copyright (c) mnemo authors.
//
// Changes to stored records: Update (keeps history), Delete, and the bulk
// deletes of a session or an agent. Records on pages leave their pages'
// live sets and their pages forget them in the same batch: a page whose
// records are all gone is deleted with them, the others are rewritten with
// the removed records blanked out (page_forget.cc).

#include <algorithm>

#include "envelope.h"
#include "expiry_index.h"
#include "keys.h"
#include "store_impl.h"

namespace mnemo::internal {
namespace {

void NotePages(const Record& r, StoreImpl::PageRemovals* pages) {
  for (uint32_t k = 0; r.page.valid() && k < std::max(1u, r.page.page_count);
       ++k) {
    (*pages)[r.page.page_id + k].insert(r.id);
  }
}

}  // namespace

uint8_t StoreImpl::AgeBucket(const Record& r, uint8_t flags) {
  return (flags & kFlagKeptAsText) ? kKeptAsTextBucket
                                   : static_cast<uint8_t>(r.tier);
}

Status StoreImpl::EncodeStored(const Record& r, uint8_t flags,
                               std::string* out) {
  out->clear();
  if (flags & kFlagTextForgotten) {
    EncodeEnvelope(r, flags, std::string_view(), out);
  } else if (flags & kFlagTextZstd) {
    std::string frame;
    MNEMO_RETURN_IF_ERROR(text_store_.Compress(r.text, &frame));
    EncodeEnvelope(r, flags, frame, out);
  } else {
    EncodeEnvelope(r, flags, out);
  }
  return Status::OK();
}

Status StoreImpl::Update(const WriteOptions& options, std::string_view tenant,
                         RecordId id, const RecordUpdate& update,
                         Record* updated) {
  MNEMO_RETURN_IF_ERROR(CheckWritable());
  std::lock_guard<std::mutex> lock(LockFor(id));
  Record old;
  uint8_t flags = 0;
  Status found = ReadRecord(rocksdb::ReadOptions(), id, &old, &flags);
  if (found.ok() && (old.ns.tenant != tenant || Expired(old))) {
    found = Status::NotFound("record " + RecordIdToString(id) + " not found");
  }
  MNEMO_RETURN_IF_ERROR(found);
  Record next = old;
  if (update.text) next.text = *update.text;
  if (update.role) next.role = *update.role;
  if (update.kind) next.kind = *update.kind;
  if (update.metadata) next.metadata = *update.metadata;
  if (update.event_time) next.event_time = *update.event_time;
  if (update.importance) next.importance = *update.importance;
  if (update.expires_at) next.expires_at = *update.expires_at;
  MNEMO_RETURN_IF_ERROR(ValidateRecord(next));
  next.version = old.version + 1;
  next.updated_time = clock_->NowMicros();
  next.content_hash = ContentHash(next.text);
  next.tier = Tier::kHot;  // changed memory is fresh memory
  next.page = PageRef();
  next.text_forgotten = false;

  rocksdb::WriteBatch batch;
  std::string old_value, new_value, entry;
  MNEMO_RETURN_IF_ERROR(EncodeStored(old, flags, &old_value));
  (void)batch.Put(cf(kHistory), HistoryKey(id, old.version), old_value);
  EncodeEnvelope(next, 0, &new_value);
  (void)batch.Put(cf(kRecords), RecordKey(id), new_value);
  if (next.event_time != old.event_time) {
    (void)batch.Delete(cf(kIndex), TimeIndexKey(old.ns.tenant, old.ns.agent,
                                                old.event_time, id));
  }
  EncodeIndexEntry(next, &entry);
  (void)batch.Put(cf(kIndex), TimeIndexKey(next.ns.tenant, next.ns.agent,
                                           next.event_time, id),
                  entry);
  (void)batch.Delete(cf(kIndex), AgeKey(AgeBucket(old, flags), old.event_time, id));
  (void)batch.Put(cf(kIndex), AgeKey(AgeBucket(next, 0), next.event_time, id), "");
  if (SearchIndexed(id)) {  // else the indexer indexes the new text
    PostingsBuilder postings = NewPostingsBuilder();
    postings.Remove(old);
    postings.Add(next);
    postings.AppendTo(&batch, cf(kPostings));
  }
  PageRemovals pages;
  NotePages(old, &pages);
  for (const auto& [page_id, ids] : pages) {
    (void)batch.Delete(cf(kPages), LiveKey(page_id, id));
  }
  AppendExpiryDelete(old, cf(kIndex), &batch);
  StripeLocks page_locks = LockPages(pages);
  StaleCache stale;
  MNEMO_RETURN_IF_ERROR(AppendPageGc(pages, &batch, &stale));
  MNEMO_RETURN_IF_ERROR(
      Commit(options, &batch, "updating record " + RecordIdToString(id)));
  DropStaleCache(stale);
  if (updated) *updated = std::move(next);
  return Status::OK();
}

void StoreImpl::AppendDelete(const Record& r, uint8_t flags,
                             rocksdb::WriteBatch* batch, PageRemovals* pages) {
  (void)batch->Delete(cf(kRecords), RecordKey(r.id));
  (void)batch->Delete(cf(kIndex), TimeIndexKey(r.ns.tenant, r.ns.agent,
                                               r.event_time, r.id));
  (void)batch->Delete(cf(kIndex), AgeKey(AgeBucket(r, flags), r.event_time, r.id));
  for (uint32_t v = 1; v < r.version; ++v) {
    (void)batch->Delete(cf(kHistory), HistoryKey(r.id, v));
  }
  AppendSearchDelete(r, batch);
  AppendExpiryDelete(r, cf(kIndex), batch);
  PageRemovals mine;
  NotePages(r, &mine);
  for (const auto& [page_id, ids] : mine) {
    (void)batch->Delete(cf(kPages), LiveKey(page_id, r.id));
    (*pages)[page_id].insert(r.id);
  }
}

Status StoreImpl::Delete(const WriteOptions& options, std::string_view tenant,
                         RecordId id) {
  MNEMO_RETURN_IF_ERROR(CheckWritable());
  std::lock_guard<std::mutex> lock(LockFor(id));
  Record old;
  uint8_t flags = 0;
  Status s = ReadRecord(rocksdb::ReadOptions(), id, &old, &flags);
  if (s.ok() && old.ns.tenant != tenant) {
    s = Status::NotFound("record " + RecordIdToString(id) + " not found");
  }
  MNEMO_RETURN_IF_ERROR(s);
  rocksdb::WriteBatch batch;
  PageRemovals pages;
  AppendDelete(old, flags, &batch, &pages);
  StripeLocks page_locks = LockPages(pages);
  StaleCache stale;
  MNEMO_RETURN_IF_ERROR(AppendPageGc(pages, &batch, &stale));
  MNEMO_RETURN_IF_ERROR(
      Commit(options, &batch, "deleting record " + RecordIdToString(id)));
  DropStaleCache(stale);
  return Status::OK();
}

Status StoreImpl::DeleteSession(const WriteOptions& options,
                                const Namespace& session, uint64_t* deleted) {
  MNEMO_RETURN_IF_ERROR(ValidateNamespace(session));
  return DeleteMatching(options, session, /*whole_agent=*/false, deleted);
}

Status StoreImpl::DeleteAgent(const WriteOptions& options,
                              std::string_view tenant, std::string_view agent,
                              uint64_t* deleted) {
  Namespace ns{std::string(tenant), std::string(agent), "-"};
  MNEMO_RETURN_IF_ERROR(ValidateNamespace(ns));
  return DeleteMatching(options, ns, /*whole_agent=*/true, deleted);
}

// Bulk deletes stop every other writer of the agent's namespaces and every
// record update while they collect and delete, so no record can be added to
// (or revived in) the deleted range halfway through. They are rare; the
// pause is the price of an exact, atomic delete.
Status StoreImpl::DeleteMatching(const WriteOptions& options,
                                 const Namespace& ns, bool whole_agent,
                                 uint64_t* deleted) {
  MNEMO_RETURN_IF_ERROR(CheckWritable());
  port::WriterLock ns_lock(&ns_mu_);
  std::vector<std::unique_lock<std::mutex>> record_locks;
  for (auto& mu : record_locks_) record_locks.emplace_back(mu);

  std::string prefix = AgentIndexPrefix(ns.tenant, ns.agent);
  std::string upper = PrefixSuccessor(prefix);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(NewIterator(db_, ro, cf(kIndex)));
  rocksdb::WriteBatch batch;
  PageRemovals pages;
  uint64_t count = 0;
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    IndexEntry entry;
    Micros time;
    RecordId id;
    std::string_view key(it->key().data(), it->key().size());
    std::string_view value(it->value().data(), it->value().size());
    if (!ParseTimeIndexSuffix(key, prefix.size(), &time, &id) ||
        !DecodeIndexEntry(value, &entry)) {
      return Status::Corruption("index entry under agent '" + ns.agent +
                                "' is malformed");
    }
    if (!whole_agent && entry.session != ns.session) continue;
    Record r;
    uint8_t flags = 0;
    Status s = ReadRecord(rocksdb::ReadOptions(), id, &r, &flags);
    if (s.IsNotFound()) {  // dangling entry: drop it too
      (void)batch.Delete(cf(kIndex), it->key());
      continue;
    }
    MNEMO_RETURN_IF_ERROR(s);
    AppendDelete(r, flags, &batch, &pages);
    ++count;
  }
  MNEMO_RETURN_IF_ERROR(FromRocks(it->status(), "scanning agent " + ns.agent));
  std::vector<std::string> forgotten;
  if (whole_agent) {
    std::string ns_prefix = NamespaceAgentPrefix(ns.tenant, ns.agent);
    for (const auto& key : known_namespaces_) {
      if (key.compare(0, ns_prefix.size(), ns_prefix) == 0) {
        forgotten.push_back(key);
      }
    }
  } else {
    forgotten.push_back(NamespaceKey(ns));
  }
  for (const auto& key : forgotten) (void)batch.Delete(cf(kIndex), key);
  if (whole_agent) AppendSearchDeleteAgent(ns.tenant, ns.agent, &batch);
  StripeLocks page_locks = LockPages(pages);
  StaleCache stale;
  MNEMO_RETURN_IF_ERROR(AppendPageGc(pages, &batch, &stale));
  MNEMO_RETURN_IF_ERROR(Commit(options, &batch, "deleting " + ns.agent));
  DropStaleCache(stale);
  for (const auto& key : forgotten) known_namespaces_.erase(key);
  if (deleted) *deleted = count;
  return Status::OK();
}

}  // namespace mnemo::internal
