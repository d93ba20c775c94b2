// Copyright (c) mnemo authors.
//
// Compaction in cluster mode (cluster_store_impl.h). The owner compacts its
// cache with the embedded pipeline (warm text, pages rendered by the codec,
// decay, expiry), its new pages taking cluster-unique ids (the cache's page
// id source is the cluster's id counter, Init). Then, per owned agent, the
// cluster's copy is brought to the cache's:
//   1. the pages that changed records stand on are written as page objects
//      (acknowledged by RADOS before anything points at them);
//   2. each bucket's changed records (tier, page reference) are switched
//      in ONE epoch-guarded operation (and records the cache expired are
//      removed in it);
//   3. pages no record stands on any more are removed.
// A crash between 1 and 2 leaves pages no record names (orphans, which
// VerifyCluster finds and its repair removes); no record in the cluster
// ever names a page that is not there. The push compares versions, so a
// record updated meanwhile is left for the next run, and a push cut short
// is completed by the next one.

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

#include "cluster_store_impl.h"
#include "mnemo/admin.h"

namespace mnemo::internal {
namespace {

// Test hook of the cluster tests (tests/cluster/cluster_compact_test.sh):
// with MNEMO_CLUSTER_CRASH_POINT=<name> in the environment, the process
// stops itself (SIGSTOP) when a push reaches that point, so the test can
// kill -9 it exactly there. Points: "pages-partial" (the first of several
// page objects written), "pages-written" (every page written, no record
// switched yet).
void CrashPoint(const char* name) {
  const char* want = std::getenv("MNEMO_CLUSTER_CRASH_POINT");
  if (want == nullptr || std::strcmp(want, name) != 0) return;
  std::fprintf(stderr, "mnemo: stopped at crash point %s\n", name);
  std::fflush(stderr);
  raise(SIGSTOP);
}

bool SameStoreState(const Record& a, const Record& b) {
  return a.tier == b.tier && a.page.page_id == b.page.page_id &&
         a.page.item == b.page.item && a.page.page_count == b.page.page_count &&
         a.text_forgotten == b.text_forgotten;
}

// The cache's copy of an agent: its records (expired ones too: the cache
// removes them itself) and a snapshot to read their pages from.
struct CacheAgent {
  std::unique_ptr<RecordIterator> it;
  std::map<RecordId, Record> records;
};

Status ReadCacheAgent(Store* cache, const std::string& tenant,
                      const std::string& agent, CacheAgent* out) {
  IterateOptions io;
  io.tenant = tenant;
  io.agent = agent;
  io.include_expired = true;
  MNEMO_RETURN_IF_ERROR(NewRecordIterator(cache, io, &out->it));
  for (; out->it->Valid(); out->it->Next()) {
    out->records.emplace(out->it->record().id, out->it->record());
  }
  return out->it->status();
}

// What one agent's push changes in the cluster.
struct Push {
  std::map<std::string, cluster::OmapEntries> set;         // bucket -> values
  std::map<std::string, std::vector<std::string>> remove;  // bucket -> keys
  std::vector<RecordId> removed;
  std::set<uint64_t> needed_pages;  // changed records stand on them
  std::set<uint64_t> masked_pages;  // held a record the cache expired
  std::set<uint64_t> old_pages;     // cluster records stood on them
  std::set<uint64_t> new_pages;     // cluster records stand on them after
};

void PlanPush(const std::vector<Record>& remote,
              const std::map<RecordId, std::string>& where,
              const CacheAgent& cache, Micros now, Push* push) {
  for (const Record& r : remote) {
    const std::vector<uint64_t> span = PageSpan(r.page);
    push->old_pages.insert(span.begin(), span.end());
    auto local = cache.records.find(r.id);
    const std::string& bucket = where.at(r.id);
    if (local == cache.records.end()) {
      if (r.expires_at == 0 || r.expires_at > now) {
        push->new_pages.insert(span.begin(), span.end());
        continue;  // not in the cache (yet): nothing to say about it
      }
      push->remove[bucket].push_back(RecordOmapKey(r.id));
      push->removed.push_back(r.id);
      push->masked_pages.insert(span.begin(), span.end());
      continue;
    }
    const Record& l = local->second;
    if (l.version != r.version || SameStoreState(l, r)) {
      push->new_pages.insert(span.begin(), span.end());
      continue;  // updated meanwhile (the next run), or nothing to do
    }
    EncodeStored(l, &push->set[bucket][RecordOmapKey(r.id)]);
    const std::vector<uint64_t> lspan = PageSpan(l.page);
    push->needed_pages.insert(lspan.begin(), lspan.end());
    push->new_pages.insert(lspan.begin(), lspan.end());
  }
}

// A page a changed record stands on must be in the cache's snapshot (the
// one its records came from); a page that held an expired record is
// rewritten when the cache still has it (blanked), else removed later.
Status WritePages(cluster::RadosPool* pool, const std::string& agent,
                  uint64_t epoch, const CacheAgent& cache, const Push& push,
                  size_t* written) {
  std::set<uint64_t> to_write = push.needed_pages;
  for (uint64_t id : push.masked_pages) {
    if (push.new_pages.count(id)) to_write.insert(id);
  }
  for (uint64_t id : to_write) {
    PageData page;
    Status s = cache.it->GetPage(id, &page);
    if (s.IsNotFound() && !push.needed_pages.count(id)) continue;
    MNEMO_RETURN_IF_ERROR(s.WithContext("page of agent '" + agent + "'"));
    MNEMO_RETURN_IF_ERROR(WritePageObject(pool, agent, epoch, page));
    if (++*written == 1 && to_write.size() > 1) CrashPoint("pages-partial");
  }
  if (*written > 0) CrashPoint("pages-written");
  return Status::OK();
}

// After the switch: directory entries of removed records, pages no record
// stands on. A crash here leaves what VerifyCluster repairs.
Status RemoveLeftovers(cluster::RadosPool* pool, const Push& push) {
  for (RecordId id : push.removed) {
    cluster::WriteOp unlink;
    unlink.omap_remove.push_back(DirectoryKey(id));
    (void)pool->Write(DirectoryOid(id), unlink);
  }
  for (uint64_t id : push.old_pages) {
    if (push.new_pages.count(id)) continue;
    Status s = pool->Remove(PageOid(id));
    if (!s.ok() && !s.IsNotFound()) return s;
  }
  return Status::OK();
}

}  // namespace

Status ClusterStore::Compact(const CompactOptions& options,
                             CompactResult* result) {
  CompactResult ignored;
  if (result == nullptr) result = &ignored;
  port::MutexLock compacting(&compact_mu_);
  MNEMO_RETURN_IF_ERROR(local_->Compact(options, result));
  std::map<std::pair<std::string, std::string>, std::shared_ptr<OwnedAgent>>
      agents;
  {
    port::MutexLock l(&agents_mu_);
    agents = agents_;
  }
  Status first;
  for (const auto& [key, state] : agents) {
    port::MutexLock l(&state->mu);
    if (state->lease == nullptr || state->cache_stale) continue;
    Status s = PushAgent(key.first, key.second, options.now, state.get());
    if (s.IsFailedPrecondition()) {
      state->lease.reset();  // fenced or taken over
      Drop(key.first, key.second, state.get());
    }
    if (!s.ok() && first.ok()) {
      first = s.WithContext("compaction of agent '" + key.second +
                            "' (tenant '" + key.first + "') in the cluster");
    }
  }
  return first;
}

Status ClusterStore::PushAgent(const std::string& tenant,
                               const std::string& agent, Micros compact_now,
                               OwnedAgent* state) {
  cluster::RadosPool* pool = nullptr;
  MNEMO_RETURN_IF_ERROR(TenantPool(tenant, &pool));
  std::vector<Record> remote;
  std::map<std::string, uint64_t> buckets;
  std::map<RecordId, std::string> where;
  MNEMO_RETURN_IF_ERROR(ReadAgent(pool, agent, &remote, &buckets, &where));
  CacheAgent cache;
  MNEMO_RETURN_IF_ERROR(ReadCacheAgent(local_.get(), tenant, agent, &cache));
  // A record the cache's compaction expired (judged against the run's
  // time, as on an embedded store) goes from the cluster too.
  const Micros now = std::max(
      compact_now,
      (options_.clock ? options_.clock : Clock::System())->NowMicros());
  Push push;
  PlanPush(remote, where, cache, now, &push);
  if (push.set.empty() && push.remove.empty()) return Status::OK();

  // 1. Pages first, 2. one guarded switch per bucket, 3. leftovers.
  size_t written = 0;
  MNEMO_RETURN_IF_ERROR(
      WritePages(pool, agent, state->lease->epoch(), cache, push, &written));
  std::set<std::string> touched;
  for (const auto& entry : push.set) touched.insert(entry.first);
  for (const auto& entry : push.remove) touched.insert(entry.first);
  for (const std::string& bucket : touched) {
    MNEMO_RETURN_IF_ERROR(
        state->lease->Write(bucket, push.set[bucket], push.remove[bucket]));
  }
  return RemoveLeftovers(pool, push);
}

}  // namespace mnemo::internal
