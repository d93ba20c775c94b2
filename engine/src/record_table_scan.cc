// Copyright (c) mnemo authors.
//
// RecordTable on the format 1 layout, third part: scans of one agent's
// records through the time index ('t' keys: filter on the IndexEntry,
// then one MultiGet of the records that pass) and namespaces.

#include "coding.h"
#include "envelope.h"
#include "keys.h"
#include "mnemo/quote.h"
#include "record_table.h"
#include "rocks_glue.h"
#include "rocks_iter.h"

namespace mnemo::internal {
namespace {

std::string TimeBound(const std::string& prefix, Micros t) {
  std::string key = prefix;
  PutOrderedTime(&key, t);
  return key;
}

// Positions the iterator on the first entry of the scan.
void SeekStart(const AgentRange& range, const std::string& lower,
               const std::string& upper, const std::string& resume,
               rocksdb::Iterator* it) {
  if (!range.reverse) {
    it->Seek(resume.empty() ? lower : resume);
    if (!resume.empty() && it->Valid() && it->key() == resume) it->Next();
    return;
  }
  const std::string& from = resume.empty() ? upper : resume;
  it->SeekForPrev(from);
  if (it->Valid() && it->key().compare(from) >= 0) it->Prev();
}

}  // namespace

Status RecordTable::ScanAgent(
    const rocksdb::ReadOptions& read, const AgentRange& range,
    const std::function<bool(const ScanEntry&)>& filter, size_t limit,
    std::vector<Record>* records, bool* more,
    std::string* last_position) const {
  *more = false;
  last_position->clear();
  std::string prefix = AgentIndexPrefix(range.tenant, range.agent);
  std::string lower =
      range.start_time ? TimeBound(prefix, *range.start_time) : prefix;
  std::string upper = range.end_time ? TimeBound(prefix, *range.end_time)
                                     : PrefixSuccessor(prefix);
  std::string resume =
      range.after.empty() ? std::string() : prefix + std::string(range.after);
  rocksdb::Slice lower_slice(lower), upper_slice(upper);
  rocksdb::ReadOptions ro = read;
  ro.iterate_lower_bound = &lower_slice;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(NewIterator(db_, ro, handles_[kIndex]));
  SeekStart(range, lower, upper, resume, it.get());
  std::vector<std::string> keys;
  for (; it->Valid(); range.reverse ? it->Prev() : it->Next()) {
    IndexEntry entry;
    ScanEntry e;
    std::string_view key(it->key().data(), it->key().size());
    if (!ParseTimeIndexSuffix(key, prefix.size(), &e.event_time, &e.id) ||
        !DecodeIndexEntry({it->value().data(), it->value().size()}, &entry)) {
      return Status::Corruption("malformed index entry of agent " +
                                QuoteForMessage(range.agent));
    }
    e.expires_at = entry.expires_at;
    e.tier = entry.tier;
    e.session = entry.session;
    e.role = entry.role;
    e.kind = entry.kind;
    if (!filter(e)) continue;
    if (keys.size() == limit) {
      *more = true;
      break;
    }
    keys.push_back(RecordKey(e.id));
    last_position->assign(key.substr(prefix.size()));
  }
  MNEMO_RETURN_IF_ERROR(FromRocks(
      it->status(), "scanning agent " + QuoteForMessage(range.agent)));
  if (keys.empty()) return Status::OK();
  std::vector<rocksdb::Slice> key_slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(read, handles_[kRecords], keys.size(), key_slices.data(),
                values.data(), statuses.data());
  for (size_t i = 0; i < keys.size(); ++i) {
    // Gone since the entry was written (the TTL filter): skipped.
    if (statuses[i].IsNotFound() || values[i].size() == 16) continue;
    RecordId id = DecodeRecordKey(keys[i]);
    MNEMO_RETURN_IF_ERROR(
        FromRocks(statuses[i], "reading record " + RecordIdToString(id)));
    Record r;
    MNEMO_RETURN_IF_ERROR(
        Decode({values[i].data(), values[i].size()}, id, &r, nullptr));
    records->push_back(std::move(r));
  }
  return Status::OK();
}

Status RecordTable::ListNamespaces(std::string_view tenant,
                                   std::vector<Namespace>* namespaces) const {
  namespaces->clear();
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;
  std::string prefix = tenant.empty() ? std::string(1, kNamespaceTag)
                                      : NamespaceTenantPrefix(tenant);
  std::string upper = PrefixSuccessor(prefix);
  rocksdb::Slice upper_slice(upper);
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(NewIterator(db_, ro, handles_[kIndex]));
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    Namespace ns;
    if (!ParseNamespaceKey(std::string_view(it->key().data(), it->key().size()),
                           &ns)) {
      return Status::Corruption("malformed namespace key in index");
    }
    namespaces->push_back(std::move(ns));
  }
  return FromRocks(it->status(), "listing namespaces");
}

Status RecordTable::LoadNamespaceTokens(
    std::unordered_set<std::string>* tokens) const {
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;
  std::unique_ptr<rocksdb::Iterator> it(NewIterator(db_, ro, handles_[kIndex]));
  std::string prefix(1, kNamespaceTag);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    tokens->insert(it->key().ToString());
  }
  return FromRocks(it->status(), "loading namespaces");
}

}  // namespace mnemo::internal
