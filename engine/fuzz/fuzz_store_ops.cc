// Copyright (c) mnemo authors.
// libFuzzer target: operation sequences against the Store API (put, get,
// update, delete, history, clock advance, compaction), checked against an
// in-memory model after every step and by a scan at the end. One store
// serves the whole run (opening RocksDB per input would dominate); each
// input works in its own tenant and deletes its agent at the end.
//
// Input bytes: a stream of (opcode, argument, payload...) triples; see Step.

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mnemo/store.h"

namespace {

using namespace mnemo;

class FuzzClock final : public Clock {
 public:
  Micros NowMicros() override { return now_.load(); }
  void Advance(Micros d) { now_.fetch_add(d); }

 private:
  std::atomic<Micros> now_{1'704'067'200'000'000LL};  // 2024-01-01
};

struct Env {
  std::string dir;
  FuzzClock clock;
  std::unique_ptr<Store> store;
  uint64_t inputs = 0;
};

Env* env = nullptr;

[[noreturn]] void Fail(const char* what, const Status& s) {
  std::fprintf(stderr, "store ops fuzzer: %s: %s\n", what, s.ToString().c_str());
  std::abort();
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

struct Model {
  std::map<RecordId, std::string> texts;
  std::map<RecordId, uint32_t> versions;
  std::vector<RecordId> deleted;
};

class Run {
 public:
  explicit Run(std::string tenant) : tenant_(std::move(tenant)) {}

  void Step(Input* in) {
    uint8_t op = in->Byte() % 8;
    uint8_t arg = in->Byte();
    switch (op) {
      case 0: case 1: return Put(in->Text(), arg);
      case 2: return CheckGet(Pick(arg));
      case 3: return DoUpdate(Pick(arg), in->Text());
      case 4: return DoDelete(Pick(arg));
      case 5: env->clock.Advance(static_cast<Micros>(arg) * 6 * kHour); return;
      case 6: return Compact(arg);
      default: return CheckHistory(Pick(arg));
    }
  }

  void Finish() {
    ScanOptions scan;
    scan.tenant = tenant_;
    scan.agent = "a";
    scan.limit = 10000;
    ScanResult result;
    Status s = env->store->Scan(ReadOptions(), scan, &result);
    if (!s.ok()) Fail("scan", s);
    if (result.records.size() != model_.texts.size()) {
      Fail("scan", Status::Corruption("record count differs from the model"));
    }
    for (const Record& r : result.records) {
      auto it = model_.texts.find(r.id);
      if (it == model_.texts.end() || it->second != r.text) {
        Fail("scan", Status::Corruption("record differs: " + RecordIdToString(r.id)));
      }
    }
    for (RecordId id : model_.deleted) CheckGet(id);
    uint64_t n = 0;
    s = env->store->DeleteAgent(WriteOptions(), tenant_, "a", &n);
    if (!s.ok() || n != model_.texts.size()) Fail("delete agent", s);
  }

 private:
  RecordId Pick(uint8_t arg) {
    if (arg >= 0xf0 && !model_.deleted.empty()) {
      return model_.deleted[arg % model_.deleted.size()];
    }
    if (model_.texts.empty()) return 12345;  // unknown id
    auto it = model_.texts.begin();
    std::advance(it, arg % model_.texts.size());
    return it->first;
  }

  void Put(const std::string& text, uint8_t arg) {
    Record r;
    r.ns = {tenant_, "a", arg % 2 ? "s1" : "s2"};
    r.text = text;
    r.importance = static_cast<float>(arg % 5) / 4.0f;
    r.event_time = env->clock.NowMicros() - static_cast<Micros>(arg) * kHour;
    RecordId id = 0;
    Status s = env->store->Put(WriteOptions(), r, &id);
    if (!IsValidUtf8(text)) {
      if (!s.IsInvalidArgument()) Fail("put of invalid UTF-8", s);
      return;
    }
    if (!s.ok()) Fail("put", s);
    model_.texts[id] = text;
    model_.versions[id] = 1;
  }

  void CheckGet(RecordId id) {
    Record r;
    ReadOptions ro;
    ro.count_access = (id & 1) != 0;
    Status s = env->store->Get(ro, tenant_, id, &r);
    auto it = model_.texts.find(id);
    if (it == model_.texts.end()) {
      if (!s.IsNotFound()) Fail("get of a missing record", s);
      return;
    }
    if (!s.ok()) Fail("get", s);
    if (r.text != it->second || r.version != model_.versions[id]) {
      Fail("get", Status::Corruption("text/version differ: " + RecordIdToString(id)));
    }
  }

  void DoUpdate(RecordId id, const std::string& text) {
    RecordUpdate update;
    update.text = text;
    Status s = env->store->Update(WriteOptions(), tenant_, id, update, nullptr);
    bool exists = model_.texts.count(id) != 0;
    if (!exists) {
      if (!s.IsNotFound() && !s.IsInvalidArgument()) Fail("update missing", s);
      return;
    }
    if (!IsValidUtf8(text)) {
      if (!s.IsInvalidArgument()) Fail("update with invalid UTF-8", s);
      return;
    }
    if (!s.ok()) Fail("update", s);
    model_.texts[id] = text;
    ++model_.versions[id];
  }

  void DoDelete(RecordId id) {
    Status s = env->store->Delete(WriteOptions(), tenant_, id);
    if (model_.texts.erase(id) == 0) {
      if (!s.IsNotFound()) Fail("delete missing", s);
      return;
    }
    if (!s.ok()) Fail("delete", s);
    model_.versions.erase(id);
    model_.deleted.push_back(id);
  }

  void Compact(uint8_t arg) {
    if (compactions_++ >= 2) return;  // pages are costly: bound per input
    CompactOptions options;
    options.policy.thresholds.warm_after = kHour * (1 + arg % 8);
    options.policy.thresholds.pixels_after = kHour * (2 + arg % 32);
    options.policy.thresholds.decayed_after = kHour * (4 + arg % 64);
    options.policy.forget_text_when_decayed = false;
    Status s = env->store->Compact(options, nullptr);
    if (!s.ok()) Fail("compact", s);
  }

  void CheckHistory(RecordId id) {
    std::vector<Record> versions;
    Status s = env->store->History(tenant_, id, &versions);
    auto it = model_.texts.find(id);
    if (it == model_.texts.end()) {
      if (!s.IsNotFound()) Fail("history of a missing record", s);
      return;
    }
    if (!s.ok()) Fail("history", s);
    if (versions.size() != model_.versions[id] ||
        versions.back().text != it->second) {
      Fail("history", Status::Corruption("versions differ: " + RecordIdToString(id)));
    }
  }

  const std::string tenant_;
  Model model_;
  int compactions_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  char dir[] = "/tmp/mnemo-fuzz-store-XXXXXX";
  if (mkdtemp(dir) == nullptr) std::abort();
  env = new Env();
  env->dir = dir;
  std::atexit([] {
    env->store.reset();
    std::error_code ec;
    std::filesystem::remove_all(env->dir, ec);
  });
  Options options;
  options.clock = &env->clock;
  options.write_buffer_bytes = 1 << 20;
  options.access_flush_interval_ms = 5;
  Status s = Store::Open(options, std::string(dir) + "/db", &env->store);
  if (!s.ok()) Fail("open", s);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  Run run("f" + std::to_string(env->inputs++));
  for (int steps = 0; steps < 64 && !in.empty(); ++steps) run.Step(&in);
  run.Finish();
  return 0;
}
