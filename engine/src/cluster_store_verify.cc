// Copyright (c) mnemo authors.
//
// VerifyCluster's page check (cluster_store_impl.h): every page object
// decodes, every page a record stands on exists, and pages no record
// stands on are orphans when their writer can no longer switch records
// onto them.

#include <set>

#include "cluster_store_impl.h"

namespace mnemo::internal {
namespace {

void Problem(ClusterVerifyReport* report, std::string text) {
  if (report->problems.size() < 1000) {
    report->problems.push_back(std::move(text));
  }
}

}  // namespace

// An unreferenced page is garbage when its epoch is older than the agent's
// (the switch of its writer is refused by the epoch guard), when the agent
// is released, or when this host owns the agent (its own compaction is not
// running: VerifyCluster holds compact_mu_). Otherwise the live owner may
// be between writing it and switching its records: pending.
Status ClusterStore::VerifyPages(
    cluster::RadosPool* pool,
    const std::vector<std::pair<std::string, std::string>>& objects,
    const std::map<uint64_t, std::string>& referenced,
    const ClusterVerifyOptions& options, ClusterVerifyReport* report) {
  std::set<uint64_t> present;
  std::map<std::string, cluster::OwnerInfo> owners;
  for (const auto& entry : objects) {
    const std::string& oid = entry.second;
    if (oid.compare(0, kPageOidPrefix.size(), kPageOidPrefix) != 0) continue;
    const uint64_t page_id = std::strtoull(oid.c_str() + 2, nullptr, 16);
    std::string data;
    Status s = pool->Read(oid, &data);
    if (s.IsNotFound()) continue;  // removed meanwhile
    MNEMO_RETURN_IF_ERROR(s);
    present.insert(page_id);
    ++report->pages_checked;
    PageData page;
    s = DecodePageObject(data, pool->Describe(oid), &page);
    if (!s.ok()) {
      ++report->corrupt_pages;
      Problem(report, s.ToString());
      continue;
    }
    if (referenced.count(page_id)) continue;
    const std::string& agent = page.info.ns.agent;
    std::string epoch_text;
    s = pool->GetXattr(oid, kPageEpochXattr, &epoch_text);
    if (!s.ok() && !s.IsNotFound()) return s;
    const uint64_t epoch = std::strtoull(epoch_text.c_str(), nullptr, 10);
    auto owner = owners.find(agent);
    if (owner == owners.end()) {
      cluster::OwnerInfo info;
      MNEMO_RETURN_IF_ERROR(cluster::AgentLease::ReadOwner(pool, agent, &info));
      owner = owners.emplace(agent, info).first;
    }
    const bool garbage = epoch < owner->second.epoch ||
                         owner->second.address.empty() ||
                         Owns(pool->ns(), agent);
    if (!garbage) {
      ++report->pending_pages;
      continue;
    }
    ++report->orphan_pages;
    Problem(report, "page " + std::to_string(page_id) + " of agent '" + agent +
                        "' (epoch " + std::to_string(epoch) + ") in " +
                        pool->Describe(oid) + ": no record stands on it");
    if (!options.repair) continue;
    s = pool->Remove(oid);
    if (!s.ok() && !s.IsNotFound()) return s;
    ++report->repaired;
  }
  // Listed before the records were read: a page written since is looked
  // up before it is called missing.
  for (const auto& [page_id, who] : referenced) {
    if (present.count(page_id)) continue;
    PageData page;
    Status s = ReadPage(pool, page_id, &page);
    if (s.ok()) continue;
    if (!s.IsNotFound()) return s;
    ++report->missing_pages;
    Problem(report, who + " stands on page " + std::to_string(page_id) +
                        ", which is not in " +
                        pool->Describe(PageOid(page_id)));
  }
  return Status::OK();
}

}  // namespace mnemo::internal
