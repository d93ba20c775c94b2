// Copyright (c) mnemo authors.
//
// RecordTable, second part: the age and expiry
// indexes, pages and live sets, counters in the default family, reads by
// id range and history.

#include <algorithm>
#include <map>

#include "coding.h"
#include "envelope.h"
#include "keys.h"
#include "page_store.h"
#include "record_table.h"
#include "record_table_ids.h"
#include "rocks_glue.h"
#include "rocks_iter.h"
#include "search_postings.h"

namespace mnemo::internal {

void RecordTable::PutAgeEntry(const KeyFields& key, std::string_view value,
                              rocksdb::WriteBatch* batch) const {
  // The bucket and time come from the header: no text to decode.
  // A value whose header does not parse gets no entry (verify reports it).
  EnvelopeHeader h;
  if (!PeekHeader(value, &h, &key)) return;
  uint8_t bucket = (h.flags & kFlagKeptAsText) ? kKeptAsTextBucket : h.tier;
  (void)batch->Put(handles_[kIndex], AgeKey(bucket, h.event_time, key.id), "");
}

void RecordTable::DropAgeEntry(std::string_view position,
                               rocksdb::WriteBatch* batch) const {
  (void)batch->Delete(handles_[kIndex], position);
}

Status RecordTable::AgeWalk(
    uint8_t bucket, Micros before, std::string_view after,
    const std::function<Status(std::string_view, Micros, RecordId)>& fn) const {
  std::string prefix = AgeBucketPrefix(bucket);
  std::string upper = AgeKey(bucket, before, ~RecordId{0});
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(NewIterator(db_, ro, handles_[kIndex]));
  // key + '\0' is the smallest key after `key`.
  it->Seek(after.empty() ? prefix : std::string(after) + '\0');
  for (; it->Valid(); it->Next()) {
    uint8_t b;
    Micros time;
    RecordId id;
    std::string_view key(it->key().data(), it->key().size());
    if (!ParseAgeKey(key, &b, &time, &id) || b != bucket) {
      return Status::Corruption("malformed age index entry");
    }
    MNEMO_RETURN_IF_ERROR(fn(key, time, id));
  }
  return FromRocks(it->status(), "reading age index");
}

Status RecordTable::ExpiredEntries(const rocksdb::ReadOptions& ro, Micros now,
                                   size_t limit, std::vector<ExpiredEntry>* out,
                                   std::string_view after) const {
  return ReadExpiredEntries(db_, handles_[kIndex], ro, now, limit, out, after);
}

void RecordTable::DeleteExpiryEntry(const ExpiredEntry& e,
                                    rocksdb::WriteBatch* batch) const {
  AppendExpiryEntryDelete(e, handles_[kIndex], batch);
}

void RecordTable::PutExpiryEntry(const Record& record,
                                 rocksdb::WriteBatch* batch) const {
  AppendExpiryPut(record, handles_[kIndex], batch);
}

ExpiryView RecordTable::expiry_view(Micros now) const {
  return {this, now};
}

Status RecordTable::GetPage(const rocksdb::ReadOptions& ro, uint64_t page_id,
                            StoredPage* page) const {
  std::string value;
  rocksdb::Status s = db_->Get(ro, handles_[kPages], PageKey(page_id), &value);
  std::string name = "page " + std::to_string(page_id);
  if (s.IsNotFound()) return Status::NotFound(name + " not found");
  MNEMO_RETURN_IF_ERROR(FromRocks(s, "reading " + name));
  return DecodePage(value, page_id, page);
}

void RecordTable::PutPage(uint64_t page_id, const StoredPage& page,
                          rocksdb::WriteBatch* batch) const {
  std::string value;
  EncodePage(page, &value);
  (void)batch->Put(handles_[kPages], PageKey(page_id), value);
  if (vectors_.queues_pages()) vectors_.QueuePage(page_id, batch);
}

void RecordTable::PutLiveKey(uint64_t page_id, RecordId id,
                             rocksdb::WriteBatch* batch) const {
  (void)batch->Put(handles_[kPages], LiveKey(page_id, id), "");
}

void RecordTable::DeletePage(uint64_t page_id,
                             rocksdb::WriteBatch* batch) const {
  (void)batch->Delete(handles_[kPages], PageKey(page_id));
  if (vectors_.queues_pages()) vectors_.DequeuePage(page_id, batch);
}

Status RecordTable::LiveSet(const rocksdb::ReadOptions& read, uint64_t page_id,
                            std::vector<RecordId>* ids) const {
  ids->clear();
  std::string prefix = LivePrefix(page_id);
  std::string upper = PrefixSuccessor(prefix);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro = read;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(NewIterator(db_, ro, handles_[kPages]));
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    if (it->key().size() != prefix.size() + 8) continue;
    ids->push_back(
        DecodeRecordKey(std::string_view(it->key().data() + prefix.size(), 8)));
  }
  return FromRocks(it->status(), "reading page live set");
}

Status RecordTable::GetCounter(const rocksdb::ReadOptions& ro,
                               std::string_view name, uint64_t* value,
                               bool* found) const {
  *value = 0;
  if (found != nullptr) *found = false;
  std::string stored;
  rocksdb::Status s = db_->Get(ro, handles_[kDefault], name, &stored);
  if (s.IsNotFound()) return Status::OK();
  MNEMO_RETURN_IF_ERROR(FromRocks(s, "reading " + std::string(name)));
  if (stored.size() != 8) {
    return Status::Corruption("bad " + std::string(name) + " value (" +
                              std::to_string(stored.size()) + " bytes)");
  }
  *value = DecodeFixed64(stored.data());
  if (found != nullptr) *found = true;
  return Status::OK();
}

void RecordTable::PutCounter(std::string_view name, uint64_t value,
                             rocksdb::WriteBatch* batch) const {
  std::string v;
  PutFixed64(&v, value);
  (void)batch->Put(handles_[kDefault], name, v);
}

namespace {

// Reads the records at `keys` (records keys, in id order) with one
// MultiGet and hands each present one to fn(id, value) in that order until
// fn returns false (*stop then set). Orphan counts skipped.
Status ReadChunk(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* records,
    const rocksdb::ReadOptions& ro, const std::vector<std::string>& keys,
    const std::function<bool(const KeyFields&, std::string_view)>& fn,
    bool* stop) {
  if (keys.empty()) return Status::OK();
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db->MultiGet(ro, records, keys.size(), slices.data(), values.data(),
               statuses.data());
  for (size_t i = 0; i < keys.size() && !*stop; ++i) {
    RecordId id = RecordIdOfKey(keys[i]);
    if (statuses[i].IsNotFound()) continue;  // dropped by the TTL filter
    MNEMO_RETURN_IF_ERROR(
        FromRocks(statuses[i], "reading record " + RecordIdToString(id)));
    std::string_view v(values[i].data(), values[i].size());
    if (v.size() == kOrphanAccessCountsSize) continue;
    if (!fn(KeyFieldsOf(keys[i]), v)) *stop = true;
  }
  return Status::OK();
}

constexpr size_t kChunk = 256;

}  // namespace

// Hands each ids entry in (after, upto] to fn (the id, its location), in
// id order, until fn returns false. Blocks that are malformed (verify
// reports them) and keys of other formats are skipped.
Status RecordTable::WalkIds(
    const rocksdb::ReadOptions& read, RecordId after, RecordId upto,
    const char* what,
    const std::function<bool(RecordId, std::string_view)>& fn) const {
  std::string lower = IdsBlockKey(after + 1);
  // upto <= kMaxRecordId < 2^63: the next block's first id cannot wrap.
  std::string upper = IdsBlockKey(upto + kIdsBlockSize);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro = read;
  ro.iterate_upper_bound = &upper_slice;
  // Taken before the walk: an entry leaves them only once the ids family
  // holds it (then both have it, and it is handed out once).
  const std::vector<PendingIds::Entry> pending = pending_.Range(after, upto);
  size_t next = 0;  // the first pending entry not handed out
  bool stop = false;
  auto hand_out = [&](RecordId id, std::string_view loc) {
    for (; next < pending.size() && pending[next].id <= id && !stop; ++next) {
      if (pending[next].id == id) continue;  // the family's entry wins
      stop = !fn(pending[next].id,
                 std::string_view(pending[next].location, kLocationSize));
    }
    if (!stop) stop = !fn(id, loc);
  };
  std::unique_ptr<rocksdb::Iterator> it(NewIterator(db_, ro, handles_[kIds]));
  for (it->Seek(lower); it->Valid() && !stop; it->Next()) {
    RecordId first = 0;
    std::string_view value(it->value().data(), it->value().size());
    if (!ParseIdsBlockKey({it->key().data(), it->key().size()}, &first) ||
        !IdsBlockWellFormed(value)) {
      continue;
    }
    ForEachInIdsBlock(value, first, [&](RecordId id, std::string_view loc) {
      if (stop || id <= after || id > upto) return;
      hand_out(id, loc);
    });
  }
  for (; next < pending.size() && !stop; ++next) {
    stop = !fn(pending[next].id,
               std::string_view(pending[next].location, kLocationSize));
  }
  return FromRocks(it->status(), what);
}

// An ids walk; the records are read a chunk at a time with one MultiGet.
Status RecordTable::ForEachIdRange(
    const rocksdb::ReadOptions& read, RecordId after, RecordId upto,
    const std::function<bool(const KeyFields&, std::string_view)>& fn) const {
  if (after >= upto) return Status::OK();
  std::vector<std::string> keys;
  bool stop = false;
  Status chunk_status;
  MNEMO_RETURN_IF_ERROR(WalkIds(
      read, after, upto, "reading records by id",
      [&](RecordId id, std::string_view location) {
        std::string key(location);
        PutBigEndian64(&key, id);
        keys.push_back(std::move(key));
        if (keys.size() < kChunk) return true;
        chunk_status =
            ReadChunk(db_, handles_[kRecords], read, keys, fn, &stop);
        keys.clear();
        return chunk_status.ok() && !stop;
      }));
  MNEMO_RETURN_IF_ERROR(chunk_status);
  if (!stop) {
    MNEMO_RETURN_IF_ERROR(
        ReadChunk(db_, handles_[kRecords], read, keys, fn, &stop));
  }
  return Status::OK();
}

// The ids walk of ForEachIdRange without reading the records: entries
// whose record the TTL filter dropped are handed out too.
Status RecordTable::ForEachId(const rocksdb::ReadOptions& read,
                              RecordId after, RecordId upto,
                              const std::function<bool(RecordId)>& fn) const {
  if (after >= upto) return Status::OK();
  return WalkIds(read, after, upto, "reading record ids",
                 [&](RecordId id, std::string_view) { return fn(id); });
}

// One ids MultiGet (of the chunk's blocks), then one records MultiGet,
// per chunk.
Status RecordTable::GetMany(
    const rocksdb::ReadOptions& ro, const std::vector<RecordId>& ids,
    const std::function<void(const KeyFields&, std::string_view)>& fn) const {
  std::vector<std::string> block_keys, keys;
  std::vector<rocksdb::Slice> slices;
  std::vector<size_t> block_of(kChunk);
  std::vector<rocksdb::PinnableSlice> blocks(kChunk);
  std::vector<rocksdb::Status> statuses(kChunk);
  bool stop = false;
  for (size_t at = 0; at < ids.size(); at += kChunk) {
    size_t n = std::min(kChunk, ids.size() - at);
    block_keys.clear();
    slices.clear();
    keys.clear();
    std::map<std::string, size_t> index;  // block key -> its position
    const uint64_t generation = pending_.generation();
    for (size_t i = 0; i < n; ++i) {
      auto [it, added] =
          index.emplace(IdsBlockKey(ids[at + i]), index.size());
      block_of[i] = it->second;
    }
    block_keys.resize(index.size());
    for (const auto& entry : index) block_keys[entry.second] = entry.first;
    for (const std::string& k : block_keys) slices.emplace_back(k);
    db_->MultiGet(ro, handles_[kIds], slices.size(), slices.data(),
                  blocks.data(), statuses.data(), /*sorted_input=*/false);
    for (size_t i = 0; i < n; ++i) {
      const size_t b = block_of[i];
      const RecordId id = ids[at + i];
      if (!statuses[b].IsNotFound()) {
        MNEMO_RETURN_IF_ERROR(FromRocks(
            statuses[b], "locating record " + RecordIdToString(id)));
      }
      std::string_view location;
      std::string key;
      if (statuses[b].ok() &&
          FindInIdsBlock({blocks[b].data(), blocks[b].size()}, id,
                         &location)) {
        key.assign(location);
      } else if (!pending_.Find(id, &key)) {
        // Not yet written (format 6) nor in the family: LocateId's answer,
        // once a flush moved entries over meanwhile.
        if (pending_.generation() == generation) continue;
        bool found = false;
        MNEMO_RETURN_IF_ERROR(LocateInIds(ro, id, &key, &found));
        if (!found) continue;
      }
      PutBigEndian64(&key, id);
      keys.push_back(std::move(key));
    }
    for (size_t b = 0; b < slices.size(); ++b) blocks[b].Reset();
    MNEMO_RETURN_IF_ERROR(ReadChunk(
        db_, handles_[kRecords], ro, keys,
        [&](const KeyFields& key, std::string_view v) {
          fn(key, v);
          return true;
        },
        &stop));
  }
  return Status::OK();
}

// The largest id with an ids entry: the last block holding an entry.
Status RecordTable::LastId(RecordId* id) const {
  *id = 0;
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;
  std::unique_ptr<rocksdb::Iterator> it(NewIterator(db_, ro, handles_[kIds]));
  for (it->SeekToLast(); it->Valid() && *id == 0; it->Prev()) {
    RecordId first = 0;
    std::string_view value(it->value().data(), it->value().size());
    if (!ParseIdsBlockKey({it->key().data(), it->key().size()}, &first) ||
        !IdsBlockWellFormed(value)) {
      continue;
    }
    ForEachInIdsBlock(value, first,
                      [&](RecordId found, std::string_view) { *id = found; });
  }
  return FromRocks(it->status(), "reading the last record id");
}

Status RecordTable::History(const rocksdb::ReadOptions& read, RecordId id,
                            std::vector<Record>* versions) const {
  versions->clear();
  std::string prefix = HistoryPrefix(id);
  std::string upper = PrefixSuccessor(prefix);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro = read;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      NewIterator(db_, ro, handles_[kHistory]));
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    Record old;
    MNEMO_RETURN_IF_ERROR(
        Decode(std::string_view(it->value().data(), it->value().size()),
               KeyFields{id, 0}, &old, nullptr));  // self-contained
    versions->push_back(std::move(old));
  }
  return FromRocks(it->status(), "reading history");
}

}  // namespace mnemo::internal
