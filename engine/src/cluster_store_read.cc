// Copyright (c) mnemo authors.
//
// ClusterStore reads (cluster_store_impl.h). An owner reads its cache (it
// holds the lease, so nobody else changed the agent); any other host reads
// the cluster: Get through the id directory, Scan as omap reads of the
// agent's buckets. History always reads the cluster (the cache of a newly
// owned agent holds current versions only).

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "cluster_store_impl.h"
#include "envelope.h"

namespace mnemo::internal {
namespace {

constexpr std::string_view kCursorTag = "c1:";

bool Expired(const Record& r, Micros now) {
  return r.expires_at != 0 && now >= r.expires_at;
}

Micros NowOf(const Options& options) {
  return (options.clock ? options.clock : Clock::System())->NowMicros();
}

bool Matches(const ScanOptions& scan, const Record& r) {
  if (scan.session && r.ns.session != *scan.session) return false;
  if (scan.role && r.role != *scan.role) return false;
  if (scan.kind && r.kind != *scan.kind) return false;
  if (scan.tier && r.tier != *scan.tier) return false;
  if (scan.start_time && r.event_time < *scan.start_time) return false;
  if (scan.end_time && r.event_time >= *scan.end_time) return false;
  return true;
}

// Position (event time, id) of a record in scan order.
using ScanPos = std::pair<Micros, RecordId>;

std::string EncodeCursor(const Record& r) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "c1:%" PRId64 ":%" PRIu64, r.event_time, r.id);
  return buf;
}

Status DecodeCursor(const std::string& cursor, ScanPos* pos) {
  long long t = 0;
  unsigned long long id = 0;
  if (std::sscanf(cursor.c_str(), "c1:%lld:%llu", &t, &id) != 2) {
    return Status::InvalidArgument("scan: malformed cursor '" + cursor + "'");
  }
  *pos = {static_cast<Micros>(t), static_cast<RecordId>(id)};
  return Status::OK();
}

}  // namespace

Status DecodeStored(std::string_view value, std::string_view what,
                    Record* record) {
  uint8_t flags = 0;
  MNEMO_RETURN_IF_ERROR(DecodeEnvelope(value, what, record, &flags));
  if ((flags & ~kFlagTextForgotten) != 0) {
    return Status::Corruption(std::string(what) +
                              ": unexpected envelope flags in the cluster");
  }
  return Status::OK();
}

void EncodeStored(const Record& record, std::string* out) {
  EncodeEnvelope(record, record.text_forgotten ? kFlagTextForgotten : 0, out);
}

Status ClusterStore::LookupPlace(cluster::RadosPool* pool, RecordId id,
                                 RecordPlace* place) {
  cluster::OmapEntries entries;
  bool more = false;
  Status s = pool->OmapRange(DirectoryOid(id), "", DirectoryKey(id), 1,
                             &entries, &more);
  if (s.ok() && entries.empty()) s = Status::NotFound("");
  if (s.IsNotFound()) {
    return Status::NotFound("record " + RecordIdToString(id) +
                            " not found (tenant '" + pool->ns() + "')");
  }
  MNEMO_RETURN_IF_ERROR(s);
  const std::string& v = entries.begin()->second;
  const size_t nl = v.find('\n');
  if (nl == std::string::npos) {
    return Status::Corruption("directory entry of record " +
                              RecordIdToString(id) + " in " +
                              pool->Describe(DirectoryOid(id)));
  }
  place->agent = v.substr(0, nl);
  place->bucket = v.substr(nl + 1);
  return Status::OK();
}

Status ClusterStore::ReadRemote(std::string_view tenant, RecordId id,
                                Record* record, RecordPlace* place) {
  cluster::RadosPool* pool = nullptr;
  MNEMO_RETURN_IF_ERROR(TenantPool(tenant, &pool));
  MNEMO_RETURN_IF_ERROR(LookupPlace(pool, id, place));
  cluster::OmapEntries entries;
  bool more = false;
  Status s =
      pool->OmapRange(place->bucket, "", RecordOmapKey(id), 1, &entries, &more);
  if (s.ok() && entries.empty()) s = Status::NotFound("");
  if (s.IsNotFound()) {  // a dangling directory entry
    return Status::NotFound("record " + RecordIdToString(id) +
                            " not found (tenant '" + std::string(tenant) +
                            "')");
  }
  MNEMO_RETURN_IF_ERROR(s);
  return DecodeStored(entries.begin()->second, "record " + RecordIdToString(id),
                      record);
}

Status ClusterStore::Get(const ReadOptions& options, std::string_view tenant,
                         RecordId id, Record* record) {
  Status s = local_->Get(options, tenant, id, record);
  if (s.ok() && Owns(tenant, record->ns.agent)) return s;
  RecordPlace place;
  MNEMO_RETURN_IF_ERROR(ReadRemote(tenant, id, record, &place));
  if (Expired(*record, NowOf(options_))) {
    return Status::NotFound("record " + RecordIdToString(id) +
                            " not found (tenant '" + std::string(tenant) +
                            "'): expired");
  }
  return Status::OK();
}

Status ClusterStore::History(const ReadOptions& options,
                             std::string_view tenant, RecordId id,
                             std::vector<Record>* versions) {
  versions->clear();
  Record current;
  RecordPlace place;
  MNEMO_RETURN_IF_ERROR(ReadRemote(tenant, id, &current, &place));
  (void)options;
  cluster::RadosPool* pool = nullptr;
  MNEMO_RETURN_IF_ERROR(TenantPool(tenant, &pool));
  cluster::OmapEntries older;
  MNEMO_RETURN_IF_ERROR(
      pool->OmapAll(place.bucket, HistoryOmapPrefix(id), &older));
  for (const auto& entry : older) {
    Record r;
    MNEMO_RETURN_IF_ERROR(DecodeStored(
        entry.second, "history of record " + RecordIdToString(id), &r));
    versions->push_back(std::move(r));
  }
  versions->push_back(std::move(current));
  return Status::OK();
}

Status ClusterStore::ReadAgent(cluster::RadosPool* pool,
                               const std::string& agent,
                               std::vector<Record>* records,
                               std::map<std::string, uint64_t>* buckets,
                               std::map<RecordId, std::string>* where) {
  records->clear();
  buckets->clear();
  if (where != nullptr) where->clear();
  cluster::OmapEntries objects;
  Status s = pool->OmapAll(cluster::AgentLease::HeadOid(agent), "b.", &objects);
  if (s.IsNotFound()) return Status::OK();  // never written
  MNEMO_RETURN_IF_ERROR(s);
  const std::string prefix = BucketPrefix(agent);
  for (const auto& entry : objects) {
    const std::string oid = entry.first.substr(2);
    if (oid.compare(0, prefix.size(), prefix) != 0) continue;
    cluster::OmapEntries values;
    s = pool->OmapAll(oid, "r", &values);
    if (s.IsNotFound()) continue;
    MNEMO_RETURN_IF_ERROR(s);
    (*buckets)[oid] = values.size();
    for (const auto& [key, value] : values) {
      Record r;
      MNEMO_RETURN_IF_ERROR(
          DecodeStored(value, pool->Describe(oid) + " key " + key, &r));
      if (where != nullptr) (*where)[r.id] = oid;
      records->push_back(std::move(r));
    }
  }
  std::sort(records->begin(), records->end(),
            [](const Record& a, const Record& b) { return a.id < b.id; });
  return Status::OK();
}

Status ClusterStore::Scan(const ReadOptions& options, const ScanOptions& scan,
                          ScanResult* result) {
  const bool cluster_cursor =
      scan.cursor.compare(0, kCursorTag.size(), kCursorTag) == 0;
  if (!cluster_cursor && Owns(scan.tenant, scan.agent)) {
    return local_->Scan(options, scan, result);
  }
  if (!scan.cursor.empty() && !cluster_cursor) {
    return Status::InvalidArgument(
        "scan: cursor made by another host's cache; start the scan again");
  }
  return ScanRemote(scan, result);
}

// The agent's records from its buckets, filtered and ordered in memory:
// cost proportional to the agent's records (an agent is bounded; the owner
// scans its cache instead).
Status ClusterStore::ScanRemote(const ScanOptions& scan, ScanResult* result) {
  result->records.clear();
  result->next_cursor.clear();
  if (scan.tenant.empty() || scan.agent.empty()) {
    return Status::InvalidArgument("scan: tenant and agent are required");
  }
  if (scan.limit == 0 || scan.limit > 10000) {
    return Status::InvalidArgument("scan: limit must be 1..10000");
  }
  ScanPos after{0, 0};
  const bool resume = !scan.cursor.empty();
  if (resume) MNEMO_RETURN_IF_ERROR(DecodeCursor(scan.cursor, &after));
  cluster::RadosPool* pool = nullptr;
  MNEMO_RETURN_IF_ERROR(TenantPool(scan.tenant, &pool));
  std::vector<Record> all;
  std::map<std::string, uint64_t> buckets;
  MNEMO_RETURN_IF_ERROR(ReadAgent(pool, scan.agent, &all, &buckets));
  const Micros now = NowOf(options_);
  std::vector<Record> hits;
  for (Record& r : all) {
    if (Expired(r, now) || !Matches(scan, r)) continue;
    const ScanPos pos{r.event_time, r.id};
    if (resume && (scan.reverse ? !(pos < after) : !(after < pos))) continue;
    hits.push_back(std::move(r));
  }
  auto order = [&](const Record& a, const Record& b) {
    const ScanPos pa{a.event_time, a.id}, pb{b.event_time, b.id};
    return scan.reverse ? pb < pa : pa < pb;
  };
  std::sort(hits.begin(), hits.end(), order);
  if (hits.size() > scan.limit) {
    hits.resize(scan.limit);
    result->next_cursor = EncodeCursor(hits.back());
  }
  result->records = std::move(hits);
  return Status::OK();
}

// --- Calls served by the cache of owned agents ---

Status ClusterStore::PutEmbedding(const WriteOptions& options,
                                  std::string_view tenant, RecordId id,
                                  const EmbeddingRef& embedding) {
  return local_->PutEmbedding(options, tenant, id, embedding);
}
Status ClusterStore::ListNamespaces(std::string_view tenant,
                                    std::vector<Namespace>* namespaces) {
  return local_->ListNamespaces(tenant, namespaces);
}
// Search and BuildContext run on the cache, so an agent's are served by
// its owner: an agent not owned here is taken (its lease, hydrating the
// cache) when free or lapsed, and is Busy naming a live owner. A
// tenant-wide search (no agent) covers the agents this host owns.
Status ClusterStore::Search(const SearchOptions& options,
                            SearchResult* result) {
  const SearchFilter& f = options.filter;
  if (!f.tenant.empty() && !f.agent.empty() && !Owns(f.tenant, f.agent)) {
    std::shared_ptr<OwnedAgent> state;
    MNEMO_RETURN_IF_ERROR(Own(f.tenant, f.agent, &state));
  }
  return local_->Search(options, result);
}
Status ClusterStore::BuildContext(const ContextOptions& options,
                                  Context* context) {
  const SearchFilter& f = options.filter;
  if (!f.tenant.empty() && !f.agent.empty() && !Owns(f.tenant, f.agent)) {
    std::shared_ptr<OwnedAgent> state;
    MNEMO_RETURN_IF_ERROR(Own(f.tenant, f.agent, &state));
  }
  return local_->BuildContext(options, context);
}
Status ClusterStore::LocateRecord(std::string_view tenant, RecordId id,
                                  RecordLocation* location) {
  return local_->LocateRecord(tenant, id, location);
}
const Snapshot* ClusterStore::GetSnapshot() { return local_->GetSnapshot(); }
void ClusterStore::ReleaseSnapshot(const Snapshot* snapshot) {
  local_->ReleaseSnapshot(snapshot);
}
Cache* ClusterStore::cache() { return local_->cache(); }
const std::string& ClusterStore::dir() const { return local_->dir(); }

}  // namespace mnemo::internal
