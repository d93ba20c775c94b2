// Copyright (c) mnemo authors.
//
// ClusterStore (cluster_store_impl.h): opening, the object names, ids from
// the cluster's counter, and ownership of agents (lease, hydration).

#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <set>

#include "cluster_store_impl.h"
#include "mnemo/admin.h"
#include "store_impl.h"

namespace mnemo::internal {
namespace {

constexpr const char* kIdsOid = "ids";
constexpr const char* kNextIdXattr = "mnemo.next";

std::string Hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

std::string DefaultHost() {
  char name[256] = {0};
  if (gethostname(name, sizeof name - 1) != 0) name[0] = '\0';
  return std::string(name[0] ? name : "host") + ":" +
         std::to_string(static_cast<long>(getpid()));
}

// The local cache: a plain store with no background compaction (Compact
// compacts it, then brings the cluster's copy to the same state).
Options CacheOptions(const Options& options) {
  Options local = options;
  local.cluster = ClusterOptions();
  local.compaction_threads = 0;
  return local;
}

}  // namespace

std::string RecordOmapKey(RecordId id) { return "r" + Hex16(id); }
std::string HistoryOmapPrefix(RecordId id) { return "h" + Hex16(id) + "."; }
std::string HistoryOmapKey(RecordId id, uint32_t version) {
  char buf[12];
  std::snprintf(buf, sizeof buf, "%08x", version);
  return HistoryOmapPrefix(id) + buf;
}
std::string DirectoryKey(RecordId id) { return Hex16(id); }
std::string DirectoryOid(RecordId id) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "d.%" PRIx64 ".%" PRIx64, id >> 32, id & 15);
  return buf;
}
std::string BucketPrefix(std::string_view agent) {
  return "r." + std::string(agent) + ".";
}
std::string BucketOid(std::string_view agent, uint64_t n) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%08" PRIu64, n);
  return BucketPrefix(agent) + buf;
}

Status OpenClusterStore(const Options& options, const std::string& dir,
                        std::unique_ptr<Store>* store) {
  store->reset();
  if (options.read_only) {
    return Status::InvalidArgument(
        "store " + dir +
        ": cluster mode has no read-only open (any host "
        "reads every agent; open it for writing)");
  }
  const std::string host = options.cluster.host_name.empty()
                               ? DefaultHost()
                               : options.cluster.host_name;
  auto cs = std::make_unique<ClusterStore>(options, host);
  MNEMO_RETURN_IF_ERROR(cs->Init(dir));
  *store = std::move(cs);
  return Status::OK();
}

ClusterStore::ClusterStore(const Options& options, std::string host)
    : options_(options), host_(std::move(host)) {}

// Leases are handed back, so another host takes the agents at once.
ClusterStore::~ClusterStore() {
  std::map<std::pair<std::string, std::string>, std::shared_ptr<OwnedAgent>>
      agents;
  {
    port::MutexLock l(&agents_mu_);
    agents.swap(agents_);
  }
  for (auto& entry : agents) {
    port::MutexLock l(&entry.second->mu);
    if (entry.second->lease) (void)entry.second->lease->Release();
    entry.second->lease.reset();
  }
  local_.reset();
}

Status ClusterStore::Init(const std::string& dir) {
  const ClusterOptions& co = options_.cluster;
  if (co.lease_seconds < 3 || co.op_timeout_seconds == 0) {
    return Status::InvalidArgument(
        "cluster options: lease_seconds must be at least 3 and "
        "op_timeout_seconds positive");
  }
  meta_pool_ = co.pool_prefix + "-meta";
  cluster::RadosOptions ro;
  ro.conf_path = co.conf_path;
  ro.client_id = co.client_id;
  ro.op_timeout_s = static_cast<int>(co.op_timeout_seconds);
  MNEMO_RETURN_IF_ERROR(cluster::RadosClient::Connect(ro, &client_));
  MNEMO_RETURN_IF_ERROR(client_->EnsurePool(meta_pool_));
  MNEMO_RETURN_IF_ERROR(client_->OpenPool(meta_pool_, "", &ids_pool_));
  // Created apart: the OSD cannot compare an xattr of an object created in
  // the same operation (the counter's compare-and-set).
  cluster::WriteOp create;
  create.create = true;
  MNEMO_RETURN_IF_ERROR(ids_pool_->Write(kIdsOid, create));
  MNEMO_RETURN_IF_ERROR(Store::Open(CacheOptions(options_), dir, &local_));
  // Pages the cache's compaction makes are pushed to the cluster under
  // their ids: the cluster's counter keeps them unique across hosts.
  auto* cache = dynamic_cast<StoreImpl*>(local_.get());
  if (cache == nullptr) {
    return Status::NotSupported("store " + dir +
                                ": the cache is not a local store");
  }
  cache->SetPageIdSource([this](size_t n, RecordId* first) {
    return AllocateIds(n, first);
  });
  return Status::OK();
}

Status ClusterStore::TenantPool(std::string_view tenant,
                                cluster::RadosPool** pool) {
  if (tenant.empty()) return Status::InvalidArgument("tenant is empty");
  port::MutexLock l(&pools_mu_);
  auto it = pools_.find(tenant);
  if (it == pools_.end()) {
    std::unique_ptr<cluster::RadosPool> p;
    MNEMO_RETURN_IF_ERROR(
        client_->OpenPool(meta_pool_, std::string(tenant), &p));
    it = pools_.emplace(std::string(tenant), std::move(p)).first;
  }
  *pool = it->second.get();
  return Status::OK();
}

// Ids come from the cluster-wide counter in blocks: one compare-and-set of
// "ids"/mnemo.next per kIdBlock ids. A block starts at least at the clock
// id (now_us << 8), as the local store's ids do, so ids sort by creation
// across hosts to within a block.
Status ClusterStore::AllocateIds(size_t n, RecordId* first) {
  port::MutexLock l(&ids_mu_);
  if (next_id_ != 0 && id_limit_ - next_id_ >= n) {
    *first = next_id_;
    next_id_ += n;
    return Status::OK();
  }
  for (int attempt = 0; attempt < 64; ++attempt) {
    std::string stored;
    Status s = ids_pool_->GetXattr(kIdsOid, kNextIdXattr, &stored);
    if (!s.ok() && !s.IsNotFound()) return s;
    const uint64_t mark =
        s.ok() ? std::strtoull(stored.c_str(), nullptr, 10) : 0;
    const Micros now = options_.clock ? options_.clock->NowMicros()
                                      : Clock::System()->NowMicros();
    const RecordId start = std::max<RecordId>(
        mark, static_cast<RecordId>(std::max<Micros>(now, 1)) << 8);
    const RecordId end = start + std::max<RecordId>(kIdBlock, n);
    if (end > kMaxImportedRecordId) {
      return Status::ResourceExhausted("cluster " +
                                       ids_pool_->Describe(kIdsOid) +
                                       ": record ids are exhausted");
    }
    cluster::WriteOp cas;
    cas.must_exist = true;
    cas.guards.push_back({kNextIdXattr, cluster::XattrGuard::Op::kEq, mark});
    cas.set_xattrs[kNextIdXattr] = std::to_string(end);
    s = ids_pool_->Write(kIdsOid, cas);
    if (GuardFailed(s)) continue;  // another host moved the counter
    MNEMO_RETURN_IF_ERROR(s);
    *first = start;
    next_id_ = start + n;
    id_limit_ = end;
    return Status::OK();
  }
  return Status::Busy("cluster " + ids_pool_->Describe(kIdsOid) +
                      ": the id counter kept moving (64 tries)");
}

bool ClusterStore::Owns(std::string_view tenant, std::string_view agent) {
  std::shared_ptr<OwnedAgent> state;
  {
    port::MutexLock l(&agents_mu_);
    auto it = agents_.find({std::string(tenant), std::string(agent)});
    if (it == agents_.end()) return false;
    state = it->second;
  }
  port::MutexLock l(&state->mu);
  return state->lease != nullptr && !state->cache_stale &&
         !state->lease->renewal_status().IsFailedPrecondition();
}

void ClusterStore::Drop(std::string_view tenant, std::string_view agent,
                        const OwnedAgent* state) {
  port::MutexLock l(&agents_mu_);
  auto it = agents_.find({std::string(tenant), std::string(agent)});
  if (it != agents_.end() && it->second.get() == state) agents_.erase(it);
}

Status ClusterStore::Own(std::string_view tenant, std::string_view agent,
                         std::shared_ptr<OwnedAgent>* out) {
  cluster::RadosPool* pool = nullptr;
  MNEMO_RETURN_IF_ERROR(TenantPool(tenant, &pool));
  const std::pair<std::string, std::string> key{std::string(tenant),
                                                std::string(agent)};
  std::shared_ptr<OwnedAgent> state;
  {
    port::MutexLock l(&agents_mu_);
    auto& slot = agents_[key];
    if (!slot) slot = std::make_shared<OwnedAgent>();
    state = slot;
  }
  Status s = TakeLease(pool, key.first, key.second, state.get());
  if (!s.ok()) {
    Drop(tenant, agent, state.get());
    return s;
  }
  *out = std::move(state);
  return Status::OK();
}

// Takes the lease when not held (or lost), then hydrates the cache.
Status ClusterStore::TakeLease(cluster::RadosPool* pool,
                               const std::string& tenant,
                               const std::string& agent, OwnedAgent* state) {
  port::MutexLock l(&state->mu);
  if (state->lease != nullptr &&
      state->lease->renewal_status().IsFailedPrecondition()) {
    return Status::FailedPrecondition(
        "agent '" + agent + "' (tenant '" + tenant +
        "'): " + state->lease->renewal_status().message());
  }
  if (state->lease == nullptr) {
    cluster::LeaseOptions lo;
    lo.duration_ms = uint64_t{options_.cluster.lease_seconds} * 1000;
    lo.holder = host_;
    MNEMO_RETURN_IF_ERROR(cluster::AgentLease::Acquire(
        client_.get(), pool, agent, lo, &state->lease));
    state->lease->StartRenewal(lo.duration_ms / 3);
    state->cache_stale = true;
  }
  if (!state->cache_stale) return Status::OK();
  return Hydrate(pool, tenant, agent, state);
}

// Records to hydrate: expired ones left out (they read NotFound and their
// page may no longer list them), each paged record's tier that of its first
// page (a crash between a page's decay and its records' switch leaves the
// page ahead), a record whose page is missing (never expected) kept as
// warm text.
Status ClusterStore::PrepareHydration(cluster::RadosPool* pool,
                                      std::vector<Record>* records,
                                      std::map<uint64_t, PageData>* pages) {
  const Micros now =
      (options_.clock ? options_.clock : Clock::System())->NowMicros();
  records->erase(std::remove_if(records->begin(), records->end(),
                                [now](const Record& r) {
                                  return r.expires_at != 0 &&
                                         r.expires_at <= now;
                                }),
                 records->end());
  MNEMO_RETURN_IF_ERROR(LoadPages(pool, *records, pages));
  for (Record& r : *records) {
    if (!r.page.valid()) continue;
    bool whole = true;
    for (uint64_t id : PageSpan(r.page)) whole = whole && pages->count(id);
    if (whole) {
      r.tier = pages->at(r.page.page_id).info.tier;
    } else if (!r.text_forgotten) {
      r.tier = Tier::kWarm;
      r.page = PageRef();
    }
  }
  return Status::OK();
}

// The cache of a newly owned agent is whatever this host last wrote (or
// nothing): it is replaced by the cluster's records, and the current
// bucket found for the next appends.
Status ClusterStore::Hydrate(cluster::RadosPool* pool,
                             const std::string& tenant,
                             const std::string& agent, OwnedAgent* state) {
  std::vector<Record> records;
  std::map<std::string, uint64_t> buckets;
  MNEMO_RETURN_IF_ERROR(ReadAgent(pool, agent, &records, &buckets));
  std::map<uint64_t, PageData> pages;
  MNEMO_RETURN_IF_ERROR(PrepareHydration(pool, &records, &pages));
  WriteOptions wo;
  MNEMO_RETURN_IF_ERROR(local_->DeleteAgent(wo, tenant, agent, nullptr));
  const size_t chunk = std::max<size_t>(1, options_.max_batch_records / 2);
  for (size_t i = 0; i < records.size(); i += chunk) {
    std::vector<Record> part(
        records.begin() + i,
        records.begin() + std::min(records.size(), i + chunk));
    std::vector<PageData> part_pages;
    std::set<uint64_t> ids;
    for (const Record& r : part) {
      for (uint64_t id : PageSpan(r.page)) ids.insert(id);
    }
    for (uint64_t id : ids) {
      auto page = pages.find(id);  // absent: Import names the record
      if (page != pages.end()) part_pages.push_back(page->second);
    }
    Status s = mnemo::Import(local_.get(), wo, part, part_pages);
    if (!s.ok()) {
      return s.WithContext("hydrating the cache of agent '" + agent +
                           "' (tenant '" + tenant + "')");
    }
  }
  state->bucket = 0;
  state->bucket_keys = 0;
  if (!buckets.empty()) {
    const auto& [last, keys] = *buckets.rbegin();
    state->bucket =
        std::strtoull(last.c_str() + BucketPrefix(agent).size(), nullptr, 10);
    state->bucket_keys = keys;
  }
  state->cache_stale = false;
  return Status::OK();
}

}  // namespace mnemo::internal
