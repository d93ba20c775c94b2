// Copyright (c) mnemo authors.
// libFuzzer target: operation sequences against the Store API (put, get,
// update, delete, history, scans, access counts, search, session deletes,
// clock advances and compaction into every tier), checked after every step
// against an in-memory model, and at the end by a full scan, a deep Verify
// and reads of every deleted id.
//
// Each input runs on a store of its own, opened on RocksDB's in-memory Env
// (installed with test_hooks.h, as the fault-injection tests install
// theirs) with a clock of its own that starts at 2024-01-01: inputs are
// independent, a crash reproduces from its input alone, and nothing touches
// the disk but the store's MNEMO marker. Access counts are flushed only
// when an input asks (FlushAccessCounts), so they are checked exactly.
//
// Input bytes: a stream of (opcode, argument, payload...) steps; see Step.

#include <rocksdb/env.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "mnemo/admin.h"
#include "mnemo/search.h"
#include "mnemo/store.h"
#include "search_analyzer.h"
#include "test_hooks.h"

namespace {

using namespace mnemo;

constexpr Micros kStart = 1'704'067'200'000'000LL;  // 2024-01-01
constexpr char kTenant[] = "t";
constexpr char kAgent[] = "a";

class FuzzClock final : public Clock {
 public:
  Micros NowMicros() override { return now_.load(); }
  void Advance(Micros d) { now_.fetch_add(d); }

 private:
  std::atomic<Micros> now_{kStart};
};

std::string* store_dir = nullptr;  // real directory: holds the marker only

[[noreturn]] void Fail(const char* what, const Status& s) {
  std::fprintf(stderr, "store ops fuzzer: %s: %s\n", what, s.ToString().c_str());
  std::abort();
}
[[noreturn]] void Fail(const char* what, const std::string& detail) {
  Fail(what, Status::Corruption(detail));
}

class Input {
 public:
  Input(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  bool empty() const { return p_ >= end_; }
  uint8_t Byte() { return p_ < end_ ? *p_++ : 0; }
  std::string Text() {
    size_t n = Byte() % 48;
    std::string s;
    for (size_t i = 0; i < n && p_ < end_; ++i) {
      uint8_t b = *p_++;
      // Mostly printable text; bytes >= 0xf0 pass through raw (may be
      // invalid UTF-8, which must be refused).
      s.push_back(b >= 0xf0 ? static_cast<char>(b)
                            : static_cast<char>(' ' + b % 95));
    }
    return s;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

// What the store must hold for one record.
struct ModelRecord {
  std::vector<std::string> texts;  // texts[v - 1]: the text of version v
  std::string session;
  Micros event_time = 0;
  Micros expires_at = 0;  // 0: never
  uint64_t accesses = 0;  // Gets that counted an access
};

class Run {
 public:
  Run(Store* store, FuzzClock* clock) : store_(store), clock_(clock) {}

  void Step(Input* in) {
    uint8_t op = in->Byte() % 12;
    uint8_t arg = in->Byte();
    switch (op) {
      case 0: case 1: return Put(in->Text(), arg);
      case 2: return CheckGet(Pick(arg), arg);
      case 3: return DoUpdate(Pick(arg), in->Text(), arg);
      case 4: return DoDelete(Pick(arg));
      case 5: clock_->Advance(static_cast<Micros>(arg) * 3 * kHour); return;
      case 6: return Compact(arg);
      case 7: return CheckHistory(Pick(arg));
      case 8: return CheckScan(arg);
      case 9: return CheckAccessCounts(Pick(arg));
      case 10: return CheckSearch(in->Text(), arg);
      default: return DoDeleteSession(arg);
    }
  }

  void Finish() {
    CheckScan(0x00);  // all sessions, oldest first
    CheckScan(0x80);  // newest first
    for (RecordId id : deleted_) CheckGet(id, 0);
    VerifyOptions options;
    options.deep = true;
    VerifyReport report;
    Status s = mnemo::Verify(store_, options, &report);
    if (!s.ok()) Fail("verify", s);
    if (!report.ok()) {
      const VerifyProblem& p = report.problems.front();
      Fail("verify", std::string(VerifyProblemKindName(p.kind)) + ": " +
                         p.message);
    }
  }

 private:
  bool Visible(const ModelRecord& m) const {
    return m.expires_at == 0 || clock_->NowMicros() < m.expires_at;
  }
  static std::string Sid(RecordId id) { return RecordIdToString(id); }

  RecordId Pick(uint8_t arg) {
    if (arg >= 0xf0 && !deleted_.empty()) {
      return deleted_[arg % deleted_.size()];
    }
    if (model_.empty()) return 12345;  // an id that never existed
    auto it = model_.begin();
    std::advance(it, arg % model_.size());
    return it->first;
  }

  void Put(const std::string& text, uint8_t arg) {
    Record r;
    r.ns = {kTenant, kAgent, arg % 2 ? "s1" : "s2"};
    r.text = text;
    r.importance = static_cast<float>(arg % 5) / 4.0f;
    r.event_time = clock_->NowMicros() - static_cast<Micros>(arg % 64) * kHour;
    if ((arg & 0x0c) == 0x0c) {
      r.expires_at = clock_->NowMicros() + static_cast<Micros>(1 + arg % 3) * 6 * kHour;
    }
    RecordId id = 0;
    Status s = store_->Put(WriteOptions(), r, &id);
    if (!IsValidUtf8(text)) {
      if (!s.IsInvalidArgument()) Fail("put of invalid UTF-8", s);
      return;
    }
    if (!s.ok()) Fail("put", s);
    if (model_.count(id) != 0 || std::count(deleted_.begin(), deleted_.end(), id)) {
      Fail("put", "id reused: " + Sid(id));
    }
    ModelRecord& m = model_[id];
    m.texts = {text};
    m.session = r.ns.session;
    m.event_time = r.event_time;
    m.expires_at = r.expires_at;
  }

  void CheckGet(RecordId id, uint8_t arg) {
    Record r;
    ReadOptions ro;
    ro.count_access = (arg & 1) != 0;
    if ((arg & 0x0e) == 0x0e) {  // another tenant never sees the record
      Status s = store_->Get(ro, "u", id, &r);
      if (!s.IsNotFound()) Fail("get from another tenant", s);
      return;
    }
    Status s = store_->Get(ro, kTenant, id, &r);
    auto it = model_.find(id);
    if (it == model_.end() || !Visible(it->second)) {
      if (!s.IsNotFound()) Fail("get of a missing or expired record", s);
      return;
    }
    if (!s.ok()) Fail("get", s);
    const ModelRecord& m = it->second;
    if (r.id != id || r.text != m.texts.back() || r.version != m.texts.size() ||
        r.ns.session != m.session || r.event_time != m.event_time ||
        r.expires_at != m.expires_at) {
      Fail("get", "record differs from the model: " + Sid(id));
    }
    if (ro.count_access) ++it->second.accesses;
  }

  void DoUpdate(RecordId id, const std::string& text, uint8_t arg) {
    RecordUpdate update;
    update.text = text;
    Micros expires = 0;
    if ((arg & 0x30) == 0x30) {
      expires = clock_->NowMicros() + static_cast<Micros>(1 + arg % 4) * 6 * kHour;
      update.expires_at = expires;
    }
    Record updated;
    Status s = store_->Update(WriteOptions(), kTenant, id, update, &updated);
    auto it = model_.find(id);
    if (it == model_.end() || !Visible(it->second)) {
      if (!s.IsNotFound()) Fail("update of a missing or expired record", s);
      return;
    }
    if (!IsValidUtf8(text)) {
      if (!s.IsInvalidArgument()) Fail("update with invalid UTF-8", s);
      return;
    }
    if (!s.ok()) Fail("update", s);
    ModelRecord& m = it->second;
    m.texts.push_back(text);
    if (update.expires_at) m.expires_at = expires;
    if (updated.text != text || updated.version != m.texts.size()) {
      Fail("update", "updated record differs: " + Sid(id));
    }
  }

  void Forget(RecordId id) {
    model_.erase(id);
    deleted_.push_back(id);
  }

  void DoDelete(RecordId id) {
    Status s = store_->Delete(WriteOptions(), kTenant, id);
    auto it = model_.find(id);
    if (it == model_.end()) {
      if (!s.IsNotFound()) Fail("delete of a missing record", s);
      return;
    }
    // An expired record may already be gone (compaction drops it).
    if (!s.ok() && !(s.IsNotFound() && !Visible(it->second))) Fail("delete", s);
    Forget(id);
  }

  void DoDeleteSession(uint8_t arg) {
    std::string session = arg % 2 ? "s1" : "s2";
    uint64_t visible = 0, expired = 0;
    std::vector<RecordId> ids;
    for (const auto& [id, m] : model_) {
      if (m.session != session) continue;
      ids.push_back(id);
      ++(Visible(m) ? visible : expired);
    }
    uint64_t n = 0;
    Status s =
        store_->DeleteSession(WriteOptions(), kTenant, kAgent, session, &n);
    if (!s.ok()) Fail("delete session", s);
    if (n < visible || n > visible + expired) {
      Fail("delete session", "deleted " + std::to_string(n) + ", model has " +
                                 std::to_string(visible) + " live and " +
                                 std::to_string(expired) + " expired");
    }
    for (RecordId id : ids) Forget(id);
  }

  void Compact(uint8_t arg) {
    if (compactions_++ >= 2) return;  // pages are costly: bound per input
    CompactOptions options;
    options.policy.thresholds.warm_after = kHour * (1 + arg % 8);
    options.policy.thresholds.pixels_after = kHour * (2 + arg % 32);
    options.policy.thresholds.decayed_after = kHour * (4 + arg % 64);
    options.policy.forget_text_when_decayed = false;
    // The two smallest real profiles (512 and 640 px): the same render,
    // PNG and decay code as the defaults at a fraction of the pixels.
    options.policy.pixel_profile = arg & 0x40 ? "tiny" : "small";
    options.policy.decayed_profile = "tiny";
    CompactResult result;
    Status s = store_->Compact(options, &result);
    if (!s.ok()) Fail("compact", s);
  }

  void CheckHistory(RecordId id) {
    std::vector<Record> versions;
    Status s = store_->History(ReadOptions(), kTenant, id, &versions);
    auto it = model_.find(id);
    if (it == model_.end() || !Visible(it->second)) {
      if (!s.IsNotFound()) Fail("history of a missing or expired record", s);
      return;
    }
    if (!s.ok()) Fail("history", s);
    const ModelRecord& m = it->second;
    if (versions.size() != m.texts.size()) {
      Fail("history", "version count differs: " + Sid(id));
    }
    for (size_t v = 0; v < versions.size(); ++v) {
      if (versions[v].text != m.texts[v] || versions[v].version != v + 1) {
        Fail("history", "version " + std::to_string(v + 1) + " differs: " + Sid(id));
      }
    }
  }

  // Pages through a scan (bits 0-2: page size - 1; bit 3: session s1 only;
  // bit 7: newest first) and compares it with the model's visible records
  // in (event time, id) order.
  void CheckScan(uint8_t arg) {
    ScanOptions scan;
    scan.tenant = kTenant;
    scan.agent = kAgent;
    scan.limit = (arg & 7) == 0 ? 10000 : (arg & 7);
    if (arg & 8) scan.session = "s1";
    scan.reverse = (arg & 0x80) != 0;
    std::vector<std::tuple<Micros, RecordId>> want;
    for (const auto& [id, m] : model_) {
      if (!Visible(m) || (scan.session && m.session != *scan.session)) continue;
      want.emplace_back(m.event_time, id);
    }
    std::sort(want.begin(), want.end());
    if (scan.reverse) std::reverse(want.begin(), want.end());
    std::vector<RecordId> got;
    for (int pages = 0;; ++pages) {
      if (pages > 200) Fail("scan", "cursor does not advance");
      ScanResult result;
      Status s = store_->Scan(ReadOptions(), scan, &result);
      if (!s.ok()) Fail("scan", s);
      if (result.records.size() > scan.limit) Fail("scan", "page over the limit");
      for (const Record& r : result.records) {
        auto it = model_.find(r.id);
        if (it == model_.end() || r.text != it->second.texts.back()) {
          Fail("scan", "record differs from the model: " + Sid(r.id));
        }
        got.push_back(r.id);
      }
      if (result.next_cursor.empty()) break;
      scan.cursor = result.next_cursor;
    }
    if (got.size() != want.size()) {
      Fail("scan", "returned " + std::to_string(got.size()) + " records, model has " +
                       std::to_string(want.size()));
    }
    for (size_t i = 0; i < got.size(); ++i) {
      if (got[i] != std::get<1>(want[i])) Fail("scan", "order differs at " + std::to_string(i));
    }
  }

  void CheckAccessCounts(RecordId id) {
    Status s = mnemo::FlushAccessCounts(store_);
    if (!s.ok()) Fail("flush access counts", s);
    auto it = model_.find(id);
    if (it == model_.end() || !Visible(it->second)) return;
    Record r;
    ReadOptions ro;
    ro.count_access = false;
    s = store_->Get(ro, kTenant, id, &r);
    if (!s.ok()) Fail("get after flushing access counts", s);
    if (r.access_count != it->second.accesses) {
      Fail("access count", Sid(id) + " has " + std::to_string(r.access_count) +
                               ", model " + std::to_string(it->second.accesses));
    }
  }

  // A query (the step's text, or a stored record's text when bit 0 is set)
  // must find exactly the live records sharing an analyzed term with it.
  void CheckSearch(const std::string& text, uint8_t arg) {
    SearchOptions options;
    options.filter.tenant = kTenant;
    options.query = text;
    options.k = 1000;
    if ((arg & 1) && !model_.empty()) options.query = model_.at(Pick(arg >> 1)).texts.back();
    if (arg & 2) options.filter.session = "s1";
    // Plain BM25 finds exactly the records sharing a term; the default
    // ranking may add records found only through their neighbours or
    // session, so it must find at least those (and only live records).
    const bool plain = (arg & 4) == 0;
    if (plain) options.ranking.rerank_pool = 0;
    static internal::Analyzer analyzer("english");  // the store's language
    std::vector<std::string> terms;
    analyzer.Terms(options.query, &terms);
    std::set<std::string> query_terms(terms.begin(), terms.end());
    std::set<RecordId> want;
    for (const auto& [id, m] : model_) {
      if (!Visible(m) || (options.filter.session && m.session != *options.filter.session)) {
        continue;
      }
      terms.clear();
      analyzer.Terms(m.texts.back(), &terms);
      for (const std::string& t : terms) {
        if (query_terms.count(t)) {
          want.insert(id);
          break;
        }
      }
    }
    SearchResult result;
    Status s = store_->Search(options, &result);
    if (!s.ok()) Fail("search", s);
    std::set<RecordId> got;
    for (const SearchHit& hit : result.hits) {
      auto it = model_.find(hit.id);
      if (it == model_.end() || hit.record.text != it->second.texts.back()) {
        Fail("search", "hit differs from the model: " + Sid(hit.id));
      }
      got.insert(hit.id);
    }
    const bool found_all =
        std::includes(got.begin(), got.end(), want.begin(), want.end());
    if (plain ? got != want : !found_all) {
      Fail("search", "found " + std::to_string(got.size()) + " records, model " +
                         std::to_string(want.size()));
    }
  }

  Store* store_;
  FuzzClock* clock_;
  std::map<RecordId, ModelRecord> model_;
  std::vector<RecordId> deleted_;
  int compactions_ = 0;
};

// Creating a store's column families costs most of an Open (RocksDB
// rewrites and re-parses its OPTIONS file for each): the first call opens
// an empty store once and keeps its files; every input starts from a copy.
std::map<std::string, std::string>* empty_store = nullptr;

// `score_backlog`: searches never index; they score every unindexed record
// themselves (search_tail.cc), which must give the model's results too.
Options StoreOptions(Clock* clock, bool score_backlog = false) {
  Options options;
  if (score_backlog) options.search_catch_up_records = 0;
  options.clock = clock;
  options.write_buffer_bytes = 64 << 10;
  options.block_cache_bytes = 1 << 20;
  options.access_flush_interval_ms = 3'600'000;  // flushed when asked
  options.search_index_interval_ms = 0;  // indexed by search and compaction
  return options;
}

void CheckRocks(const rocksdb::Status& s, const char* what) {
  if (!s.ok()) Fail(what, Status::IOError(s.ToString()));
}

void SaveEmptyStore() {
  std::unique_ptr<rocksdb::Env> mem(rocksdb::NewMemEnv(rocksdb::Env::Default()));
  internal::SetTestEnv(mem.get());
  FuzzClock clock;
  std::unique_ptr<Store> store;
  Status s = Store::Open(StoreOptions(&clock), *store_dir, &store);
  if (!s.ok()) Fail("open", s);
  store.reset();
  internal::SetTestEnv(nullptr);
  empty_store = new std::map<std::string, std::string>();
  std::vector<std::string> names;
  CheckRocks(mem->GetChildren(*store_dir, &names), "list the empty store");
  for (const std::string& name : names) {
    if (name == "." || name == ".." || name == "LOCK") continue;
    std::string path = *store_dir + "/" + name;
    std::unique_ptr<rocksdb::SequentialFile> file;
    CheckRocks(mem->NewSequentialFile(path, &file, rocksdb::EnvOptions()), "read");
    std::string& bytes = (*empty_store)[path];
    std::string buf(1 << 16, '\0');
    for (;;) {
      rocksdb::Slice got;
      CheckRocks(file->Read(buf.size(), &got, buf.data()), "read");
      if (got.empty()) break;
      bytes.append(got.data(), got.size());
    }
  }
}

void CopyEmptyStore(rocksdb::Env* env) {
  CheckRocks(env->CreateDirIfMissing(*store_dir), "create dir");
  for (const auto& [path, bytes] : *empty_store) {
    std::unique_ptr<rocksdb::WritableFile> file;
    CheckRocks(env->NewWritableFile(path, &file, rocksdb::EnvOptions()), "write");
    CheckRocks(file->Append(bytes), "write");
    CheckRocks(file->Close(), "write");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  std::error_code ec;
  std::string dir = (std::filesystem::temp_directory_path(ec) /
                     ("mnemo-fuzz-store-" + std::to_string(::getpid())))
                        .string();
  std::filesystem::remove_all(dir, ec);
  store_dir = new std::string(dir);
  std::atexit([] {
    std::error_code ec;
    std::filesystem::remove_all(*store_dir, ec);
  });
  SaveEmptyStore();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::unique_ptr<rocksdb::Env> mem(rocksdb::NewMemEnv(rocksdb::Env::Default()));
  CopyEmptyStore(mem.get());
  internal::SetTestEnv(mem.get());
  FuzzClock clock;
  std::unique_ptr<Store> store;
  // Half the inputs (by length) search over an unindexed backlog.
  Status s = Store::Open(StoreOptions(&clock, size % 2 == 1), *store_dir, &store);
  if (!s.ok()) Fail("open", s);
  {
    Input in(data, size);
    Run run(store.get(), &clock);
    for (int steps = 0; steps < 64 && !in.empty(); ++steps) run.Step(&in);
    run.Finish();
  }
  store.reset();
  internal::SetTestEnv(nullptr);
  return 0;
}
