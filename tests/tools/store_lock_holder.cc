// Copyright (c) mnemo authors.
//
// store_lock_holder DIR RELEASE_FILE: opens the store at DIR for writing,
// prints "ready", and keeps it open until RELEASE_FILE exists (at most
// 30 s). Used by the CLI tests to play a second writer process.

#include <unistd.h>

#include <cstdio>
#include <memory>

#include "mnemo/store.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: store_lock_holder DIR RELEASE_FILE\n");
    return 2;
  }
  std::unique_ptr<mnemo::Store> store;
  mnemo::Options options;
  options.create_if_missing = false;
  mnemo::Status s = mnemo::Store::Open(options, argv[1], &store);
  if (!s.ok()) {
    std::printf("error %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("ready\n");
  std::fflush(stdout);
  for (int i = 0; i < 1500 && access(argv[2], F_OK) != 0; ++i) usleep(20000);
  return 0;
}
