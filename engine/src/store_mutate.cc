// Copyright (c) mnemo authors.
//
// Changes to stored records: Update (keeps history), Delete, and the bulk
// deletes of a session or an agent. Records on pages leave their pages'
// live sets and their pages forget them in the same batch: a page whose
// records are all gone is deleted with them, the others are rewritten with
// the removed records blanked out (page_forget.cc).

#include <algorithm>
#include <optional>

#include "envelope.h"
#include "expiry_index.h"
#include "keys.h"
#include "store_impl.h"

namespace mnemo::internal {

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

  ChangeBatch batch;
  PostingsBuilder postings = search_.NewPostings();
  PageRemovals pages;
  // Unindexed: the indexer indexes the new text.
  MNEMO_RETURN_IF_ERROR(table_.Update(old, flags, next,
                                      SearchIndexed(id) ? &postings : nullptr,
                                      &batch, &pages));
  search_.ApplyPostings(&postings, &batch.index);
  StripeLocks page_locks = LockPages(pages);
  StaleCache stale;
  MNEMO_RETURN_IF_ERROR(AppendPageGc(pages, &batch, &stale));
  MNEMO_RETURN_IF_ERROR(
      Commit(options, &batch, "updating record " + RecordIdToString(id)));
  DropStaleCache(stale);
  if (updated) {
    *updated = std::move(next);
    // Counts flushed but not yet folded (no fold runs: it would need this
    // record's lock, held here).
    AccessTracker::Counts unfolded = access_.Pending(id);
    updated->access_count += unfolded.count;
    updated->last_access = std::max(updated->last_access, unfolded.last);
  }
  return Status::OK();
}

void StoreImpl::AppendDelete(const Record& r, uint8_t flags, ChangeBatch* batch,
                             PageRemovals* pages) {
  PostingsBuilder postings = search_.NewPostings();
  // Unindexed: it never got postings.
  table_.Delete(r, flags, SearchIndexed(r.id) ? &postings : nullptr, batch,
                pages);
  search_.ApplyPostings(&postings, &batch->index);
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
  ChangeBatch batch;
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

  ChangeBatch batch;
  PageRemovals pages;
  PostingsBuilder postings = search_.NewPostings();
  uint64_t count = 0;
  std::optional<std::string_view> session;
  if (!whole_agent) session = ns.session;
  MNEMO_RETURN_IF_ERROR(table_.ForEachInAgent(
      ns.tenant, ns.agent, session,
      [&](const Record& r, uint8_t flags) {
        // Unindexed: it never got postings.
        table_.Delete(r, flags, SearchIndexed(r.id) ? &postings : nullptr,
                      &batch, &pages);
        ++count;
        return Status::OK();
      },
      &batch));
  search_.ApplyPostings(&postings, &batch.index);
  std::vector<std::string> forgotten =
      whole_agent ? table_.AgentTokens(ns.tenant, ns.agent, known_namespaces_)
                  : std::vector<std::string>{table_.NamespaceToken(ns)};
  table_.DeleteNamespaces(forgotten, &batch);
  if (whole_agent) AppendSearchDeleteAgent(ns.tenant, ns.agent, &batch);
  StripeLocks page_locks = LockPages(pages);
  StaleCache stale;
  MNEMO_RETURN_IF_ERROR(AppendPageGc(pages, &batch, &stale));
  MNEMO_RETURN_IF_ERROR(Commit(options, &batch, "deleting " + ns.agent));
  DropStaleCache(stale);
  for (const auto& key : forgotten) known_namespaces_.erase(key);
  ++known_namespaces_generation_;
  if (deleted) *deleted = count;
  return Status::OK();
}

}  // namespace mnemo::internal
