// Copyright (c) mnemo authors.
//
// AgentLease: one writer per agent in cluster mode, with fencing.
//
// An agent's head object `a.<agent>` (in the tenant's namespace) carries
//   - the lease: an exclusive cls_lock `mnemo.lease` with a duration, held
//     by the owning connection and renewed by it (Renew);
//   - the lease epoch: xattr `mnemo.epoch` (decimal), raised by one
//     compare-and-set on every acquisition;
//   - the owner: xattr `mnemo.owner` = "<epoch> <address> <holder>" ("" once
//     released), which a refused writer is told;
//   - the agent's data objects: omap keys `b.<oid>`, one per object.
//
// Fencing does not trust clocks or the lock alone. Every write of the
// owner is one atomic operation guarded by the epoch: on the head,
// `mnemo.epoch == mine`; on a data object, `mine >= mnemo.epoch` and the
// same operation sets `mnemo.epoch = mine`. A data object is registered in
// the head (a guarded head write) before its first write, and a new owner,
// right after raising the epoch, seals every registered object by writing
// its epoch there. So once Acquire returns, every write of an older owner
// is refused by the OSDs: on the head and on sealed objects by the epoch,
// on new objects because registering them needs the head's epoch. The old
// owner's connection is also blocklisted, which makes its in-flight and
// later operations fail at once with a clear "fenced" error.
//
// Thread safety: Write, Renew, epoch() and the renewal accessors may be
// called concurrently (StartRenewal's thread calls Renew).

#ifndef MNEMO_ENGINE_CLUSTER_AGENT_LEASE_H_
#define MNEMO_ENGINE_CLUSTER_AGENT_LEASE_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "mnemo/port/mutex.h"
#include "mnemo/port/thread_annotations.h"
#include "mnemo/status.h"
#include "rados_client.h"

namespace mnemo::cluster {

struct LeaseOptions {
  // How long the lease lasts without a Renew.
  uint64_t duration_ms = 30000;
  // Who holds it (host, process), shown to clients that are refused.
  std::string holder;
  // Take the lease from a live holder: blocklist its connection and break
  // its lock (the caller has decided the holder is dead). Without it,
  // Acquire returns Busy naming the holder until its lease lapses.
  bool force = false;
  // How long a fenced connection stays blocklisted.
  uint32_t blocklist_s = 3600;
};

// The owner record of an agent, as its head object says.
struct OwnerInfo {
  uint64_t epoch = 0;
  std::string address;  // "" when released or never owned
  std::string holder;
};

class AgentLease {
 public:
  static constexpr const char* kLockName = "mnemo.lease";
  static constexpr const char* kEpochXattr = "mnemo.epoch";
  static constexpr const char* kOwnerXattr = "mnemo.owner";
  static std::string HeadOid(const std::string& agent) { return "a." + agent; }

  // Takes the lease of `agent` in `pool` (its namespace is the tenant).
  // `client` and `pool` must outlive the lease.
  static Status Acquire(RadosClient* client, RadosPool* pool,
                        const std::string& agent, const LeaseOptions& options,
                        std::unique_ptr<AgentLease>* out);
  // The owner record of `agent` (epoch 0 and no address when never owned).
  static Status ReadOwner(RadosPool* pool, const std::string& agent,
                          OwnerInfo* out);

  ~AgentLease();
  AgentLease(const AgentLease&) = delete;
  AgentLease& operator=(const AgentLease&) = delete;

  uint64_t epoch() const { return epoch_; }
  const std::string& agent() const { return agent_; }

  // Extends the lease by its duration. FailedPrecondition when it was lost
  // (taken over, or this connection fenced).
  Status Renew();
  // Renews every `interval_ms` (well under duration_ms) on a thread of its
  // own until Release or destruction. An IOError (cluster unreachable) is
  // retried at the next interval; a lost lease ends the renewals. Call once.
  void StartRenewal(uint64_t interval_ms);
  // The renewals that succeeded, and the status of the last attempt (OK
  // before the first).
  uint64_t renewals() const;
  Status renewal_status() const;
  // Clears the owner record and unlocks (a successor then need not fence).
  Status Release();

  // One atomic, epoch-guarded write to `oid` (the head or a data object of
  // this agent): sets `set`, removes `remove`. FailedPrecondition naming
  // the agent and object when this lease is stale or the connection fenced;
  // nothing is applied then.
  Status Write(const std::string& oid, const OmapEntries& set,
               const std::vector<std::string>& remove = {});

 private:
  AgentLease(RadosClient* client, RadosPool* pool, std::string agent,
             std::string cookie, LeaseOptions options);
  Status Lock();
  Status Fence(const OwnerInfo& previous);
  Status RaiseEpoch();
  Status SealObjects();
  Status CreateObject(const std::string& oid);
  Status Register(const std::string& oid);
  Status Refused(const Status& s, const std::string& oid) const;

  RadosClient* const client_;
  RadosPool* const pool_;
  const std::string agent_;
  const std::string head_;
  const std::string cookie_;
  const LeaseOptions options_;
  uint64_t epoch_ = 0;  // set once by Acquire
  void RenewLoop(std::chrono::milliseconds interval);
  void StopRenewal();

  mutable port::Mutex mu_;
  port::CondVar wake_;
  std::set<std::string> registered_ GUARDED_BY(mu_);
  bool released_ GUARDED_BY(mu_) = false;
  bool stop_renewal_ GUARDED_BY(mu_) = false;
  uint64_t renewals_ GUARDED_BY(mu_) = 0;
  Status renewal_status_ GUARDED_BY(mu_);
  std::thread keeper_;  // set by StartRenewal, joined by StopRenewal
};

}  // namespace mnemo::cluster

#endif  // MNEMO_ENGINE_CLUSTER_AGENT_LEASE_H_
