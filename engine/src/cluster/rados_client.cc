// Copyright (c) mnemo authors.
//
// RadosClient: connecting, timeouts, blocklisting, pools; and the mapping
// of librados return codes onto Status (rados_client.h).

#include "rados_client.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <list>
#include <map>
#include <rados/librados.hpp>
#include <string>
#include <utility>

#include "mnemo/port/mutex.h"
#include "rados_internal.h"

namespace mnemo::cluster {

Status RadosError(int r, const std::string& what) {
  const int e = r < 0 ? -r : r;
  std::string text = what + ": " + std::strerror(e);
  switch (e) {
    case ENOENT:
      return Status::NotFound(text);
    case EEXIST:
      return Status::AlreadyExists(text);
    case EBUSY:
      return Status::Busy(text);
    case ECANCELED:
      return Status::FailedPrecondition(
          what +
          ": guard failed (an xattr compare did not hold: a stale "
          "lease epoch or a concurrent change; nothing applied)");
    case ESHUTDOWN:  // Ceph's EBLOCKLISTED
      return Status::FailedPrecondition(
          what +
          ": this client is blocklisted by the cluster (fenced: "
          "another client took over)");
    case ETIMEDOUT:
      return Status::IOError(what +
                             ": timed out (cluster unreachable or "
                             "below min_size)");
    case EINVAL:
    case ERANGE:
      return Status::InvalidArgument(text);
    case ENOSPC:
    case EDQUOT:
      return Status::ResourceExhausted(text);
    default:
      return Status::IOError(text);
  }
}

struct RadosClient::Impl {
  librados::Rados rados;
  bool connected = false;
  int op_timeout_s = 30;
  // Addresses this connection blocklisted, until when: a dead host's
  // agents are taken over one by one, and each new entry costs the
  // cluster an osdmap epoch, so an address is added once per half term.
  port::Mutex mu;
  std::map<std::string, std::chrono::steady_clock::time_point> blocklisted
      GUARDED_BY(mu);
  ~Impl() {
    if (connected) rados.shutdown();
  }
};

RadosClient::RadosClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RadosClient::~RadosClient() = default;

namespace {

// Applies the configuration; librados reads $CEPH_CONF when `conf` is "".
Status Configure(librados::Rados& rados, const RadosOptions& options) {
  const std::string what =
      options.conf_path.empty()
          ? std::string("cluster configuration ($CEPH_CONF)")
          : "cluster configuration " + options.conf_path;
  int r = rados.conf_read_file(
      options.conf_path.empty() ? nullptr : options.conf_path.c_str());
  if (r < 0) return RadosError(r, what);
  const std::string t = std::to_string(options.op_timeout_s);
  for (const char* key : {"rados_osd_op_timeout", "rados_mon_op_timeout",
                          "client_mount_timeout"}) {
    r = rados.conf_set(key, t.c_str());
    if (r < 0) return RadosError(r, what + ": setting " + key);
  }
  return Status::OK();
}

}  // namespace

Status RadosClient::Connect(const RadosOptions& options,
                            std::unique_ptr<RadosClient>* out) {
  if (options.op_timeout_s <= 0) {
    return Status::InvalidArgument("cluster: op_timeout_s must be positive");
  }
  try {
    auto impl = std::make_unique<Impl>();
    impl->op_timeout_s = options.op_timeout_s;
    int r = impl->rados.init(options.client_id.c_str());
    if (r < 0) return RadosError(r, "cluster client " + options.client_id);
    MNEMO_RETURN_IF_ERROR(Configure(impl->rados, options));
    r = impl->rados.connect();
    if (r < 0) {
      return RadosError(
          r, "connecting to the cluster (" +
                 (options.conf_path.empty() ? std::string("$CEPH_CONF")
                                            : options.conf_path) +
                 ")");
    }
    impl->connected = true;
    out->reset(new RadosClient(std::move(impl)));
    return Status::OK();
  } catch (const std::exception& e) {
    return Status::IOError(std::string("connecting to the cluster: ") +
                           e.what());
  }
}

std::string RadosClient::address() const { return impl_->rados.get_addrs(); }

uint64_t RadosClient::instance_id() const {
  return impl_->rados.get_instance_id();
}

int RadosClient::op_timeout_s() const { return impl_->op_timeout_s; }

Status RadosClient::Blocklist(const std::string& address, uint32_t seconds) {
  const auto now = std::chrono::steady_clock::now();
  {
    port::MutexLock l(&impl_->mu);
    auto it = impl_->blocklisted.find(address);
    if (it != impl_->blocklisted.end() && it->second > now) return Status::OK();
  }
  int r = impl_->rados.blocklist_add(address, seconds);
  if (r < 0) return RadosError(r, "blocklisting client " + address);
  // The refusal happens at the OSDs, which learn it from the osdmap; waiting
  // for the newest map here means our next operation already carries it.
  r = impl_->rados.wait_for_latest_osdmap();
  if (r < 0) return RadosError(r, "waiting for the osdmap after blocklisting");
  port::MutexLock l(&impl_->mu);
  impl_->blocklisted[address] = now + std::chrono::seconds(seconds / 2);
  return Status::OK();
}

Status RadosClient::EnsurePool(const std::string& pool) {
  if (impl_->rados.pool_lookup(pool.c_str()) >= 0) return Status::OK();
  int r = impl_->rados.pool_create(pool.c_str());
  if (r < 0 && r != -EEXIST) return RadosError(r, "creating pool " + pool);
  return Status::OK();
}

Status RadosClient::Health(std::string* status, std::string* detail) {
  librados::bufferlist in, out;
  std::string outs;
  int r = impl_->rados.mon_command(R"({"prefix": "health"})", in, &out, &outs);
  if (r < 0) return RadosError(r, "asking the monitor for the health");
  std::string text(out.c_str(), out.length());
  if (text.empty()) text = outs;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  const size_t cut = text.find_first_of(" \n");
  *status = text.substr(0, cut);
  *detail = cut == std::string::npos ? "" : text.substr(cut + 1);
  return Status::OK();
}

Status RadosClient::PoolStats(const std::vector<std::string>& pools,
                              std::map<std::string, PoolUsage>* out) {
  std::list<std::string> names(pools.begin(), pools.end());
  std::map<std::string, librados::pool_stat_t> stats;
  int r = impl_->rados.get_pool_stats(names, stats);
  if (r < 0) return RadosError(r, "reading pool statistics");
  out->clear();
  for (const auto& [name, st] : stats) {
    (*out)[name] = PoolUsage{st.num_objects, st.num_bytes};
  }
  return Status::OK();
}

Status RadosClient::OpenPool(const std::string& pool, const std::string& ns,
                             std::unique_ptr<RadosPool>* out) {
  auto impl = std::make_unique<RadosPool::Impl>();
  impl->pool = pool;
  impl->ns = ns;
  int r = impl_->rados.ioctx_create(pool.c_str(), impl->io);
  if (r < 0) return RadosError(r, "opening pool " + pool);
  impl->io.set_namespace(ns);
  out->reset(new RadosPool(std::move(impl)));
  return Status::OK();
}

}  // namespace mnemo::cluster
