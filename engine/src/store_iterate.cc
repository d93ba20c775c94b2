// Copyright (c) mnemo authors.
//
// RecordIterator over the records from one snapshot (the consistent view
// behind `mnemo dump`), in id order: a walk of the `ids` family with one
// records read per entry (format 2, record_table.h), and Store::Validate.

#include <rocksdb/snapshot.h>

#include <functional>

#include "envelope.h"
#include "keys.h"
#include "store_impl.h"

namespace mnemo::internal {
namespace {

using RecordDecoder =
    std::function<Status(std::string_view value, RecordId id, Record* r)>;

// A value of 16 bytes holds only access counts of a deleted record.
bool IsOrphanCounts(const rocksdb::Slice& value) { return value.size() == 16; }

class RecordIteratorImpl final : public RecordIterator {
 public:
  // Takes a snapshot of `db` and positions at the first matching record.
  // `decode` turns a stored value into a record (checksum, decompression).
  RecordIteratorImpl(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* ids,
                     rocksdb::ColumnFamilyHandle* records,
                     rocksdb::ColumnFamilyHandle* pages,
                     rocksdb::ColumnFamilyHandle* index,
                     const IterateOptions& options, Micros now,
                     RecordDecoder decode)
      : db_(db),
        records_(records),
        pages_(pages),
        index_(index),
        options_(options),
        now_(now),
        decode_(std::move(decode)) {
    snapshot_ = db_->GetSnapshot();
    ro_.snapshot = snapshot_;
    ro_.total_order_seek = true;
    ro_.fill_cache = false;  // a dump should not evict the working set
    it_ = NewIterator(db_, ro_, ids);
    it_->SeekToFirst();
    Settle();
  }
  ~RecordIteratorImpl() override {
    it_.reset();
    db_->ReleaseSnapshot(snapshot_);
  }

  bool Valid() const override { return valid_; }
  const Record& record() const override { return record_; }
  void Next() override {
    it_->Next();
    Settle();
  }
  Status status() const override { return status_; }
  Status GetPage(uint64_t page_id, PageData* page) override {
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot_;
    ro.fill_cache = false;
    // Pages agree with the records: an expired record left out of the dump
    // is blanked on its pages (kept when expired records are included).
    ExpiryView expiry;
    if (!options_.include_expired) expiry = {index_, now_};
    return ReadPageData(db_, pages_, ro, page_id, nullptr, page, expiry);
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

  // Advances from the raw position to the next matching record (or the
  // end, or an error).
  void Settle() {
    valid_ = false;
    for (; it_->Valid(); it_->Next()) {
      if (it_->key().size() != 8 || it_->value().size() != kLocationSize) {
        continue;  // malformed: verify reports it
      }
      RecordId id = DecodeRecordKey({it_->key().data(), 8});
      key_.assign(it_->value().data(), it_->value().size());
      key_.append(it_->key().data(), 8);
      rocksdb::Status rs = db_->Get(ro_, records_, key_, &value_);
      if (rs.IsNotFound() || (rs.ok() && IsOrphanCounts(value_))) {
        continue;  // dropped by the TTL filter
      }
      Status s = FromRocks(rs, "reading record " + RecordIdToString(id));
      if (s.ok()) s = decode_({value_.data(), value_.size()}, id, &record_);
      if (!s.ok()) {
        status_ = std::move(s);
        return;
      }
      if (Matches(record_)) {
        valid_ = true;
        return;
      }
    }
    status_ = FromRocks(it_->status(), "iterating records");
  }

  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const records_;
  rocksdb::ColumnFamilyHandle* const pages_;
  rocksdb::ColumnFamilyHandle* const index_;
  const IterateOptions options_;
  const Micros now_;
  const RecordDecoder decode_;
  const rocksdb::Snapshot* snapshot_ = nullptr;
  rocksdb::ReadOptions ro_;
  std::unique_ptr<rocksdb::Iterator> it_;
  std::string key_, value_;
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
  *it = std::make_unique<RecordIteratorImpl>(
      db_, cf(kIds), cf(kRecords), cf(kPages), cf(kIndex), options, clock_->NowMicros(),
      [this](std::string_view value, RecordId id, Record* r) {
        return DecodeStored(value, id, r, nullptr);
      });
  return Status::OK();
}

Status StoreImpl::Validate(const Record& record) {
  return ValidateRecord(record);
}

}  // namespace mnemo::internal
