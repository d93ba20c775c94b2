// Copyright (c) mnemo authors.
//
// Key layout of the column families (all integers big-endian so byte order
// is numeric order):
//
// Format 3 (kStoreFormatVersion 3, written by this build):
//   records : slot(4) time(8) id(8)                   -> record envelope
//             (clustered: one agent's records are one key range in time
//             order; slot = dense number of (tenant, agent))
//   ids     : 'b' block(8) (= id >> 6)  -> entries offset(1) slot(4) time(8)
//             (one key per 64 consecutive ids, written by Merge; offset =
//             id & 63; slot 0 marks a deleted id; record_table_ids.h)
//   default : "mnemo.slot.<tenant>\0<agent>" -> slot(4);
//             "mnemo.slotname." slot(4) -> tenant\0agent;
//             "mnemo.index_intent." tenant\0agent -> token(8) (format 8;
//             the search index's own instance, kIndexDir: search_postings.h)
//             "mnemo.migrate_v2" -> 8-byte last id moved (migration from 1)
//             "mnemo.migrate_v3" -> 8-byte last id moved (migration from 2)
// Format 2 (migrated on a writer's open): as format 3, but
//   ids     : id(8)                                   -> slot(4) time(8)
// Format 1 (migrated on a writer's open, record_table_migrate.cc):
//   records : id(8)                                   -> record envelope
//   history : id(8) version(4)                        -> older envelope
//   index   : 't' tenant 0 agent 0 time(8) id(8)      -> IndexEntry (format 1)
//             'n' tenant 0 agent 0 session 0          -> "" (namespace seen)
//             'g' bucket(1) time(8) id(8)             -> "" (age index)
//             'x' expires_at(8) id(8) -> first page(8) page count(4)
//             'y' page_id(8) id(8) -> expires_at(8) (one per page)
//                 (expiry index of paged records, expiry_index.h)
//   pages   : 'p' page_id(8)                          -> page envelope
//             'v' page_id(8) id(8)                    -> "" (live record)
//   default : "mnemo.next_id" -> 8-byte id high-water mark
//             "mnemo.age_watermark" -> ids <= it are in the age index
//             "mnemo.expiry_index" -> "2" once the expiry index is built
//             "mnemo.dict.<id>" -> zstd dictionary; "mnemo.dict" -> its id
//
// The age index orders every indexed record by (tier bucket, event time)
// so compaction finds what is due by reading a prefix, never the store.
// New records enter it lazily: Compact indexes records with ids above the
// watermark (ids only grow), so Put writes no age key.
//
// Namespace parts never contain NUL, so "tenant 0 agent 0" is a prefix that
// no other agent's keys share; the index column family's prefix extractor
// cuts keys there, giving per-agent prefix bloom filters.

#ifndef MNEMO_ENGINE_KEYS_H_
#define MNEMO_ENGINE_KEYS_H_

#include <string>
#include <string_view>

#include "envelope.h"
#include "mnemo/record.h"

namespace mnemo::internal {

// The column families, in the order the store opens them (the record
// table's handles are indexed by it).
enum Family {
  kDefault = 0,
  kRecords,
  kIndex,
  kHistory,
  kPages,
  kSpill,
  kPostings,
  kIds,  // format 2: id -> location of the record in `records`
  kAccess  // format 4: access counts not yet folded into their records
};

inline constexpr char kTimeIndexTag = 't';
inline constexpr char kNamespaceTag = 'n';
inline constexpr char kAgeTag = 'g';
inline constexpr char kPageTag = 'p';
inline constexpr char kLiveTag = 'v';
inline constexpr char kNextIdKey[] = "mnemo.next_id";
// Format 8: the full-text index's own RocksDB instance, in this directory
// under the store's (record_table_search.h).
inline constexpr char kIndexDir[] = "search";
// Format 6: every new record with an id at or below this counter has its
// ids entry in the ids family (record_table_pending.h).
inline constexpr char kIdsDurableKey[] = "mnemo.ids_durable";
// Records table files' largest record id (8 bytes, big-endian), so the
// open after a crash reads only the files written above kIdsDurableKey.
inline constexpr char kMaxIdProperty[] = "mnemo.max_id";
inline constexpr char kAgeWatermarkKey[] = "mnemo.age_watermark";
inline constexpr char kDictCurrentKey[] = "mnemo.dict";
inline constexpr char kDictKeyPrefix[] = "mnemo.dict.";

// Age-index bucket of a record: its tier, or kKeptAsTextBucket for warm
// records that cannot be rendered faithfully (never retried).
inline constexpr uint8_t kKeptAsTextBucket = 0xfe;
std::string AgeKey(uint8_t bucket, Micros event_time, RecordId id);
std::string AgeBucketPrefix(uint8_t bucket);
bool ParseAgeKey(std::string_view key, uint8_t* bucket, Micros* time,
                 RecordId* id);
std::string PageKey(uint64_t page_id);
std::string LiveKey(uint64_t page_id, RecordId id);
std::string LivePrefix(uint64_t page_id);

std::string RecordKey(RecordId id);
RecordId DecodeRecordKey(std::string_view key);  // REQUIRES size 8

// ---- Format 2 records / ids keys ----
inline constexpr char kSlotKeyPrefix[] = "mnemo.slot.";
inline constexpr char kSlotNameKeyPrefix[] = "mnemo.slotname.";
inline constexpr char kMigrateV2Key[] = "mnemo.migrate_v2";
inline constexpr char kMigrateV3Key[] = "mnemo.migrate_v3";
inline constexpr size_t kClusteredKeySize = 20;
inline constexpr size_t kLocationSize = 12;  // ids value: slot(4) time(8)
// slot(4) time(8): the ids value and the first 12 bytes of the records key.
void AppendLocation(uint32_t slot, Micros event_time, std::string* out);
std::string ClusteredKey(uint32_t slot, Micros event_time, RecordId id);
std::string SlotPrefix(uint32_t slot);
// The id of a records key of either format (its last 8 bytes); 0 when the
// key is shorter than 8 bytes.
RecordId RecordIdOfKey(std::string_view key);
// The id and event time a records key holds (a version-3 envelope's
// missing fields); a key of another size (format 1's 8-byte id) gives its
// id and time 0, which only versions 1 and 2 (self-contained) are under.
KeyFields KeyFieldsOf(std::string_view key);
// Parses a location (ids value); false when malformed.
bool ParseLocation(std::string_view value, uint32_t* slot, Micros* time);
// "mnemo.slot.<tenant>\0<agent>" and "mnemo.slotname." slot(4).
std::string SlotKey(std::string_view tenant, std::string_view agent);
std::string SlotNameKey(uint32_t slot);

std::string HistoryKey(RecordId id, uint32_t version);
// [HistoryKey(id, 0), HistoryKey(id + 1, 0)) covers every version of id.
std::string HistoryPrefix(RecordId id);

// "t" tenant 0 agent 0: every time-index key of the agent starts so.
std::string AgentIndexPrefix(std::string_view tenant, std::string_view agent);
std::string TimeIndexKey(std::string_view tenant, std::string_view agent,
                         Micros event_time, RecordId id);
void AppendTimeIndexKey(std::string_view tenant, std::string_view agent,
                        Micros event_time, RecordId id, std::string* out);
// Parses the (time, id) suffix of a time-index key; false when malformed.
bool ParseTimeIndexSuffix(std::string_view key, size_t prefix_len,
                          Micros* time, RecordId* id);

std::string NamespaceKey(const Namespace& ns);
void AppendNamespaceKey(const Namespace& ns, std::string* out);
std::string NamespaceAgentPrefix(std::string_view tenant,
                                 std::string_view agent);
std::string NamespaceTenantPrefix(std::string_view tenant);
bool ParseNamespaceKey(std::string_view key, Namespace* ns);

// The smallest key greater than every key starting with `prefix`
// (prefix with its last byte incremented, carrying).
std::string PrefixSuccessor(std::string prefix);

// Value of a time-index entry: enough to filter a scan without reading the
// record, and to expire the entry in compaction.
//   expires_at(8, LE) tier(1) session role kind (length-prefixed)
struct IndexEntry {
  Micros expires_at = 0;
  Tier tier = Tier::kHot;
  std::string_view session, role, kind;  // alias the decoded value
};
void EncodeIndexEntry(const Record& record, std::string* out);
bool DecodeIndexEntry(std::string_view value, IndexEntry* entry);

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_KEYS_H_
