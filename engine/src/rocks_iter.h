// Copyright (c) mnemo authors.
//
// The one way engine code opens a RocksDB iterator: NewIterator(db, ro, cf)
// instead of db->NewIterator(ro, cf) (.ci/run fails on a direct call).
//
// In a ThreadSanitizer build the iterator hands out copies of each key and
// value, made by CopyOutOfRocksDb, which .ci/tsan.supp names. Debian's
// librocksdb is not built with TSAN: TSAN sees a writer's memcpy of a
// record into the memtable arena but not the skip list's release/acquire
// publication of it, so any mnemo read of iterator memory that lives in a
// memtable looks like a race with that memcpy. The suppression of the
// library's frames matched such a report only when TSAN could still
// restore the writer's stack, which it cannot once the writer's history is
// spent: the stage then failed by chance. The reading stack is always
// there, and with every read of iterator memory made in CopyOutOfRocksDb,
// it always names the function. Other builds get RocksDB's iterator as is.

#ifndef MNEMO_ENGINE_ROCKS_ITER_H_
#define MNEMO_ENGINE_ROCKS_ITER_H_

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>

#include <functional>
#include <memory>
#include <string_view>

#if defined(__SANITIZE_THREAD__)
#define MNEMO_ENGINE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MNEMO_ENGINE_TSAN 1
#endif
#endif

namespace mnemo::internal {

#ifdef MNEMO_ENGINE_TSAN
std::unique_ptr<rocksdb::Iterator> NewIterator(rocksdb::DB* db,
                                               const rocksdb::ReadOptions& ro,
                                               rocksdb::ColumnFamilyHandle* cf);
#else
inline std::unique_ptr<rocksdb::Iterator> NewIterator(
    rocksdb::DB* db, const rocksdb::ReadOptions& ro,
    rocksdb::ColumnFamilyHandle* cf) {
  return std::unique_ptr<rocksdb::Iterator>(db->NewIterator(ro, cf));
}
#endif

// Calls fn(key, value) for each key of `cf` that starts with `prefix` (not
// empty), in key order, at `ro` (its upper bound replaced by the prefix's
// end), until fn returns false. Returns the iterator's status.
rocksdb::Status ForEachWithPrefix(
    rocksdb::DB* db, const rocksdb::ReadOptions& ro,
    rocksdb::ColumnFamilyHandle* cf, std::string_view prefix,
    const std::function<bool(std::string_view, std::string_view)>& fn);

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_ROCKS_ITER_H_
