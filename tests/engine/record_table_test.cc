// Copyright (c) mnemo authors.
//
// RecordTable's key sets on the format 1 layout: each named mutation
// appends exactly the keys record_table.h lists (read back from the batch),
// and what it writes reads back through the table's own reads. A second
// layout must pass the read-back half unchanged.

#include "record_table.h"

#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_set>
#include <vector>

#include "envelope.h"
#include "expiry_index.h"
#include "keys.h"
#include "mnemo/options.h"
#include "rocks_glue.h"
#include "search_postings.h"
#include "test_util.h"
#include "text_store.h"

namespace mnemo::internal {
namespace {

// (family, op, key) of every entry of a batch; op is 'P'ut, 'D'elete or
// 'M'erge.
using Entry = std::tuple<uint32_t, char, std::string>;

class Recorder : public rocksdb::WriteBatch::Handler {
 public:
  std::multiset<Entry> entries;
  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key,
                        const rocksdb::Slice&) override {
    entries.emplace(cf, 'P', key.ToString());
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    entries.emplace(cf, 'D', key.ToString());
    return rocksdb::Status::OK();
  }
  rocksdb::Status MergeCF(uint32_t cf, const rocksdb::Slice& key,
                          const rocksdb::Slice&) override {
    entries.emplace(cf, 'M', key.ToString());
    return rocksdb::Status::OK();
  }
};

class RecordTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = MakeRocksConfig(Options(), Clock::System());
    config_.db.create_if_missing = true;
    ASSERT_TRUE(rocksdb::DB::Open(config_.db, dir_.path(), config_.families,
                                  &handles_, &db_)
                    .ok());
    table_.Attach(db_, handles_);
    text_.Attach(&table_);
    ASSERT_TRUE(text_.Load().ok());
  }
  void TearDown() override {
    table_.Detach();
    for (auto* h : handles_) (void)db_->DestroyColumnFamilyHandle(h);
    delete db_;
  }

  uint32_t Id(Family f) const { return handles_[f]->GetID(); }
  std::multiset<Entry> Keys(rocksdb::WriteBatch* batch) {
    Recorder r;
    EXPECT_TRUE(batch->Iterate(&r).ok());
    return r.entries;
  }
  void Write(rocksdb::WriteBatch* batch) {
    ASSERT_TRUE(db_->Write(rocksdb::WriteOptions(), batch).ok());
  }

  static Record Sample(RecordId id, Micros time) {
    Record r;
    r.id = id;
    r.ns = {"t", "agent", "s1"};
    r.role = "user";
    r.kind = "message";
    r.text = "the adoption agency called back";
    r.event_time = r.created_time = r.updated_time = time;
    r.version = 1;
    return r;
  }

  test::TempDir dir_;
  RocksConfig config_;
  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  TextStore text_;
  RecordTable table_{&text_, true, "english"};
};

TEST_F(RecordTableTest, InsertWritesRecordTimeEntryAndFirstNamespaceKey) {
  Record r = Sample(7, 1000);
  std::unordered_set<std::string> known;
  std::vector<std::string> added;
  rocksdb::WriteBatch batch;
  ASSERT_TRUE(table_.Insert(r, known, &added, &batch).ok());
  Record second = Sample(8, 2000);
  ASSERT_TRUE(table_.Insert(second, known, &added, &batch).ok());
  std::string time_key = TimeIndexKey("t", "agent", 1000, 7);
  EXPECT_EQ(Keys(&batch),
            (std::multiset<Entry>{
                {Id(kRecords), 'P', RecordKey(7)},
                {Id(kIndex), 'P', time_key},
                {Id(kIndex), 'P', NamespaceKey(r.ns)},
                {Id(kRecords), 'P', RecordKey(8)},
                {Id(kIndex), 'P', TimeIndexKey("t", "agent", 2000, 8)}}));
  EXPECT_EQ(added, std::vector<std::string>{table_.NamespaceToken(r.ns)});
  Write(&batch);

  Record read;
  uint8_t flags = 0xff;
  ASSERT_TRUE(table_.Get(rocksdb::ReadOptions(), 7, &read, &flags).ok());
  EXPECT_EQ(read.text, r.text);
  EXPECT_EQ(flags, 0);
  RecordTable::IndexState state;
  ASSERT_TRUE(
      table_.CheckIndexOf(rocksdb::ReadOptions(), read, &state, nullptr).ok());
  EXPECT_EQ(state, RecordTable::IndexState::kOk);
  std::vector<Namespace> namespaces;
  ASSERT_TRUE(table_.ListNamespaces("t", &namespaces).ok());
  ASSERT_EQ(namespaces.size(), 1u);
  EXPECT_EQ(namespaces[0].session, "s1");
  EXPECT_TRUE(table_.Get(rocksdb::ReadOptions(), 9, &read).IsNotFound());
}

TEST_F(RecordTableTest, UpdateKeepsHistoryAndMovesTheTimeAndAgeKeys) {
  Record old = Sample(7, 1000);
  std::unordered_set<std::string> known;
  std::vector<std::string> added;
  rocksdb::WriteBatch insert;
  ASSERT_TRUE(table_.Insert(old, known, &added, &insert).ok());
  Write(&insert);

  Record next = old;
  next.version = 2;
  next.event_time = 3000;
  next.text = "the agency never called";
  PageRemovals pages;
  rocksdb::WriteBatch batch;
  ASSERT_TRUE(table_.Update(old, 0, next, nullptr, &batch, &pages).ok());
  uint8_t hot = static_cast<uint8_t>(Tier::kHot);
  EXPECT_EQ(Keys(&batch),
            (std::multiset<Entry>{
                {Id(kHistory), 'P', HistoryKey(7, 1)},
                {Id(kRecords), 'P', RecordKey(7)},
                {Id(kIndex), 'D', TimeIndexKey("t", "agent", 1000, 7)},
                {Id(kIndex), 'P', TimeIndexKey("t", "agent", 3000, 7)},
                {Id(kIndex), 'D', AgeKey(hot, 1000, 7)},
                {Id(kIndex), 'P', AgeKey(hot, 3000, 7)}}));
  EXPECT_TRUE(pages.empty());
  Write(&batch);

  std::vector<Record> versions;
  ASSERT_TRUE(table_.History(rocksdb::ReadOptions(), 7, &versions).ok());
  ASSERT_EQ(versions.size(), 1u);
  EXPECT_EQ(versions[0].text, old.text);
  std::vector<Record> scanned;
  bool more = true;
  std::string last;
  AgentRange range{"t", "agent", std::nullopt, std::nullopt, false, ""};
  ASSERT_TRUE(table_
                  .ScanAgent(
                      rocksdb::ReadOptions(), range,
                      [](const ScanEntry&) { return true; }, 10, &scanned,
                      &more, &last)
                  .ok());
  ASSERT_EQ(scanned.size(), 1u);  // the old time key is gone
  EXPECT_EQ(scanned[0].text, next.text);
  EXPECT_FALSE(more);
}

TEST_F(RecordTableTest, DeleteOfAPagedRecordRemovesEveryKeyItOwns) {
  Record r = Sample(7, 1000);
  r.tier = Tier::kPixels;
  r.page = {40, 3, 2};  // item 3 of page 40, continued on page 41
  r.expires_at = 5000;
  r.version = 3;
  PageRemovals pages;
  rocksdb::WriteBatch batch;
  table_.Delete(r, kFlagTextZstd, nullptr, &batch, &pages);
  uint8_t pixels = static_cast<uint8_t>(Tier::kPixels);
  EXPECT_EQ(Keys(&batch),
            (std::multiset<Entry>{
                {Id(kRecords), 'D', RecordKey(7)},
                {Id(kIndex), 'D', TimeIndexKey("t", "agent", 1000, 7)},
                {Id(kIndex), 'D', AgeKey(pixels, 1000, 7)},
                {Id(kHistory), 'D', HistoryKey(7, 1)},
                {Id(kHistory), 'D', HistoryKey(7, 2)},
                {Id(kPostings), 'D', EmbeddingKey("t", "agent", 7)},
                {Id(kIndex), 'D', ExpiryKey(5000, 7)},
                {Id(kIndex), 'D', ExpiryPageKey(40, 7)},
                {Id(kIndex), 'D', ExpiryPageKey(41, 7)},
                {Id(kPages), 'D', LiveKey(40, 7)},
                {Id(kPages), 'D', LiveKey(41, 7)}}));
  EXPECT_EQ(pages, (PageRemovals{{40, {7}}, {41, {7}}}));
}

TEST_F(RecordTableTest, AttachAndDetachMoveLiveSetAgeAndExpiryKeys) {
  Record warm = Sample(7, 1000);
  warm.tier = Tier::kWarm;
  warm.expires_at = 5000;
  Record paged = warm;
  paged.tier = Tier::kPixels;
  paged.page = {40, 0, 2};
  rocksdb::WriteBatch attach;
  ASSERT_TRUE(
      table_.AttachToPage(warm, kFlagTextZstd, paged, kFlagTextZstd, &attach)
          .ok());
  uint8_t w = static_cast<uint8_t>(Tier::kWarm);
  uint8_t p = static_cast<uint8_t>(Tier::kPixels);
  EXPECT_EQ(Keys(&attach),
            (std::multiset<Entry>{
                {Id(kRecords), 'P', RecordKey(7)},
                {Id(kIndex), 'P', TimeIndexKey("t", "agent", 1000, 7)},
                {Id(kIndex), 'D', AgeKey(w, 1000, 7)},
                {Id(kIndex), 'P', AgeKey(p, 1000, 7)},
                {Id(kPages), 'P', LiveKey(40, 7)},
                {Id(kPages), 'P', LiveKey(41, 7)},
                {Id(kIndex), 'P', ExpiryKey(5000, 7)},
                {Id(kIndex), 'P', ExpiryPageKey(40, 7)},
                {Id(kIndex), 'P', ExpiryPageKey(41, 7)}}));
  Write(&attach);
  std::vector<RecordId> live;
  ASSERT_TRUE(table_.LiveSet(rocksdb::ReadOptions(), 41, &live).ok());
  EXPECT_EQ(live, std::vector<RecordId>{7});
  std::vector<ExpiredEntry> due;
  ASSERT_TRUE(
      table_.ExpiredEntries(rocksdb::ReadOptions(), 6000, 10, &due, "").ok());
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, 7u);

  PageRemovals left;
  rocksdb::WriteBatch detach;
  ASSERT_TRUE(
      table_.DetachFromPages(paged, kFlagTextZstd, &detach, &left).ok());
  Write(&detach);
  EXPECT_EQ(left, (PageRemovals{{40, {7}}, {41, {7}}}));
  ASSERT_TRUE(table_.LiveSet(rocksdb::ReadOptions(), 40, &live).ok());
  EXPECT_TRUE(live.empty());
  ASSERT_TRUE(
      table_.ExpiredEntries(rocksdb::ReadOptions(), 6000, 10, &due, "").ok());
  EXPECT_TRUE(due.empty());
  Record read;
  ASSERT_TRUE(table_.Get(rocksdb::ReadOptions(), 7, &read).ok());
  EXPECT_EQ(read.tier, Tier::kWarm);
  EXPECT_FALSE(read.page.valid());
  EXPECT_EQ(read.text, warm.text);  // stored compressed, read back whole
  std::vector<RecordId> walked;
  ASSERT_TRUE(table_
                  .AgeWalk(w, 2000, "",
                           [&](std::string_view, Micros, RecordId id) {
                             walked.push_back(id);
                             return Status::OK();
                           })
                  .ok());
  EXPECT_EQ(walked, std::vector<RecordId>{7});
}

TEST_F(RecordTableTest, CountersRoundTripAndRejectMalformedValues) {
  uint64_t value = 1;
  bool found = true;
  ASSERT_TRUE(
      table_.GetCounter(rocksdb::ReadOptions(), kNextIdKey, &value, &found)
          .ok());
  EXPECT_FALSE(found);
  EXPECT_EQ(value, 0u);
  rocksdb::WriteBatch batch;
  table_.PutCounter(kNextIdKey, 42, &batch);
  Write(&batch);
  ASSERT_TRUE(
      table_.GetCounter(rocksdb::ReadOptions(), kNextIdKey, &value, &found)
          .ok());
  EXPECT_TRUE(found);
  EXPECT_EQ(value, 42u);
  ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), handles_[kDefault],
                       kAgeWatermarkKey, "short")
                  .ok());
  Status s =
      table_.GetCounter(rocksdb::ReadOptions(), kAgeWatermarkKey, &value);
  EXPECT_TRUE(s.IsCorruption()) << s.message();
  EXPECT_NE(s.message().find(kAgeWatermarkKey), std::string::npos);
}

}  // namespace
}  // namespace mnemo::internal
