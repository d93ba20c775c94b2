// Copyright (c) mnemo authors.
//
// Scan: an agent's records in event-time order from one snapshot
// (RecordTable::ScanAgent), filtered on the header fields; cursors carry
// the table's position after the last record returned.

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

bool Matches(const ScanOptions& s, const ScanEntry& e, Micros now) {
  if (e.expires_at != 0 && e.expires_at <= now) return false;
  if (s.session && e.session != *s.session) return false;
  if (s.role && e.role != *s.role) return false;
  if (s.kind && e.kind != *s.kind) return false;
  if (s.tier && e.tier != *s.tier) return false;
  return true;
}

}  // namespace

Status StoreImpl::Scan(const ReadOptions& options, const ScanOptions& scan,
                       ScanResult* result) {
  result->records.clear();
  result->next_cursor.clear();
  MNEMO_RETURN_IF_ERROR(
      ValidateNamespace({scan.tenant, scan.agent, "-"}).WithContext("scan"));
  if (scan.limit == 0 || scan.limit > kMaxScanLimit) {
    return Status::InvalidArgument("scan limit must be 1.." +
                                   std::to_string(kMaxScanLimit));
  }
  // Only a cursor needs the filters' fingerprint: most scans neither take
  // nor hand out one.
  std::string after;
  if (!scan.cursor.empty()) {
    MNEMO_RETURN_IF_ERROR(
        DecodeCursor(scan.cursor, FilterFingerprint(scan), &after));
  }
  AgentRange range{scan.tenant, scan.agent, scan.start_time, scan.end_time,
                   scan.reverse, after};
  range.labels = scan.session || scan.role || scan.kind;
  Micros now = clock_->NowMicros();
  // ScanAgent reads through one iterator, which sees one implicit
  // snapshot: no explicit one (two DB mutex round trips per scan) unless
  // the caller gave it.
  rocksdb::ReadOptions ro = RocksRead(options);
  const std::function<bool(const ScanEntry&)> keep =
      [&](const ScanEntry& e) { return Matches(scan, e, now); };
  bool more = false;
  std::string last;
  Status s;
  // The records' unfolded access counts are added; a fold meanwhile makes
  // the scan read again (as in ReadVisible).
  for (bool valid = false; !valid;) {
    const uint64_t seq = access_.ReadBegin();
    result->records.clear();
    s = table_.ScanAgent(ro, range, keep, scan.limit, &result->records, &more,
                         &last);
    if (s.ok()) s = AddUnfolded(ro, &result->records);
    valid = !s.ok() || ro.snapshot != nullptr || access_.ReadValid(seq);
  }
  if (!s.ok()) {
    result->records.clear();
    return s;
  }
  if (more) result->next_cursor = EncodeCursor(FilterFingerprint(scan), last);
  return Status::OK();
}

}  // namespace mnemo::internal
