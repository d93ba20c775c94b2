// Copyright (c) mnemo authors.
//
// The record model: one memory item of an agent (a dialogue turn, a tool
// call, an observation, a fact), namespaced by tenant / agent / session.

#ifndef MNEMO_RECORD_H_
#define MNEMO_RECORD_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "mnemo/metadata.h"
#include "mnemo/status.h"

namespace mnemo {

// Record ids are unique within a store and increase with creation time,
// so sorting by id sorts by creation. They follow the clock, microseconds
// since the Unix epoch << 8: a store hands out consecutive ids while the
// clock is less than about 4 ms (2^20) ahead of the last one, and jumps
// to the clock otherwise. 0 is never a valid id.
using RecordId = uint64_t;

// The id space is split so that no import can exhaust it. Ids carried by
// imported records (mnemo::Import in mnemo/admin.h, `mnemo import`; page
// ids too) must be at most kMaxImportedRecordId
// (2^62 - 1); the store assigns ids up to kMaxRecordId (2^63 - 1) and
// fails with ResourceExhausted rather than go past it. So even an import
// at the ceiling leaves 2^62 ids for new records, and clock-based ids
// (microseconds << 8) stay below the ceiling until about the year 2540.
inline constexpr RecordId kMaxImportedRecordId = (RecordId{1} << 62) - 1;
inline constexpr RecordId kMaxRecordId = (RecordId{1} << 63) - 1;

// Times are microseconds since the Unix epoch (UTC).
using Micros = int64_t;

// Storage tier of a record, from freshest to oldest. See the compaction
// policy for how records move down tiers.
enum class Tier : uint8_t {
  kHot = 0,      // plain text
  kWarm = 1,     // zstd-compressed text
  kPixels = 2,   // rendered onto a page; the exact text is still kept
  kDecayed = 3,  // on a downscaled page; text kept unless a policy forgets
};

// "hot", "warm", "pixels", "decayed".
const char* TierName(Tier tier);
// Parses a tier name; InvalidArgument names the unknown value.
Status ParseTier(std::string_view name, Tier* tier);

// Where a record sits: tenant (isolation boundary), agent, session.
// Limits: each part is 1..kMaxNamespacePart bytes of valid UTF-8 without
// control characters (U+0000..U+001F, U+007F).
struct Namespace {
  std::string tenant;
  std::string agent;
  std::string session;

  bool operator==(const Namespace&) const = default;
  bool operator<(const Namespace& o) const {
    if (tenant != o.tenant) return tenant < o.tenant;
    if (agent != o.agent) return agent < o.agent;
    return session < o.session;
  }
};

inline constexpr size_t kMaxNamespacePart = 256;
// Limits on role and kind (same character rules as namespace parts).
inline constexpr size_t kMaxLabel = 64;
// Limits on metadata: keys 1..256 bytes, at most 64 entries; values count
// towards the record size limit (Options::max_record_bytes).
inline constexpr size_t kMaxMetadataKey = 256;
inline constexpr size_t kMaxMetadataEntries = 64;

// A reference to the page a compacted record was rendered onto.
struct PageRef {
  uint64_t page_id = 0;  // 0: not on a page; else the first page it is on
  uint32_t item = 0;     // index of the record among that page's items
  // Consecutive pages the record spans (ids page_id .. page_id + count - 1);
  // more than one when a long record continues on the next page.
  uint32_t page_count = 0;
  bool valid() const { return page_id != 0; }
};

// One memory record. Fields marked "(store)" are assigned by the store and
// ignored on Put.
struct Record {
  RecordId id = 0;  // (store)
  Namespace ns;
  std::string role = "user";    // user/assistant/system/tool/... or a speaker
  std::string kind = "message";  // message/tool_call/observation/fact/...
  std::string text;             // valid UTF-8
  Metadata metadata;  // sorted by key (mnemo/metadata.h)
  Micros event_time = 0;    // when it happened; 0 on Put = created_time
  Micros created_time = 0;  // (store) when it was first stored
  Micros updated_time = 0;  // (store) when this version was written
  float importance = 0.5f;  // 0..1; slows aging in compaction
  uint64_t access_count = 0;  // (store) reads through Get
  Micros last_access = 0;     // (store) time of the last counted read
  Micros expires_at = 0;  // 0: never; else invisible from this time on
  Tier tier = Tier::kHot;  // (store)
  PageRef page;            // (store) set once the record is on a page
  uint64_t content_hash = 0;  // (store) 64-bit hash of text
  uint32_t version = 0;       // (store) 1 on Put, +1 per Update
  // (store) The text was dropped by a forgetting policy; only the decayed
  // page image remains.
  bool text_forgotten = false;
};

// Validates a namespace; the message names the offending part.
Status ValidateNamespace(const Namespace& ns);
// True when `s` is well-formed UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(std::string_view s);
// 64-bit content hash used for Record::content_hash (stable across builds).
uint64_t ContentHash(std::string_view text);

// Formats a record id as used in messages and by the CLI (decimal).
std::string RecordIdToString(RecordId id);

}  // namespace mnemo

#endif  // MNEMO_RECORD_H_
