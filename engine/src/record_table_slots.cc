// Copyright (c) mnemo authors.
//
// RecordTable, format 2: slots and location hints. A slot is the dense number that prefixes
// every records key of one (tenant, agent), so the agent's records form one
// key range. Both directions live in the default family (keys.h); the
// whole map is in memory from open on.

#include <algorithm>
#include <cstring>

#include "coding.h"
#include "keys.h"
#include "mnemo/quote.h"
#include "record_table.h"
#include "rocks_glue.h"
#include "rocks_iter.h"

namespace mnemo::internal {
namespace {

std::string SlotName(std::string_view tenant, std::string_view agent) {
  std::string name;
  name.reserve(tenant.size() + agent.size() + 1);
  name.append(tenant);
  name.push_back('\0');
  name.append(agent);
  return name;
}

}  // namespace

Status RecordTable::LoadSlots() {
  std::unique_lock lock(slot_mu_);
  slots_.clear();
  next_slot_ = 1;
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;
  std::unique_ptr<rocksdb::Iterator> it(
      NewIterator(db_, ro, handles_[kDefault]));
  const std::string_view prefix(kSlotKeyPrefix);
  for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size()));
       it->Valid() && it->key().starts_with(rocksdb::Slice(prefix.data(),
                                                           prefix.size()));
       it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    if (it->value().size() != 4) {
      return Status::Corruption("bad slot value of " + QuoteForMessage(key) +
                                " (" + std::to_string(it->value().size()) +
                                " bytes)");
    }
    uint32_t slot = DecodeBigEndian32(it->value().data());
    slots_[std::string(key.substr(prefix.size()))] = slot;
    next_slot_ = std::max(next_slot_, slot + 1);
  }
  return FromRocks(it->status(), "loading slots");
}

Status RecordTable::SlotOf(std::string_view tenant, std::string_view agent,
                           bool create, uint32_t* slot, bool* found) const {
  thread_local std::string name;  // reused buffer
  name.assign(tenant);
  name.push_back('\0');
  name.append(agent);
  {
    std::shared_lock lock(slot_mu_);
    auto it = slots_.find(name);
    if (it != slots_.end()) {
      *slot = it->second;
      if (found != nullptr) *found = true;
      return Status::OK();
    }
  }
  if (found != nullptr) *found = false;
  *slot = 0;
  if (!create) return Status::OK();
  std::unique_lock lock(slot_mu_);
  auto it = slots_.find(name);
  if (it == slots_.end()) {
    if (next_slot_ == 0) return Status::ResourceExhausted("no slot left");
    std::string value;
    PutBigEndian32(&value, next_slot_);
    rocksdb::WriteBatch batch;
    (void)batch.Put(handles_[kDefault], SlotKey(tenant, agent), value);
    (void)batch.Put(handles_[kDefault], SlotNameKey(next_slot_),
                    SlotName(tenant, agent));
    MNEMO_RETURN_IF_ERROR(FromRocks(
        db_->Write(rocksdb::WriteOptions(), &batch),
        "allocating a slot for agent " + QuoteForMessage(agent)));
    it = slots_.emplace(name, next_slot_++).first;
  }
  *slot = it->second;
  if (found != nullptr) *found = true;
  return Status::OK();
}

bool LocationHints::Find(RecordId id, std::string* key) const {
  if (id == 0) return false;
  const Shard& shard = ShardOf(id);
  std::lock_guard<std::mutex> lock(shard.mu);
  const Bucket& b = shard.buckets[BucketIn(id, shard.buckets.size())];
  for (size_t w = 0; w < kWays; ++w) {
    if (b.ids[w] != id) continue;
    key->assign(b.locations[w], kLocationSize);
    PutBigEndian64(key, id);
    return true;
  }
  return false;
}

void LocationHints::PutLocked(Shard* shard, RecordId id,
                                           const char* location) {
  Bucket& b = shard->buckets[BucketIn(id, shard->buckets.size())];
  size_t way = kWays;
  for (size_t w = 0; w < kWays && way == kWays; ++w) {
    if (b.ids[w] == id) way = w;  // moved: overwrite its own way
  }
  for (size_t w = 0; w < kWays && way == kWays; ++w) {
    if (b.ids[w] == 0) {
      way = w;
      ++shard->used;
    }
  }
  if (way == kWays) {  // full: replace the oldest-filled way (round robin)
    way = b.next;
    b.next = static_cast<uint8_t>((b.next + 1) % kWays);
  }
  b.ids[way] = id;
  std::memcpy(b.locations[way], location, kLocationSize);
}

LocationHints::LocationHints(size_t max_bytes)
    : max_buckets_(
          std::max(kMinBuckets, max_bytes / (kShards * sizeof(Bucket)))) {
  for (Shard& shard : shards_) Publish(&shard);
}

void LocationHints::Grow(Shard* shard, size_t max_buckets) {
  std::vector<Bucket> old(std::min(max_buckets, shard->buckets.size() * 2));
  old.swap(shard->buckets);
  Publish(shard);
  shard->used = 0;
  for (const Bucket& b : old) {
    for (size_t w = 0; w < kWays; ++w) {
      if (b.ids[w] != 0) PutLocked(shard, b.ids[w], b.locations[w]);
    }
  }
}

void LocationHints::Publish(Shard* shard) {
  shard->table.store(shard->buckets.data(), std::memory_order_relaxed);
  shard->count.store(shard->buckets.size(), std::memory_order_relaxed);
}

// A stale table pointer only prefetches a line of freed memory (a
// prefetch never faults) or of the wrong bucket.
void LocationHints::Prefetch(RecordId id) const {
  const Shard& shard = ShardOf(id);
  const Bucket* table = shard.table.load(std::memory_order_relaxed);
  const size_t count = shard.count.load(std::memory_order_relaxed);
  if (table == nullptr || count == 0) return;
  __builtin_prefetch(table + BucketIn(id, count));
}

void LocationHints::Put(RecordId id, std::string_view location) {
  if (location.size() != kLocationSize || id == 0) return;
  Shard& shard = ShardOf(id);
  std::lock_guard<std::mutex> lock(shard.mu);
  // Past one id per bucket on average, ids that meet four to a bucket
  // start to evict each other (~2% of them; ~6% at 1.5 per bucket).
  if (shard.buckets.size() < max_buckets_ &&
      shard.used >= shard.buckets.size()) {
    Grow(&shard, max_buckets_);
  }
  PutLocked(&shard, id, location.data());
}

void LocationHints::Erase(RecordId id) {
  Shard& shard = ShardOf(id);
  std::lock_guard<std::mutex> lock(shard.mu);
  Bucket& b = shard.buckets[BucketIn(id, shard.buckets.size())];
  for (size_t w = 0; w < kWays; ++w) {
    if (b.ids[w] == id) {
      b.ids[w] = 0;
      --shard.used;
    }
  }
}

}  // namespace mnemo::internal
