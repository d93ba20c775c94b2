// Copyright (c) mnemo authors.
//
// RecordTable, third part: scans of one agent's records (one range read
// of its slot in the clustered records family, filtered on the envelope's
// labels before decoding) and namespaces.

#include <algorithm>
#include <cstring>

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

// The values a scan takes, copied back to back and decoded a chunk at a
// time. Decoding each record between two iterator steps made each step's
// cache miss on the next memtable node wait behind a whole decode: in one
// perf run RocksDB's Next cost 155 samples for the records a loop without
// the decode in between walked in 105 (the plain copying peer: 115). A walk
// that only copies lets those misses overlap; the decode then reads values
// in cache. The buffer is the thread's own (one large allocation per scan
// would also make the allocator consolidate its free lists), so a scan must
// not run inside another's filter.
class TakenValues {
 public:
  static constexpr size_t kChunk = 128;  // a scan of <= 128 decodes once

  TakenValues() : bytes_(Buffers().bytes), taken_(Buffers().taken) {
    bytes_.clear();
    taken_.clear();
  }
  ~TakenValues() {
    if (bytes_.capacity() > kMaxKeptBytes) std::string().swap(bytes_);
  }
  // A chunk also ends at kChunkBytes: long records are not all held twice
  // (copied and decoded) at once.
  bool full() const {
    return taken_.size() == kChunk || bytes_.size() >= kChunkBytes;
  }
  // `header`: PeekHeader's of `value` (its offsets hold for the copy).
  void Add(const KeyFields& key, std::string_view value,
           const EnvelopeHeader& header) {
    taken_.push_back({key, bytes_.size(), value.size(), header});
    bytes_.append(value);
  }
  // Decodes the chunk's values, in order, onto `records` and empties it.
  template <typename DecodeFn>
  Status DecodeInto(const DecodeFn& decode, std::vector<Record>* records) {
    Status s;
    // The chunk's records are made by one resize (one capacity check, one
    // construction loop; 2-5% of a 100-record scan against an emplace_back
    // each), then decoded in place; a failure drops the record it failed on
    // and those after it.
    const size_t base = records->size();
    records->resize(base + taken_.size());
    for (size_t i = 0; i < taken_.size(); ++i) {
      const Taken& t = taken_[i];
      s = decode(std::string_view(bytes_).substr(t.offset, t.size), t.key,
                 t.header, &(*records)[base + i]);
      if (!s.ok()) {
        records->resize(base + i);
        break;
      }
    }
    taken_.clear();
    bytes_.clear();
    return s;
  }

 private:
  static constexpr size_t kChunkBytes = size_t{256} << 10;
  static constexpr size_t kMaxKeptBytes = size_t{1} << 20;
  struct Taken {
    KeyFields key;
    size_t offset, size;
    EnvelopeHeader header;
  };
  // The thread's buffers, reused: a fresh array of kChunk headers per scan
  // would be ~14 KiB of initialisation before the first record.
  struct ThreadBuffers {
    std::string bytes;
    std::vector<Taken> taken;
  };
  static ThreadBuffers& Buffers() {
    thread_local ThreadBuffers buffers;
    return buffers;
  }
  std::string& bytes_;
  std::vector<Taken>& taken_;
};

}  // namespace

// The position is the key after the slot: time(8) id(8), the bytes a
// format-1 cursor holds too (its time-index key after the agent prefix).
Status RecordTable::ScanAgent(
    const rocksdb::ReadOptions& read, const AgentRange& range,
    const std::function<bool(const ScanEntry&)>& filter, size_t limit,
    std::vector<Record>* records, bool* more,
    std::string* last_position) const {
  *more = false;
  last_position->clear();
  uint32_t slot = 0;
  bool found = false;
  MNEMO_RETURN_IF_ERROR(
      SlotOf(range.tenant, range.agent, /*create=*/false, &slot, &found));
  if (!found) return Status::OK();  // the agent never wrote
  std::string prefix = SlotPrefix(slot);
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
  std::unique_ptr<rocksdb::Iterator> it(
      NewIterator(db_, ro, handles_[kRecords]));
  SeekStart(range, lower, upper, resume, it.get());
  size_t taken = 0;
  records->reserve(records->size() + std::min<size_t>(limit, 256));
  TakenValues values;
  auto decode = [this](std::string_view value, const KeyFields& key,
                       const EnvelopeHeader& header, Record* r) {
    return Decode(value, key, r, nullptr, &header);
  };
  EnvelopeHeader header;  // PeekHeader sets every field
  char last[16];          // the key suffix of the last record taken
  for (; it->Valid(); range.reverse ? it->Prev() : it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    std::string_view value(it->value().data(), it->value().size());
    if (value.size() == 16) continue;  // counts of a deleted record
    ScanEntry e;
    std::string_view labels[5];
    if (!ParseTimeIndexSuffix(key, prefix.size(), &e.event_time, &e.id)) {
      return Status::Corruption("malformed records key of agent " +
                                QuoteForMessage(range.agent));
    }
    const KeyFields fields{e.id, e.event_time};
    if (!PeekHeader(value, &header, &fields) ||
        (range.labels && !PeekLabels(value, header, labels))) {
      Record ignored;  // Decode says what is wrong
      Status s = Decode(value, fields, &ignored, nullptr);
      return s.ok() ? Status::Corruption("record " + RecordIdToString(e.id) +
                                         " is malformed")
                    : s;
    }
    e.expires_at = header.expires_at;
    const uint8_t tier = header.tier;
    e.tier = tier <= static_cast<uint8_t>(Tier::kDecayed) ? static_cast<Tier>(tier)
                                                          : Tier::kHot;
    e.session = labels[2];
    e.role = labels[3];
    e.kind = labels[4];
    if (!filter(e)) continue;
    if (taken == limit) {
      *more = true;
      break;
    }
    // Decoded in place (TakenValues): a Record is ~300 bytes of strings
    // and a map, and moving a temporary into the vector copied the short
    // (inline) ones.
    values.Add(fields, value, header);
    if (values.full()) {
      MNEMO_RETURN_IF_ERROR(values.DecodeInto(decode, records));
    }
    ++taken;
    // Kept in place and handed out once, at the end (ParseTimeIndexSuffix
    // checked the suffix is 16 bytes).
    std::memcpy(last, key.data() + prefix.size(), sizeof last);
  }
  if (taken > 0) last_position->assign(last, sizeof last);
  MNEMO_RETURN_IF_ERROR(values.DecodeInto(decode, records));
  if (it->status().ok()) return Status::OK();  // no message to build
  return FromRocks(it->status(),
                   "scanning agent " + QuoteForMessage(range.agent));
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
