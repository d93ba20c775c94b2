// Copyright (c) mnemo authors.
//
// ClusterStore: the Store of cluster mode (mnemo/cluster.h). RADOS holds
// the records; `local_` (a plain Store in the store directory) caches the
// agents this host owns and is rebuilt from the cluster on takeover.
//
// Layout, in pool "<prefix>-meta", RADOS namespace = tenant:
//   a.<agent>          head: lease lock, epoch, owner (AgentLease); omap
//                      "b.<oid>" lists the agent's bucket objects
//   r.<agent>.<n>      bucket n (8 digits): omap "r<16 hex id>" = the
//                      record's envelope (envelope.h), at most
//                      kBucketRecords keys per bucket
//   d.<hex id>>32>.<hex id&15>
//                      id directory: omap "<16 hex id>" = "<agent>\n<bucket>",
//                      written before the record, removed after it
//   p.<16 hex page id> a page (PNG, manifest, info; EncodePageObject), with
//                      xattrs "mnemo.agent" and "mnemo.epoch" (the lease
//                      epoch of its writer). Written before any record
//                      points at it (compaction, cluster_store_compact.cc).
// and in the default namespace:
//   ids                xattr "mnemo.next": the next free record id; blocks
//                      of ids are taken by compare-and-set
//
// Threading: a Store is used from many threads. agents_mu_ guards the map
// of owned agents; each agent's writes are serialized by its own mutex
// (one bucket append at a time), so two agents write in parallel.

#ifndef MNEMO_ENGINE_CLUSTER_STORE_IMPL_H_
#define MNEMO_ENGINE_CLUSTER_STORE_IMPL_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent_lease.h"
#include "cluster_store.h"
#include "mnemo/port/mutex.h"
#include "mnemo/port/thread_annotations.h"
#include "rados_client.h"

namespace mnemo::internal {

inline constexpr uint64_t kBucketRecords = 20000;
inline constexpr uint64_t kIdBlock = 4096;

// An agent this host holds the lease of.
struct OwnedAgent {
  port::Mutex mu;  // serializes the agent's writes
  std::unique_ptr<cluster::AgentLease> lease;
  uint64_t bucket = 0;       // current bucket number
  uint64_t bucket_keys = 0;  // records in it (as far as this owner knows)
  bool cache_stale = false;  // a cache write failed: hydrate again
};

// Where the directory says a record is.
struct RecordPlace {
  std::string agent;
  std::string bucket;  // oid
};

std::string RecordOmapKey(RecordId id);  // "r<16 hex>"
std::string DirectoryOid(RecordId id);   // "d.<hex>.<hex>"
std::string DirectoryKey(RecordId id);   // "<16 hex>"
std::string BucketOid(std::string_view agent, uint64_t n);
std::string BucketPrefix(std::string_view agent);  // "r.<agent>."
// "h<16 hex id>.<8 hex version>": an older version of a record.
std::string HistoryOmapKey(RecordId id, uint32_t version);
std::string HistoryOmapPrefix(RecordId id);  // "h<16 hex id>."
// A compare-and-set lost to another writer (not a fenced client).
inline bool GuardFailed(const Status& s) {
  return s.IsFailedPrecondition() &&
         s.message().find("guard failed") != std::string::npos;
}
// Decodes a stored value; `what` names it in errors.
Status DecodeStored(std::string_view value, std::string_view what,
                    Record* record);
// The stored value of a record (text as written; a forgotten text is
// flagged so).
void EncodeStored(const Record& record, std::string* out);

// Page objects (cluster_store_pages.cc).
inline constexpr const char* kPageAgentXattr = "mnemo.agent";
inline constexpr const char* kPageEpochXattr = "mnemo.epoch";
std::string PageOid(uint64_t page_id);  // "p.<16 hex>"
inline constexpr std::string_view kPageOidPrefix = "p.";
void EncodePageObject(const PageData& page, std::string* out);
Status DecodePageObject(std::string_view data, std::string_view what,
                        PageData* page);
// Writes page object `page` of `agent` by a writer of lease `epoch`: data,
// agent and epoch in one operation (the object is whole or absent).
Status WritePageObject(cluster::RadosPool* pool, const std::string& agent,
                       uint64_t epoch, const PageData& page);
// The page ids `page` spans (page_id .. page_id + page_count - 1).
std::vector<uint64_t> PageSpan(const PageRef& page);

class ClusterStore final : public ClusterStoreBase {
 public:
  ClusterStore(const Options& options, std::string host);
  ~ClusterStore() override;
  Status Init(const std::string& dir);

  // --- Store ---
  Status Put(const WriteOptions& options, const Record& record,
             RecordId* id) override;
  Status PutBatch(const WriteOptions& options,
                  const std::vector<Record>& records,
                  std::vector<RecordId>* ids) override;
  Status Update(const WriteOptions& options, std::string_view tenant,
                RecordId id, const RecordUpdate& update,
                Record* updated) override;
  Status Delete(const WriteOptions& options, std::string_view tenant,
                RecordId id) override;
  Status DeleteSession(const WriteOptions& options, std::string_view tenant,
                       std::string_view agent, std::string_view session,
                       uint64_t* deleted) override;
  Status DeleteAgent(const WriteOptions& options, std::string_view tenant,
                     std::string_view agent, uint64_t* deleted) override;
  Status PutEmbedding(const WriteOptions& options, std::string_view tenant,
                      RecordId id, const EmbeddingRef& embedding) override;
  Status Get(const ReadOptions& options, std::string_view tenant, RecordId id,
             Record* record) override;
  Status History(const ReadOptions& options, std::string_view tenant,
                 RecordId id, std::vector<Record>* versions) override;
  Status Scan(const ReadOptions& options, const ScanOptions& scan,
              ScanResult* result) override;
  Status ListNamespaces(std::string_view tenant,
                        std::vector<Namespace>* namespaces) override;
  Status Search(const SearchOptions& options, SearchResult* result) override;
  Status BuildContext(const ContextOptions& options, Context* context) override;
  Status Compact(const CompactOptions& options, CompactResult* result) override;
  Status GetPage(const ReadOptions& options, std::string_view tenant,
                 uint64_t page_id, PageData* page) override;
  Status ListPages(const ReadOptions& options, std::string_view tenant,
                   std::string_view agent,
                   std::vector<PageInfo>* pages) override;
  Status LocateRecord(std::string_view tenant, RecordId id,
                      RecordLocation* location) override;
  const Snapshot* GetSnapshot() override;
  void ReleaseSnapshot(const Snapshot* snapshot) override;
  Cache* cache() override;
  const std::string& dir() const override;

  // --- ClusterStoreBase ---
  Store* local_cache() override { return local_.get(); }
  Status ImportRecords(const WriteOptions& options,
                       const std::vector<Record>& records,
                       const std::vector<PageData>* pages) override;
  Status GetClusterStats(ClusterStats* stats) override;
  Status VerifyCluster(const ClusterVerifyOptions& options,
                       ClusterVerifyReport* report) override;
  Status ReleaseAgent(std::string_view tenant, std::string_view agent) override;
  Status AcquireAgent(std::string_view tenant, std::string_view agent) override;
  Status ListClusterAgents(std::string_view tenant,
                           std::vector<ClusterAgent>* agents) override;

 private:
  // Compaction (cluster_store_compact.cc): brings the cluster's copy of an
  // owned agent to what the cache's compaction made of it: pages first,
  // then one guarded tier switch per bucket.
  // `compact_now`: the time the run aged records against (0: the clock).
  Status PushAgent(const std::string& tenant, const std::string& agent,
                   Micros compact_now, OwnedAgent* state) REQUIRES(state->mu);
  // Pages (cluster_store_pages.cc).
  Status ReadPage(cluster::RadosPool* pool, uint64_t page_id, PageData* page);
  // The pages `records` stand on, as far as the cluster has them.
  Status LoadPages(cluster::RadosPool* pool, const std::vector<Record>& records,
                   std::map<uint64_t, PageData>* pages);
  Status VerifyPages(cluster::RadosPool* pool,
                     const std::vector<std::pair<std::string, std::string>>&
                         objects,
                     const std::map<uint64_t, std::string>& referenced,
                     const ClusterVerifyOptions& options,
                     ClusterVerifyReport* report);
  // The tenant's namespace of the meta pool (opened once, kept).
  Status TenantPool(std::string_view tenant, cluster::RadosPool** pool);
  // The owned state of an agent, taking its lease (and hydrating the
  // cache) when this host does not hold it. Busy naming the owner.
  Status Own(std::string_view tenant, std::string_view agent,
             std::shared_ptr<OwnedAgent>* out);
  Status TakeLease(cluster::RadosPool* pool, const std::string& tenant,
                   const std::string& agent, OwnedAgent* state);
  // Rebuilds the cache of an agent from the cluster.
  Status Hydrate(cluster::RadosPool* pool, const std::string& tenant,
                 const std::string& agent, OwnedAgent* state)
      REQUIRES(state->mu);
  // Removes the cluster's copy of each page of `page` the cache no longer
  // has (its last record deleted or updated off it).
  void RemovePagesLeft(cluster::RadosPool* pool, std::string_view tenant,
                       const PageRef& page, OwnedAgent* state)
      REQUIRES(state->mu);
  Status PrepareHydration(cluster::RadosPool* pool,
                          std::vector<Record>* records,
                          std::map<uint64_t, PageData>* pages);
  // True when this host holds a live lease of the agent.
  bool Owns(std::string_view tenant, std::string_view agent);
  // Forgets the lease of an agent after a refused write.
  void Drop(std::string_view tenant, std::string_view agent,
            const OwnedAgent* state);
  // The next `n` cluster-unique ids.
  Status AllocateIds(size_t n, RecordId* first);
  // Writes stamped records of one agent: directory, bucket, cache.
  // `pages` (an import's) are written before the records.
  Status WriteRecords(const WriteOptions& options,
                      const std::vector<Record>& records,
                      const std::vector<PageData>& pages = {});
  Status AppendToBucket(cluster::RadosPool* pool, OwnedAgent* state,
                        const std::vector<Record>& records) REQUIRES(state->mu);
  // The record `id` of `tenant` from the cluster (NotFound when absent).
  Status ReadRemote(std::string_view tenant, RecordId id, Record* record,
                    RecordPlace* place);
  Status LookupPlace(cluster::RadosPool* pool, RecordId id, RecordPlace* place);
  // Every record of an agent from the cluster, in id order.
  // `buckets`: oid -> number of record keys (in bucket order).
  // `where` (optional): record id -> its bucket oid.
  Status ReadAgent(cluster::RadosPool* pool, const std::string& agent,
                   std::vector<Record>* records,
                   std::map<std::string, uint64_t>* buckets,
                   std::map<RecordId, std::string>* where = nullptr);
  // Makes every id the counter hands out from now on exceed `id`.
  Status RaiseIdMark(RecordId id);
  Status ScanRemote(const ScanOptions& scan, ScanResult* result);
  Status DeleteWhere(const WriteOptions& options, std::string_view tenant,
                     std::string_view agent,
                     const std::optional<std::string>& session,
                     uint64_t* deleted);
  Status ListOwners(ClusterStats* stats);
  Status VerifyTenant(cluster::RadosPool* pool,
                      const ClusterVerifyOptions& options,
                      ClusterVerifyReport* report);

  const Options options_;
  const std::string host_;
  std::string meta_pool_;
  std::unique_ptr<Store> local_;
  std::unique_ptr<cluster::RadosClient> client_;
  std::unique_ptr<cluster::RadosPool> ids_pool_;

  // One Compact (or VerifyCluster's page collection) at a time: a page of
  // this host's that no record names yet is in flight only while it runs.
  port::Mutex compact_mu_;

  port::Mutex ids_mu_;
  RecordId next_id_ GUARDED_BY(ids_mu_) = 0;
  RecordId id_limit_ GUARDED_BY(ids_mu_) = 0;

  port::Mutex pools_mu_;
  std::map<std::string, std::unique_ptr<cluster::RadosPool>, std::less<>> pools_
      GUARDED_BY(pools_mu_);

  port::Mutex agents_mu_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<OwnedAgent>>
      agents_ GUARDED_BY(agents_mu_);
};

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_CLUSTER_STORE_IMPL_H_
