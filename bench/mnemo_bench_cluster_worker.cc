// Copyright (c) mnemo authors.
//
// One host process of mnemo-bench --cluster. It opens its own store (a
// fresh local directory; in cluster mode that directory is the host's cache
// and RADOS holds the records), generates the synthetic conversation of its
// own agents (h<H>a0, h<H>a1, ...), prints "ready" and then runs one phase
// per line it reads on stdin:
//   put     single Puts (each acknowledged before the next: the latency a
//           host sees for one durable write)
//   get     point Gets of ids this host wrote
//   scan    time-range Scans (up to 20 records) of one of its agents
//   search  BM25 searches (ops / 4) over one of its agents, two words taken
//           from a record's text
//   quit    close the store and exit
// Each phase answers "result <phase> {json}" with ok/error, ops, the
// steady-clock start and end (CLOCK_MONOTONIC: comparable between the
// processes of one machine) and every latency in microseconds.

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>

#include "mnemo/store.h"
#include "mnemo_bench_cluster.h"
#include "mnemo_bench_cluster_store.h"
#include "mnemo_bench_util.h"
#include "workload/synthetic.h"

namespace mnemo::bench {
namespace {

constexpr char kTenant[] = "bench";

struct Worker {
  int host = 0;
  std::string dir, conf;
  size_t ops = 300;
  int agents = 4;
  std::unique_ptr<Store> store;
  std::vector<Record> records;
  std::vector<RecordId> ids;
  std::mt19937_64 rng;
};

bool ParseWorkerFlags(int argc, char** argv, Worker* w) {
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--host") w->host = std::atoi(value.c_str());
    else if (flag == "--dir") w->dir = value;
    else if (flag == "--conf") w->conf = value;
    else if (flag == "--ops") w->ops = std::strtoull(value.c_str(), nullptr, 10);
    else if (flag == "--agents") w->agents = std::atoi(value.c_str());
    else return false;
  }
  return !w->dir.empty() && w->ops > 0 && w->agents > 0;
}

// Enough records for `ops` Puts, spread over the host's agents.
void MakeRecords(Worker* w) {
  workload::SyntheticOptions o;
  o.tenant = kTenant;
  o.agents.clear();
  for (int a = 0; a < w->agents; ++a) {
    o.agents.push_back("h" + std::to_string(w->host) + "a" + std::to_string(a));
  }
  o.sessions_per_agent = 2;
  const size_t per_exchange = 5 * 2 * static_cast<size_t>(w->agents);
  o.exchanges_per_session = static_cast<int>(w->ops / per_exchange + 1);
  o.seed = 42 + static_cast<uint64_t>(w->host);
  w->records = workload::GenerateConversation(o);
  w->records.resize(std::min(w->records.size(), w->ops));
  w->rng.seed(7 + static_cast<uint64_t>(w->host));
}

// Two words of a record's text (letters only), as a query.
std::string QueryFrom(const std::string& text, std::mt19937_64& rng) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string word; in >> word;) {
    std::string letters;
    for (char c : word) {
      if (std::isalpha(static_cast<unsigned char>(c))) letters += c;
    }
    if (letters.size() >= 4) words.push_back(letters);
  }
  if (words.empty()) return "agent";
  return words[rng() % words.size()] + " " + words[rng() % words.size()];
}

// Runs op(i) for i in [0, n), one at a time, and prints the result line.
void RunPhase(const std::string& phase, size_t n,
              const std::function<Status(size_t)>& op,
              uint64_t text_bytes = 0) {
  nlohmann::json out;
  out["text_bytes"] = text_bytes;
  std::vector<uint64_t> lat_us;
  lat_us.reserve(n);
  Status failed;
  const double start = NowSeconds();
  for (size_t i = 0; i < n; ++i) {
    const double t0 = NowSeconds();
    Status s = op(i);
    if (!s.ok()) {
      failed = s.WithContext(phase + " #" + std::to_string(i));
      break;
    }
    lat_us.push_back(static_cast<uint64_t>((NowSeconds() - t0) * 1e6));
  }
  out["ok"] = failed.ok();
  out["error"] = failed.ok() ? "" : failed.ToString();
  out["ops"] = lat_us.size();
  out["start"] = start;
  out["end"] = NowSeconds();
  out["lat_us"] = lat_us;
  std::printf("result %s %s\n", phase.c_str(), out.dump().c_str());
  std::fflush(stdout);
}

Status PutOne(Worker* w, size_t i) {
  RecordId id = 0;
  Status s = w->store->Put(WriteOptions(), w->records[i], &id);
  if (s.ok()) w->ids.push_back(id);
  return s;
}

Status GetOne(Worker* w) {
  if (w->ids.empty()) return Status::InvalidArgument("get before put");
  Record r;
  return w->store->Get(ReadOptions(), kTenant, w->ids[w->rng() % w->ids.size()],
                       &r);
}

Status ScanOne(Worker* w) {
  const Record& from = w->records[w->rng() % w->ids.size()];
  ScanOptions scan;
  scan.tenant = kTenant;
  scan.agent = from.ns.agent;
  scan.start_time = from.event_time;
  scan.limit = 20;
  ScanResult result;
  return w->store->Scan(ReadOptions(), scan, &result);
}

Status SearchOne(Worker* w) {
  const Record& from = w->records[w->rng() % w->ids.size()];
  SearchOptions search;
  search.filter.tenant = kTenant;
  search.filter.agent = from.ns.agent;
  search.query = QueryFrom(from.text, w->rng);
  SearchResult result;
  return w->store->Search(search, &result);
}

int Serve(Worker* w) {
  for (std::string phase; std::getline(std::cin, phase);) {
    if (phase == "quit") break;
    if (phase == "put") {
      uint64_t bytes = 0;
      for (const Record& r : w->records) bytes += r.text.size();
      RunPhase(phase, w->records.size(), [w](size_t i) { return PutOne(w, i); },
               bytes);
    } else if (phase == "get") {
      RunPhase(phase, w->ops, [w](size_t) { return GetOne(w); });
    } else if (phase == "scan") {
      RunPhase(phase, w->ids.empty() ? 0 : w->ops,
               [w](size_t) { return ScanOne(w); });
    } else if (phase == "search") {
      RunPhase(phase, w->ids.empty() ? 0 : std::max<size_t>(1, w->ops / 4),
               [w](size_t) { return SearchOne(w); });
    } else {
      std::fprintf(stderr, "mnemo-bench worker: unknown phase '%s'\n",
                   phase.c_str());
      return 2;
    }
  }
  w->store.reset();
  std::printf("bye\n");
  std::fflush(stdout);
  return 0;
}

}  // namespace

int RunClusterWorker(int argc, char** argv) {
  Worker w;
  if (!ParseWorkerFlags(argc, argv, &w)) {
    std::fprintf(stderr, "mnemo-bench --cluster-worker: bad flags\n");
    return 2;
  }
  MakeRecords(&w);
  Status s = OpenBenchStore(w.dir, w.conf, "bench-h" + std::to_string(w.host), &w.store);
  if (!s.ok()) {
    std::printf("error %s\n", s.ToString().c_str());
    std::fflush(stdout);
    return 1;
  }
  std::printf("ready\n");
  std::fflush(stdout);
  return Serve(&w);
}

}  // namespace mnemo::bench
