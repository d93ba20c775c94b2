// Copyright (c) mnemo authors.
//
// RecordIterator over the records from one snapshot (the consistent view
// behind `mnemo dump`), on the table's id-order walk, and Store::Validate.

#include <rocksdb/snapshot.h>

#include <string>
#include <utility>
#include <vector>

#include "envelope.h"
#include "keys.h"
#include "store_impl.h"

namespace mnemo::internal {
namespace {

// Records decoded per read of the table (one id-order walk each).
constexpr size_t kChunk = 256;

class RecordIteratorImpl final : public RecordIterator {
 public:
  // Takes a snapshot of the table and positions at the first matching
  // record. Reads go through the table's id-order walk in chunks, each
  // resuming after the last id read, all at the one snapshot.
  RecordIteratorImpl(const RecordTable* table, const IterateOptions& options,
                     Micros now)
      : table_(table), options_(options), now_(now) {
    snapshot_ = table_->GetSnapshot();
    ro_.snapshot = snapshot_;
    ro_.fill_cache = false;  // a dump should not evict the working set
    Settle();
  }
  ~RecordIteratorImpl() override { table_->ReleaseSnapshot(snapshot_); }

  bool Valid() const override { return valid_; }
  const Record& record() const override { return record_; }
  void Next() override {
    ++at_;
    Settle();
  }
  Status status() const override { return status_; }
  Status GetPage(uint64_t page_id, PageData* page) override {
    // Pages agree with the records: an expired record left out of the dump
    // is blanked on its pages (kept when expired records are included).
    ExpiryView expiry;
    if (!options_.include_expired) expiry = table_->expiry_view(now_);
    return ReadPageData(*table_, ro_, page_id, nullptr, page, expiry);
  }

 private:
  bool Matches(const Record& r) const {
    const IterateOptions& o = options_;
    if (o.tenant && r.ns.tenant != *o.tenant) return false;
    if (o.agent && r.ns.agent != *o.agent) return false;
    if (o.session && r.ns.session != *o.session) return false;
    if (o.since && r.event_time < *o.since) return false;
    if (o.until && r.event_time >= *o.until) return false;
    bool expired = r.expires_at != 0 && r.expires_at <= now_;
    return o.include_expired || !expired;
  }

  // Reads the next chunk of stored records, those after `last_`.
  Status Fill() {
    chunk_.clear();
    at_ = 0;
    return table_->ForEachIdRange(
        ro_, last_, kMaxRecordId,
        [&](const KeyFields& key, std::string_view value) {
          chunk_.emplace_back(key, std::string(value));
          return chunk_.size() < kChunk;
        });
  }

  // Advances from the current position to the next matching record (or
  // the end, or an error).
  void Settle() {
    valid_ = false;
    while (status_.ok()) {
      if (at_ >= chunk_.size()) {
        if (exhausted_) return;
        status_ = Fill().WithContext("iterating records");
        if (chunk_.size() < kChunk) exhausted_ = true;
        if (!status_.ok() || chunk_.empty()) return;
        last_ = chunk_.back().first.id;
      }
      const auto& [key, value] = chunk_[at_];
      Status s = table_->Decode(value, key, &record_, nullptr);
      // Counts not yet folded into the record, as at the snapshot.
      if (s.ok() && Matches(record_)) s = table_->AddUnfoldedAccess(ro_, &record_);
      if (!s.ok()) {
        status_ = std::move(s);
        return;
      }
      if (Matches(record_)) {
        valid_ = true;
        return;
      }
      ++at_;
    }
  }

  const RecordTable* const table_;
  const IterateOptions options_;
  const Micros now_;
  const rocksdb::Snapshot* snapshot_ = nullptr;
  rocksdb::ReadOptions ro_;
  std::vector<std::pair<KeyFields, std::string>> chunk_;
  size_t at_ = 0;
  RecordId last_ = 0;  // the last id read into a chunk
  bool exhausted_ = false;
  Record record_;
  bool valid_ = false;
  Status status_;
};

}  // namespace

Status StoreImpl::NewRecordIterator(const IterateOptions& options,
                                    std::unique_ptr<RecordIterator>* it) {
  if (options.since && options.until && *options.until < *options.since) {
    it->reset();
    return Status::InvalidArgument("iterate: until is before since");
  }
  *it = std::make_unique<RecordIteratorImpl>(&table_, options,
                                             clock_->NowMicros());
  return Status::OK();
}

Status StoreImpl::Validate(const Record& record) {
  return ValidateRecord(record);
}

}  // namespace mnemo::internal
