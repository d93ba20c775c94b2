// Copyright (c) mnemo authors.
//
// The records written above the search watermark, by agent. A search over
// a large indexing backlog does not wait for the indexer: it scores the
// unindexed records of the agents it covers directly (search_tail.cc), and
// this list tells it which ones they are without reading the whole backlog.
//
// It holds the ids this process wrote (inserts and restores) in write
// order, one segment per batch, as (id, agent number) pairs; the indexer
// drops segments once its watermark passes them. Ids written before the
// store was opened are not here: a search reads those from the records
// family (they lie at or below the id the store opened with).
//
// Thread safety: every method may be called from any thread.

#ifndef MNEMO_ENGINE_SEARCH_TAIL_H_
#define MNEMO_ENGINE_SEARCH_TAIL_H_

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "mnemo/record.h"

namespace mnemo::internal {

class UnindexedTail {
 public:
  // Notes records[i] under id first + i (an insert batch), or under
  // records[i].id when first is 0 (a restore).
  void Add(const Record* records, size_t n, RecordId first);
  // Forgets segments whose every id is <= watermark.
  void Drop(RecordId watermark);
  // Sets *ids to the noted ids above `watermark` of the tenant's `agents`,
  // sorted, without repeats.
  void Collect(std::string_view tenant, const std::vector<std::string>& agents,
               RecordId watermark, std::vector<RecordId>* ids) const;
  // Ids noted and not yet dropped (a bound, for tests and stats).
  size_t size() const;

 private:
  struct Segment {
    RecordId max_id = 0;
    std::vector<std::pair<RecordId, uint32_t>> items;  // id, agent number
  };
  uint32_t AgentNumber(std::string_view tenant, std::string_view agent);

  mutable std::mutex mu_;
  std::unordered_map<std::string, uint32_t> agents_;  // tenant \0 agent
  std::deque<Segment> segments_;
  size_t size_ = 0;
  std::string key_;  // scratch
  const std::string* last_agent_ = nullptr;  // key of the last AgentNumber
  uint32_t last_number_ = 0;
};

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_SEARCH_TAIL_H_
