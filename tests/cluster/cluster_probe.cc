// Copyright (c) mnemo authors.
//
// mnemo-cluster-probe: one client process of the cluster tests
// (cluster_test.sh), on the engine's RADOS client and agent leases.
//
//   write  --count N [--prefix P] [--force] [--latency] [--batch K]
//          [--value-bytes B]
//       takes the agent's lease (--force: fences a live holder), writes N
//       keys to the agent's data object in guarded writes of K keys each
//       (values padded to B bytes), printing "ack KEY VALUE" for each key
//       once its write is acknowledged; --latency prints the p50/p99 of
//       the writes and keys/s.
//   read   [--expect FILE] [--absent PREFIX]
//       reads the data object's omap from this (second) process: every
//       "ack KEY VALUE" line of FILE must read back with its value; no key
//       may start with PREFIX.
//   hold   takes the lease, prints "held epoch=E", then runs stdin lines:
//       "write KEY VALUE" (a guarded write of this lease), "stale KEY VALUE"
//       (the same guarded write, with this lease's epoch, from a fresh
//       connection that is not blocklisted: what a restarted old owner
//       would send), "renew", "quit"; prints "ok ..." or "refused ...".
//       With --renew-ms N the lease renews itself every N ms; "renewals"
//       prints "renewals COUNT LAST-STATUS".
//   owner  prints the agent's owner record.
// Common flags: --conf FILE (default $CEPH_CONF) --pool P --tenant T
// --agent A --timeout S (every cluster operation) --lease-ms MS (lease
// duration, default 60000) --renew-ms MS (hold: renewal interval). Exit 0 ok, 1
// runtime error, 2 usage.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "agent_lease.h"
#include "rados_client.h"

namespace mc = mnemo::cluster;
using mnemo::Status;

namespace {

struct Args {
  std::string cmd, conf, pool = "mnemo-meta", tenant = "t1", agent = "agent-1";
  std::string prefix = "k", expect, absent;
  int count = 0, timeout_s = 30, lease_ms = 60000, renew_ms = 0;
  int batch = 1, value_bytes = 0;
  bool force = false, latency = false;
};

[[noreturn]] void Usage(const std::string& why) {
  std::cerr << "mnemo-cluster-probe: " << why
            << "\nusage: mnemo-cluster-probe write|read|hold|owner [flags]"
               " (see cluster_probe.cc)\n";
  std::exit(2);
}

Args Parse(int argc, char** argv) {
  if (argc < 2) Usage("missing command");
  Args a;
  a.cmd = argv[1];
  std::map<std::string, std::string*> strs = {
      {"--conf", &a.conf},    {"--pool", &a.pool},     {"--tenant", &a.tenant},
      {"--agent", &a.agent},  {"--prefix", &a.prefix}, {"--expect", &a.expect},
      {"--absent", &a.absent}};
  for (int i = 2; i < argc; ++i) {
    const std::string f = argv[i];
    if (f == "--force") {
      a.force = true;
      continue;
    }
    if (f == "--latency") {
      a.latency = true;
      continue;
    }
    if (i + 1 >= argc) Usage("flag " + f + " needs a value");
    const std::string v = argv[++i];
    if (strs.count(f)) {
      *strs[f] = v;
    } else if (f == "--count" || f == "--timeout" || f == "--lease-ms" ||
               f == "--renew-ms" || f == "--batch" || f == "--value-bytes") {
      char* end = nullptr;
      const long n = std::strtol(v.c_str(), &end, 10);
      if (*end != '\0' || n < 0 || n > 10000000)
        Usage("bad number for " + f + ": " + v);
      int* dst = f == "--count"      ? &a.count
                 : f == "--timeout"  ? &a.timeout_s
                 : f == "--lease-ms" ? &a.lease_ms
                 : f == "--renew-ms" ? &a.renew_ms
                 : f == "--batch"    ? &a.batch
                                     : &a.value_bytes;
      *dst = static_cast<int>(n);
    } else {
      Usage("unknown flag " + f);
    }
  }
  if (a.batch < 1) Usage("--batch must be at least 1");
  return a;
}

std::string DataOid(const Args& a) { return "r." + a.agent + ".0"; }

int Fail(const Status& s) {
  std::cerr << "mnemo-cluster-probe: " << s.ToString() << "\n";
  return 1;
}

struct Conn {
  std::unique_ptr<mc::RadosClient> client;
  std::unique_ptr<mc::RadosPool> pool;
};

Status Open(const Args& a, Conn* c) {
  mc::RadosOptions o;
  o.conf_path = a.conf;
  o.op_timeout_s = a.timeout_s;
  MNEMO_RETURN_IF_ERROR(mc::RadosClient::Connect(o, &c->client));
  return c->client->OpenPool(a.pool, a.tenant, &c->pool);
}

Status Acquire(const Args& a, Conn* c, std::unique_ptr<mc::AgentLease>* lease) {
  mc::LeaseOptions lo;
  lo.holder = "probe-pid-" + std::to_string(getpid());
  lo.force = a.force;
  lo.duration_ms = static_cast<uint64_t>(a.lease_ms);
  return mc::AgentLease::Acquire(c->client.get(), c->pool.get(), a.agent, lo,
                                 lease);
}

std::string Key(const std::string& prefix, int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%07d", i);
  return prefix + buf;
}

std::string Value(const Args& a, const std::string& key) {
  std::string v = "value of " + key;
  if (v.size() < static_cast<size_t>(a.value_bytes))
    v.resize(a.value_bytes, '.');
  return v;
}

void PrintLatency(std::vector<double> us, int keys, double seconds) {
  std::sort(us.begin(), us.end());
  std::cout << "latency guarded-write ops=" << us.size()
            << " keys_per_op=" << keys / static_cast<int>(us.size())
            << " p50_us=" << us[us.size() / 2]
            << " p99_us=" << us[std::min(us.size() - 1, us.size() * 99 / 100)]
            << " keys_per_s=" << keys / seconds << std::endl;
}

int Write(const Args& a) {
  Conn c;
  std::unique_ptr<mc::AgentLease> lease;
  Status s = Open(a, &c);
  if (s.ok()) s = Acquire(a, &c, &lease);
  if (!s.ok()) return Fail(s);
  std::cout << "held epoch=" << lease->epoch() << std::endl;
  std::vector<double> us;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < a.count; i += a.batch) {
    mc::OmapEntries kv;
    for (int j = i; j < std::min(a.count, i + a.batch); ++j) {
      const std::string k = Key(a.prefix, j);
      kv[k] = Value(a, k);
    }
    const auto t0 = std::chrono::steady_clock::now();
    s = lease->Write(DataOid(a), kv);
    if (!s.ok()) return Fail(s);
    us.push_back(std::chrono::duration<double, std::micro>(
                     std::chrono::steady_clock::now() - t0)
                     .count());
    for (const auto& [k, v] : kv) std::cout << "ack " << k << " " << v << "\n";
    std::cout.flush();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (a.latency && !us.empty()) PrintLatency(us, a.count, seconds);
  s = lease->Release();
  return s.ok() ? 0 : Fail(s);
}

int Read(const Args& a) {
  Conn c;
  Status s = Open(a, &c);
  mc::OmapEntries all;
  if (s.ok()) s = c.pool->OmapAll(DataOid(a), "", &all);
  if (!s.ok()) return Fail(s);
  int expected = 0, bad = 0;
  if (!a.expect.empty()) {
    std::ifstream in(a.expect);
    if (!in)
      return Fail(Status::IOError("cannot read expect file " + a.expect));
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("ack ", 0) != 0) continue;
      const size_t sp = line.find(' ', 4);
      const std::string k = line.substr(4, sp - 4), v = line.substr(sp + 1);
      ++expected;
      auto it = all.find(k);
      if (it == all.end() || it->second != v) {
        std::cerr << "mnemo-cluster-probe: acknowledged key " << k
                  << (it == all.end() ? " is missing" : " has the wrong value")
                  << "\n";
        ++bad;
      }
    }
  }
  for (const auto& [k, v] : all) {
    if (!a.absent.empty() && k.rfind(a.absent, 0) == 0) {
      std::cerr << "mnemo-cluster-probe: key " << k
                << " must not exist (refused write)\n";
      ++bad;
    }
  }
  std::cout << "read keys=" << all.size() << " acknowledged=" << expected
            << " bad=" << bad << std::endl;
  return bad == 0 ? 0 : 1;
}

// A guarded write as the lease of epoch `epoch` sends it, from a fresh
// connection: the OSDs must refuse it once the agent was taken over.
Status StaleWrite(const Args& a, uint64_t epoch, const std::string& k,
                  const std::string& v) {
  Conn c;
  MNEMO_RETURN_IF_ERROR(Open(a, &c));
  mc::WriteOp op;
  op.must_exist = true;
  op.guards.push_back(
      {mc::AgentLease::kEpochXattr, mc::XattrGuard::Op::kGe, epoch});
  op.set_xattrs[mc::AgentLease::kEpochXattr] = std::to_string(epoch);
  op.omap_set[k] = v;
  return c.pool->Write(DataOid(a), op);
}

int Hold(const Args& a) {
  Conn c;
  std::unique_ptr<mc::AgentLease> lease;
  Status s = Open(a, &c);
  if (s.ok()) s = Acquire(a, &c, &lease);
  if (!s.ok()) return Fail(s);
  std::cout << "held epoch=" << lease->epoch()
            << " address=" << c.client->address() << std::endl;
  if (a.renew_ms > 0) lease->StartRenewal(static_cast<uint64_t>(a.renew_ms));
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string cmd, k, v;
    in >> cmd >> k >> v;
    if (cmd == "quit") break;
    if (cmd == "renewals") {
      std::cout << "renewals " << lease->renewals() << " "
                << lease->renewal_status().ToString() << std::endl;
      continue;
    }
    if (cmd == "write") {
      s = lease->Write(DataOid(a), {{k, v}});
    } else if (cmd == "stale") {
      s = StaleWrite(a, lease->epoch(), k, v);
    } else if (cmd == "renew") {
      s = lease->Renew();
    } else {
      s = Status::InvalidArgument("unknown command '" + cmd + "'");
    }
    std::cout << (s.ok() ? "ok " + cmd + " " + k : "refused " + s.ToString())
              << std::endl;
  }
  return 0;
}

int Owner(const Args& a) {
  Conn c;
  mc::OwnerInfo o;
  Status s = Open(a, &c);
  if (s.ok()) s = mc::AgentLease::ReadOwner(c.pool.get(), a.agent, &o);
  if (!s.ok()) return Fail(s);
  std::cout << "owner epoch=" << o.epoch << " address=" << o.address
            << " holder=" << o.holder << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = Parse(argc, argv);
  if (a.cmd == "write") return Write(a);
  if (a.cmd == "read") return Read(a);
  if (a.cmd == "hold") return Hold(a);
  if (a.cmd == "owner") return Owner(a);
  Usage("unknown command " + a.cmd);
}
