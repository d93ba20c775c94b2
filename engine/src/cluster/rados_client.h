// Copyright (c) mnemo authors.
//
// The engine's client of a Ceph RADOS cluster (cluster mode, issue 18):
// Status-returning wrappers over librados, so no exception and no librados
// type reaches a caller. A RadosClient is one connection (one client
// address, the unit the cluster blocklists); a RadosPool is one pool and
// one RADOS namespace in it (the namespace is the tenant).
//
// Every error names pool/namespace/object and the errno text. Timeouts are
// set on the connection (rados_osd_op_timeout, rados_mon_op_timeout,
// client_mount_timeout), so a dead or partitioned cluster gives IOError
// "timed out" instead of a call that hangs forever. An operation that timed
// out may still have been applied: callers treat it as unknown, never as
// refused.
//
// Thread safety: a RadosClient and its RadosPools may be used from many
// threads (librados is thread-safe per handle); the RadosClient must outlive
// its pools.

#ifndef MNEMO_ENGINE_CLUSTER_RADOS_CLIENT_H_
#define MNEMO_ENGINE_CLUSTER_RADOS_CLIENT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mnemo/status.h"

namespace mnemo::cluster {

struct RadosOptions {
  // ceph.conf of the cluster; "" reads $CEPH_CONF (then Ceph's defaults).
  std::string conf_path;
  // The cephx client id ("admin" as client.admin).
  std::string client_id = "admin";
  // Bound on every monitor and OSD operation, and on connecting.
  int op_timeout_s = 30;
};

using OmapEntries = std::map<std::string, std::string>;

// A comparison of an object's xattr, read as a decimal unsigned integer
// (missing = 0), with `value`: the operation applies only when
// `value <op> stored` holds (the OSD's order of operands).
struct XattrGuard {
  enum class Op { kEq, kGe };
  std::string name;
  Op op = Op::kEq;
  uint64_t value = 0;
};

// One atomic operation on one object: every guard holds and everything is
// applied, or nothing is (FailedPrecondition "guard failed" when a guard
// does not hold).
struct WriteOp {
  bool create = false;            // create the object when absent
  bool exclusive_create = false;  // AlreadyExists when it exists
  bool must_exist = false;        // NotFound when absent
  std::vector<XattrGuard> guards;
  std::map<std::string, std::string> set_xattrs;
  OmapEntries omap_set;
  std::vector<std::string> omap_remove;
  std::optional<std::string> write_full;  // replace the object's data
};

// A holder of an advisory (cls_lock) lock.
struct Locker {
  std::string client;  // "client.4123"
  std::string cookie;
  std::string address;  // what RadosClient::Blocklist takes
};

class RadosPool;

class RadosClient {
 public:
  static Status Connect(const RadosOptions& options,
                        std::unique_ptr<RadosClient>* out);
  ~RadosClient();
  RadosClient(const RadosClient&) = delete;
  RadosClient& operator=(const RadosClient&) = delete;

  // This connection's address, as lockers and blocklists name it.
  std::string address() const;
  uint64_t instance_id() const;
  int op_timeout_s() const;

  // Makes the cluster refuse every operation from `address` for `seconds`
  // (the OSDs learn it from the next osdmap, which this call waits for).
  // An address this connection blocklisted less than seconds/2 ago is not
  // sent again.
  Status Blocklist(const std::string& address, uint32_t seconds);

  // Creates `pool` (replicated, the cluster's default size) when absent.
  Status EnsurePool(const std::string& pool);

  // The monitor's health: *status "HEALTH_OK" / "HEALTH_WARN" / ...,
  // *detail the rest of its report ("" when healthy).
  Status Health(std::string* status, std::string* detail);

  struct PoolUsage {
    uint64_t objects = 0;
    uint64_t bytes = 0;
  };
  // Objects and bytes of each pool in `pools` (all namespaces).
  Status PoolStats(const std::vector<std::string>& pools,
                   std::map<std::string, PoolUsage>* out);

  // The pool `pool`, namespace `ns` ("" = the default namespace).
  Status OpenPool(const std::string& pool, const std::string& ns,
                  std::unique_ptr<RadosPool>* out);

 private:
  struct Impl;
  explicit RadosClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class RadosPool {
 public:
  ~RadosPool();
  RadosPool(const RadosPool&) = delete;
  RadosPool& operator=(const RadosPool&) = delete;

  const std::string& pool() const;
  const std::string& ns() const;
  // "pool/ns/oid" for messages.
  std::string Describe(const std::string& oid) const;

  Status Write(const std::string& oid, const WriteOp& op);
  Status Remove(const std::string& oid);

  // Up to `max` omap entries of `oid` after `start_after` ("" = from the
  // first), those starting with `prefix` only; *more says whether more
  // follow. NotFound when the object does not exist.
  Status OmapRange(const std::string& oid, const std::string& start_after,
                   const std::string& prefix, uint64_t max, OmapEntries* out,
                   bool* more);
  // Every omap entry of `oid` starting with `prefix`, in pages.
  Status OmapAll(const std::string& oid, const std::string& prefix,
                 OmapEntries* out);
  // The objects of this namespace (or of every namespace when
  // all_namespaces) as (namespace, oid), those whose oid starts with
  // `prefix` only.
  Status ListObjects(bool all_namespaces, const std::string& prefix,
                     std::vector<std::pair<std::string, std::string>>* out);
  // The object's data (all of it). NotFound when the object is absent.
  Status Read(const std::string& oid, std::string* data);
  // NotFound when the object or the xattr is absent.
  Status GetXattr(const std::string& oid, const std::string& name,
                  std::string* value);

  // cls_lock: an exclusive lock `name` on `oid` held by this connection
  // with `cookie` for `duration_ms` (0 = until unlocked). `renew` extends a
  // lock this connection already holds with the same cookie. Busy when
  // another holder has it.
  Status LockExclusive(const std::string& oid, const std::string& name,
                       const std::string& cookie,
                       const std::string& description, uint64_t duration_ms,
                       bool renew);
  Status Unlock(const std::string& oid, const std::string& name,
                const std::string& cookie);
  Status BreakLock(const std::string& oid, const std::string& name,
                   const Locker& locker);
  Status ListLockers(const std::string& oid, const std::string& name,
                     std::vector<Locker>* out);

 private:
  friend class RadosClient;
  struct Impl;
  explicit RadosPool(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The Status for librados return code `r` (< 0) of `what` (names the
// object); exposed for the tests of the mapping.
Status RadosError(int r, const std::string& what);

}  // namespace mnemo::cluster

#endif  // MNEMO_ENGINE_CLUSTER_RADOS_CLIENT_H_
