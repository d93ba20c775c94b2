// Copyright (c) mnemo authors.
//
// store_lock_holder DIR RELEASE_FILE [write]: opens the store at DIR for
// writing, prints "ready", and keeps it open until RELEASE_FILE exists (at
// most kHoldSeconds of wall-clock time). With "write" it writes atomic
// batches of kBatchRecords records meanwhile (tenant "holder", small
// memtables so flushes and compactions run), paced and capped at
// kMaxBatches so the store stays small, and prints "wrote N batches" at the
// end. Used by the CLI tests to play a second writer process.
//
// The hold is timed, never counted in loop turns: how long the store stays
// held must not depend on how fast this build writes (an ASAN build on a
// loaded machine and a plain one differ many times over), or a test's
// command can find the store already released.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "mnemo/store.h"

namespace {

constexpr int kBatchRecords = 5;
constexpr int kBatchesPerTurn = 10;
constexpr int kMaxBatches = 20000;
constexpr int kHoldSeconds = 120;

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
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(kHoldSeconds);
  int batches = 0;
  while (access(argv[2], F_OK) != 0 &&
         std::chrono::steady_clock::now() < deadline) {
    for (int j = 0; write && j < kBatchesPerTurn && batches < kMaxBatches; ++j) {
      s = WriteBatchNumber(store.get(), batches);
      if (!s.ok()) {
        std::printf("error %s\n", s.ToString().c_str());
        return 1;
      }
      ++batches;
    }
    usleep(write && batches < kMaxBatches ? 5000 : 20000);
  }
  if (write) std::printf("wrote %d batches\n", batches);
  return 0;
}
