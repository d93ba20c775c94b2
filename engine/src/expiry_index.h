// Copyright (c) mnemo authors.
//
// The expiry index: which records on pages expire when. A record that
// expires (Record::expires_at) while it sits on a page must leave the page
// the way a deleted record does (page_forget.cc), or its text stays
// readable in the page image. The index lets compaction find those records
// without reading the store, and lets page readers blank the ones that
// expired but have not been removed yet.
//
//   index family: 'x' expires_at(8) id(8) -> first page(8) page count(4)
//                 'y' page_id(8) id(8) -> expires_at(8), one per page of
//                     the record's span
//   default family: "mnemo.expiry_index" -> "2" once the index is complete
//
// Compaction walks the 'x' keys (what is due, oldest first); a page read
// seeks only its page's 'y' keys, so its cost does not grow with the
// number of expired records elsewhere. The entry (its 'x' key and its
// 'y' keys, always written and deleted together by RecordTable's
// mutations, record_table_expiry.h) exists exactly for each record that is
// on a page and has an expires_at: it is written in the batch that puts
// the record on its pages (compaction's pixel phase, RestoreWithPages) and
// deleted in the batch that takes it off (Delete, Update, verify's
// repair). The RocksDB compaction filter keeps paged records
// (rocks_glue.cc), so the record and its page link outlive the TTL until
// mnemo removes them.
// Stores written before the index existed lack the "built" key (or hold
// "1": 'x' keys only): the first compaction run scans the records once and
// adds the entries (ExpirePass).

#ifndef MNEMO_ENGINE_EXPIRY_INDEX_H_
#define MNEMO_ENGINE_EXPIRY_INDEX_H_

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "mnemo/record.h"
#include "mnemo/status.h"

namespace mnemo::internal {

struct StoredPage;  // page_store.h

inline constexpr char kExpiryTag = 'x';
inline constexpr char kExpiryPageTag = 'y';
inline constexpr char kExpiryIndexBuiltKey[] = "mnemo.expiry_index";
// The value of kExpiryIndexBuiltKey once both kinds of keys are complete.
inline constexpr char kExpiryIndexVersion[] = "2";

std::string ExpiryKey(Micros expires_at, RecordId id);
bool ParseExpiryKey(std::string_view key, Micros* expires_at, RecordId* id);
// The first key after every entry that expires at or before `now`.
std::string ExpiryUpperBound(Micros now);
std::string ExpiryValue(const PageRef& page);
bool ParseExpiryValue(std::string_view value, PageRef* page);
// The per-page keys: 'y' page_id(8) id(8) -> expires_at(8).
std::string ExpiryPageKey(uint64_t page_id, RecordId id);
std::string ExpiryPagePrefix(uint64_t page_id);
bool ParseExpiryPageKey(std::string_view key, uint64_t* page_id, RecordId* id);
std::string ExpiryPageValue(Micros expires_at);
bool ParseExpiryPageValue(std::string_view value, Micros* expires_at);

// True when `r` must have an expiry-index entry.
inline bool NeedsExpiryEntry(const Record& r) {
  return r.page.valid() && r.expires_at > 0;
}
// An entry of a record that has expired by some time.
struct ExpiredEntry {
  std::string key;
  Micros expires_at = 0;
  RecordId id = 0;
  PageRef page;
};
class RecordTable;  // record_table.h

// What a page reader blanks: records the index lists as expired by `now`
// (table null: nothing).
struct ExpiryView {
  const RecordTable* table = nullptr;
  Micros now = 0;
};

// Blanks in *page (the copy being read, not the stored page) the records
// on it that expired by `now` and wait for the next compaction run to be
// removed for good. Costs one short index seek when none has; a page with
// such records is decoded, masked and re-encoded. REQUIRES: page->info.
// page_id set.
Status MaskExpiredOnRead(const rocksdb::ReadOptions& ro,
                         const ExpiryView& view, StoredPage* page);

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_EXPIRY_INDEX_H_
