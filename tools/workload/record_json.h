// Copyright (c) mnemo authors.
//
// The JSONL record format of `mnemo dump` / `mnemo import --format jsonl`:
// one JSON object per line.
//
// Written by RecordToJson, in this field order:
//   id (decimal string: ids exceed 2^53, which JSON doubles cannot hold),
//   tenant, agent, session, role, kind, text,
//   event_time, created_time (RFC 3339 UTC, microseconds when non-zero),
//   importance (shortest decimal that reads back as the same float),
//   access_count, tier ("hot"...), page (null, or the page id as a
//   decimal string once compacted), metadata (object of strings), version,
//   expires_at (only when the record expires), text_forgotten (true, only
//   when a forgetting policy dropped the text: only the page holds it).
//
// Read by RecordFromJson. Required: tenant, agent, text (strings).
// Optional, with defaults: session "default", role "user", kind "message",
// event_time now (0 here; the store fills it in), importance 0.5,
// metadata {} (non-string values are stored as their JSON text).
// A line with "id" (string or number) is a dump line: it is restored with
// that id and its created_time (default: event_time), access_count
// (default 0), version (default 1), tier (default "hot"), page (default
// null) and text_forgotten (default false). The store keeps the tier
// (mnemo::Import with pages): a record on pages keeps its page reference
// when `mnemo import --pages DIR` finds the page files `mnemo dump
// --include-pages DIR` wrote (workload/page_files.h); without them it comes
// back as warm text. Lines without "id" are new records: tier and page are
// ignored.
// Refused (InvalidArgument): a key twice in one object at any level (the
// JSON library would keep the last, so a second "tenant" could move the
// record to another tenant), a field not named above (a typo such as
// "sesion" would fall back to the default), nesting deeper than
// kMaxJsonDepth (mnemo/json_limits.h).

#ifndef MNEMO_TOOLS_WORKLOAD_RECORD_JSON_H_
#define MNEMO_TOOLS_WORKLOAD_RECORD_JSON_H_

#include <string>
#include <string_view>

#include "mnemo/record.h"
#include "mnemo/status.h"

namespace mnemo::workload {

inline constexpr char kDefaultSession[] = "default";
inline constexpr char kDefaultRole[] = "user";
inline constexpr char kDefaultKind[] = "message";
inline constexpr float kDefaultImportance = 0.5f;

// One dump line for `record`, without the trailing newline.
std::string RecordToJson(const Record& record);

// Parses one line into *record (fields not in the line keep the defaults
// above). Sets *has_id when the line carries an id. InvalidArgument names
// the problem (not JSON, invalid UTF-8, missing or mistyped field); the
// caller adds the line number.
Status RecordFromJson(std::string_view line, Record* record, bool* has_id);

// Shortest decimal text of `value` that parses back to the same float.
std::string FloatToShortest(float value);

}  // namespace mnemo::workload

#endif  // MNEMO_TOOLS_WORKLOAD_RECORD_JSON_H_
