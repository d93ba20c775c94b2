// Copyright (c) mnemo authors.
//
// StoreVerifier: the integrity check behind Store::Verify, over one
// snapshot. Records, time index, namespaces and history are checked in
// store_verify.cc; the expiry index in store_verify_expiry.cc; pages, live sets and page references in
// store_verify_pages.cc; the full-text index in store_verify_postings.cc.
//
// Repairs are gathered in one WriteBatch written at the end. Repair should
// run without concurrent writers (the CLI opens the store for writing,
// which excludes other processes); an in-process writer racing a repair may
// see its fresh index entry reported but never loses a record: repair only
// adds keys derived from records, deletes keys whose record or page did not
// exist in the snapshot, and moves records whose page is lost back to the
// warm tier (their text is kept).

#ifndef MNEMO_ENGINE_STORE_VERIFY_H_
#define MNEMO_ENGINE_STORE_VERIFY_H_

#include <rocksdb/snapshot.h>
#include <rocksdb/write_batch.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "mnemo/admin.h"
#include "store_impl.h"

namespace mnemo::internal {

class StoreVerifier {
 public:
  StoreVerifier(StoreImpl* store, const VerifyOptions& options,
                VerifyReport* report);
  ~StoreVerifier();
  StoreVerifier(const StoreVerifier&) = delete;
  StoreVerifier& operator=(const StoreVerifier&) = delete;

  Status Run();

 private:
  using Kind = VerifyProblem::Kind;

  // A record that names a page, as found by CheckRecords.
  struct PagedRecord {
    RecordId id;
    PageRef page;
    bool forgotten;
    Micros expires_at = 0;
  };
  // What the index should and does hold about one record.
  struct IndexedRecord {
    std::string agent_key;  // tenant \0 agent
    bool forgotten = false;
    uint32_t length = 0, distinct_terms = 0;  // from its text (deep only)
    uint32_t lists = 0, seen_length = 0;      // from the postings
    bool length_conflict = false;
  };
  // What the pages family holds about one page.
  struct PageSeen {
    bool exists = false;  // the page value is there
    bool corrupt = false;
    std::string why;                    // when corrupt
    std::vector<RecordId> items;        // manifest items, in order
    std::unordered_set<RecordId> live;  // live-set keys present
  };

  void Problem(Kind kind, RecordId id, uint64_t page_id, std::string message,
               bool repaired);
  Status Decode(std::string_view value, const KeyFields& key, Record* r,
                uint8_t* flags);

  // store_verify.cc
  Status CheckRecords();
  Status CheckRecord(const KeyFields& key, std::string_view value);
  Status CheckIndexOf(const Record& r);
  Status CheckNamespaceOf(const Record& r);
  Status CheckIndex();
  Status CheckHistory();

  // store_verify_pages.cc
  Status CheckPages();
  void CheckPageValue(uint64_t page_id, std::string_view value);
  std::string CheckPageImage(const PageInfo& info, std::string_view png);
  void CheckLiveKeys();
  Status CheckPagedRecords();
  // Why `r` cannot stay on its pages ("" when it can); notes missing
  // live-set keys.
  std::string PageRefProblem(const PagedRecord& r, Kind* kind);
  Status DemoteToWarm(const PagedRecord& r);
  void ReportCorruptPages();

  // store_verify_expiry.cc
  Status CheckExpiryIndex();

  // store_verify_postings.cc
  void NoteIndexed(const Record& r, uint8_t flags);
  Status CheckPostings();
  void CheckPostingValue(std::string_view key, std::string_view value);
  void CheckIndexedRecords(RecordId watermark);
  void NotePostingsProblem(Kind kind, const std::string& agent_key, RecordId id,
                           std::string message);
  void NoteStalePosting(std::string_view key, RecordId id);
  Status RebuildAgentIndexes(RecordId watermark);

  StoreImpl* const store_;
  const RecordTable& table_;
  const SearchTable& search_;
  const VerifyOptions options_;
  VerifyReport* const report_;
  // The records at ro_, the index at index_ro_ (StoreImpl::TakeSnapshots).
  const rocksdb::Snapshot* snapshot_ = nullptr;
  const rocksdb::Snapshot* index_snapshot_ = nullptr;
  rocksdb::ReadOptions ro_;
  rocksdb::ReadOptions index_ro_;
  ChangeBatch batch_;  // repairs: the records', and the index's in .index
  std::unordered_set<std::string> seen_namespaces_;
  std::vector<PagedRecord> paged_;
  // Records whose value fails to decode (already reported).
  std::unordered_set<RecordId> corrupt_records_;
  std::map<uint64_t, PageSeen> pages_;
  // Page -> records that name it (each page of their span).
  std::unordered_map<uint64_t, std::unordered_set<RecordId>> referenced_;
  std::unordered_map<RecordId, IndexedRecord> indexed_;
  std::set<std::string> rebuild_agents_;  // agent keys
  // Pages some record could not be moved off (forgotten text).
  std::unordered_set<uint64_t> still_needed_;
};

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_STORE_VERIFY_H_
