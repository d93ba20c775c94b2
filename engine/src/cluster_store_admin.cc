// Copyright (c) mnemo authors.
//
// ClusterStore (cluster_store_impl.h): Update (the previous version kept
// as a history key in the same guarded operation), the id mark raised by
// imports, and the operator calls of mnemo/cluster.h (stats, verify,
// release).

#include <algorithm>
#include <set>
#include <tuple>

#include "cluster_store_impl.h"
#include "envelope.h"
#include "mnemo/admin.h"

namespace mnemo::internal {
namespace {

constexpr size_t kMaxProblems = 1000;

void Problem(ClusterVerifyReport* report, std::string text) {
  if (report->problems.size() < kMaxProblems) {
    report->problems.push_back(std::move(text));
  }
}

}  // namespace

Status ClusterStore::Update(const WriteOptions& options,
                            std::string_view tenant, RecordId id,
                            const RecordUpdate& update, Record* updated) {
  Record old;
  RecordPlace place;
  MNEMO_RETURN_IF_ERROR(ReadRemote(tenant, id, &old, &place));
  const Micros now =
      (options_.clock ? options_.clock : Clock::System())->NowMicros();
  if (old.expires_at != 0 && now >= old.expires_at) {
    return Status::NotFound("record " + RecordIdToString(id) + " not found");
  }
  Record next = old;
  if (update.text) next.text = *update.text;
  if (update.role) next.role = *update.role;
  if (update.kind) next.kind = *update.kind;
  if (update.metadata) next.metadata = *update.metadata;
  if (update.event_time) next.event_time = *update.event_time;
  if (update.importance) next.importance = *update.importance;
  if (update.expires_at) next.expires_at = *update.expires_at;
  MNEMO_RETURN_IF_ERROR(mnemo::Validate(local_.get(), next));
  next.version = old.version + 1;
  next.updated_time = now;
  next.content_hash = ContentHash(next.text);
  next.tier = Tier::kHot;
  next.page = PageRef();
  next.text_forgotten = false;
  std::shared_ptr<OwnedAgent> state;
  MNEMO_RETURN_IF_ERROR(Own(tenant, place.agent, &state));
  port::MutexLock l(&state->mu);
  if (state->lease == nullptr) {
    return Status::FailedPrecondition("agent '" + place.agent +
                                      "': lease lost meanwhile");
  }
  cluster::OmapEntries set;
  EncodeStored(old, &set[HistoryOmapKey(id, old.version)]);
  EncodeStored(next, &set[RecordOmapKey(id)]);
  Status s = state->lease->Write(place.bucket, set);
  if (s.IsFailedPrecondition()) {
    state->lease.reset();
    Drop(tenant, place.agent, state.get());
  }
  MNEMO_RETURN_IF_ERROR(s);
  // The cache's copy gets its own updated time (microseconds apart); the
  // cluster's is the one a successor hydrates.
  if (!local_->Update(options, tenant, id, update, nullptr).ok()) {
    state->cache_stale = true;
  }
  cluster::RadosPool* pool = nullptr;
  if (old.page.valid() && TenantPool(tenant, &pool).ok()) {
    RemovePagesLeft(pool, tenant, old.page, state.get());
  }
  if (updated != nullptr) *updated = std::move(next);
  return Status::OK();
}

Status ClusterStore::GetClusterStats(ClusterStats* stats) {
  *stats = ClusterStats();
  stats->host = host_;
  stats->client_address = client_->address();
  MNEMO_RETURN_IF_ERROR(client_->Health(&stats->health, &stats->health_detail));
  std::map<std::string, cluster::RadosClient::PoolUsage> usage;
  MNEMO_RETURN_IF_ERROR(client_->PoolStats({meta_pool_}, &usage));
  auto it = usage.find(meta_pool_);
  if (it != usage.end()) {
    stats->pools.push_back(
        {meta_pool_, it->second.objects, it->second.bytes, "manager"});
  } else {  // no manager daemon reports pool statistics: count
    std::vector<std::pair<std::string, std::string>> objects;
    MNEMO_RETURN_IF_ERROR(ids_pool_->ListObjects(true, "", &objects));
    stats->pools.push_back({meta_pool_, objects.size(), 0, "listing"});
  }
  // Copied first: a writer holding an agent's mu may take agents_mu_.
  std::map<std::pair<std::string, std::string>, std::shared_ptr<OwnedAgent>>
      agents;
  {
    port::MutexLock l(&agents_mu_);
    agents = agents_;
  }
  for (const auto& [key, state] : agents) {
    port::MutexLock al(&state->mu);
    if (state->lease == nullptr) continue;
    stats->owned_agents.push_back(
        {key.first, key.second, state->lease->epoch()});
  }
  return ListOwners(stats);
}

// The owner record of every agent's head object (ListClusterAgents order).
Status ClusterStore::ListOwners(ClusterStats* stats) {
  constexpr size_t kMaxListedOwners = 10000;
  std::vector<ClusterAgent> agents;
  MNEMO_RETURN_IF_ERROR(ListClusterAgents("", &agents));
  stats->cluster_agents = agents.size();
  for (const ClusterAgent& a : agents) {
    if (stats->cluster_owners.size() >= kMaxListedOwners) {
      stats->owners_truncated = true;
      break;
    }
    cluster::RadosPool* pool = nullptr;
    MNEMO_RETURN_IF_ERROR(TenantPool(a.tenant, &pool));
    cluster::OwnerInfo owner;
    MNEMO_RETURN_IF_ERROR(cluster::AgentLease::ReadOwner(pool, a.agent, &owner));
    if (owner.address.empty()) continue;  // released
    stats->cluster_owners.push_back(
        {a.tenant, a.agent, owner.epoch, owner.holder, owner.address});
  }
  return Status::OK();
}

Status ClusterStore::ReleaseAgent(std::string_view tenant,
                                  std::string_view agent) {
  std::shared_ptr<OwnedAgent> state;
  {
    port::MutexLock l(&agents_mu_);
    auto it = agents_.find({std::string(tenant), std::string(agent)});
    if (it == agents_.end()) return Status::OK();
    state = it->second;
    agents_.erase(it);
  }
  port::MutexLock l(&state->mu);
  if (state->lease == nullptr) return Status::OK();
  Status s = state->lease->Release();
  state->lease.reset();
  return s;
}

Status ClusterStore::AcquireAgent(std::string_view tenant,
                                  std::string_view agent) {
  if (tenant.empty() || agent.empty()) {
    return Status::InvalidArgument("acquire agent: tenant and agent are required");
  }
  std::shared_ptr<OwnedAgent> state;
  return Own(tenant, agent, &state);
}

Status ClusterStore::ListClusterAgents(std::string_view tenant,
                                       std::vector<ClusterAgent>* agents) {
  agents->clear();
  std::vector<std::pair<std::string, std::string>> heads;
  if (tenant.empty()) {
    MNEMO_RETURN_IF_ERROR(ids_pool_->ListObjects(true, "a.", &heads));
  } else {
    cluster::RadosPool* pool = nullptr;
    MNEMO_RETURN_IF_ERROR(TenantPool(tenant, &pool));
    MNEMO_RETURN_IF_ERROR(pool->ListObjects(false, "a.", &heads));
    for (auto& h : heads) h.first = std::string(tenant);
  }
  for (const auto& h : heads) {
    if (h.first.empty()) continue;  // the default namespace holds no agents
    agents->push_back({h.first, h.second.substr(2)});
  }
  std::sort(agents->begin(), agents->end(),
            [](const ClusterAgent& a, const ClusterAgent& b) {
              return std::tie(a.tenant, a.agent) < std::tie(b.tenant, b.agent);
            });
  return Status::OK();
}

Status ClusterStore::RaiseIdMark(RecordId id) {
  for (int attempt = 0; attempt < 64; ++attempt) {
    std::string stored;
    Status s = ids_pool_->GetXattr("ids", "mnemo.next", &stored);
    if (!s.ok() && !s.IsNotFound()) return s;
    const uint64_t mark =
        s.ok() ? std::strtoull(stored.c_str(), nullptr, 10) : 0;
    if (mark > id) return Status::OK();
    cluster::WriteOp cas;
    cas.must_exist = true;
    cas.guards.push_back({"mnemo.next", cluster::XattrGuard::Op::kEq, mark});
    cas.set_xattrs["mnemo.next"] = std::to_string(id + 1);
    s = ids_pool_->Write("ids", cas);
    if (GuardFailed(s)) continue;  // another host moved the counter
    MNEMO_RETURN_IF_ERROR(s);
    port::MutexLock l(&ids_mu_);
    next_id_ = id_limit_ = 0;  // the next allocation takes a fresh block
    return Status::OK();
  }
  return Status::Busy("cluster id counter kept moving while importing");
}

Status ClusterStore::VerifyCluster(const ClusterVerifyOptions& options,
                                   ClusterVerifyReport* report) {
  *report = ClusterVerifyReport();
  // This host's compaction does not run meanwhile: its unreferenced pages
  // are garbage, not in flight.
  port::MutexLock compacting(&compact_mu_);
  std::set<std::string> tenants;
  if (!options.tenant.empty()) {
    tenants.insert(options.tenant);
  } else {
    std::vector<std::pair<std::string, std::string>> heads;
    MNEMO_RETURN_IF_ERROR(ids_pool_->ListObjects(true, "a.", &heads));
    for (const auto& h : heads) {
      if (!h.first.empty()) tenants.insert(h.first);
    }
  }
  for (const std::string& tenant : tenants) {
    cluster::RadosPool* pool = nullptr;
    MNEMO_RETURN_IF_ERROR(TenantPool(tenant, &pool));
    MNEMO_RETURN_IF_ERROR(VerifyTenant(pool, options, report));
  }
  return Status::OK();
}

// Records of every agent against the directory, and back.
Status ClusterStore::VerifyTenant(cluster::RadosPool* pool,
                                  const ClusterVerifyOptions& options,
                                  ClusterVerifyReport* report) {
  std::vector<std::pair<std::string, std::string>> objects;
  MNEMO_RETURN_IF_ERROR(pool->ListObjects(false, "", &objects));
  // id -> (bucket oid, agent)
  std::map<RecordId, std::pair<std::string, std::string>> located;
  std::map<uint64_t, std::string> referenced;  // page id -> "record <id>"
  for (const auto& [ns, oid] : objects) {
    if (oid.compare(0, 2, "a.") == 0) ++report->agents_checked;
    if (oid.compare(0, 2, "r.") != 0) continue;
    cluster::OmapEntries values;
    MNEMO_RETURN_IF_ERROR(pool->OmapAll(oid, "r", &values));
    for (const auto& [key, value] : values) {
      ++report->records_checked;
      Record r;
      Status s = DecodeStored(value, pool->Describe(oid) + " key " + key, &r);
      if (!s.ok()) {
        ++report->corrupt_records;
        Problem(report, s.ToString());
        continue;
      }
      located[r.id] = {oid, r.ns.agent};
      for (uint64_t page : PageSpan(r.page)) {
        referenced.emplace(page, "record " + RecordIdToString(r.id));
      }
    }
  }
  MNEMO_RETURN_IF_ERROR(
      VerifyPages(pool, objects, referenced, options, report));
  std::set<RecordId> listed;
  // Entries of ids from the last 10 minutes may belong to writes in flight
  // (entry written, record not yet): neither reported nor removed.
  const Micros now =
      (options_.clock ? options_.clock : Clock::System())->NowMicros();
  const RecordId recent =
      static_cast<RecordId>(std::max<Micros>(now - 600000000, 0)) << 8;
  for (const auto& [ns, oid] : objects) {
    if (oid.compare(0, 2, "d.") != 0) continue;
    cluster::OmapEntries entries;
    MNEMO_RETURN_IF_ERROR(pool->OmapAll(oid, "", &entries));
    std::vector<std::string> dangling;
    for (const auto& [key, value] : entries) {
      ++report->directory_entries_checked;
      const RecordId id = std::strtoull(key.c_str(), nullptr, 16);
      listed.insert(id);
      const std::string bucket = value.substr(value.find('\n') + 1);
      auto it = located.find(id);
      if (it != located.end() && it->second.first == bucket) continue;
      if (id > recent) continue;  // its record may be being written
      ++report->dangling_directory;
      Problem(report, "directory entry of record " + RecordIdToString(id) +
                          " in " + pool->Describe(oid) +
                          " names no stored record");
      dangling.push_back(key);
    }
    if (options.repair && !dangling.empty()) {
      cluster::WriteOp op;
      op.must_exist = true;
      op.omap_remove = dangling;
      MNEMO_RETURN_IF_ERROR(pool->Write(oid, op));
      report->repaired += dangling.size();
    }
  }
  for (const auto& [id, where] : located) {
    if (listed.count(id)) continue;
    ++report->missing_directory;
    Problem(report, "record " + RecordIdToString(id) + " in " +
                        pool->Describe(where.first) +
                        " has no directory entry");
    if (!options.repair) continue;
    cluster::WriteOp op;
    op.create = true;
    op.omap_set[DirectoryKey(id)] = where.second + "\n" + where.first;
    MNEMO_RETURN_IF_ERROR(pool->Write(DirectoryOid(id), op));
    ++report->repaired;
  }
  return Status::OK();
}

}  // namespace mnemo::internal
