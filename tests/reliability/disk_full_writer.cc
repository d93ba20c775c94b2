// Copyright (c) mnemo authors.
//
// mnemo_disk_full_writer DB REPORT FILL_AT real|inject
//
// The writer of disk_full_test.cc, a process of its own (so an abort is a
// signal the test sees, and RocksDB's thread pools are its own: a forked
// test process would inherit pools whose threads it does not have). Puts
// records until kWritesAfterFirstFailure writes have failed, reading each
// acknowledged one back (access counts) and flushing counts and compacting
// after failures; then closes the store. At Put FILL_AT, "inject" fills
// the disk of the engine's FaultInjectionFs (every file: table files, the
// write-ahead log, the info log) and takes a checkpoint, so RocksDB also
// fails a flush and later writes go through DB::Resume; "real" does
// nothing (the store is on a small file system the test filled).
// REPORT gets "ok I ID" per acknowledged record, "err RE|OTHER status" per
// failure and "closed" at the end.

#include "disk_full_writer.h"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "fault_injection.h"
#include "mnemo/admin.h"
#include "mnemo/store.h"
#include "reliability_util.h"
#include "test_hooks.h"

namespace mnemo::test {
namespace {

constexpr int kMaxWrites = 6000;
constexpr int kWritesAfterFirstFailure = 300;

std::string OneLine(std::string s) {
  for (char& c : s) c = c == '\n' ? ' ' : c;
  return s;
}

int RunWriter(const std::string& db, FILE* report, int fill_at,
              internal::FaultInjectionFs* fs) {
  Options options;
  options.write_buffer_bytes = 128 << 10;  // flushes and compactions too
  options.access_flush_interval_ms = 10;
  std::unique_ptr<Store> store;
  Status s = Store::Open(options, db, &store);
  if (!s.ok()) {
    std::fprintf(report, "err OPEN %s\n", OneLine(s.ToString()).c_str());
    return 4;
  }
  int failures = 0;
  for (int i = 0; i < kMaxWrites && failures < kWritesAfterFirstFailure; ++i) {
    if (i == fill_at && fs != nullptr) {
      fs->SetDiskFull(true);
      (void)mnemo::Checkpoint(store.get(), db + ".checkpoint");
    }
    RecordId id = 0;
    s = store->Put(WriteOptions(), TextRecord("t", "a", DiskFullText(i)), &id);
    if (s.ok()) {
      std::fprintf(report, "ok %d %llu\n", i,
                   static_cast<unsigned long long>(id));
      Record r;
      (void)store->Get(ReadOptions(), "t", id, &r);
    } else {
      ++failures;
      std::fprintf(report, "err %s %s\n",
                   s.IsResourceExhausted() ? "RE" : "OTHER",
                   OneLine(s.ToString()).c_str());
    }
    if (failures > 0 && i % 25 == 0) {
      (void)mnemo::FlushAccessCounts(store.get());
      (void)store->Compact(CompactOptions(), nullptr);
    }
    std::fflush(report);
  }
  store.reset();  // the close writes too
  std::fprintf(report, "closed\n");
  return 0;
}

}  // namespace
}  // namespace mnemo::test

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s DB REPORT FILL_AT real|inject\n", argv[0]);
    return 2;
  }
  FILE* report = std::fopen(argv[2], "w");
  if (report == nullptr) return 3;
  std::unique_ptr<mnemo::internal::FaultInjectionFs> fs;
  if (std::string(argv[4]) == "inject") {
    fs = std::make_unique<mnemo::internal::FaultInjectionFs>();
    mnemo::internal::SetTestEnv(fs->env());
  }
  int rc = mnemo::test::RunWriter(argv[1], report, std::atoi(argv[3]),
                                  fs.get());
  std::fclose(report);
  mnemo::internal::SetTestEnv(nullptr);
  return rc;
}
