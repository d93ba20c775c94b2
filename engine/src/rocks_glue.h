// Copyright (c) mnemo authors.
//
// The RocksDB side of the engine: how each column family is configured, the
// access-count merge operator, the TTL compaction filters, the per-agent
// prefix extractor, and rocksdb::Status -> mnemo::Status conversion.
// Internal: never included by public headers.

#ifndef MNEMO_ENGINE_ROCKS_GLUE_H_
#define MNEMO_ENGINE_ROCKS_GLUE_H_

#include <rocksdb/compaction_filter.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/db.h>
#include <rocksdb/status.h>

#include <memory>
#include <string>
#include <vector>

#include "mnemo/options.h"
#include "mnemo/status.h"

namespace mnemo::internal {

// Column family names, in the order the engine keeps their handles.
inline constexpr const char* kCfDefault = "default";
inline constexpr const char* kCfRecords = "records";
inline constexpr const char* kCfIndex = "index";
inline constexpr const char* kCfHistory = "history";
inline constexpr const char* kCfPages = "pages";
inline constexpr const char* kCfSpill = "spill";
inline constexpr const char* kCfPostings = "postings";  // full-text index
inline constexpr int kNumColumnFamilies = 7;
const std::vector<std::string>& ColumnFamilyNames();

// Converts a RocksDB status; the message is prefixed with `context`.
Status FromRocks(const rocksdb::Status& s, std::string_view context);

// Operand of the access merge: +count reads, latest read at `last`.
std::string AccessOperand(uint64_t count, Micros last);

// Database-wide options (shared block cache etc.) for a store.
struct RocksConfig {
  rocksdb::DBOptions db;
  std::vector<rocksdb::ColumnFamilyDescriptor> families;  // all of ours
  // Compaction filters referenced (not owned) by `families`; must outlive
  // the database.
  std::vector<std::unique_ptr<rocksdb::CompactionFilter>> filters;
};
// Builds the configuration for `options`; the clock drives TTL filters.
RocksConfig MakeRocksConfig(const Options& options, Clock* clock);

// Options for a column family not created by this build (a newer store may
// have more); opened with defaults so RocksDB accepts the open.
rocksdb::ColumnFamilyOptions UnknownFamilyOptions();

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_ROCKS_GLUE_H_
