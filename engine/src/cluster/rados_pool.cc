// Copyright (c) mnemo authors.
//
// RadosPool: object operations in one pool and namespace (rados_client.h).

#include <cerrno>
#include <list>
#include <rados/librados.hpp>
#include <set>
#include <system_error>
#include <string>
#include <utility>

#include "rados_client.h"
#include "rados_internal.h"

namespace mnemo::cluster {

namespace {

librados::bufferlist ToBuffer(const std::string& s) {
  librados::bufferlist bl;
  bl.append(s.data(), s.size());
  return bl;
}

std::string FromBuffer(const librados::bufferlist& bl) {
  std::string s;
  s.reserve(bl.length());
  for (const auto& p : bl.buffers()) s.append(p.c_str(), p.length());
  return s;
}

uint8_t CmpOp(XattrGuard::Op op) {
  return op == XattrGuard::Op::kEq ? LIBRADOS_CMPXATTR_OP_EQ
                                   : LIBRADOS_CMPXATTR_OP_GTE;
}

// Guards first, then the changes: the OSD evaluates the sub-operations in
// order and applies none of them when one fails.
void Build(const WriteOp& op, librados::ObjectWriteOperation* w) {
  if (op.must_exist) w->assert_exists();
  if (op.create || op.exclusive_create) w->create(op.exclusive_create);
  for (const XattrGuard& g : op.guards) {
    w->cmpxattr(g.name.c_str(), CmpOp(g.op), g.value);
  }
  for (const auto& [name, value] : op.set_xattrs) {
    w->setxattr(name.c_str(), ToBuffer(value));
  }
  if (op.write_full) w->write_full(ToBuffer(*op.write_full));
  if (!op.omap_remove.empty()) {
    w->omap_rm_keys(
        std::set<std::string>(op.omap_remove.begin(), op.omap_remove.end()));
  }
  if (!op.omap_set.empty()) {
    std::map<std::string, librados::bufferlist> kv;
    for (const auto& [k, v] : op.omap_set) kv.emplace(k, ToBuffer(v));
    w->omap_set(kv);
  }
}

}  // namespace

RadosPool::RadosPool(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RadosPool::~RadosPool() = default;

const std::string& RadosPool::pool() const { return impl_->pool; }
const std::string& RadosPool::ns() const { return impl_->ns; }

std::string RadosPool::Describe(const std::string& oid) const {
  return "object " + impl_->pool + "/" + impl_->ns + "/" + oid;
}

Status RadosPool::Write(const std::string& oid, const WriteOp& op) {
  librados::ObjectWriteOperation w;
  Build(op, &w);
  int r = impl_->io.operate(oid, &w);
  if (r < 0) return RadosError(r, "writing " + Describe(oid));
  return Status::OK();
}

Status RadosPool::Remove(const std::string& oid) {
  int r = impl_->io.remove(oid);
  if (r < 0) return RadosError(r, "removing " + Describe(oid));
  return Status::OK();
}

Status RadosPool::OmapRange(const std::string& oid,
                            const std::string& start_after,
                            const std::string& prefix, uint64_t max,
                            OmapEntries* out, bool* more) {
  std::map<std::string, librados::bufferlist> vals;
  bool m = false;
  int r = impl_->io.omap_get_vals2(oid, start_after, prefix, max, &vals, &m);
  if (r < 0) return RadosError(r, "reading the omap of " + Describe(oid));
  for (auto& [k, v] : vals) (*out)[k] = FromBuffer(v);
  if (more != nullptr) *more = m;
  return Status::OK();
}

Status RadosPool::OmapAll(const std::string& oid, const std::string& prefix,
                          OmapEntries* out) {
  constexpr uint64_t kPage = 1024;
  std::string after;
  for (bool more = true; more;) {
    OmapEntries page;
    MNEMO_RETURN_IF_ERROR(OmapRange(oid, after, prefix, kPage, &page, &more));
    if (page.empty()) break;
    after = page.rbegin()->first;
    out->merge(page);
  }
  return Status::OK();
}

Status RadosPool::Read(const std::string& oid, std::string* data) {
  uint64_t size = 0;
  time_t mtime = 0;
  int r = impl_->io.stat(oid, &size, &mtime);
  if (r < 0) return RadosError(r, "reading " + Describe(oid));
  librados::bufferlist bl;
  if (size > 0) r = impl_->io.read(oid, bl, size, 0);
  if (r < 0) return RadosError(r, "reading " + Describe(oid));
  *data = FromBuffer(bl);
  return Status::OK();
}

Status RadosPool::GetXattr(const std::string& oid, const std::string& name,
                           std::string* value) {
  librados::bufferlist bl;
  int r = impl_->io.getxattr(oid, name.c_str(), bl);
  if (r == -ENODATA) {
    return Status::NotFound("xattr " + name + " of " + Describe(oid) +
                            ": not set");
  }
  if (r < 0)
    return RadosError(r, "reading xattr " + name + " of " + Describe(oid));
  *value = FromBuffer(bl);
  return Status::OK();
}

Status RadosPool::LockExclusive(const std::string& oid, const std::string& name,
                                const std::string& cookie,
                                const std::string& description,
                                uint64_t duration_ms, bool renew) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(duration_ms / 1000);
  tv.tv_usec = static_cast<suseconds_t>((duration_ms % 1000) * 1000);
  int r = impl_->io.lock_exclusive(oid, name, cookie, description,
                                   duration_ms ? &tv : nullptr,
                                   renew ? LIBRADOS_LOCK_FLAG_MAY_RENEW : 0);
  if (r < 0) {
    return RadosError(r, "taking lock " + name + " on " + Describe(oid));
  }
  return Status::OK();
}

Status RadosPool::Unlock(const std::string& oid, const std::string& name,
                         const std::string& cookie) {
  int r = impl_->io.unlock(oid, name, cookie);
  if (r < 0)
    return RadosError(r, "releasing lock " + name + " on " + Describe(oid));
  return Status::OK();
}

Status RadosPool::BreakLock(const std::string& oid, const std::string& name,
                            const Locker& locker) {
  int r = impl_->io.break_lock(oid, name, locker.client, locker.cookie);
  if (r < 0 && r != -ENOENT) {
    return RadosError(r, "breaking lock " + name + " of " + locker.client +
                             " on " + Describe(oid));
  }
  return Status::OK();
}

Status RadosPool::ListLockers(const std::string& oid, const std::string& name,
                              std::vector<Locker>* out) {
  int exclusive = 0;
  std::string tag;
  std::list<librados::locker_t> lockers;
  int r = impl_->io.list_lockers(oid, name, &exclusive, &tag, &lockers);
  if (r < 0)
    return RadosError(r, "listing lock " + name + " on " + Describe(oid));
  for (const auto& l : lockers) out->push_back({l.client, l.cookie, l.address});
  return Status::OK();
}

Status RadosPool::ListObjects(
    bool all_namespaces, const std::string& prefix,
    std::vector<std::pair<std::string, std::string>>* out) {
  out->clear();
  try {
    librados::IoCtx io;
    io.dup(impl_->io);
    if (all_namespaces) io.set_namespace(librados::all_nspaces);
    for (auto it = io.nobjects_begin(); it != io.nobjects_end(); ++it) {
      if (it->get_oid().compare(0, prefix.size(), prefix) != 0) continue;
      out->emplace_back(it->get_nspace(), it->get_oid());
    }
  } catch (const std::system_error& e) {
    return RadosError(-e.code().value(), "listing " + Describe(prefix + "*"));
  } catch (const std::exception& e) {
    return Status::IOError("listing " + Describe(prefix + "*") + ": " +
                           e.what());
  }
  return Status::OK();
}

}  // namespace mnemo::cluster
