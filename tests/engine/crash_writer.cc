// Copyright (c) mnemo authors.
//
// Child process of crash_test: writes batches of records to a store forever
// and prints one line per acknowledged batch ("<batch> <first id> <size>"),
// until it is killed.
//
// usage: mnemo_crash_writer DIR FIRST_BATCH

#include <cstdio>
#include <cstdlib>
#include <string>

#include "crash_workload.h"
#include "mnemo/store.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: mnemo_crash_writer DIR FIRST_BATCH\n");
    return 2;
  }
  std::unique_ptr<mnemo::Store> store;
  mnemo::Status s = mnemo::Store::Open(mnemo::Options(), argv[1], &store);
  if (!s.ok()) {
    std::fprintf(stderr, "open: %s\n", s.ToString().c_str());
    return 1;
  }
  for (uint64_t batch = std::strtoull(argv[2], nullptr, 10);; ++batch) {
    std::vector<mnemo::Record> records = mnemo::test::CrashBatch(batch);
    std::vector<mnemo::RecordId> ids;
    s = store->PutBatch(mnemo::WriteOptions(), records, &ids);
    if (!s.ok()) {
      std::fprintf(stderr, "put: %s\n", s.ToString().c_str());
      return 1;
    }
    std::printf("%llu %llu %zu\n", static_cast<unsigned long long>(batch),
                static_cast<unsigned long long>(ids[0]), ids.size());
    std::fflush(stdout);
  }
}
