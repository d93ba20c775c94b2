// Copyright (c) mnemo authors.
//
// Cluster mode (Options::cluster): the calls an operator makes on a store
// opened on a Ceph RADOS cluster. Store::Open returns such a store when
// Options::cluster is enabled; its record calls (mnemo/store.h) work as
// below, and these free functions report on and check the cluster side.
//
// Contract of a cluster store:
//   - RADOS holds the records; the store directory holds this host's cache
//     of the agents it owns, rebuilt from the cluster when it takes one over.
//   - One writer per agent: the first write of a host to an agent takes its
//     lease. A write to an agent another live host owns is Busy naming that
//     host. A host whose lease lapsed is fenced (blocklisted) by the next
//     host that takes the agent; its later writes fail with
//     FailedPrecondition ("blocklisted" / "lease epoch ... is stale"), and
//     it must be reopened to be used again.
//   - Put/PutBatch/Delete return OK only after the cluster acknowledged the
//     write on every replica of the acting set. A timed-out write
//     (IOError "timed out") may or may not have been applied.
//   - Any host reads any agent: Get by id through the cluster's id
//     directory (it names no agent), Scan from the cluster (the owner reads
//     its cache). Search and BuildContext work on the cache of owned
//     agents; GetPage and ListPages of an agent read the cluster on a host
//     that does not own it.
//   - Compact compacts the cache of this host's owned agents with the
//     embedded pipeline, then writes the new pages to the cluster (pages
//     first, acknowledged) and switches each bucket's records onto them in
//     one epoch-guarded operation: no record in the cluster names a page
//     that is not there. A crash in between leaves orphan pages, which
//     VerifyCluster reports and its repair removes.
//   - A PutBatch holds one agent's records (atomic on the cluster: one
//     operation on one object); a batch spanning agents is InvalidArgument.
//
// Every call here returns InvalidArgument on a store that is not a cluster
// store.

#ifndef MNEMO_CLUSTER_H_
#define MNEMO_CLUSTER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mnemo/record.h"
#include "mnemo/status.h"
#include "mnemo/store.h"

namespace mnemo {

struct ClusterPoolStats {
  std::string name;
  uint64_t objects = 0;
  uint64_t bytes = 0;
  // "manager": the cluster's statistics (objects and bytes). "listing":
  // the cluster runs no manager daemon (a bare test cluster), so the
  // objects were counted by listing the pool, and bytes is 0 (unknown).
  std::string source;
};

// An agent whose lease this host holds.
struct ClusterOwnedAgent {
  std::string tenant;
  std::string agent;
  uint64_t epoch = 0;  // the lease epoch this host writes with
};

// An agent some host holds the lease of, as the agent's head object says.
struct ClusterAgentOwner {
  std::string tenant;
  std::string agent;
  uint64_t epoch = 0;
  std::string holder;   // ClusterOptions::host_name of the owning host
  std::string address;  // its connection
};

struct ClusterStats {
  std::string health;          // the monitor's status: "HEALTH_OK", ...
  std::string health_detail;   // its summary lines, "" when healthy
  std::string host;            // ClusterOptions::host_name in use
  std::string client_address;  // this connection, as blocklists name it
  std::vector<ClusterPoolStats> pools;
  std::vector<ClusterOwnedAgent> owned_agents;  // sorted
  // Every agent of the cluster (head objects), and those a host holds, by
  // any host, from the head objects' owner records, sorted by (tenant,
  // agent). A host that crashed keeps its entries until the next owner
  // takes the agent. At most 10,000 are listed (owners_truncated beyond).
  uint64_t cluster_agents = 0;
  std::vector<ClusterAgentOwner> cluster_owners;
  bool owners_truncated = false;
};

// True when `store` was opened in cluster mode.
bool IsClusterStore(Store* store);

// Health, the mnemo pools with their objects and bytes, this host's owned
// agents, and the owner of every agent of the cluster (one read per agent:
// an operator call). IOError "timed out" when the cluster does not answer.
Status GetClusterStats(Store* store, ClusterStats* stats);

struct ClusterVerifyOptions {
  // The tenant to check; "" checks every tenant in the cluster.
  std::string tenant;
  // Remove directory entries whose record is missing (a writer died
  // between writing the directory entry and the record), re-add missing
  // entries, and remove orphan pages (a compacting owner died between
  // writing its pages and switching its records onto them).
  bool repair = false;
};

struct ClusterVerifyReport {
  uint64_t agents_checked = 0;
  uint64_t records_checked = 0;
  uint64_t directory_entries_checked = 0;
  uint64_t corrupt_records = 0;     // fail their checksum / do not decode
  uint64_t dangling_directory = 0;  // entry whose record is missing
  uint64_t missing_directory = 0;   // record without its entry
  // Pages: every page object is read and its checksum checked.
  uint64_t pages_checked = 0;
  uint64_t corrupt_pages = 0;  // fail their checksum / do not decode
  // A record (current version) standing on a page that is not in the
  // cluster. Compaction writes pages first, so this is never expected.
  uint64_t missing_pages = 0;
  // Pages no record stands on, written by a lease epoch older than the
  // agent's (their writer lost the agent before switching records onto
  // them), of an agent nobody owns, or of one this host owns: garbage.
  uint64_t orphan_pages = 0;
  // Pages no record stands on yet, written by the agent's live owner in
  // its current epoch: possibly a compaction in flight; not a problem.
  uint64_t pending_pages = 0;
  uint64_t repaired = 0;
  std::vector<std::string> problems;  // at most 1000 descriptions
  uint64_t problem_count() const {
    return corrupt_records + dangling_directory + missing_directory +
           corrupt_pages + missing_pages + orphan_pages;
  }
  bool ok() const { return problem_count() == repaired; }
};

// Checks the cluster side: every record decodes and has its directory
// entry, every directory entry resolves to its record, every page decodes,
// every page a record stands on exists, and pages no record stands on are
// reported (orphans). OK when the check ran (problems in *report).
Status VerifyCluster(Store* store, const ClusterVerifyOptions& options,
                     ClusterVerifyReport* report);

struct ClusterAgent {
  std::string tenant;
  std::string agent;
};

// Every agent with a head object ("a.<agent>") in the cluster, of `tenant`
// ("" = every tenant), sorted by (tenant, agent). Lists the pool: an
// operator call (dump), not a request path.
Status ListClusterAgents(Store* store, std::string_view tenant,
                         std::vector<ClusterAgent>* agents);

// Takes the lease of an agent for this host (as its first write would),
// hydrating the cache from the cluster: its reads, Search and Compact are
// then this host's. Busy naming the owner when a live host holds it. OK
// when this host owns it already.
Status AcquireAgent(Store* store, std::string_view tenant,
                    std::string_view agent);

// Gives up this host's lease of an agent (another host may then take it
// without waiting for the lease to lapse). OK when it was not owned.
Status ReleaseAgent(Store* store, std::string_view tenant,
                    std::string_view agent);

}  // namespace mnemo

#endif  // MNEMO_CLUSTER_H_
