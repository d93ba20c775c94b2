// Copyright (c) mnemo authors.
//
// Reads: Get, History, Scan, ListNamespaces, LookupNamespace.

#include <rocksdb/snapshot.h>

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "coding.h"
#include "envelope.h"
#include "keys.h"
#include "store_impl.h"

namespace mnemo::internal {
namespace {

Status RecordNotFound(RecordId id) {
  return Status::NotFound("record " + RecordIdToString(id) + " not found");
}

}  // namespace

bool StoreImpl::Expired(const Record& r) const {
  return r.expires_at != 0 && r.expires_at <= clock_->NowMicros();
}

Status StoreImpl::DecodeStored(std::string_view value, const KeyFields& key,
                               Record* record, uint8_t* flags) {
  return table_.Decode(value, key, record, flags);
}

Status StoreImpl::ReadRecord(const rocksdb::ReadOptions& ro, RecordId id,
                             Record* record, uint8_t* flags) {
  return table_.Get(ro, id, record, flags);
}

// Reads into a scratch record first: a record of another tenant must never
// reach the caller's struct, not even on the error path. The scratch is the
// thread's own and takes the buffers of the caller's previous record (a
// string's move assignment hands the old buffer back; the metadata's
// buffer is handed back here), so a caller that reuses its struct (a loop of
// Gets) makes no allocation per read for records of a similar shape.
// The access counts not yet folded into the record are added (at a
// snapshot, those stored at it); a fold between reading the record and its
// in-memory counts makes the read start again (AccessTracker::ReadValid).
Status StoreImpl::ReadVisible(std::string_view tenant, RecordId id,
                              Record* record, const rocksdb::ReadOptions& ro,
                              bool count) {
  thread_local Record found;
  const Micros now = count ? clock_->NowMicros() : 0;
  Status s;
  for (;;) {
    const bool live = ro.snapshot == nullptr;
    const uint64_t seq = live ? access_.ReadBegin() : 0;
    if (live) access_.Prefetch(id);  // loads while RocksDB reads
    table_.PrefetchLocation(id);
    s = ReadRecord(ro, id, &found);
    if (s.ok() && (found.ns.tenant != tenant || Expired(found))) {
      s = RecordNotFound(id);
    }
    if (!s.ok()) break;
    if (!live) {
      s = table_.AddUnfoldedAccess(ro, &found);
      if (s.ok() && count) access_.Record(id, now);
      break;
    }
    AccessTracker::Counts unfolded = access_.RecordAndPending(id, now, count);
    count = false;  // counted once, even when read again
    if (access_.ReadValid(seq)) {
      found.access_count += unfolded.count;
      found.last_access = std::max(found.last_access, unfolded.last);
      break;
    }
  }
  if (s.ok()) {
    Metadata old_metadata = std::move(record->metadata);
    *record = std::move(found);
    found.metadata = std::move(old_metadata);  // a buffer for the next decode
  }
  if (found.text.capacity() > kMaxKeptReadBuffer) {
    std::string().swap(found.text);
  }
  return s;
}

Status StoreImpl::Get(const ReadOptions& options, std::string_view tenant,
                      RecordId id, Record* record) {
  const bool count =
      options.count_access && options_.track_access && !options_.read_only;
  return ReadVisible(tenant, id, record, RocksRead(options), count);
}

Status StoreImpl::History(const ReadOptions& options, std::string_view tenant,
                          RecordId id, std::vector<Record>* versions) {
  versions->clear();
  rocksdb::ReadOptions ro = RocksRead(options);
  const rocksdb::Snapshot* snap = nullptr;  // one of our own unless given
  if (ro.snapshot == nullptr) ro.snapshot = snap = db_->GetSnapshot();
  Record current;
  Status s = ReadRecord(ro, id, &current);
  if (s.ok() && (current.ns.tenant != tenant || Expired(current))) {
    s = RecordNotFound(id);
  }
  if (s.ok()) s = table_.AddUnfoldedAccess(ro, &current);  // at the snapshot
  if (s.ok()) s = table_.History(ro, id, versions);
  if (snap != nullptr) db_->ReleaseSnapshot(snap);
  if (s.ok()) versions->push_back(std::move(current));
  else versions->clear();
  return s;
}

Status StoreImpl::ListNamespaces(std::string_view tenant,
                                 std::vector<Namespace>* namespaces) {
  return table_.ListNamespaces(tenant, namespaces);
}

Status StoreImpl::LookupNamespace(RecordId id, Namespace* ns) {
  Record r;
  MNEMO_RETURN_IF_ERROR(ReadRecord(rocksdb::ReadOptions(), id, &r));
  *ns = std::move(r.ns);
  return Status::OK();
}

}  // namespace mnemo::internal
