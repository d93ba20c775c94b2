// Copyright (c) mnemo authors.
//
// The randomized mixed workload of the crash loop, shared by the child
// (mnemo_crash_mixed) and the checker (crash_loop_test): how texts and
// hot-cache payloads are derived, the cache configuration both open the
// store with, and the line protocol the child prints.
//
// Before each operation the child prints an intent line, after the store
// acknowledged it an ack line (both flushed):
//   ?P <op> <n>            !P <op> <first id> <n>   put batch of n records
//   ?U <op> <id>           !U <op> <id>             update id's text
//   ?D <op> <id>           !D <op> <id>             delete id
//   ?K <op> <page> <kind>  !K <op> <page> <kind> <revision>
//                                                   PutKv of KvBytes(op) as
//                                                   KvKind(kind) on page, at
//                                                   PageRevision <revision>
//   ?K <op> <page> <kind>  -K <op> <page> <kind>    refused: the page was
//                                                   deleted (NotFound)
// Only the last intent can be in flight when the child is killed.

#ifndef MNEMO_TESTS_RELIABILITY_CRASH_MIXED_WORKLOAD_H_
#define MNEMO_TESTS_RELIABILITY_CRASH_MIXED_WORKLOAD_H_

#include <cstdint>
#include <string>

#include "mnemo/compaction.h"
#include "mnemo/options.h"
#include "mnemo/record.h"

namespace mnemo::test {

inline constexpr char kMixTenant[] = "crash";
inline constexpr char kMixAgent[] = "mix";
// 2023-01-01: event times start here; the compactor's clock runs ahead.
inline constexpr Micros kMixEpoch = 1'672'531'200'000'000LL;

// Text of item `item` of put `op`, or of update `op` (item = -1). `op`
// numbers are unique across the whole run (the checker hands out ranges).
inline std::string MixText(uint64_t op, int item) {
  std::string text = (item < 0 ? "update " : "put ") + std::to_string(op) +
                     " item " + std::to_string(item) + ": ";
  size_t pad = (op * 131 + static_cast<uint64_t>(item + 1) * 17) % 600;
  for (size_t i = 0; i < pad; ++i) {
    text.push_back(i % 9 == 8 ? ' ' : static_cast<char>('a' + (op + i) % 26));
  }
  return text;
}

// A page's payloads are derived from its pixels: they go when the page
// does, and when a record leaves the page (its text is blanked out of it,
// which changes the manifest). This names the manifest's content.
inline uint64_t PageRevision(const PageData& page) {
  return ContentHash(page.manifest_json);
}

// Payload kinds the child writes (index printed in ?K/!K lines).
inline constexpr int kMixKvKinds = 3;
inline const char* KvKind(int kind) {
  static const char* const kKinds[kMixKvKinds] = {"embedding", "kv:model-a",
                                                  "kv:model-b"};
  return kKinds[kind];
}

// Payload of PutKv `op`: mostly 1 B..48 KiB, every fifth about 150 KiB and
// every 61st larger than the whole device budget (so it lives only in the
// store), all bytes derived from `op`.
inline std::string KvBytes(uint64_t op) {
  size_t size;
  if (op % 61 == 17) {
    size = (size_t{2} << 20) + 4096 + op % 4096;
  } else if (op % 5 == 0) {
    size = (150 << 10) + op % 1000;
  } else {
    size = 1 + (op * 2654435761u) % (48 << 10);
  }
  std::string bytes(size, '\0');
  uint64_t x = op * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    bytes[i] = static_cast<char>(x);
  }
  return bytes;
}

// Options of the child and of the checker's reopen: the hot cache on the
// host backend (no GPU needed) with a 2-page (4 MiB) budget, so payloads
// are evicted from the pools and read back from the `spill` family.
inline Options MixOptions() {
  Options options;
  options.cache.enabled = true;
  options.cache.use_gpu = false;
  options.cache.budget_bytes = size_t{4} << 20;
  options.cache.host_tier_bytes = size_t{256} << 10;
  return options;
}

}  // namespace mnemo::test

#endif  // MNEMO_TESTS_RELIABILITY_CRASH_MIXED_WORKLOAD_H_
