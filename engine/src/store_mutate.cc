// Copyright (c) mnemo authors.
//
// Changes to stored records: Update (keeps history), Delete, and the bulk
// deletes of a session or an agent.

#include <algorithm>

#include "envelope.h"
#include "keys.h"
#include "store_impl.h"

namespace mnemo::internal {

Status StoreImpl::Update(const WriteOptions& options, std::string_view tenant,
                         RecordId id, const RecordUpdate& update,
                         Record* updated) {
  MNEMO_RETURN_IF_ERROR(CheckWritable());
  std::lock_guard<std::mutex> lock(LockFor(id));
  Record old;
  MNEMO_RETURN_IF_ERROR(ReadVisible(tenant, id, &old));
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

  rocksdb::WriteBatch batch;
  std::string old_value, new_value, entry;
  EncodeEnvelope(old, 0, &old_value);
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
  MNEMO_RETURN_IF_ERROR(
      Commit(options, &batch, "updating record " + RecordIdToString(id)));
  if (updated) *updated = std::move(next);
  return Status::OK();
}

// Adds the deletion of a record, its index entry and its history.
void StoreImpl::AppendDelete(const Record& r, rocksdb::WriteBatch* batch) {
  (void)batch->Delete(cf(kRecords), RecordKey(r.id));
  (void)batch->Delete(cf(kIndex), TimeIndexKey(r.ns.tenant, r.ns.agent,
                                               r.event_time, r.id));
  for (uint32_t v = 1; v < r.version; ++v) {
    (void)batch->Delete(cf(kHistory), HistoryKey(r.id, v));
  }
}

Status StoreImpl::Delete(const WriteOptions& options, std::string_view tenant,
                         RecordId id) {
  MNEMO_RETURN_IF_ERROR(CheckWritable());
  std::lock_guard<std::mutex> lock(LockFor(id));
  Record old;
  Status s = ReadRecord(rocksdb::ReadOptions(), id, &old);
  if (s.ok() && old.ns.tenant != tenant) {
    s = Status::NotFound("record " + RecordIdToString(id) + " not found");
  }
  MNEMO_RETURN_IF_ERROR(s);
  rocksdb::WriteBatch batch;
  AppendDelete(old, &batch);
  return Commit(options, &batch, "deleting record " + RecordIdToString(id));
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
  std::unique_lock<std::shared_mutex> ns_lock(ns_mu_);
  std::vector<std::unique_lock<std::mutex>> record_locks;
  for (auto& mu : record_locks_) record_locks.emplace_back(mu);

  std::string prefix = AgentIndexPrefix(ns.tenant, ns.agent);
  std::string upper = PrefixSuccessor(prefix);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(kIndex)));
  rocksdb::WriteBatch batch;
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
    Status s = ReadRecord(rocksdb::ReadOptions(), id, &r);
    if (s.IsNotFound()) {  // dangling entry: drop it too
      (void)batch.Delete(cf(kIndex), it->key());
      continue;
    }
    MNEMO_RETURN_IF_ERROR(s);
    AppendDelete(r, &batch);
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
  MNEMO_RETURN_IF_ERROR(Commit(options, &batch, "deleting " + ns.agent));
  for (const auto& key : forgotten) known_namespaces_.erase(key);
  if (deleted) *deleted = count;
  return Status::OK();
}

}  // namespace mnemo::internal

