// Copyright (c) mnemo authors.
//
// The randomized mixed workload of the crash loop, shared by the child
// (mnemo_crash_mixed) and the checker (crash_loop_test): how texts are
// derived, and the line protocol the child prints.
//
// Before each operation the child prints an intent line, after the store
// acknowledged it an ack line (both flushed):
//   ?P <op> <n>            !P <op> <first id> <n>   put batch of n records
//   ?U <op> <id>           !U <op> <id>             update id's text
//   ?D <op> <id>           !D <op> <id>             delete id
// Only the last intent can be in flight when the child is killed.

#ifndef MNEMO_TESTS_RELIABILITY_CRASH_MIXED_WORKLOAD_H_
#define MNEMO_TESTS_RELIABILITY_CRASH_MIXED_WORKLOAD_H_

#include <string>

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

}  // namespace mnemo::test

#endif  // MNEMO_TESTS_RELIABILITY_CRASH_MIXED_WORKLOAD_H_
