// Copyright (c) mnemo authors.
//
// Store phases: mnemo Put / PutBatch / Get / Scan next to raw RocksDB
// opened with the store's own DB and `records` family options (from
// engine/src/rocks_glue.h, as bench/store_bench.cc does), writing the same
// record bytes under a namespaced time-ordered key, interleaved in chunks.

#include <rocksdb/db.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>

#include "mnemo/admin.h"
#include "mnemo/store.h"
#include "mnemo_bench_phases.h"
#include "rocks_glue.h"

namespace mnemo::bench {
namespace {

constexpr int kBatch = 32;
constexpr size_t kScanLimit = 100;

uint64_t Mix(uint64_t x) {  // splitmix64: a deterministic random index
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Raw RocksDB with the store's DB options and `records` family options.
class RawDb {
 public:
  bool Open(const std::string& dir) {
    config_ = internal::MakeRocksConfig(Options(), Clock::System());
    config_.db.create_if_missing = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> families = {
        {"default", config_.families[1].options}};
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    if (!rocksdb::DB::Open(config_.db, dir, families, &handles, &db).ok()) return false;
    db_.reset(db);
    cf_ = handles[0];
    return true;
  }
  ~RawDb() {
    if (db_) db_->DestroyColumnFamilyHandle(cf_);
  }
  rocksdb::DB* db() { return db_.get(); }
  rocksdb::ColumnFamilyHandle* cf() { return cf_; }

 private:
  internal::RocksConfig config_;
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* cf_ = nullptr;
};

struct Sides {
  std::unique_ptr<Store> store;
  RawDb raw;
  std::vector<RecordId> ids;        // ids[i]: mnemo id of record i
  std::vector<std::string> raw_keys;  // raw_keys[i]: raw key of record i
  std::string tenant;
};

int Rounds(const BenchConfig& c) { return c.quick ? 4 : 10; }

// Options::full_text_index is being added by the search work; set it only
// where this build's Options has it (compiles either way).
template <typename O>
bool SetFullTextIndex(O* options, bool on) {
  if constexpr (requires { options->full_text_index; }) {
    options->full_text_index = on;
    return true;
  }
  return false;
}

// Interleaved single Puts of records [0, n) into `store` and `raw`.
bool PutPair(const BenchConfig& c, const std::vector<Record>& recs, size_t n,
             Store* store, RawDb* raw, std::vector<RecordId>* ids, PairStats* out) {
  auto mnemo_put = [&](uint64_t i, int) {
    return store->Put(WriteOptions(), recs[i], &(*ids)[i]).ok();
  };
  auto raw_put = [&](uint64_t i, int) {
    return raw->db()->Put(rocksdb::WriteOptions(), raw->cf(), RawKey(recs[i], i),
                          RawValue(recs[i])).ok();
  };
  return Interleave(Rounds(c), n, c.threads, 1, mnemo_put, raw_put, out);
}

// The same Puts into a store without the full-text index (when the option
// exists), so the index's share of the write path is visible.
bool PutWithoutIndex(const BenchConfig& c, const std::vector<Record>& recs,
                     size_t n, Report* report) {
  Options options;
  if (!SetFullTextIndex(&options, false)) return true;
  std::unique_ptr<Store> store;
  RawDb raw;
  if (!Store::Open(options, c.work_dir + "/store-noindex", &store).ok() ||
      !raw.Open(c.work_dir + "/raw-noindex")) {
    return false;
  }
  std::vector<RecordId> ids(n);
  PairStats put;
  if (!PutPair(c, recs, n, store.get(), &raw, &ids, &put)) return false;
  report->AddPair("ingest_put_no_index", "ingest Put (full-text index off)", "RocksDB",
                  put);
  return true;
}

bool Ingest(const BenchConfig& c, const std::vector<Record>& recs, Sides* s,
            Report* report) {
  const size_t half = recs.size() / 2;
  PairStats put;
  if (!PutPair(c, recs, half, s->store.get(), &s->raw, &s->ids, &put)) return false;
  report->AddPair("ingest_put", "ingest Put", "RocksDB", put);
  report->SetHeadline("put_vs_rocksdb", put.ratio());
  Options defaults;
  report->phase("ingest_put")["full_text_index"] = SetFullTextIndex(&defaults, true);
  if (!PutWithoutIndex(c, recs, half, report)) return false;

  std::vector<std::vector<Record>> batches;  // built before timing
  for (size_t i = half; i < recs.size(); i += kBatch) {
    batches.emplace_back(recs.begin() + i, recs.begin() + std::min(recs.size(), i + kBatch));
  }
  PairStats batch;
  auto mnemo_batch = [&](uint64_t b, int) {
    std::vector<RecordId> ids;
    if (!s->store->PutBatch(WriteOptions(), batches[b], &ids).ok()) return false;
    std::copy(ids.begin(), ids.end(), s->ids.begin() + half + b * kBatch);
    return true;
  };
  auto raw_batch = [&](uint64_t b, int) {
    rocksdb::WriteBatch wb;
    for (size_t k = 0; k < batches[b].size(); ++k) {
      const uint64_t i = half + b * kBatch + k;
      (void)wb.Put(s->raw.cf(), RawKey(recs[i], i), RawValue(recs[i]));
    }
    return s->raw.db()->Write(rocksdb::WriteOptions(), &wb).ok();
  };
  if (!Interleave(Rounds(c), batches.size(), c.threads, kBatch, mnemo_batch, raw_batch,
                  &batch)) {
    return false;
  }
  report->AddPair("ingest_put_batch", "ingest PutBatch(32)", "RocksDB", batch);
  report->phase("ingest_put_batch")["batch"] = kBatch;
  return true;
}

bool Gets(const BenchConfig& c, Sides* s, Report* report) {
  const uint64_t n = s->ids.size(), ops = c.quick ? 20000 : 200000;
  std::vector<Record> out(c.threads);
  std::vector<std::string> values(c.threads);
  auto raw_get = [&](uint64_t i, int t) {
    return s->raw.db()->Get(rocksdb::ReadOptions(), s->raw.cf(), s->raw_keys[Mix(i) % n],
                            &values[t]).ok();
  };
  for (bool counted : {true, false}) {
    mnemo::ReadOptions ro;
    ro.count_access = counted;
    auto mnemo_get = [&](uint64_t i, int t) {
      return s->store->Get(ro, s->tenant, s->ids[Mix(i) % n], &out[t]).ok();
    };
    PairStats get;
    if (!Interleave(Rounds(c), ops, c.threads, 1, mnemo_get, raw_get, &get)) return false;
    report->AddPair(counted ? "get" : "get_no_access_count",
                    counted ? "point Get" : "point Get (no access count)", "RocksDB", get);
    if (counted) report->SetHeadline("get_vs_rocksdb", get.ratio());
    // The counted phase's reads are written now, not by the 1 s background
    // flush at a random point of a later phase: the phases after it always
    // read the records with these counts written (repeatable runs).
    if (counted && !FlushAccessCounts(s->store.get()).ok()) return false;
  }
  return true;
}

// Start times of scans: for each agent, its records' event times in order.
std::vector<std::pair<std::string, std::vector<Micros>>> AgentTimes(
    const std::vector<Record>& recs) {
  std::map<std::string, std::vector<Micros>> by_agent;
  for (const Record& r : recs) by_agent[r.ns.agent].push_back(r.event_time);
  std::vector<std::pair<std::string, std::vector<Micros>>> out(by_agent.begin(),
                                                               by_agent.end());
  for (auto& [agent, times] : out) std::sort(times.begin(), times.end());
  return out;
}

bool RawScan(Sides* s, const std::string& agent, Micros start, Micros end,
             std::atomic<uint64_t>* returned) {
  const std::string lo = RawTimeKey(s->tenant, agent, start);
  const std::string hi = RawTimeKey(s->tenant, agent, end);
  std::unique_ptr<rocksdb::Iterator> it(
      s->raw.db()->NewIterator(rocksdb::ReadOptions(), s->raw.cf()));
  std::vector<std::string> values;
  for (it->Seek(lo); it->Valid() && values.size() < kScanLimit; it->Next()) {
    if (it->key().compare(hi) >= 0) break;
    values.emplace_back(it->value().ToString());
  }
  *returned += values.size();
  return it->status().ok();
}

// Scans of up to 100 records of one agent from a random start time, over a
// week of event time: mnemo Scan with start/end time vs a raw iterator
// over the namespaced time-ordered keys.
bool Scans(const BenchConfig& c, const std::vector<Record>& recs, Sides* s,
           Report* report) {
  const auto agents = AgentTimes(recs);
  const uint64_t ops = c.quick ? 2000 : 20000;
  const Micros window = 7 * 24 * 3600 * 1'000'000LL;
  std::atomic<uint64_t> mnemo_returned{0}, raw_returned{0};
  auto pick = [&](uint64_t i) -> const std::pair<std::string, std::vector<Micros>>& {
    return agents[Mix(i) % agents.size()];
  };
  auto mnemo_scan = [&](uint64_t i, int) {
    const auto& [agent, times] = pick(i);
    ScanOptions scan;
    scan.tenant = s->tenant;
    scan.agent = agent;
    scan.start_time = times[Mix(i + 1) % times.size()];
    scan.end_time = *scan.start_time + window;
    scan.limit = kScanLimit;
    ScanResult result;
    if (!s->store->Scan(mnemo::ReadOptions(), scan, &result).ok()) return false;
    mnemo_returned += result.records.size();
    return true;
  };
  auto raw_scan = [&](uint64_t i, int) {
    const auto& [agent, times] = pick(i);
    const Micros start = times[Mix(i + 1) % times.size()];
    return RawScan(s, agent, start, start + window, &raw_returned);
  };
  PairStats scan;
  if (!Interleave(Rounds(c), ops, c.threads, 1, mnemo_scan, raw_scan, &scan)) return false;
  report->AddPair("scan", "time-range Scan (<=100 rec)", "RocksDB", scan, "scan/s");
  report->phase("scan")["records_per_scan_mnemo"] = double(mnemo_returned) / ops;
  report->phase("scan")["records_per_scan_peer"] = double(raw_returned) / ops;
  return true;
}

}  // namespace

bool RunStorePhases(const BenchConfig& config, const Workload& workload,
                    Report* report) {
  const std::vector<Record>& recs = workload.records;
  Sides s;
  s.tenant = recs.empty() ? "" : recs[0].ns.tenant;
  s.ids.resize(recs.size());
  Options options;
  options.track_access = true;
  if (!Store::Open(options, config.work_dir + "/store", &s.store).ok() ||
      !s.raw.Open(config.work_dir + "/raw")) {
    std::fprintf(stderr, "mnemo-bench: cannot open the stores under %s\n",
                 config.work_dir.c_str());
    return false;
  }
  for (size_t i = 0; i < recs.size(); ++i) s.raw_keys.push_back(RawKey(recs[i], i));
  const double t0 = NowSeconds();
  bool ok = Ingest(config, recs, &s, report);
  const double t1 = NowSeconds();
  ok = ok && Gets(config, &s, report);
  const double t2 = NowSeconds();
  ok = ok && Scans(config, recs, &s, report);
  nlohmann::json& d = report->json()["durations_s"];
  d["ingest"] = t1 - t0;
  d["get"] = t2 - t1;
  d["scan"] = NowSeconds() - t2;
  return ok;
}

}  // namespace mnemo::bench
