// Copyright (c) mnemo authors.
//
// mnemo-cluster-host: one mnemo host process of the cluster store tests
// (cluster_store_test.sh), on the public Store API with Options::cluster.
//
//   mnemo-cluster-host --dir D [--conf F] [--host NAME] [--lease S]
//                      [--timeout S] CMD ARGS...
//   write TENANT AGENT N [--batch K] [--retry-busy S]
//       Puts N records ("<agent> <i>"; --ttl-days T: expiring T days from
//       now), K per PutBatch, printing
//       "ack ID AGENT I" once each is acknowledged. --retry-busy: a Busy
//       write (agent owned by a live host) is retried for up to S seconds.
//       Exits 3 on FailedPrecondition (fenced / lease lost), 4 on Busy,
//       1 on another error, printing "error STATUS" to stderr. --check
//       FILE: then, as the agent's owner (reads served by the cache
//       hydrated at takeover), check FILE as `check` does, scan the agent
//       as `scan` does and print its owned agents ("owns T/A epoch E").
//   hold TENANT AGENT
//       writes one record (ack line), prints "holding", then waits for
//       stdin to close and closes the store (releasing the lease).
//   check TENANT FILE
//       every "ack ID AGENT I" line of FILE reads back with Get, with its
//       text; prints "checked N".
//   scan TENANT AGENT          prints "scanned N" (all pages of Scan).
//   get TENANT ID              exit 0 found, 5 NotFound.
//   stats                      GetClusterStats ("owns": this process's
//                              leases; "held T/A epoch E by HOST": every
//                              agent a host holds, from the head objects).
//   agents [TENANT]            ListClusterAgents ("agent T/A" lines).
//   verify [--repair]          VerifyCluster of every tenant; exit 0 when ok.
//   compact TENANT AGENT N [--days D]
//       writes N records as `write` does (ack lines; N may be 0), takes the
//       agent (AcquireAgent), then Compact as of D days from now (default
//       30: pages, no decay) with pages of at most 50 records; prints
//       "compacted P pages R paged".
//   pages TENANT AGENT
//       every record of the agent (Scan) by tier, and every page a paged
//       record stands on read with GetPage; ListPages' count. Prints
//       "tiers H W P D pages N".

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "mnemo/cluster.h"
#include "mnemo/store.h"

using mnemo::Status;

namespace {

struct Args {
  std::string dir, conf, host;
  std::string check;  // write: then check this ack file and scan, as owner
  int lease_s = 30, timeout_s = 30, batch = 1, retry_busy_s = 0, days = 30;
  int ttl_days = 0;  // write: records expire this many days from now
  bool repair = false;
  std::vector<std::string> rest;
};

[[noreturn]] void Usage(const std::string& why) {
  std::cerr << "mnemo-cluster-host: " << why << "\n";
  std::exit(2);
}

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string f = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage("missing value of " + f);
      return argv[++i];
    };
    if (f == "--dir")
      a.dir = value();
    else if (f == "--conf")
      a.conf = value();
    else if (f == "--host")
      a.host = value();
    else if (f == "--lease")
      a.lease_s = std::stoi(value());
    else if (f == "--timeout")
      a.timeout_s = std::stoi(value());
    else if (f == "--batch")
      a.batch = std::stoi(value());
    else if (f == "--retry-busy")
      a.retry_busy_s = std::stoi(value());
    else if (f == "--check")
      a.check = value();
    else if (f == "--ttl-days")
      a.ttl_days = std::stoi(value());
    else if (f == "--days")
      a.days = std::stoi(value());
    else if (f == "--repair")
      a.repair = true;
    else
      a.rest.push_back(f);
  }
  if (a.dir.empty() || a.rest.empty()) Usage("need --dir and a command");
  return a;
}

int Fail(const Status& s) {
  std::cerr << "error " << s.ToString() << std::endl;
  if (s.IsFailedPrecondition()) return 3;
  if (s.IsBusy()) return 4;
  return 1;
}

mnemo::Micros NowMicros() {
  return static_cast<mnemo::Micros>(
      std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
}

std::string Text(const std::string& agent, long i) {
  return agent + " " + std::to_string(i);
}

int Write(mnemo::Store* store, const Args& a, const std::string& tenant,
          const std::string& agent, long n) {
  const auto give_up =
      std::chrono::steady_clock::now() + std::chrono::seconds(a.retry_busy_s);
  for (long i = 0; i < n;) {
    std::vector<mnemo::Record> batch;
    for (long j = i; j < n && j < i + a.batch; ++j) {
      mnemo::Record r;
      r.ns = {tenant, agent, "s" + std::to_string(j % 3)};
      r.text = Text(agent, j);
      if (a.ttl_days > 0) {
        r.expires_at = NowMicros() + a.ttl_days * mnemo::kDayMicros;
      }
      batch.push_back(std::move(r));
    }
    std::vector<mnemo::RecordId> ids;
    Status s = store->PutBatch(mnemo::WriteOptions(), batch, &ids);
    if (s.IsBusy() && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(
          std::chrono::milliseconds(200));  // retry pace
      continue;
    }
    if (!s.ok()) return Fail(s);
    for (size_t k = 0; k < ids.size(); ++k) {
      std::printf("ack %llu %s %ld\n", static_cast<unsigned long long>(ids[k]),
                  agent.c_str(), i + static_cast<long>(k));
    }
    std::fflush(stdout);
    i += static_cast<long>(ids.size());
  }
  return 0;
}

int Check(mnemo::Store* store, const std::string& tenant,
          const std::string& file) {
  std::ifstream in(file);
  std::string line;
  long checked = 0;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string tag, agent;
    unsigned long long id = 0;
    long i = 0;
    if (!(ls >> tag >> id >> agent >> i) || tag != "ack") continue;
    mnemo::Record r;
    mnemo::ReadOptions ro;
    ro.count_access = false;
    Status s = store->Get(ro, tenant, id, &r);
    if (!s.ok()) return Fail(s.WithContext("acknowledged record"));
    if (r.text != Text(agent, i) || r.ns.agent != agent) {
      std::cerr << "error record " << id << " reads back as '" << r.text
                << "' (agent " << r.ns.agent << ")" << std::endl;
      return 1;
    }
    ++checked;
  }
  std::printf("checked %ld\n", checked);
  return 0;
}

int ScanAll(mnemo::Store* store, const std::string& tenant,
            const std::string& agent) {
  mnemo::ScanOptions so;
  so.tenant = tenant;
  so.agent = agent;
  so.limit = 500;
  long n = 0;
  for (;;) {
    mnemo::ScanResult res;
    Status s = store->Scan(mnemo::ReadOptions(), so, &res);
    if (!s.ok()) return Fail(s);
    n += static_cast<long>(res.records.size());
    if (res.next_cursor.empty()) break;
    so.cursor = res.next_cursor;
  }
  std::printf("scanned %ld\n", n);
  return 0;
}

int Stats(mnemo::Store* store) {
  mnemo::ClusterStats st;
  Status s = mnemo::GetClusterStats(store, &st);
  if (!s.ok()) return Fail(s);
  std::printf("health %s\nhost %s\n", st.health.c_str(), st.host.c_str());
  for (const auto& p : st.pools) {
    std::printf("pool %s objects %llu bytes %llu (%s)\n", p.name.c_str(),
                static_cast<unsigned long long>(p.objects),
                static_cast<unsigned long long>(p.bytes), p.source.c_str());
  }
  for (const auto& o : st.owned_agents) {
    std::printf("owns %s/%s epoch %llu\n", o.tenant.c_str(), o.agent.c_str(),
                static_cast<unsigned long long>(o.epoch));
  }
  for (const auto& o : st.cluster_owners) {
    std::printf("held %s/%s epoch %llu by %s\n", o.tenant.c_str(),
                o.agent.c_str(), static_cast<unsigned long long>(o.epoch),
                o.holder.c_str());
  }
  return 0;
}

int Verify(mnemo::Store* store, bool repair) {
  mnemo::ClusterVerifyOptions vo;
  vo.repair = repair;
  mnemo::ClusterVerifyReport rep;
  Status s = mnemo::VerifyCluster(store, vo, &rep);
  if (!s.ok()) return Fail(s);
  auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  std::printf("agents %llu records %llu directory %llu problems %zu\n",
              u(rep.agents_checked), u(rep.records_checked),
              u(rep.directory_entries_checked), rep.problems.size());
  std::printf("pages %llu orphan %llu missing %llu pending %llu corrupt %llu "
              "repaired %llu\n",
              u(rep.pages_checked), u(rep.orphan_pages), u(rep.missing_pages),
              u(rep.pending_pages), u(rep.corrupt_pages), u(rep.repaired));
  for (const auto& p : rep.problems) std::printf("problem %s\n", p.c_str());
  return rep.ok() ? 0 : 1;
}

int Compact(mnemo::Store* store, const Args& a, const std::string& tenant,
            const std::string& agent, long n) {
  int rc = Write(store, a, tenant, agent, n);
  if (rc != 0) return rc;
  const auto give_up =
      std::chrono::steady_clock::now() + std::chrono::seconds(a.retry_busy_s);
  Status s;
  while ((s = mnemo::AcquireAgent(store, tenant, agent)).IsBusy() &&
         std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // pace
  }
  if (!s.ok()) return Fail(s);
  mnemo::CompactOptions co;
  co.now = NowMicros() + a.days * mnemo::kDayMicros;
  co.policy.max_records_per_group = 50;
  mnemo::CompactResult res;
  s = store->Compact(co, &res);
  if (!s.ok()) return Fail(s);
  std::printf("compacted %llu pages %llu paged\n",
              static_cast<unsigned long long>(res.pages_written),
              static_cast<unsigned long long>(res.records_paged));
  return 0;
}

int Pages(mnemo::Store* store, const std::string& tenant,
          const std::string& agent) {
  mnemo::ScanOptions so;
  so.tenant = tenant;
  so.agent = agent;
  so.limit = 500;
  long tiers[4] = {0, 0, 0, 0};
  for (;;) {
    mnemo::ScanResult res;
    Status s = store->Scan(mnemo::ReadOptions(), so, &res);
    if (!s.ok()) return Fail(s);
    for (const auto& r : res.records) {
      ++tiers[static_cast<int>(r.tier)];
      for (uint32_t i = 0; r.page.valid() && i < r.page.page_count; ++i) {
        mnemo::PageData page;
        s = store->GetPage(mnemo::ReadOptions(), tenant, r.page.page_id + i,
                           &page);
        if (!s.ok()) return Fail(s.WithContext("page of record " +
                                               std::to_string(r.id)));
      }
    }
    if (res.next_cursor.empty()) break;
    so.cursor = res.next_cursor;
  }
  std::vector<mnemo::PageInfo> pages;
  Status s = store->ListPages(mnemo::ReadOptions(), tenant, agent, &pages);
  if (!s.ok()) return Fail(s);
  std::printf("tiers %ld %ld %ld %ld pages %zu\n", tiers[0], tiers[1],
              tiers[2], tiers[3], pages.size());
  return 0;
}

int Run(mnemo::Store* store, const Args& a) {
  const auto& r = a.rest;
  auto need = [&](size_t n) {
    if (r.size() != n + 1) Usage("wrong arguments for " + r[0]);
  };
  if (r[0] == "write") {
    need(3);
    int rc = Write(store, a, r[1], r[2], std::stol(r[3]));
    if (rc != 0 || a.check.empty()) return rc;
    if ((rc = Check(store, r[1], a.check)) != 0) return rc;
    if ((rc = ScanAll(store, r[1], r[2])) != 0) return rc;
    return Stats(store);
  }
  if (r[0] == "hold") {
    need(2);
    int rc = Write(store, a, r[1], r[2], 1);
    if (rc != 0) return rc;
    std::printf("holding\n");
    std::fflush(stdout);
    std::string ignored;
    while (std::getline(std::cin, ignored)) {
    }
    return 0;
  }
  if (r[0] == "check") {
    need(2);
    return Check(store, r[1], r[2]);
  }
  if (r[0] == "scan") {
    need(2);
    return ScanAll(store, r[1], r[2]);
  }
  if (r[0] == "get") {
    need(2);
    mnemo::Record rec;
    Status s = store->Get(mnemo::ReadOptions(), r[1], std::stoull(r[2]), &rec);
    if (s.IsNotFound()) {
      std::printf("notfound\n");
      return 5;
    }
    if (!s.ok()) return Fail(s);
    std::printf("found %s\n", rec.text.c_str());
    return 0;
  }
  if (r[0] == "agents") {  // agents [TENANT]: ListClusterAgents
    std::vector<mnemo::ClusterAgent> agents;
    Status s =
        mnemo::ListClusterAgents(store, r.size() > 1 ? r[1] : "", &agents);
    if (!s.ok()) return Fail(s);
    for (const auto& ag : agents) {
      std::printf("agent %s/%s\n", ag.tenant.c_str(), ag.agent.c_str());
    }
    return 0;
  }
  if (r[0] == "compact") {
    need(3);
    return Compact(store, a, r[1], r[2], std::stol(r[3]));
  }
  if (r[0] == "pages") {
    need(2);
    return Pages(store, r[1], r[2]);
  }
  if (r[0] == "stats") return Stats(store);
  if (r[0] == "verify") return Verify(store, a.repair);
  Usage("unknown command " + r[0]);
}

}  // namespace

int main(int argc, char** argv) {
  Args a = Parse(argc, argv);
  mnemo::Options o;
  o.cluster.enabled = true;
  o.cluster.conf_path = a.conf;
  o.cluster.host_name = a.host;
  o.cluster.lease_seconds = static_cast<uint32_t>(a.lease_s);
  o.cluster.op_timeout_seconds = static_cast<uint32_t>(a.timeout_s);
  o.search_index_interval_ms = 0;
  o.track_access = false;
  std::unique_ptr<mnemo::Store> store;
  Status s = mnemo::Store::Open(o, a.dir, &store);
  if (!s.ok()) return Fail(s);
  return Run(store.get(), a);
}
