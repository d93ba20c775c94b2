// Copyright (c) mnemo authors.
//
// AgentLease (agent_lease.h): acquisition (lock, fence the previous owner,
// raise the epoch, seal the agent's objects), renewal, guarded writes.

#include "agent_lease.h"

#include <atomic>
#include <charconv>
#include <chrono>
#include <set>
#include <string>
#include <utility>

namespace mnemo::cluster {

namespace {

constexpr const char* kObjectPrefix = "b.";

std::string Decimal(uint64_t v) { return std::to_string(v); }

// Parses "<epoch> <address> <holder>"; "" (released) gives epoch 0.
OwnerInfo ParseOwner(const std::string& s) {
  OwnerInfo o;
  const size_t a = s.find(' ');
  if (a == std::string::npos) return o;
  std::from_chars(s.data(), s.data() + a, o.epoch);
  const size_t b = s.find(' ', a + 1);
  o.address =
      s.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
  if (b != std::string::npos) o.holder = s.substr(b + 1);
  return o;
}

// Reads a decimal xattr, 0 when absent.
Status ReadU64(RadosPool* pool, const std::string& oid, const char* name,
               uint64_t* out) {
  std::string v;
  Status s = pool->GetXattr(oid, name, &v);
  if (s.IsNotFound()) {
    *out = 0;
    return Status::OK();
  }
  MNEMO_RETURN_IF_ERROR(s);
  const auto r = std::from_chars(v.data(), v.data() + v.size(), *out);
  if (r.ec != std::errc() || r.ptr != v.data() + v.size()) {
    return Status::Corruption(std::string("xattr ") + name + " of " +
                              pool->Describe(oid) + " is not a number: '" + v +
                              "'");
  }
  return Status::OK();
}

std::string Who(const OwnerInfo& o) {
  return (o.holder.empty() ? std::string("a client") : o.holder) + " at " +
         (o.address.empty() ? std::string("an unknown address") : o.address) +
         " (lease epoch " + Decimal(o.epoch) + ")";
}

}  // namespace

AgentLease::AgentLease(RadosClient* client, RadosPool* pool, std::string agent,
                       std::string cookie, LeaseOptions options)
    : client_(client),
      pool_(pool),
      agent_(std::move(agent)),
      head_(HeadOid(agent_)),
      cookie_(std::move(cookie)),
      options_(std::move(options)) {}

AgentLease::~AgentLease() { StopRenewal(); }

void AgentLease::StartRenewal(uint64_t interval_ms) {
  keeper_ = std::thread(&AgentLease::RenewLoop, this,
                        std::chrono::milliseconds(interval_ms));
}

void AgentLease::RenewLoop(std::chrono::milliseconds interval) {
  for (;;) {
    const auto next = std::chrono::steady_clock::now() + interval;
    {
      port::MutexLock l(&mu_);
      while (!stop_renewal_ && std::chrono::steady_clock::now() < next) {
        wake_.WaitUntil(&mu_, next);
      }
      if (stop_renewal_) return;
    }
    Status s = Renew();
    port::MutexLock l(&mu_);
    renewal_status_ = s;
    if (s.ok()) ++renewals_;
    if (s.IsFailedPrecondition()) return;  // lost: nothing left to renew
  }
}

void AgentLease::StopRenewal() {
  {
    port::MutexLock l(&mu_);
    stop_renewal_ = true;
  }
  wake_.SignalAll();
  if (keeper_.joinable()) keeper_.join();
}

uint64_t AgentLease::renewals() const {
  port::MutexLock l(&mu_);
  return renewals_;
}

Status AgentLease::renewal_status() const {
  port::MutexLock l(&mu_);
  return renewal_status_;
}

Status AgentLease::ReadOwner(RadosPool* pool, const std::string& agent,
                             OwnerInfo* out) {
  std::string v;
  Status s = pool->GetXattr(HeadOid(agent), kOwnerXattr, &v);
  if (s.IsNotFound()) {
    *out = OwnerInfo{};
    return Status::OK();
  }
  MNEMO_RETURN_IF_ERROR(s);
  *out = ParseOwner(v);
  return ReadU64(pool, HeadOid(agent), kEpochXattr, &out->epoch);
}

Status AgentLease::Acquire(RadosClient* client, RadosPool* pool,
                           const std::string& agent,
                           const LeaseOptions& options,
                           std::unique_ptr<AgentLease>* out) {
  if (agent.empty()) {
    return Status::InvalidArgument("cluster lease: empty agent name");
  }
  // The cookie tells this lease apart from another one of the same
  // connection (two leases of one agent in one process).
  static std::atomic<uint64_t> next{0};
  std::string cookie = "mnemo." + Decimal(client->instance_id()) + "." +
                       Decimal(next.fetch_add(1));
  std::unique_ptr<AgentLease> lease(
      new AgentLease(client, pool, agent, std::move(cookie), options));
  WriteOp create;
  create.create = true;
  MNEMO_RETURN_IF_ERROR(pool->Write(lease->head_, create));
  MNEMO_RETURN_IF_ERROR(lease->Lock());
  Status s = lease->RaiseEpoch();
  if (s.ok()) s = lease->SealObjects();
  if (!s.ok()) {
    // Best effort: a lock left behind would only lapse after duration_ms.
    (void)pool->Unlock(lease->head_, kLockName, lease->cookie_);
    return s;
  }
  *out = std::move(lease);
  return Status::OK();
}

// Takes the cls lock; a live holder is Busy unless options_.force.
Status AgentLease::Lock() {
  Status s = pool_->LockExclusive(head_, kLockName, cookie_, options_.holder,
                                  options_.duration_ms, false);
  if (s.ok() || !s.IsBusy()) return s;
  OwnerInfo owner;
  MNEMO_RETURN_IF_ERROR(ReadOwner(pool_, agent_, &owner));
  if (!options_.force) {
    return Status::Busy("agent '" + agent_ + "' (tenant '" + pool_->ns() +
                        "') is owned by " + Who(owner));
  }
  std::vector<Locker> lockers;
  MNEMO_RETURN_IF_ERROR(pool_->ListLockers(head_, kLockName, &lockers));
  for (const Locker& l : lockers) {
    MNEMO_RETURN_IF_ERROR(client_->Blocklist(l.address, options_.blocklist_s));
    MNEMO_RETURN_IF_ERROR(pool_->BreakLock(head_, kLockName, l));
  }
  s = pool_->LockExclusive(head_, kLockName, cookie_, options_.holder,
                           options_.duration_ms, false);
  if (s.IsBusy()) {
    return Status::Busy("agent '" + agent_ +
                        "': another client took the lease "
                        "while this one was breaking " +
                        Who(owner));
  }
  return s;
}

// Blocklists the previous owner's connection when it is not ours and not
// released: it may still believe it owns the agent (its lease lapsed while
// it was paused), and the blocklist turns its next call into a clear error.
Status AgentLease::Fence(const OwnerInfo& previous) {
  if (previous.address.empty() || previous.address == client_->address()) {
    return Status::OK();
  }
  return client_->Blocklist(previous.address, options_.blocklist_s);
}

// One compare-and-set from the epoch read to the next: of two clients that
// both got here (a lease lapsing between them), one fails.
Status AgentLease::RaiseEpoch() {
  OwnerInfo previous;
  MNEMO_RETURN_IF_ERROR(ReadOwner(pool_, agent_, &previous));
  MNEMO_RETURN_IF_ERROR(Fence(previous));
  WriteOp cas;
  cas.must_exist = true;
  cas.guards.push_back({kEpochXattr, XattrGuard::Op::kEq, previous.epoch});
  epoch_ = previous.epoch + 1;
  cas.set_xattrs[kEpochXattr] = Decimal(epoch_);
  cas.set_xattrs[kOwnerXattr] =
      Decimal(epoch_) + " " + client_->address() + " " + options_.holder;
  Status s = pool_->Write(head_, cas);
  if (s.IsFailedPrecondition()) {
    return Status::Busy("agent '" + agent_ + "': the lease epoch moved past " +
                        Decimal(previous.epoch) + " while taking it over");
  }
  return s;
}

// Writes the new epoch into every registered object of the agent, so the
// previous owner's writes there are refused from now on.
Status AgentLease::SealObjects() {
  OmapEntries objects;
  MNEMO_RETURN_IF_ERROR(pool_->OmapAll(head_, kObjectPrefix, &objects));
  std::set<std::string> registered;
  for (const auto& [key, unused] : objects) {
    const std::string oid = key.substr(2);
    MNEMO_RETURN_IF_ERROR(Refused(CreateObject(oid), oid));
    WriteOp seal;
    seal.must_exist = true;
    seal.guards.push_back({kEpochXattr, XattrGuard::Op::kGe, epoch_});
    seal.set_xattrs[kEpochXattr] = Decimal(epoch_);
    Status s = pool_->Write(oid, seal);
    if (!s.ok()) return Refused(s, oid);
    registered.insert(oid);
  }
  port::MutexLock l(&mu_);
  registered_ = std::move(registered);
  return Status::OK();
}

Status AgentLease::Refused(const Status& s, const std::string& oid) const {
  if (!s.IsFailedPrecondition()) return s;
  if (s.message().find("blocklisted") != std::string::npos) {
    return s.WithContext("agent '" + agent_ + "' (lease epoch " +
                         Decimal(epoch_) + ")");
  }
  return Status::FailedPrecondition(
      "agent '" + agent_ + "' (tenant '" + pool_->ns() + "'): write to " +
      pool_->Describe(oid) + " refused: lease epoch " + Decimal(epoch_) +
      " is stale (the agent was taken over)");
}

Status AgentLease::Renew() {
  Status s = pool_->LockExclusive(head_, kLockName, cookie_, options_.holder,
                                  options_.duration_ms, true);
  if (s.ok()) return s;
  if (s.IsBusy() || s.IsFailedPrecondition()) {
    return Status::FailedPrecondition("agent '" + agent_ + "': lease lost (" +
                                      s.message() + ")");
  }
  return s;
}

Status AgentLease::Release() {
  StopRenewal();
  {
    port::MutexLock l(&mu_);
    if (released_) return Status::OK();
    released_ = true;
  }
  WriteOp clear;
  clear.must_exist = true;
  clear.guards.push_back({kEpochXattr, XattrGuard::Op::kEq, epoch_});
  clear.set_xattrs[kOwnerXattr] = "";
  MNEMO_RETURN_IF_ERROR(Refused(pool_->Write(head_, clear), head_));
  return pool_->Unlock(head_, kLockName, cookie_);
}

// Creates a registered object carrying this epoch, unless it exists: the
// OSD cannot compare an xattr of an object created in the same operation,
// and an exclusive create never lowers the epoch a successor wrote there.
Status AgentLease::CreateObject(const std::string& oid) {
  WriteOp create;
  create.exclusive_create = true;
  create.set_xattrs[kEpochXattr] = Decimal(epoch_);
  Status s = pool_->Write(oid, create);
  return s.IsAlreadyExists() ? Status::OK() : s;
}

Status AgentLease::Register(const std::string& oid) {
  {
    port::MutexLock l(&mu_);
    if (registered_.count(oid)) return Status::OK();
  }
  WriteOp reg;
  reg.must_exist = true;
  reg.guards.push_back({kEpochXattr, XattrGuard::Op::kEq, epoch_});
  reg.omap_set[kObjectPrefix + oid] = "";
  MNEMO_RETURN_IF_ERROR(Refused(pool_->Write(head_, reg), head_));
  MNEMO_RETURN_IF_ERROR(Refused(CreateObject(oid), oid));
  port::MutexLock l(&mu_);
  registered_.insert(oid);
  return Status::OK();
}

Status AgentLease::Write(const std::string& oid, const OmapEntries& set,
                         const std::vector<std::string>& remove) {
  WriteOp op;
  op.omap_set = set;
  op.omap_remove = remove;
  if (oid == head_) {
    op.must_exist = true;
    op.guards.push_back({kEpochXattr, XattrGuard::Op::kEq, epoch_});
  } else {
    if (oid.empty())
      return Status::InvalidArgument("cluster lease: empty object name");
    MNEMO_RETURN_IF_ERROR(Register(oid));
    op.must_exist = true;
    op.guards.push_back({kEpochXattr, XattrGuard::Op::kGe, epoch_});
    op.set_xattrs[kEpochXattr] = Decimal(epoch_);
  }
  return Refused(pool_->Write(oid, op), oid);
}

}  // namespace mnemo::cluster
