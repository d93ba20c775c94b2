// Copyright (c) mnemo authors.
//
// The ThreadSanitizer build's RocksDB iterator (see rocks_iter.h), and the
// prefix walk every build uses.

#include "rocks_iter.h"

#include <string>

#include "keys.h"

namespace mnemo::internal {

rocksdb::Status ForEachWithPrefix(
    rocksdb::DB* db, const rocksdb::ReadOptions& read,
    rocksdb::ColumnFamilyHandle* cf, std::string_view prefix,
    const std::function<bool(std::string_view, std::string_view)>& fn) {
  const std::string upper = PrefixSuccessor(std::string(prefix));
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro = read;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(NewIterator(db, ro, cf));
  for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size())); it->Valid();
       it->Next()) {
    if (!fn({it->key().data(), it->key().size()},
            {it->value().data(), it->value().size()})) {
      break;
    }
  }
  return it->status();
}

}  // namespace mnemo::internal

#ifdef MNEMO_ENGINE_TSAN

#include <cstring>
#include <string>
#include <utility>

namespace mnemo::internal {

// Every read mnemo makes of memory a RocksDB iterator points into (a
// memtable's arena, a pinned block) happens here, so that the frame of this
// function is on the reading stack of any race TSAN reports on it and
// .ci/tsan.supp's `race:CopyOutOfRocksDb` matches even when the writer's
// stack is lost. Out of line and outside an anonymous namespace so the
// frame keeps this name; an explicit memcpy so the read is made from this
// frame (not from a std::string member called from it).
[[gnu::noinline]] void CopyOutOfRocksDb(const rocksdb::Slice& from,
                                        std::string* to) {
  to->resize(from.size());
  if (!from.empty()) std::memcpy(to->data(), from.data(), from.size());
}

namespace {

// Forwards to RocksDB's iterator; key() and value() return copies, made on
// first use after each move (a scan that reads only keys copies no value).
// They stay valid until the next move, as RocksDB's own do.
class CopyingIterator final : public rocksdb::Iterator {
 public:
  explicit CopyingIterator(rocksdb::Iterator* base) : base_(base) {}

  bool Valid() const override { return base_->Valid(); }
  void SeekToFirst() override {
    Moved();
    base_->SeekToFirst();
  }
  void SeekToLast() override {
    Moved();
    base_->SeekToLast();
  }
  void Seek(const rocksdb::Slice& target) override {
    Moved();
    base_->Seek(target);
  }
  void SeekForPrev(const rocksdb::Slice& target) override {
    Moved();
    base_->SeekForPrev(target);
  }
  void Next() override {
    Moved();
    base_->Next();
  }
  void Prev() override {
    Moved();
    base_->Prev();
  }
  rocksdb::Slice key() const override {
    if (!key_copied_) CopyOutOfRocksDb(base_->key(), &key_);
    key_copied_ = true;
    return key_;
  }
  rocksdb::Slice value() const override {
    if (!value_copied_) CopyOutOfRocksDb(base_->value(), &value_);
    value_copied_ = true;
    return value_;
  }
  rocksdb::Status status() const override { return base_->status(); }
  rocksdb::Status Refresh() override {
    Moved();
    return base_->Refresh();
  }
  rocksdb::Status GetProperty(std::string name, std::string* prop) override {
    return base_->GetProperty(std::move(name), prop);
  }

 private:
  void Moved() { key_copied_ = value_copied_ = false; }

  std::unique_ptr<rocksdb::Iterator> base_;
  mutable std::string key_, value_;
  mutable bool key_copied_ = false, value_copied_ = false;
};

}  // namespace

std::unique_ptr<rocksdb::Iterator> NewIterator(
    rocksdb::DB* db, const rocksdb::ReadOptions& ro,
    rocksdb::ColumnFamilyHandle* cf) {
  return std::make_unique<CopyingIterator>(db->NewIterator(ro, cf));
}

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_TSAN
