// Copyright (c) mnemo authors.
//
// ClusterStore writes (cluster_store_impl.h). Order of every write: the id
// directory entry, then one epoch-guarded operation on the agent's bucket
// object (the durability point: OK only once RADOS acknowledged it), then
// the same change in the local cache. A crash between the first two leaves
// a directory entry without record, which reads as NotFound and which
// VerifyCluster repairs.

#include <algorithm>
#include <set>

#include "cluster_store_impl.h"
#include "envelope.h"
#include "mnemo/admin.h"

namespace mnemo::internal {
namespace {

Micros Now(const Options& options) {
  return (options.clock ? options.clock : Clock::System())->NowMicros();
}

Status OneAgent(const std::vector<Record>& records) {
  for (const Record& r : records) {
    if (r.ns.tenant != records[0].ns.tenant ||
        r.ns.agent != records[0].ns.agent) {
      return Status::InvalidArgument(
          "cluster mode: a batch holds one agent's records (agent '" +
          records[0].ns.agent + "' and agent '" + r.ns.agent +
          "' given); write each agent's batch separately");
    }
  }
  return Status::OK();
}

}  // namespace

Status ClusterStore::Put(const WriteOptions& options, const Record& record,
                         RecordId* id) {
  std::vector<RecordId> ids;
  MNEMO_RETURN_IF_ERROR(PutBatch(options, {record}, &ids));
  if (id != nullptr) *id = ids[0];
  return Status::OK();
}

Status ClusterStore::PutBatch(const WriteOptions& options,
                              const std::vector<Record>& records,
                              std::vector<RecordId>* ids) {
  std::vector<RecordId> unused;
  if (ids == nullptr) ids = &unused;  // allowed, as by the embedded store
  ids->clear();
  if (records.empty()) return Status::OK();
  if (records.size() > options_.max_batch_records) {
    return Status::InvalidArgument("batch of " +
                                   std::to_string(records.size()) +
                                   " records exceeds max_batch_records");
  }
  MNEMO_RETURN_IF_ERROR(OneAgent(records));
  for (const Record& r : records) {
    MNEMO_RETURN_IF_ERROR(mnemo::Validate(local_.get(), r));
  }
  RecordId first = 0;
  MNEMO_RETURN_IF_ERROR(AllocateIds(records.size(), &first));
  const Micros now = Now(options_);
  std::vector<Record> stamped = records;
  for (size_t i = 0; i < stamped.size(); ++i) {
    Record& r = stamped[i];
    r.id = first + i;
    r.created_time = r.updated_time = now;
    if (r.event_time == 0) r.event_time = now;
    r.version = 1;
    r.tier = Tier::kHot;
    r.page = PageRef();
    r.access_count = 0;
    r.last_access = 0;
    r.content_hash = ContentHash(r.text);
    r.text_forgotten = false;
  }
  MNEMO_RETURN_IF_ERROR(WriteRecords(options, stamped));
  for (const Record& r : stamped) ids->push_back(r.id);
  return Status::OK();
}

Status ClusterStore::WriteRecords(const WriteOptions& options,
                                  const std::vector<Record>& records,
                                  const std::vector<PageData>& pages) {
  const std::string& tenant = records[0].ns.tenant;
  const std::string& agent = records[0].ns.agent;
  cluster::RadosPool* pool = nullptr;
  MNEMO_RETURN_IF_ERROR(TenantPool(tenant, &pool));
  std::shared_ptr<OwnedAgent> state;
  MNEMO_RETURN_IF_ERROR(Own(tenant, agent, &state));
  port::MutexLock l(&state->mu);
  if (state->lease == nullptr) {
    return Status::FailedPrecondition("agent '" + agent + "' (tenant '" +
                                      tenant + "'): lease lost meanwhile");
  }
  // Pages first (an import's): no record names a page before it is there.
  Status s;
  for (const PageData& page : pages) {
    if (!s.ok()) break;
    s = WritePageObject(pool, agent, state->lease->epoch(), page);
  }
  if (s.ok()) s = AppendToBucket(pool, state.get(), records);
  if (s.IsFailedPrecondition()) {
    state->lease.reset();  // fenced or taken over: never write with it again
    Drop(tenant, agent, state.get());
  }
  MNEMO_RETURN_IF_ERROR(s);
  // Acknowledged by the cluster: the cache follows. A cache that failed to
  // follow is rebuilt before this host next uses it.
  Status cached = pages.empty()
                      ? mnemo::Import(local_.get(), options, records)
                      : mnemo::Import(local_.get(), options, records, pages);
  if (!cached.ok()) state->cache_stale = true;
  return Status::OK();
}

Status ClusterStore::AppendToBucket(cluster::RadosPool* pool, OwnedAgent* state,
                                    const std::vector<Record>& records) {
  const std::string& agent = records[0].ns.agent;
  if (state->bucket_keys > 0 &&
      state->bucket_keys + records.size() > kBucketRecords) {
    ++state->bucket;
    state->bucket_keys = 0;
  }
  const std::string bucket = BucketOid(agent, state->bucket);
  std::map<std::string, cluster::OmapEntries> directory;
  cluster::OmapEntries values;
  for (const Record& r : records) {
    directory[DirectoryOid(r.id)][DirectoryKey(r.id)] = agent + "\n" + bucket;
    std::string value;
    EncodeEnvelope(r, 0, &value);
    values.emplace(RecordOmapKey(r.id), std::move(value));
  }
  for (const auto& [oid, entries] : directory) {
    cluster::WriteOp op;
    op.create = true;
    op.omap_set = entries;
    MNEMO_RETURN_IF_ERROR(pool->Write(oid, op));
  }
  MNEMO_RETURN_IF_ERROR(state->lease->Write(bucket, values));
  state->bucket_keys += records.size();
  return Status::OK();
}

// The owner's cache keeps each page's live set and removes a page once no
// record stands on it: the cluster's copy of such a page goes too.
void ClusterStore::RemovePagesLeft(cluster::RadosPool* pool,
                                   std::string_view tenant,
                                   const PageRef& page, OwnedAgent* state) {
  if (state->cache_stale) return;  // VerifyCluster collects what is left
  for (uint64_t id : PageSpan(page)) {
    PageData cached;
    Status s = local_->GetPage(ReadOptions(), tenant, id, &cached);
    if (s.IsNotFound()) (void)pool->Remove(PageOid(id));
  }
}

Status ClusterStore::Delete(const WriteOptions& options,
                            std::string_view tenant, RecordId id) {
  Record current;
  RecordPlace place;
  MNEMO_RETURN_IF_ERROR(ReadRemote(tenant, id, &current, &place));
  cluster::RadosPool* pool = nullptr;
  MNEMO_RETURN_IF_ERROR(TenantPool(tenant, &pool));
  std::shared_ptr<OwnedAgent> state;
  MNEMO_RETURN_IF_ERROR(Own(tenant, place.agent, &state));
  port::MutexLock l(&state->mu);
  if (state->lease == nullptr) {
    return Status::FailedPrecondition("agent '" + place.agent +
                                      "': lease lost meanwhile");
  }
  cluster::OmapEntries history;
  MNEMO_RETURN_IF_ERROR(
      pool->OmapAll(place.bucket, HistoryOmapPrefix(id), &history));
  std::vector<std::string> remove{RecordOmapKey(id)};
  for (const auto& entry : history) remove.push_back(entry.first);
  Status s = state->lease->Write(place.bucket, {}, remove);
  if (s.IsFailedPrecondition()) {
    state->lease.reset();
    Drop(tenant, place.agent, state.get());
  }
  MNEMO_RETURN_IF_ERROR(s);
  cluster::WriteOp unlink;
  unlink.omap_remove.push_back(DirectoryKey(id));
  (void)pool->Write(DirectoryOid(id), unlink);  // a leftover reads NotFound
  Status ls = local_->Delete(options, tenant, id);
  if (!ls.ok() && !ls.IsNotFound()) state->cache_stale = true;
  RemovePagesLeft(pool, tenant, current.page, state.get());
  return Status::OK();
}

Status ClusterStore::DeleteSession(const WriteOptions& options,
                                   std::string_view tenant,
                                   std::string_view agent,
                                   std::string_view session,
                                   uint64_t* deleted) {
  return DeleteWhere(options, tenant, agent, std::string(session), deleted);
}

Status ClusterStore::DeleteAgent(const WriteOptions& options,
                                 std::string_view tenant,
                                 std::string_view agent, uint64_t* deleted) {
  return DeleteWhere(options, tenant, agent, std::nullopt, deleted);
}

// One guarded removal per bucket (with the records' history), then the
// directory entries, then the cache.
Status ClusterStore::DeleteWhere(const WriteOptions& options,
                                 std::string_view tenant,
                                 std::string_view agent,
                                 const std::optional<std::string>& session,
                                 uint64_t* deleted) {
  if (deleted != nullptr) *deleted = 0;
  cluster::RadosPool* pool = nullptr;
  MNEMO_RETURN_IF_ERROR(TenantPool(tenant, &pool));
  std::shared_ptr<OwnedAgent> state;
  MNEMO_RETURN_IF_ERROR(Own(tenant, agent, &state));
  port::MutexLock l(&state->mu);
  if (state->lease == nullptr) {
    return Status::FailedPrecondition("agent '" + std::string(agent) +
                                      "': lease lost meanwhile");
  }
  std::vector<Record> records;
  std::map<std::string, uint64_t> buckets;
  MNEMO_RETURN_IF_ERROR(
      ReadAgent(pool, std::string(agent), &records, &buckets));
  std::set<RecordId> doomed;
  std::set<uint64_t> pages_left, pages_kept;
  for (const Record& r : records) {
    const bool dies = !session || r.ns.session == *session;
    if (dies) doomed.insert(r.id);
    for (uint64_t page : PageSpan(r.page)) {
      (dies ? pages_left : pages_kept).insert(page);
    }
  }
  for (const auto& bucket : buckets) {
    cluster::OmapEntries all;
    MNEMO_RETURN_IF_ERROR(pool->OmapAll(bucket.first, "", &all));
    std::vector<std::string> remove;
    for (const auto& entry : all) {
      const RecordId id =
          std::strtoull(entry.first.substr(1, 16).c_str(), nullptr, 16);
      if (doomed.count(id)) remove.push_back(entry.first);
    }
    if (remove.empty()) continue;
    Status s = state->lease->Write(bucket.first, {}, remove);
    if (s.IsFailedPrecondition()) {
      state->lease.reset();
      Drop(tenant, agent, state.get());
    }
    MNEMO_RETURN_IF_ERROR(s);
  }
  for (RecordId id : doomed) {
    cluster::WriteOp unlink;
    unlink.omap_remove.push_back(DirectoryKey(id));
    (void)pool->Write(DirectoryOid(id), unlink);
  }
  // Pages no remaining record stands on (a leftover is an orphan page,
  // which VerifyCluster's repair removes).
  for (uint64_t page : pages_left) {
    if (!pages_kept.count(page)) (void)pool->Remove(PageOid(page));
  }
  Status ls =
      session ? local_->DeleteSession(options, tenant, agent, *session, nullptr)
              : local_->DeleteAgent(options, tenant, agent, nullptr);
  if (!ls.ok()) state->cache_stale = true;
  if (deleted != nullptr) *deleted = doomed.size();
  return Status::OK();
}

}  // namespace mnemo::internal
