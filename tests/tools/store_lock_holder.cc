// Copyright (c) mnemo authors.
//
// store_lock_holder DIR RELEASE_FILE [write]: opens the store at DIR for
// writing, prints "ready", and keeps it open until RELEASE_FILE exists (at
// most 30 s). With "write" it keeps writing atomic batches of
// kBatchRecords records (tenant "holder", small memtables so flushes and
// compactions run meanwhile) and prints "wrote N batches" at the end. Used
// by the CLI tests to play a second writer process.

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "mnemo/store.h"

namespace {

constexpr int kBatchRecords = 5;

mnemo::Status WriteBatchNumber(mnemo::Store* store, int n) {
  std::vector<mnemo::Record> batch(kBatchRecords);
  for (int k = 0; k < kBatchRecords; ++k) {
    batch[k].ns = {"holder", "writer", "s" + std::to_string(n % 7)};
    batch[k].text = "batch " + std::to_string(n) + " item " +
                    std::to_string(k) + " " + std::string(300, 'x');
  }
  return store->PutBatch(mnemo::WriteOptions(), batch, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  bool write = argc == 4 && std::strcmp(argv[3], "write") == 0;
  if (argc != 3 && !write) {
    std::fprintf(stderr, "usage: store_lock_holder DIR RELEASE_FILE [write]\n");
    return 2;
  }
  std::unique_ptr<mnemo::Store> store;
  mnemo::Options options;
  options.create_if_missing = false;
  options.write_buffer_bytes = 64 << 10;
  mnemo::Status s = mnemo::Store::Open(options, argv[1], &store);
  if (!s.ok()) {
    std::printf("error %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("ready\n");
  std::fflush(stdout);
  int batches = 0;
  for (int i = 0; i < 1500 && access(argv[2], F_OK) != 0; ++i) {
    if (!write) {
      usleep(20000);
      continue;
    }
    for (int j = 0; j < 10; ++j) {
      s = WriteBatchNumber(store.get(), batches);
      if (!s.ok()) {
        std::printf("error %s\n", s.ToString().c_str());
        return 1;
      }
      ++batches;
    }
    usleep(2000);
  }
  if (write) std::printf("wrote %d batches\n", batches);
  return 0;
}
