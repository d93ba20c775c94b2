// Copyright (c) mnemo authors.
//
// What RecordTable::ScanAgent (record_table_scan.cc) takes: the agent's
// time range and the header fields its filter sees. Internal to the
// record table and its callers.

#ifndef MNEMO_ENGINE_RECORD_TABLE_SCAN_H_
#define MNEMO_ENGINE_RECORD_TABLE_SCAN_H_

#include <optional>
#include <string_view>

#include "mnemo/record.h"

namespace mnemo::internal {

// The header fields a scan filters on without decoding the record (the
// front of the envelope).
struct ScanEntry {
  RecordId id = 0;
  Micros event_time = 0;
  Micros expires_at = 0;
  Tier tier = Tier::kHot;
  std::string_view session, role, kind;  // valid during the callback only
};

// One agent's records in a time range, for ScanAgent.
struct AgentRange {
  std::string_view tenant, agent;
  std::optional<Micros> start_time;  // inclusive
  std::optional<Micros> end_time;    // exclusive
  bool reverse = false;
  // Resume strictly after (before, when reverse) this position: a value
  // returned in *last_position by an earlier call; "" starts at the edge.
  std::string_view after;
  // Whether the filter reads ScanEntry's session/role/kind. When false
  // they stay empty and the labels are not parsed for the filter (a
  // returned record is decoded and checked whole either way).
  bool labels = true;
};

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_RECORD_TABLE_SCAN_H_
