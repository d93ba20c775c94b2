// Copyright (c) mnemo authors.

#include "older_format.h"

#include <rocksdb/db.h>

#include <filesystem>
#include <memory>
#include <vector>

#include "keys.h"
#include "mnemo/options.h"
#include "rocks_glue.h"
#include "search_postings.h"

namespace mnemo::test {
namespace {

struct OpenDb {
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  ~OpenDb() {
    for (auto* h : handles) (void)db->DestroyColumnFamilyHandle(h);
    delete db;
  }
};

}  // namespace

::testing::AssertionResult MoveIndexBackIntoStore(const std::string& db) {
  internal::RocksConfig config =
      internal::MakeRocksConfig(Options(), Clock::System());
  const std::string index_dir = db + "/" + internal::kIndexDir;
  OpenDb store, index;
  rocksdb::Status s = rocksdb::DB::Open(config.db, db, config.families,
                                        &store.handles, &store.db);
  if (!s.ok()) return ::testing::AssertionFailure() << s.ToString();
  s = rocksdb::DB::Open(config.db, index_dir,
                        {config.families[internal::kDefault],
                         config.families[internal::kPostings]},
                        &index.handles, &index.db);
  if (!s.ok()) return ::testing::AssertionFailure() << s.ToString();
  rocksdb::WriteBatch batch;
  std::unique_ptr<rocksdb::Iterator> it(
      index.db->NewIterator(rocksdb::ReadOptions(), index.handles[1]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    (void)batch.Put(store.handles[internal::kPostings], it->key(), it->value());
  }
  if (!it->status().ok()) {
    return ::testing::AssertionFailure() << it->status().ToString();
  }
  it.reset();
  std::string mark;
  s = index.db->Get(rocksdb::ReadOptions(), index.handles[0],
                    internal::kSearchWatermarkKey, &mark);
  if (s.ok()) {
    (void)batch.Put(store.handles[internal::kDefault],
                    internal::kSearchWatermarkKey, mark);
  } else if (!s.IsNotFound()) {
    return ::testing::AssertionFailure() << s.ToString();
  }
  s = store.db->Write(rocksdb::WriteOptions(), &batch);
  if (!s.ok()) return ::testing::AssertionFailure() << s.ToString();
  s = store.db->Flush(rocksdb::FlushOptions(), store.handles);
  if (!s.ok()) return ::testing::AssertionFailure() << s.ToString();
  std::error_code ec;
  std::filesystem::remove_all(index_dir, ec);
  if (ec) return ::testing::AssertionFailure() << ec.message();
  return ::testing::AssertionSuccess();
}

}  // namespace mnemo::test
