// Copyright (c) mnemo authors.
//
// The deterministic workload of search_crash_writer and search_crash_test:
// batch b holds 1..4 records, each with a word no other record has; some
// records are deleted soon after (before the indexer reaches them) and
// some later (after it has).

#ifndef MNEMO_TESTS_ENGINE_SEARCH_CRASH_WORKLOAD_H_
#define MNEMO_TESTS_ENGINE_SEARCH_CRASH_WORKLOAD_H_

#include <string>
#include <vector>

#include "mnemo/record.h"

namespace mnemo::test {

inline size_t SearchCrashBatchSize(uint64_t batch) {
  return 1 + (batch * 2654435761u >> 9) % 4;
}

// The word only record `item` of `batch` has.
inline std::string SearchCrashWord(uint64_t batch, size_t item) {
  return "zq" + std::to_string(batch) + "x" + std::to_string(item);
}

inline std::vector<Record> SearchCrashBatch(uint64_t batch) {
  std::vector<Record> records(SearchCrashBatchSize(batch));
  for (size_t i = 0; i < records.size(); ++i) {
    records[i].ns = {"crash", "searcher", "s" + std::to_string(batch % 3)};
    records[i].text = "memory " + SearchCrashWord(batch, i) +
                      " of the running river, batch " + std::to_string(batch);
  }
  return records;
}

// Item 0 of every third batch is deleted right after its batch is written;
// item 0 of batch b - 5 is deleted after batch b when b % 5 == 0.
inline bool DeletedEarly(uint64_t batch) { return batch % 3 == 0; }
inline bool DeletedLate(uint64_t batch) {
  return !DeletedEarly(batch) && batch % 5 == 0;
}

}  // namespace mnemo::test

#endif  // MNEMO_TESTS_ENGINE_SEARCH_CRASH_WORKLOAD_H_
