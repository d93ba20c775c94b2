// Copyright (c) mnemo authors.
//
// mnemo Put / PutBatch / Get / Scan next to raw RocksDB doing the same byte
// work (same keys, the record's bytes as the value, the same DB and column
// family options) in the same process, so the overhead is a ratio that does
// not depend on how fast the machine is. Prints a ratio table at the end.
// Each case runs on its own, one after the other, so the ratios move with
// the machine's load between cases: the engine's targets are checked with
// mnemo-bench, whose phases alternate the two sides in rounds.
// Here the records of four agents arrive interleaved (record i is agent
// i % 4's), where mnemo-bench's arrive agent by agent. The peers share the
// records family's options, whose memtable insert hint keys on a 4-byte
// prefix: mnemo's agent slot, but only the tenant's first bytes of the
// namespaced peer's keys, so with interleaved agents that peer's writes
// lose their hint and its write ratios flatter mnemo (bench/perf.md).
//
//   build/bin/mnemo-store-bench [--benchmark_min_time=0.5]

#include <benchmark/benchmark.h>
#include <rocksdb/db.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <random>

#include "mnemo/store.h"
#include "rocks_glue.h"

namespace {

constexpr size_t kTextBytes = 200;
constexpr int kPreload = 50000;

std::string BenchDir(const char* name) {
  std::string dir = std::filesystem::temp_directory_path() /
                    ("mnemo-store-bench-" + std::to_string(getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  return dir;
}

std::string Text(uint64_t i) {
  std::string text = "turn " + std::to_string(i) + ": ";
  static const char kWords[] = "the agent called search and found the file ";
  while (text.size() < kTextBytes) text += kWords;
  text.resize(kTextBytes);
  return text;
}

mnemo::Record MakeRecord(uint64_t i) {
  mnemo::Record r;
  r.ns = {"tenant", "agent" + std::to_string(i % 4), "session" + std::to_string(i % 16)};
  r.role = i % 2 ? "assistant" : "user";
  r.text = Text(i);
  return r;
}

// The bytes a user hands over for a record: what raw RocksDB stores, built
// in one allocation of the exact size (as mnemo-bench's peer does).
std::string RawValue(const mnemo::Record& r) {
  const std::string_view parts[] = {r.ns.tenant, r.ns.agent, r.ns.session,
                                    r.role,      r.kind,     r.text};
  size_t size = 0;
  for (std::string_view part : parts) size += part.size();
  std::string v;
  v.reserve(size);
  for (std::string_view part : parts) v.append(part);
  return v;
}

// The key raw RocksDB needs to serve what mnemo serves: an agent's records
// in time order (tenant, agent, event time, id), as a user would lay it out.
std::string NamespacedKey(const mnemo::Record& r, uint64_t i) {
  std::string key = r.ns.tenant + '\0' + r.ns.agent + '\0';
  uint64_t t = 1'700'000'000'000'000ull + i;
  for (int b = 7; b >= 0; --b) key.push_back(static_cast<char>(t >> (8 * b)));
  for (int b = 7; b >= 0; --b) key.push_back(static_cast<char>(i >> (8 * b)));
  return key;
}

std::string RawKey(uint64_t i) {
  std::string key(8, '\0');
  for (int b = 7; b >= 0; --b, i >>= 8) key[b] = static_cast<char>(i & 0xff);
  return key;
}

// Raw RocksDB with the store's own DB and `records` family options.
struct RawDb {
  explicit RawDb(const std::string& dir) : dir(dir) {
    mnemo::Options options;
    config = mnemo::internal::MakeRocksConfig(options, mnemo::Clock::System());
    config.db.create_if_missing = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> families = {
        {"default", config.families[1].options}};
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::Status s = rocksdb::DB::Open(config.db, dir, families, &handles, &db);
    if (!s.ok()) std::abort();
    cf = handles[0];
  }
  ~RawDb() {
    db->DestroyColumnFamilyHandle(cf);
    delete db;
  }
  std::string dir;
  mnemo::internal::RocksConfig config;
  rocksdb::DB* db = nullptr;
  rocksdb::ColumnFamilyHandle* cf = nullptr;
};

// The preloaded stores and databases the Get and Scan cases share between
// runs. main closes them before it returns: a RocksDB database must not
// outlive main, whose return destroys RocksDB's own static state.
struct Preloaded {
  std::unique_ptr<mnemo::Store> get, scan;
  std::unique_ptr<RawDb> raw_get, raw_get_ns, raw_scan, raw_scan_ns;
  std::vector<mnemo::RecordId> get_ids;
  std::vector<std::string> get_keys, get_ns_keys;
};
Preloaded& Shared() {
  static Preloaded preloaded;
  return preloaded;
}

void CloseShared() {
  Preloaded& p = Shared();
  for (auto* store : {&p.get, &p.scan}) {
    if (*store == nullptr) continue;
    const std::string dir = (*store)->dir();
    store->reset();
    std::filesystem::remove_all(dir);
  }
  for (auto* raw : {&p.raw_get, &p.raw_get_ns, &p.raw_scan, &p.raw_scan_ns}) {
    if (*raw == nullptr) continue;
    const std::string dir = (*raw)->dir;
    raw->reset();
    std::filesystem::remove_all(dir);
  }
}

std::unique_ptr<mnemo::Store> OpenStore(const std::string& dir) {
  std::unique_ptr<mnemo::Store> store;
  mnemo::Options options;
  // MNEMO_FULL_TEXT_INDEX=0 measures the store without its search index.
  const char* index = std::getenv("MNEMO_FULL_TEXT_INDEX");
  options.full_text_index = index == nullptr || std::string(index) != "0";
  mnemo::Status s = mnemo::Store::Open(options, dir, &store);
  if (!s.ok()) {
    std::fprintf(stderr, "open: %s\n", s.ToString().c_str());
    std::abort();
  }
  return store;
}

void BM_Put_Mnemo(benchmark::State& state) {
  auto store = OpenStore(BenchDir("put"));
  uint64_t i = 0;
  for (auto _ : state) {
    mnemo::RecordId id;
    if (!store->Put(mnemo::WriteOptions(), MakeRecord(i++), &id).ok()) std::abort();
  }
  state.SetItemsProcessed(state.iterations());
  std::filesystem::remove_all(store->dir());
}

void BM_Put_Raw(benchmark::State& state) {
  std::string dir = BenchDir("rawput");
  {
    RawDb raw(dir);
    uint64_t i = 0;
    for (auto _ : state) {
      mnemo::Record r = MakeRecord(i);
      if (!raw.db->Put(rocksdb::WriteOptions(), raw.cf, RawKey(i++), RawValue(r)).ok()) {
        std::abort();
      }
    }
    state.SetItemsProcessed(state.iterations());
  }
  std::filesystem::remove_all(dir);
}

void BM_Put_RawNamespaced(benchmark::State& state) {
  std::string dir = BenchDir("rawputns");
  {
    RawDb raw(dir);
    uint64_t i = 0;
    for (auto _ : state) {
      mnemo::Record r = MakeRecord(i);
      if (!raw.db->Put(rocksdb::WriteOptions(), raw.cf, NamespacedKey(r, i), RawValue(r)).ok()) {
        std::abort();
      }
      ++i;
    }
    state.SetItemsProcessed(state.iterations());
  }
  std::filesystem::remove_all(dir);
}

constexpr int kBatch = 32;

void BM_PutBatch_Mnemo(benchmark::State& state) {
  auto store = OpenStore(BenchDir("batch"));
  uint64_t i = 0;
  std::vector<mnemo::RecordId> ids;
  for (auto _ : state) {
    std::vector<mnemo::Record> batch;
    for (int k = 0; k < kBatch; ++k) batch.push_back(MakeRecord(i++));
    if (!store->PutBatch(mnemo::WriteOptions(), batch, &ids).ok()) std::abort();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  std::filesystem::remove_all(store->dir());
}

// Batches of kBatch records into a fresh raw RocksDB under `name`, record
// i keyed by key(record, i).
template <typename KeyFn>
void RawPutBatches(benchmark::State& state, const char* name, KeyFn key) {
  std::string dir = BenchDir(name);
  {
    RawDb raw(dir);
    uint64_t i = 0;
    for (auto _ : state) {
      rocksdb::WriteBatch batch;
      for (int k = 0; k < kBatch; ++k, ++i) {
        const mnemo::Record r = MakeRecord(i);
        (void)batch.Put(raw.cf, key(r, i), RawValue(r));
      }
      if (!raw.db->Write(rocksdb::WriteOptions(), &batch).ok()) std::abort();
    }
    state.SetItemsProcessed(state.iterations() * kBatch);
  }
  std::filesystem::remove_all(dir);
}

void BM_PutBatch_Raw(benchmark::State& state) {
  RawPutBatches(state, "rawbatch", [](const mnemo::Record&, uint64_t i) { return RawKey(i); });
}

void BM_PutBatch_RawNamespaced(benchmark::State& state) {
  RawPutBatches(state, "rawbatchns", NamespacedKey);
}

void BM_Get_Mnemo(benchmark::State& state) {
  std::unique_ptr<mnemo::Store>& store = Shared().get;
  std::vector<mnemo::RecordId>& ids = Shared().get_ids;
  if (!store) {
    store = OpenStore(BenchDir("get"));
    for (int i = 0; i < kPreload; ++i) {
      mnemo::RecordId id;
      (void)store->Put(mnemo::WriteOptions(), MakeRecord(i), &id);
      ids.push_back(id);
    }
  }
  std::mt19937_64 rng(1);
  mnemo::Record out;
  mnemo::ReadOptions ro;
  ro.count_access = state.range(0) != 0;
  for (auto _ : state) {
    if (!store->Get(ro, "tenant", ids[rng() % ids.size()], &out).ok()) std::abort();
    benchmark::DoNotOptimize(out.text.data());
  }
  state.SetItemsProcessed(state.iterations());
}

// Random Gets of kPreload records from raw RocksDB, record i keyed by
// key(record, i); the database is loaded and the keys computed once, before
// timing.
template <typename KeyFn>
void RawGets(benchmark::State& state, std::unique_ptr<RawDb>* raw,
             std::vector<std::string>* keys, const char* name, KeyFn key) {
  if (!*raw) {
    *raw = std::make_unique<RawDb>(BenchDir(name));
    for (int i = 0; i < kPreload; ++i) {
      const mnemo::Record r = MakeRecord(i);
      keys->push_back(key(r, i));
      (void)(*raw)->db->Put(rocksdb::WriteOptions(), (*raw)->cf, keys->back(), RawValue(r));
    }
  }
  std::mt19937_64 rng(1);
  std::string value;
  for (auto _ : state) {
    const std::string& k = (*keys)[rng() % keys->size()];
    if (!(*raw)->db->Get(rocksdb::ReadOptions(), (*raw)->cf, k, &value).ok()) std::abort();
    benchmark::DoNotOptimize(value.data());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Get_Raw(benchmark::State& state) {
  RawGets(state, &Shared().raw_get, &Shared().get_keys, "rawget",
          [](const mnemo::Record&, uint64_t i) { return RawKey(i); });
}

// The same Gets from raw RocksDB keyed as a user would lay out an agent's
// records to scan them by time (mnemo-bench's peer).
void BM_Get_RawNamespaced(benchmark::State& state) {
  RawGets(state, &Shared().raw_get_ns, &Shared().get_ns_keys, "rawgetns", NamespacedKey);
}

// Scans 100 records of one agent in time order (mnemo) vs 100 consecutive
// keys (raw: the best case, one sorted run read by an iterator kept open,
// without a seek).
void BM_Scan100_Mnemo(benchmark::State& state) {
  std::unique_ptr<mnemo::Store>& store = Shared().scan;
  if (!store) {
    store = OpenStore(BenchDir("scan"));
    for (int i = 0; i < kPreload; ++i) {
      mnemo::RecordId id;
      (void)store->Put(mnemo::WriteOptions(), MakeRecord(i), &id);
    }
  }
  mnemo::ScanOptions scan;
  scan.tenant = "tenant";
  scan.agent = "agent1";
  scan.limit = 100;
  for (auto _ : state) {
    mnemo::ScanResult result;
    if (!store->Scan(mnemo::ReadOptions(), scan, &result).ok()) std::abort();
    scan.cursor = result.next_cursor;
    benchmark::DoNotOptimize(result.records.data());
  }
  state.SetItemsProcessed(state.iterations() * 100);
}

void BM_Scan100_Raw(benchmark::State& state) {
  std::unique_ptr<RawDb>& raw = Shared().raw_scan;
  if (!raw) {
    raw = std::make_unique<RawDb>(BenchDir("rawscan"));
    for (int i = 0; i < kPreload; ++i) {
      (void)raw->db->Put(rocksdb::WriteOptions(), raw->cf, RawKey(i), RawValue(MakeRecord(i)));
    }
  }
  std::unique_ptr<rocksdb::Iterator> it(raw->db->NewIterator(rocksdb::ReadOptions(), raw->cf));
  it->SeekToFirst();
  std::vector<std::string> values;
  for (auto _ : state) {
    values.clear();
    for (int k = 0; k < 100; ++k) {
      if (!it->Valid()) it->SeekToFirst();
      values.emplace_back(it->value().ToString());
      it->Next();
    }
    benchmark::DoNotOptimize(values.data());
  }
  state.SetItemsProcessed(state.iterations() * 100);
}

// What a user of raw RocksDB does for the same page of an agent's records:
// a new iterator, a seek to where the last page ended, 100 values of the
// agent's prefix (mnemo-bench's peer).
void BM_Scan100_RawNamespaced(benchmark::State& state) {
  std::unique_ptr<RawDb>& raw = Shared().raw_scan_ns;
  if (!raw) {
    raw = std::make_unique<RawDb>(BenchDir("rawscanns"));
    for (int i = 0; i < kPreload; ++i) {
      const mnemo::Record r = MakeRecord(i);
      (void)raw->db->Put(rocksdb::WriteOptions(), raw->cf, NamespacedKey(r, i), RawValue(r));
    }
  }
  const std::string prefix = std::string("tenant") + '\0' + "agent1" + '\0';
  const rocksdb::Slice prefix_slice(prefix);
  std::string next = prefix;
  std::vector<std::string> values;
  for (auto _ : state) {
    values.clear();
    std::unique_ptr<rocksdb::Iterator> it(raw->db->NewIterator(rocksdb::ReadOptions(), raw->cf));
    it->Seek(next);
    while (values.size() < 100 && it->Valid() && it->key().starts_with(prefix_slice)) {
      values.emplace_back(it->value().ToString());
      it->Next();
    }
    // The agent's last page: start again, as mnemo's cursor does.
    const bool more = it->Valid() && it->key().starts_with(prefix_slice);
    next = more ? it->key().ToString() : prefix;
    benchmark::DoNotOptimize(values.data());
  }
  state.SetItemsProcessed(state.iterations() * 100);
}

BENCHMARK(BM_Put_Raw);
BENCHMARK(BM_Put_RawNamespaced);
BENCHMARK(BM_Put_Mnemo);
BENCHMARK(BM_PutBatch_Raw);
BENCHMARK(BM_PutBatch_RawNamespaced);
BENCHMARK(BM_PutBatch_Mnemo);
BENCHMARK(BM_Get_Raw);
BENCHMARK(BM_Get_RawNamespaced);
BENCHMARK(BM_Get_Mnemo)->Arg(1)->Arg(0);
BENCHMARK(BM_Scan100_Raw);
BENCHMARK(BM_Scan100_RawNamespaced);
BENCHMARK(BM_Scan100_Mnemo);

// Collects items/s per case so the ratios can be printed after the run.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration && run.aggregate_name != "median") continue;
      auto it = run.counters.find("items_per_second");
      if (it != run.counters.end()) rate_[run.run_name.function_name + "/" + run.run_name.args] = it->second;
    }
  }
  void PrintRatios() const {
    std::printf("\nmnemo / raw RocksDB throughput (same process, same options):\n");
    // Against raw RocksDB laid out to serve what mnemo serves (an agent's
    // records by time: mnemo-bench's peer and the engine's targets), then
    // against the best case for raw RocksDB (8-byte id keys; a scan that
    // keeps its iterator open and never seeks), which serves less.
    Table("namespaced time-ordered keys (mnemo-bench's peer)", "Namespaced");
    Table("best case for raw RocksDB (id keys, no seek per scan)", "");
  }

 private:
  // Each case against the raw peer named BM_<case>_Raw<peer>.
  void Table(const char* title, const std::string& peer) const {
    std::printf("  %s:\n", title);
    Ratio("Put", "BM_Put_Mnemo/", "BM_Put_Raw" + peer + "/");
    Ratio("PutBatch(32)", "BM_PutBatch_Mnemo/", "BM_PutBatch_Raw" + peer + "/");
    Ratio("Get (access counted)", "BM_Get_Mnemo/1", "BM_Get_Raw" + peer + "/");
    Ratio("Get (no access count)", "BM_Get_Mnemo/0", "BM_Get_Raw" + peer + "/");
    Ratio("Scan 100", "BM_Scan100_Mnemo/", "BM_Scan100_Raw" + peer + "/");
  }

  void Ratio(const char* what, const std::string& mine, const std::string& raw) const {
    auto a = rate_.find(mine), b = rate_.find(raw);
    if (a == rate_.end() || b == rate_.end()) return;
    std::printf("  %-24s %10.0f vs %10.0f ops/s  ratio %.2fx\n", what, a->second,
                b->second, a->second / b->second);
  }
  std::map<std::string, double> rate_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.PrintRatios();
  CloseShared();
  benchmark::Shutdown();
  return 0;
}
