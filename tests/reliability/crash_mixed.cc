// Copyright (c) mnemo authors.
//
// Child process of crash_loop_test: a randomized mixed workload (put
// batches, updates, deletes and hot-cache payloads (PutKv, written through
// to the `spill` family; GetKv reads checked byte for byte; page pins) on
// one thread; compaction with an advancing clock on another) that prints
// the protocol of crash_mixed_workload.h until it is killed. The hot cache
// runs on the host backend with a small budget, so payloads are evicted
// and served back from the store.
//
// usage: mnemo_crash_mixed DIR FIRST_OP SEED DAY

#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "crash_mixed_workload.h"
#include "mnemo/store.h"

namespace mnemo::test {
namespace {

[[noreturn]] void Die(const char* what, const Status& s) {
  std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
  std::fflush(stderr);
  std::_Exit(1);
}

std::vector<RecordId> LiveIds(Store* store) {
  std::vector<RecordId> ids;
  ScanOptions scan;
  scan.tenant = kMixTenant;
  scan.agent = kMixAgent;
  scan.limit = 10000;
  do {
    ScanResult result;
    Status s = store->Scan(ReadOptions(), scan, &result);
    if (!s.ok()) Die("scan", s);
    for (const Record& r : result.records) ids.push_back(r.id);
    scan.cursor = result.next_cursor;
  } while (!scan.cursor.empty());
  return ids;
}

std::vector<uint64_t> PageIds(Store* store) {
  std::vector<PageInfo> pages;
  Status s = store->ListPages(ReadOptions(), kMixTenant, kMixAgent, &pages);
  if (!s.ok()) Die("list pages", s);
  std::vector<uint64_t> ids;
  for (const PageInfo& p : pages) ids.push_back(p.page_id);
  return ids;
}

void Line(const char* fmt, unsigned long long a, unsigned long long b,
          unsigned long long c = 0, unsigned long long d = 0) {
  std::printf(fmt, a, b, c, d);
  std::fflush(stdout);
}

void PutBatch(Store* store, uint64_t op, int day, std::mt19937_64* rng,
              std::vector<RecordId>* live) {
  std::vector<Record> records(1 + (*rng)() % 8);
  for (size_t i = 0; i < records.size(); ++i) {
    Record& r = records[i];
    r.ns = {kMixTenant, kMixAgent, "s" + std::to_string(op % 3)};
    r.text = MixText(op, static_cast<int>(i));
    r.metadata = {{"op", std::to_string(op)}};
    r.importance = static_cast<float>((*rng)() % 5) / 4.0f;
    r.event_time = kMixEpoch + day * kDayMicros +
                   static_cast<Micros>(op % 100000) * 1000;
  }
  Line("?P %llu %llu\n", op, records.size());
  std::vector<RecordId> ids;
  Status s = store->PutBatch(WriteOptions(), records, &ids);
  if (!s.ok()) Die("put", s);
  Line("!P %llu %llu %llu\n", op, ids[0], ids.size());
  live->insert(live->end(), ids.begin(), ids.end());
}

void Mutate(Store* store, uint64_t op, std::mt19937_64* rng,
            std::vector<RecordId>* live) {
  size_t pick = (*rng)() % live->size();
  RecordId id = (*live)[pick];
  if ((*rng)() % 3 != 0) {
    RecordUpdate update;
    update.text = MixText(op, -1);
    Line("?U %llu %llu\n", op, id);
    Status s = store->Update(WriteOptions(), kMixTenant, id, update, nullptr);
    if (!s.ok()) Die("update", s);
    Line("!U %llu %llu\n", op, id);
    return;
  }
  Line("?D %llu %llu\n", op, id);
  Status s = store->Delete(WriteOptions(), kMixTenant, id);
  if (!s.ok()) Die("delete", s);
  Line("!D %llu %llu\n", op, id);
  (*live)[pick] = live->back();
  live->pop_back();
}

// Payloads this child wrote: (page, kind) -> op of the acknowledged PutKv
// and the page's revision then (see PageRevision).
using KvModel = std::map<std::pair<uint64_t, int>, std::pair<uint64_t, uint64_t>>;

// Whether `page` still exists (a delete or update can drop its last
// record); *revision (optional) receives its PageRevision.
bool PageExists(Store* store, uint64_t page, uint64_t* revision = nullptr) {
  PageData data;
  Status s = store->GetPage(ReadOptions(), kMixTenant, page, &data);
  if (s.IsNotFound()) return false;
  if (!s.ok()) Die("get page", s);
  if (revision != nullptr) *revision = PageRevision(data);
  return true;
}

// Writes a payload to a page compaction made (or learns the page is gone),
// or reads one back and checks it, or pins a page and lets it go.
void CacheOp(Store* store, uint64_t op, std::mt19937_64* rng,
             std::vector<uint64_t>* pages, KvModel* kv) {
  uint64_t r = (*rng)() % 8;
  if (r == 0) {
    uint64_t page = (*pages)[(*rng)() % pages->size()];
    std::vector<PinnedPage> pinned;
    Status s = store->cache()->PinPages(kMixTenant, {page}, &pinned);
    if (!s.ok() && !s.IsNotFound()) Die("pin page", s);
    return;  // the leases are released here
  }
  if (r < 4 && !kv->empty()) {
    auto it = kv->begin();
    std::advance(it, (*rng)() % kv->size());
    std::string bytes;
    Status s = store->cache()->GetKv(kMixTenant, it->first.first,
                                     KvKind(it->first.second), &bytes);
    uint64_t revision = 0;
    if (s.IsNotFound() && (!PageExists(store, it->first.first, &revision) ||
                           revision != it->second.second)) {
      kv->erase(it);  // the page went, or a record left it: its payloads too
      return;
    }
    if (!s.ok()) Die("get kv", s);
    if (bytes != KvBytes(it->second.first)) {
      std::fprintf(stderr, "get kv: page %llu kind %s: not the bytes of op %llu\n",
                   static_cast<unsigned long long>(it->first.first),
                   KvKind(it->first.second),
                   static_cast<unsigned long long>(it->second.first));
      std::_Exit(1);
    }
    return;
  }
  size_t pick = (*rng)() % pages->size();
  uint64_t page = (*pages)[pick];
  int kind = static_cast<int>((*rng)() % kMixKvKinds);
  std::string bytes = KvBytes(op);
  Line("?K %llu %llu %llu\n", op, page, kind);
  Status s = store->cache()->PutKv(kMixTenant, page, KvKind(kind), bytes);
  if (s.IsNotFound() && !PageExists(store, page)) {
    Line("-K %llu %llu %llu\n", op, page, kind);
    (*pages)[pick] = pages->back();
    pages->pop_back();
    return;
  }
  if (!s.ok()) Die("put kv", s);
  // Only this thread removes records from pages: the revision read now is
  // the one the payload was written against.
  uint64_t revision = 0;
  if (!PageExists(store, page, &revision)) Die("put kv", Status::NotFound("page gone"));
  Line("!K %llu %llu %llu %llu\n", op, page, kind, revision);
  (*kv)[{page, kind}] = {op, revision};
}

int Main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: mnemo_crash_mixed DIR FIRST_OP SEED DAY\n");
    return 2;
  }
  std::unique_ptr<Store> store;
  Status s = Store::Open(MixOptions(), argv[1], &store);
  if (!s.ok()) Die("open", s);
  uint64_t op = std::strtoull(argv[2], nullptr, 10);
  std::mt19937_64 rng(std::strtoull(argv[3], nullptr, 10));
  int day = std::atoi(argv[4]);
  std::vector<RecordId> live = LiveIds(store.get());
  std::thread compactor([&store, day] {
    for (int d = day + 8;; d += 2) {
      CompactOptions options;
      options.now = kMixEpoch + d * kDayMicros;
      options.threads = 1 + d % 2;
      options.policy.max_records_per_group = 30;
      Status c = store->Compact(options, nullptr);
      if (!c.ok()) Die("compact", c);
    }
  });
  compactor.detach();
  std::vector<uint64_t> pages;
  KvModel kv;
  for (;; ++op) {
    // New pages appear as the compactor runs: look again now and then.
    if (op % 64 == 0 || (pages.empty() && op % 8 == 0)) {
      pages = PageIds(store.get());
    }
    uint64_t r = rng() % 10;
    if (live.empty() || r < 4) {
      PutBatch(store.get(), op, day, &rng, &live);
    } else if (r < 7 || pages.empty()) {
      Mutate(store.get(), op, &rng, &live);
    } else {
      CacheOp(store.get(), op, &rng, &pages, &kv);
    }
  }
}

}  // namespace
}  // namespace mnemo::test

int main(int argc, char** argv) { return mnemo::test::Main(argc, argv); }
