// Copyright (c) mnemo authors.
//
// A deterministic synthetic multi-session agent conversation: dialogue
// turns, tool calls (with call ids, file paths, numbers) and their
// observations, as an agent host would store them. The same options always
// give the same records (byte for byte), on every platform.

#ifndef MNEMO_TOOLS_WORKLOAD_SYNTHETIC_H_
#define MNEMO_TOOLS_WORKLOAD_SYNTHETIC_H_

#include <string>
#include <vector>

#include "mnemo/record.h"

namespace mnemo::workload {

struct SyntheticOptions {
  std::string tenant = "demo";
  // One conversation per agent; agents cycle through two personas
  // (a coding agent and a research agent).
  std::vector<std::string> agents = {"coder", "researcher"};
  int sessions_per_agent = 3;  // 1..1000
  // Each exchange: user request, assistant plan, tool call, tool
  // observation, assistant answer (5 records).
  int exchanges_per_session = 4;  // 1..1000
  uint64_t seed = 42;
  // Event time of the first record; sessions start a day apart and turns
  // follow each other by 5..40 s. Default: 2024-03-04T09:00:00Z.
  Micros start_time = 1709542800LL * 1'000'000;
};

// Returns the records in event-time order per session (ids unset, store
// fields unset). Each session starts with one "system" record.
std::vector<Record> GenerateConversation(const SyntheticOptions& options);

}  // namespace mnemo::workload

#endif  // MNEMO_TOOLS_WORKLOAD_SYNTHETIC_H_
