// Copyright (c) mnemo authors.
//
// mnemo Put / PutBatch / Get / Scan next to raw RocksDB doing the same byte
// work (same keys, the record's bytes as the value, the same DB and column
// family options) in the same process, so the overhead is a ratio that does
// not depend on how fast the machine is. Prints a ratio table at the end.
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
  explicit RawDb(const std::string& dir) {
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
  mnemo::internal::RocksConfig config;
  rocksdb::DB* db = nullptr;
  rocksdb::ColumnFamilyHandle* cf = nullptr;
};

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

void BM_PutBatch_Raw(benchmark::State& state) {
  std::string dir = BenchDir("rawbatch");
  {
    RawDb raw(dir);
    uint64_t i = 0;
    for (auto _ : state) {
      rocksdb::WriteBatch batch;
      for (int k = 0; k < kBatch; ++k, ++i) {
        (void)batch.Put(raw.cf, RawKey(i), RawValue(MakeRecord(i)));
      }
      if (!raw.db->Write(rocksdb::WriteOptions(), &batch).ok()) std::abort();
    }
    state.SetItemsProcessed(state.iterations() * kBatch);
  }
  std::filesystem::remove_all(dir);
}

void BM_Get_Mnemo(benchmark::State& state) {
  static std::unique_ptr<mnemo::Store> store;
  static std::vector<mnemo::RecordId> ids;
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

void BM_Get_Raw(benchmark::State& state) {
  static std::unique_ptr<RawDb> raw;
  if (!raw) {
    raw = std::make_unique<RawDb>(BenchDir("rawget"));
    for (int i = 0; i < kPreload; ++i) {
      (void)raw->db->Put(rocksdb::WriteOptions(), raw->cf, RawKey(i), RawValue(MakeRecord(i)));
    }
  }
  std::mt19937_64 rng(1);
  std::string value;
  for (auto _ : state) {
    if (!raw->db->Get(rocksdb::ReadOptions(), raw->cf, RawKey(rng() % kPreload), &value).ok()) {
      std::abort();
    }
    benchmark::DoNotOptimize(value.data());
  }
  state.SetItemsProcessed(state.iterations());
}

// Scans 100 records of one agent in time order (mnemo) vs 100 consecutive
// keys (raw: the best case, one sorted run).
void BM_Scan100_Mnemo(benchmark::State& state) {
  static std::unique_ptr<mnemo::Store> store;
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
  static std::unique_ptr<RawDb> raw;
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

BENCHMARK(BM_Put_Raw);
BENCHMARK(BM_Put_RawNamespaced);
BENCHMARK(BM_Put_Mnemo);
BENCHMARK(BM_PutBatch_Raw);
BENCHMARK(BM_PutBatch_Mnemo);
BENCHMARK(BM_Get_Raw);
BENCHMARK(BM_Get_Mnemo)->Arg(1)->Arg(0);
BENCHMARK(BM_Scan100_Raw);
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
    Ratio("Put", "BM_Put_Mnemo/", "BM_Put_Raw/", 0.7);
    Ratio("Put vs namespaced key", "BM_Put_Mnemo/", "BM_Put_RawNamespaced/", 0.7);
    Ratio("PutBatch(32)", "BM_PutBatch_Mnemo/", "BM_PutBatch_Raw/", 0.7);
    Ratio("Get (access counted)", "BM_Get_Mnemo/1", "BM_Get_Raw/", 0.8);
    Ratio("Get (no access count)", "BM_Get_Mnemo/0", "BM_Get_Raw/", 0.8);
    Ratio("Scan 100", "BM_Scan100_Mnemo/", "BM_Scan100_Raw/", 0.0);
  }

 private:
  void Ratio(const char* what, const std::string& mine, const std::string& raw,
             double target) const {
    auto a = rate_.find(mine), b = rate_.find(raw);
    if (a == rate_.end() || b == rate_.end()) return;
    std::printf("  %-24s %10.0f vs %10.0f ops/s  ratio %.2fx", what, a->second, b->second,
                a->second / b->second);
    if (target > 0) std::printf("  (target >= %.1fx)", target);
    std::printf("\n");
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
  benchmark::Shutdown();
  return 0;
}
