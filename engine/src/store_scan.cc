// Copyright (c) mnemo authors.
//
// Scan: an agent's records in event-time order through the time index, with
// filters applied on the index entries and records fetched with MultiGet
// from one snapshot.

#include <rocksdb/snapshot.h>

#include "coding.h"
#include "envelope.h"
#include "keys.h"
#include "mnemo/quote.h"
#include "store_impl.h"

namespace mnemo::internal {
namespace {

constexpr size_t kMaxScanLimit = 10000;

// Fingerprint of the filters a cursor was made with.
uint64_t FilterFingerprint(const ScanOptions& s) {
  std::string f;
  PutLengthPrefixed(&f, s.tenant);
  PutLengthPrefixed(&f, s.agent);
  for (const auto* opt : {&s.session, &s.role, &s.kind}) {
    f.push_back(opt->has_value() ? 1 : 0);
    if (opt->has_value()) PutLengthPrefixed(&f, **opt);
  }
  f.push_back(s.tier ? static_cast<char>(*s.tier) + 1 : 0);
  PutFixed64(&f, s.start_time ? static_cast<uint64_t>(*s.start_time) : 0);
  PutFixed64(&f, s.end_time ? static_cast<uint64_t>(*s.end_time) : ~0ull);
  f.push_back(s.reverse ? 1 : 0);
  return ContentHash(f);
}

std::string EncodeCursor(uint64_t fingerprint, std::string_view suffix) {
  static const char kHex[] = "0123456789abcdef";
  std::string raw;
  PutFixed64(&raw, fingerprint);
  raw.append(suffix);
  std::string out;
  for (unsigned char c : raw) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

Status DecodeCursor(std::string_view cursor, uint64_t fingerprint,
                    std::string* suffix) {
  auto bad = [] {
    return Status::InvalidArgument("scan cursor is malformed or belongs to "
                                   "other filters");
  };
  if (cursor.size() != 48) return bad();
  std::string raw;
  for (size_t i = 0; i < cursor.size(); i += 2) {
    int v = 0;
    for (int k = 0; k < 2; ++k) {
      char c = cursor[i + k];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (d < 0) return bad();
      v = v * 16 + d;
    }
    raw.push_back(static_cast<char>(v));
  }
  if (DecodeFixed64(raw.data()) != fingerprint) return bad();
  *suffix = raw.substr(8);
  return Status::OK();
}

bool Matches(const ScanOptions& s, const IndexEntry& e, Micros now) {
  if (e.expires_at != 0 && e.expires_at <= now) return false;
  if (s.session && e.session != *s.session) return false;
  if (s.role && e.role != *s.role) return false;
  if (s.kind && e.kind != *s.kind) return false;
  if (s.tier && e.tier != *s.tier) return false;
  return true;
}

std::string TimeBound(const std::string& prefix, Micros t) {
  std::string key = prefix;
  PutOrderedTime(&key, t);
  return key;
}

}  // namespace

Status StoreImpl::Scan(const ReadOptions& /*options*/, const ScanOptions& scan,
                       ScanResult* result) {
  result->records.clear();
  result->next_cursor.clear();
  MNEMO_RETURN_IF_ERROR(
      ValidateNamespace({scan.tenant, scan.agent, "-"}).WithContext("scan"));
  if (scan.limit == 0 || scan.limit > kMaxScanLimit) {
    return Status::InvalidArgument("scan limit must be 1.." +
                                   std::to_string(kMaxScanLimit));
  }
  uint64_t fingerprint = FilterFingerprint(scan);
  std::string prefix = AgentIndexPrefix(scan.tenant, scan.agent);
  std::string lower = scan.start_time ? TimeBound(prefix, *scan.start_time)
                                      : prefix;
  std::string upper = scan.end_time ? TimeBound(prefix, *scan.end_time)
                                    : PrefixSuccessor(prefix);
  std::string resume;
  if (!scan.cursor.empty()) {
    std::string suffix;
    MNEMO_RETURN_IF_ERROR(DecodeCursor(scan.cursor, fingerprint, &suffix));
    resume = prefix + suffix;
  }
  rocksdb::Slice lower_slice(lower), upper_slice(upper);
  rocksdb::ReadOptions ro;
  const rocksdb::Snapshot* snap = db_->GetSnapshot();
  ro.snapshot = snap;
  ro.iterate_lower_bound = &lower_slice;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(NewIterator(db_, ro, cf(kIndex)));
  if (!scan.reverse) {
    it->Seek(resume.empty() ? lower : resume);
    if (!resume.empty() && it->Valid() && it->key() == resume) it->Next();
  } else {
    it->SeekForPrev(resume.empty() ? upper : resume);
    if (it->Valid() && it->key().compare(resume.empty() ? upper : resume) >= 0) {
      it->Prev();
    }
  }
  Micros now = clock_->NowMicros();
  std::vector<std::string> keys;
  std::string last_suffix;
  bool more = false;
  for (; it->Valid(); scan.reverse ? it->Prev() : it->Next()) {
    IndexEntry entry;
    Micros time;
    RecordId id;
    std::string_view key(it->key().data(), it->key().size());
    if (!ParseTimeIndexSuffix(key, prefix.size(), &time, &id) ||
        !DecodeIndexEntry({it->value().data(), it->value().size()}, &entry)) {
      db_->ReleaseSnapshot(snap);
      return Status::Corruption("malformed index entry of agent " +
                                QuoteForMessage(scan.agent));
    }
    if (!Matches(scan, entry, now)) continue;
    if (keys.size() == scan.limit) {
      more = true;
      break;
    }
    keys.push_back(RecordKey(id));
    last_suffix.assign(key.substr(prefix.size()));
  }
  Status s = FromRocks(it->status(), "scanning agent " + QuoteForMessage(scan.agent));
  std::vector<rocksdb::Slice> key_slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  if (s.ok() && !keys.empty()) {
    ro.iterate_lower_bound = ro.iterate_upper_bound = nullptr;
    db_->MultiGet(ro, cf(kRecords), keys.size(), key_slices.data(),
                  values.data(), statuses.data());
  }
  for (size_t i = 0; s.ok() && i < keys.size(); ++i) {
    if (statuses[i].IsNotFound() || values[i].size() == 16) continue;
    RecordId id = DecodeRecordKey(keys[i]);
    s = FromRocks(statuses[i], "reading record " + RecordIdToString(id));
    Record r;
    if (s.ok()) {
      s = DecodeStored({values[i].data(), values[i].size()}, id, &r, nullptr);
    }
    if (s.ok()) result->records.push_back(std::move(r));
  }
  db_->ReleaseSnapshot(snap);
  if (!s.ok()) {
    result->records.clear();
    return s;
  }
  if (more) result->next_cursor = EncodeCursor(fingerprint, last_suffix);
  return Status::OK();
}

}  // namespace mnemo::internal
