// Copyright (c) mnemo authors.
//
// RecordTableFixture: a RecordTable attached to a fresh RocksDB database
// with the store's column families, as a store's open would attach it,
// without the store (record_table_test, search_table_test). Each Write
// goes straight to the database.

#ifndef MNEMO_TESTS_ENGINE_RECORD_TABLE_FIXTURE_H_
#define MNEMO_TESTS_ENGINE_RECORD_TABLE_FIXTURE_H_

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <vector>

#include "mnemo/options.h"
#include "record_table.h"
#include "rocks_glue.h"
#include "test_util.h"
#include "text_store.h"

namespace mnemo::internal {

class RecordTableFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = MakeRocksConfig(Options(), Clock::System());
    config_.db.create_if_missing = true;
    ASSERT_TRUE(rocksdb::DB::Open(config_.db, dir_.path(), config_.families,
                                  &handles_, &db_)
                    .ok());
    table_.Attach(db_, handles_);
  }
  void TearDown() override {
    table_.Detach();
    for (auto* h : handles_) (void)db_->DestroyColumnFamilyHandle(h);
    delete db_;
  }
  void Write(rocksdb::WriteBatch* batch) {
    ASSERT_TRUE(db_->Write(rocksdb::WriteOptions(), batch).ok());
  }

  test::TempDir dir_;
  RocksConfig config_;
  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  TextStore text_;
  RecordTable table_{&text_, Options().location_hint_bytes};
};

}  // namespace mnemo::internal

#endif  // MNEMO_TESTS_ENGINE_RECORD_TABLE_FIXTURE_H_
