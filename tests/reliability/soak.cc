// Copyright (c) mnemo authors.
//
// mnemo-soak: a bounded multi-thread soak of the Store. N writer threads
// each own an agent and run a random mix (put batches, updates, deletes,
// gets, history) against their own in-memory model, checking after every
// operation and scanning their whole agent every 64 operations; a
// compactor thread ages the data with an advancing clock; a prober thread
// checks that another tenant never sees the data. At the end: Verify
// (deep), reopen, and check every model once more.
//
// usage: mnemo-soak [--threads N] [--seconds T] [--dir DIR]
// Exit status 0 when no invariant was violated.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "mnemo/admin.h"
#include "mnemo/store.h"

namespace mnemo::soak {
namespace {

class SoakClock final : public Clock {
 public:
  Micros NowMicros() override { return now_.load(); }
  void Advance(Micros d) { now_.fetch_add(d); }

 private:
  std::atomic<Micros> now_{1'704'067'200'000'000LL};
};

struct Counters {
  std::atomic<uint64_t> puts{0}, updates{0}, deletes{0}, gets{0}, scans{0};
  std::atomic<uint64_t> compactions{0}, pages{0}, probes{0};
  std::atomic<uint64_t> violations{0};
  std::atomic<RecordId> last_id{0};  // newest id put (prober's target)
};

std::mutex report_mu;
void Violation(Counters* c, const std::string& what) {
  ++c->violations;
  std::lock_guard<std::mutex> lock(report_mu);
  std::fprintf(stderr, "VIOLATION: %s\n", what.c_str());
}

class Writer {
 public:
  Writer(Store* store, Counters* c, int index)
      : store_(store), c_(c), agent_("w" + std::to_string(index)),
        rng_(1000 + index) {}

  void Run(const std::atomic<bool>& stop) {
    for (uint64_t n = 0; !stop.load(); ++n) {
      int op = rng_() % 10;
      if (op < 4 || model_.empty()) PutBatch();
      else if (op < 6) Update(Pick());
      else if (op < 7) Delete(Pick());
      else Check(Pick());
      if (n % 64 == 63) ScanAll();
    }
  }
  // Checks every record of the model (after a reopen too).
  void CheckAll(Store* store) {
    store_ = store;
    for (const auto& [id, text] : model_) Check(id);
    ScanAll();
  }
  size_t size() const { return model_.size(); }
  const std::map<RecordId, std::string>& model() const { return model_; }

 private:
  RecordId Pick() {
    auto it = model_.begin();
    std::advance(it, rng_() % model_.size());
    return it->first;
  }
  std::string Text() {
    std::string t = agent_ + " note " + std::to_string(rng_());
    t.append(rng_() % 300, static_cast<char>('a' + rng_() % 26));
    return t;
  }
  void PutBatch() {
    std::vector<Record> batch(1 + rng_() % 6);
    for (Record& r : batch) {
      r.ns = {"soak", agent_, "s" + std::to_string(rng_() % 3)};
      r.text = Text();
    }
    std::vector<RecordId> ids;
    Status s = store_->PutBatch(WriteOptions(), batch, &ids);
    if (!s.ok()) return Violation(c_, "put: " + s.ToString());
    for (size_t i = 0; i < ids.size(); ++i) model_[ids[i]] = batch[i].text;
    c_->last_id = ids.back();
    c_->puts += ids.size();
  }
  void Update(RecordId id) {
    RecordUpdate update;
    update.text = Text();
    Status s = store_->Update(WriteOptions(), "soak", id, update, nullptr);
    if (!s.ok()) return Violation(c_, "update: " + s.ToString());
    model_[id] = *update.text;
    ++c_->updates;
    Check(id);
  }
  void Delete(RecordId id) {
    Status s = store_->Delete(WriteOptions(), "soak", id);
    if (!s.ok()) return Violation(c_, "delete: " + s.ToString());
    model_.erase(id);
    ++c_->deletes;
    Record r;
    if (!store_->Get(ReadOptions(), "soak", id, &r).IsNotFound()) {
      Violation(c_, "deleted record " + RecordIdToString(id) + " is readable");
    }
  }
  void Check(RecordId id) {
    Record r;
    Status s = store_->Get(ReadOptions(), "soak", id, &r);
    ++c_->gets;
    if (!s.ok()) return Violation(c_, "get " + RecordIdToString(id) + ": " + s.ToString());
    if (r.text != model_[id] || r.ns.agent != agent_) {
      Violation(c_, "record " + RecordIdToString(id) + " differs from the model");
    }
  }
  void ScanAll() {
    ScanOptions scan;
    scan.tenant = "soak";
    scan.agent = agent_;
    scan.limit = 500;
    size_t seen = 0;
    ReadOptions quiet;
    quiet.count_access = false;
    do {
      ScanResult result;
      Status s = store_->Scan(quiet, scan, &result);
      if (!s.ok()) return Violation(c_, "scan: " + s.ToString());
      for (const Record& r : result.records) {
        auto it = model_.find(r.id);
        if (it == model_.end() || it->second != r.text) {
          Violation(c_, "scan returned a record not in the model: " +
                            RecordIdToString(r.id));
        }
        ++seen;
      }
      scan.cursor = result.next_cursor;
    } while (!scan.cursor.empty());
    ++c_->scans;
    if (seen != model_.size()) {
      Violation(c_, agent_ + ": scan saw " + std::to_string(seen) + " of " +
                        std::to_string(model_.size()));
    }
  }

  Store* store_;
  Counters* c_;
  std::string agent_;
  std::mt19937_64 rng_;
  std::map<RecordId, std::string> model_;
};

void Compactor(Store* store, SoakClock* clock, Counters* c,
               const std::atomic<bool>& stop) {
  while (!stop.load()) {
    clock->Advance(6 * kHour);
    CompactOptions options;
    options.policy.thresholds.warm_after = 12 * kHour;
    options.policy.thresholds.pixels_after = 2 * kDayMicros;
    options.policy.thresholds.decayed_after = 6 * kDayMicros;
    options.policy.max_records_per_group = 200;
    CompactResult result;
    Status s = store->Compact(options, &result);
    if (!s.ok()) Violation(c, "compact: " + s.ToString());
    ++c->compactions;
    c->pages += result.pages_written;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// Another tenant holding the soak's fresh ids must see nothing of them.
void Prober(Store* store, Counters* c, const std::atomic<bool>& stop) {
  std::vector<PageInfo> pages;
  while (!stop.load()) {
    RecordId last = c->last_id.load();
    for (RecordId id = last; id + 64 > last && id > 0; --id) {
      Record r;
      std::vector<Record> versions;
      if (!store->Get(ReadOptions(), "intruder", id, &r).IsNotFound() ||
          !store->History(ReadOptions(), "intruder", id, &versions)
               .IsNotFound()) {
        Violation(c, "intruder read record " + RecordIdToString(id));
      }
    }
    if (store->ListPages(ReadOptions(), "intruder", "", &pages).ok() &&
        !pages.empty()) {
      Violation(c, "intruder lists pages");
    }
    ++c->probes;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int Main(int argc, char** argv) {
  int threads = 4;
  double seconds = 30;
  std::string dir = "/tmp/mnemo-soak-db";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
  }
  std::filesystem::remove_all(dir);
  SoakClock clock;
  Options options;
  options.clock = &clock;
  options.write_buffer_bytes = 4 << 20;
  std::unique_ptr<Store> store;
  Status s = Store::Open(options, dir, &store);
  if (!s.ok()) {
    std::fprintf(stderr, "open: %s\n", s.ToString().c_str());
    return 1;
  }
  Counters c;
  std::vector<std::unique_ptr<Writer>> writers;
  for (int i = 0; i < threads; ++i) {
    writers.push_back(std::make_unique<Writer>(store.get(), &c, i));
  }
  std::atomic<bool> stop{false};
  std::vector<std::thread> pool;
  auto start = std::chrono::steady_clock::now();
  for (auto& w : writers) pool.emplace_back([&w, &stop] { w->Run(stop); });
  pool.emplace_back([&] { Compactor(store.get(), &clock, &c, stop); });
  pool.emplace_back([&] { Prober(store.get(), &c, stop); });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : pool) t.join();
  double elapsed = std::chrono::duration<double>(
      std::chrono::steady_clock::now() - start).count();

  VerifyOptions vo;
  vo.deep = true;
  VerifyReport report;
  s = mnemo::Verify(store.get(), vo, &report);
  if (!s.ok() || !report.ok()) {
    Violation(&c, "verify: " + s.ToString() + ", " +
                      std::to_string(report.problem_count) + " problems");
  }
  store.reset();
  s = Store::Open(options, dir, &store);
  if (!s.ok()) Violation(&c, "reopen: " + s.ToString());
  size_t live = 0;
  for (auto& w : writers) {
    if (store) w->CheckAll(store.get());
    live += w->size();
  }
  uint64_t ops = c.puts + c.updates + c.deletes + c.gets;
  std::printf(
      "mnemo-soak: %d writer threads + compactor + prober, %.1f s\n"
      "  records put %llu, updates %llu, deletes %llu, checked gets %llu, "
      "full scans %llu (%.0f ops/s)\n"
      "  compactions %llu (clock +6 h each), pages written %llu, isolation "
      "probes %llu\n"
      "  final: %zu live records, verify checked %llu records / %llu "
      "index entries / %llu pages, %llu problems\n"
      "  invariant violations: %llu\n",
      threads, elapsed, (unsigned long long)c.puts.load(),
      (unsigned long long)c.updates.load(), (unsigned long long)c.deletes.load(),
      (unsigned long long)c.gets.load(), (unsigned long long)c.scans.load(),
      ops / elapsed, (unsigned long long)c.compactions.load(),
      (unsigned long long)c.pages.load(), (unsigned long long)c.probes.load(),
      live, (unsigned long long)report.records_checked,
      (unsigned long long)report.index_entries_checked,
      (unsigned long long)report.pages_checked,
      (unsigned long long)report.problem_count,
      (unsigned long long)c.violations.load());
  store.reset();
  std::filesystem::remove_all(dir);
  return c.violations.load() == 0 ? 0 : 1;
}

}  // namespace
}  // namespace mnemo::soak

int main(int argc, char** argv) { return mnemo::soak::Main(argc, argv); }
