// Copyright (c) mnemo authors.
//
// RecordTable's key sets on the format 3 layout: each named mutation
// appends exactly the keys record_table.h lists (read back from the batch),
// and what it writes reads back through the table's own reads. A second
// layout must pass the read-back half unchanged.

#include "record_table.h"

#include <gtest/gtest.h>

#include <map>
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
#include "record_table_fixture.h"
#include "record_table_ids.h"
#include "record_table_migrate.h"
#include "record_table_pending.h"
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

class RecordTableTest : public RecordTableFixture {
 protected:
  void SetUp() override {
    RecordTableFixture::SetUp();
    text_.Attach(&table_);
    ASSERT_TRUE(text_.Load().ok());
    ASSERT_TRUE(table_.LoadSlots().ok());
  }

  uint32_t Id(Family f) const { return handles_[f]->GetID(); }
  void InsertFlushMoveDelete(bool late);
  std::multiset<Entry> Keys(rocksdb::WriteBatch* batch) {
    Recorder r;
    EXPECT_TRUE(batch->Iterate(&r).ok());
    return r.entries;
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
};

TEST_F(RecordTableTest, InsertWritesRecordTimeEntryAndFirstNamespaceKey) {
  Record r = Sample(7, 1000);
  std::unordered_set<std::string> known;
  std::vector<std::string> added;
  rocksdb::WriteBatch batch;
  ASSERT_TRUE(table_.Insert(r, known, &added, &batch).ok());
  Record second = Sample(8, 2000);
  ASSERT_TRUE(table_.Insert(second, known, &added, &batch).ok());
  // The agent's first write allocated slot 1 (outside the batch).
  EXPECT_EQ(Keys(&batch),
            (std::multiset<Entry>{
                {Id(kRecords), 'P', ClusteredKey(1, 1000, 7)},
                {Id(kIds), 'M', IdsBlockKey(7)},
                {Id(kIndex), 'P', NamespaceKey(r.ns)},
                {Id(kRecords), 'P', ClusteredKey(1, 2000, 8)},
                {Id(kIds), 'M', IdsBlockKey(8)}}));
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
                {Id(kRecords), 'D', ClusteredKey(1, 1000, 7)},
                {Id(kRecords), 'P', ClusteredKey(1, 3000, 7)},
                {Id(kIds), 'M', IdsBlockKey(7)},
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

// An Update that changes the text drops the encoder feed's vector and
// queues the record ('r'); the host's vector (no feed bit) stays.
TEST_F(RecordTableTest, UpdateQueuesATextWhoseFeedVectorIsStale) {
  for (uint8_t type : {uint8_t{kFeedMadeVectorBit}, uint8_t{0}}) {
    RecordId id = type == 0 ? 8 : 7;
    Record old = Sample(id, 1000);
    std::unordered_set<std::string> known;
    std::vector<std::string> added;
    rocksdb::WriteBatch insert;
    ASSERT_TRUE(table_.Insert(old, known, &added, &insert).ok());
    std::string vector(1, static_cast<char>(type));
    vector += std::string("\x01\0\0\0", 4) + std::string(4, '\0');
    std::string key = EmbeddingKey("t", "agent", id);
    table_.vectors().Put(key, vector, &insert);
    Write(&insert);
    Record next = old;
    next.version = 2;
    next.text = "the agency never called";
    PageRemovals pages;
    rocksdb::WriteBatch batch;
    ASSERT_TRUE(table_.Update(old, 0, next, nullptr, &batch, &pages).ok());
    std::multiset<Entry> keys = Keys(&batch);
    bool feed = type != 0;
    EXPECT_EQ(keys.count({Id(kPostings), 'D', key}), feed ? 1u : 0u);
    EXPECT_EQ(keys.count({Id(kPostings), 'P', PendingTextKey(id)}),
              feed ? 1u : 0u);
    Write(&batch);
    std::vector<RecordId> queued;
    ASSERT_TRUE(table_.vectors()
                    .PendingTexts(rocksdb::ReadOptions(), 0, 10, &queued)
                    .ok());
    EXPECT_EQ(queued, std::vector<RecordId>{7});
  }
}

TEST_F(RecordTableTest, DeleteOfAPagedRecordRemovesEveryKeyItOwns) {
  Record r = Sample(7, 1000);
  r.tier = Tier::kPixels;
  r.page = {40, 3, 2};  // item 3 of page 40, continued on page 41
  r.expires_at = 5000;
  r.version = 3;
  uint32_t slot = 0;
  ASSERT_TRUE(table_.SlotOf("t", "agent", /*create=*/true, &slot).ok());
  PageRemovals pages;
  rocksdb::WriteBatch batch;
  table_.Delete(r, kFlagTextZstd, nullptr, &batch, &pages);
  uint8_t pixels = static_cast<uint8_t>(Tier::kPixels);
  EXPECT_EQ(Keys(&batch),
            (std::multiset<Entry>{
                {Id(kRecords), 'D', ClusteredKey(slot, 1000, 7)},
                {Id(kIds), 'M', IdsBlockKey(7)},
                {Id(kIndex), 'D', AgeKey(pixels, 1000, 7)},
                {Id(kHistory), 'D', HistoryKey(7, 1)},
                {Id(kHistory), 'D', HistoryKey(7, 2)},
                {Id(kPostings), 'D', EmbeddingKey("t", "agent", 7)},
                {Id(kIndex), 'D', ExpiryKey(5000, 7)},
                {Id(kIndex), 'D', ExpiryPageKey(40, 7)},
                {Id(kIndex), 'D', ExpiryPageKey(41, 7)},
                {Id(kPages), 'D', LiveKey(40, 7)},
                {Id(kPages), 'D', LiveKey(41, 7)},
                {Id(kAccess), 'D', RecordKey(7)}}));  // unfolded counts
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
                {Id(kRecords), 'P', ClusteredKey(1, 1000, 7)},
                {Id(kIds), 'M', IdsBlockKey(7)},
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

TEST_F(RecordTableTest, SlotsAreDenseStableAndSurviveAReload) {
  uint32_t a = 0, b = 0, again = 0, none = 7;
  bool found = true;
  ASSERT_TRUE(table_.SlotOf("t", "x", false, &none, &found).ok());
  EXPECT_FALSE(found);
  ASSERT_TRUE(table_.SlotOf("t", "a", true, &a).ok());
  ASSERT_TRUE(table_.SlotOf("t", "b", true, &b).ok());
  ASSERT_TRUE(table_.SlotOf("t", "a", true, &again).ok());
  EXPECT_EQ(a, 1u);
  EXPECT_EQ(b, 2u);
  EXPECT_EQ(again, a);
  // "t\0a" and "t" "\0a"-like names must not collide: tenant and agent
  // are separated by NUL, which names never contain.
  ASSERT_TRUE(table_.LoadSlots().ok());
  ASSERT_TRUE(table_.SlotOf("t", "b", false, &again, &found).ok());
  EXPECT_TRUE(found);
  EXPECT_EQ(again, b);
  uint32_t c = 0;
  ASSERT_TRUE(table_.SlotOf("u", "a", true, &c).ok());
  EXPECT_EQ(c, 3u);  // after a reload, no slot is handed out twice
}

TEST_F(RecordTableTest, IdOrderedReadsGoThroughIds) {
  std::unordered_set<std::string> known;
  std::vector<std::string> added;
  rocksdb::WriteBatch batch;
  // Ids in one order, event times in the other, over two agents.
  for (RecordId id = 1; id <= 6; ++id) {
    Record r = Sample(id, 10000 - static_cast<Micros>(id) * 10);
    if (id % 2 == 0) r.ns.agent = "other";
    ASSERT_TRUE(table_.Insert(r, known, &added, &batch).ok());
  }
  Write(&batch);
  std::vector<RecordId> seen;
  ASSERT_TRUE(
      table_
          .ForEachIdRange(rocksdb::ReadOptions(), 1, 5,
                          [&](const KeyFields& key, std::string_view v) {
                            EXPECT_GE(v.size(), kMinV3Size);
                            EXPECT_EQ(v[0], char{kEnvelopeV3});
                            seen.push_back(key.id);
                            return key.id < 4;
                          })
          .ok());
  EXPECT_EQ(seen, (std::vector<RecordId>{2, 3, 4}));
  seen.clear();
  ASSERT_TRUE(table_
                  .GetMany(rocksdb::ReadOptions(), {1, 3, 6, 9},
                           [&](const KeyFields& key, std::string_view) {
                             seen.push_back(key.id);
                           })
                  .ok());
  EXPECT_EQ(seen, (std::vector<RecordId>{1, 3, 6}));
  RecordId last = 0;
  ASSERT_TRUE(table_.LastId(&last).ok());
  EXPECT_EQ(last, 6u);

  // An ids entry whose record is gone (the TTL filter drops records, not
  // ids entries) reads as NotFound and is not a verify problem.
  uint32_t slot = 0;
  ASSERT_TRUE(table_.SlotOf("t", "agent", false, &slot).ok());
  ASSERT_TRUE(db_->Delete(rocksdb::WriteOptions(), handles_[kRecords],
                          ClusteredKey(slot, 10000 - 30, 3))
                  .ok());
  Record read;
  EXPECT_TRUE(table_.Get(rocksdb::ReadOptions(), 3, &read).IsNotFound());
  uint64_t checked = 0;
  int dangling = 0;
  ASSERT_TRUE(table_
                  .CheckIndexEntries(
                      rocksdb::ReadOptions(),
                      [&](RecordId, const std::string&) { ++dangling; },
                      nullptr, &checked)
                  .ok());
  EXPECT_EQ(checked, 6u);
  EXPECT_EQ(dangling, 0);
  // A malformed ids entry (a key of no block) is reported.
  ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), handles_[kIds], RecordKey(99),
                       "short")
                  .ok());
  std::string why;
  ASSERT_TRUE(table_
                  .CheckIndexEntries(
                      rocksdb::ReadOptions(),
                      [&](RecordId, const std::string& w) { why = w; },
                      nullptr, &checked)
                  .ok());
  EXPECT_EQ(why, "malformed ids entry");
}

// New records' ids entries (the store's Insert with stamps) wait
// (record_table_pending.h): the inserts' batch holds only the records and
// reads find the waiting entries; the flush writes one insert-flagged
// Merge per block of 64 ids with the watermark. A deleted id leaves the
// walks and LastId, and a moved one is found at its new time.
// With `late`, the flush comes after a move and two deletes of the same
// ids, whose entries its insert entries must not undo.
TEST_F(RecordTableTest, NewRecordsIdsEntriesWaitThenGoOutOnePerBlock) {
  InsertFlushMoveDelete(/*late=*/false);
}

TEST_F(RecordTableTest, LateInsertEntriesNeverUndoAMoveOrDelete) {
  InsertFlushMoveDelete(/*late=*/true);
}

void RecordTableTest::InsertFlushMoveDelete(bool late) {
  std::unordered_set<std::string> known;
  std::vector<std::string> added;
  rocksdb::WriteBatch batch;
  IdsOperand new_ids;
  new_ids.set_deferred(true);
  std::vector<Record> records;
  for (RecordId id = 60; id < 70; ++id) {  // blocks 0 (60..63) and 1
    Record r = Sample(0, 0);
    if (id % 3 == 0) r.ns.agent = "other";
    NewRecordStamp stamp;
    stamp.id = id;
    stamp.event_time = 5000 - static_cast<Micros>(id);
    stamp.now = 7000;
    ASSERT_TRUE(table_.Insert(r, stamp, known, 0, &added, &new_ids, &batch)
                    .ok());
    r.id = id;
    r.event_time = stamp.event_time;
    records.push_back(r);
  }
  table_.FinishInserts(&new_ids, &batch);
  for (const Entry& e : Keys(&batch)) EXPECT_NE(std::get<0>(e), Id(kIds));
  EXPECT_EQ(table_.pending_ids(), 10u);
  Write(&batch);
  auto check_all = [&] {
    for (const Record& r : records) {
      Record read;
      ASSERT_TRUE(table_.Get(rocksdb::ReadOptions(), r.id, &read).ok())
          << r.id;
      EXPECT_EQ(read.event_time, r.event_time);
      EXPECT_EQ(read.ns.agent, r.ns.agent);
      RecordTable::IndexState state;
      ASSERT_TRUE(
          table_.CheckIndexOf(rocksdb::ReadOptions(), read, &state, nullptr)
              .ok());
      EXPECT_EQ(state, RecordTable::IndexState::kOk) << r.id;
    }
  };
  check_all();  // from the waiting entries
  rocksdb::WriteBatch flush;
  auto take = [&] {
    ASSERT_TRUE(table_.TakePendingIds(69, &flush));
    EXPECT_FALSE(table_.TakePendingIds(69, &flush)) << "nothing left";
    std::multiset<Entry> ids_keys;
    for (const Entry& e : Keys(&flush)) {
      if (std::get<0>(e) != Id(kDefault)) ids_keys.insert(e);
    }
    EXPECT_EQ(ids_keys,
              (std::multiset<Entry>{{Id(kIds), 'M', IdsBlockKey(60)},
                                    {Id(kIds), 'M', IdsBlockKey(64)}}));
    EXPECT_NE(IdsBlockKey(63), IdsBlockKey(64));
    Write(&flush);
    table_.PendingIdsWritten(true);
    EXPECT_EQ(table_.pending_ids(), 0u);
    RecordId mark = 0;
    ASSERT_TRUE(
        table_.GetCounter(rocksdb::ReadOptions(), kIdsDurableKey, &mark).ok());
    EXPECT_EQ(mark, 69u);
  };
  if (!late) {
    take();
    check_all();  // from the ids family
  }
  // Move 61 in time, delete 69 and 62.
  Record old;
  ASSERT_TRUE(table_.Get(rocksdb::ReadOptions(), 61, &old).ok());
  Record moved = old;
  moved.event_time = 123;
  rocksdb::WriteBatch change;
  ASSERT_TRUE(table_.Rewrite(old, 0, moved, 0, &change, nullptr).ok());
  for (RecordId id : {69, 62}) {
    Record gone;
    ASSERT_TRUE(table_.Get(rocksdb::ReadOptions(), id, &gone).ok());
    table_.Delete(gone, 0, nullptr, &change, nullptr);
  }
  Write(&change);
  // GetMany asks no location hints: the moved record is found where the
  // ids family says, not where its waiting insert entry said.
  auto get_many = [&] {
    std::map<RecordId, Micros> got;
    std::vector<RecordId> all;
    for (const Record& r : records) all.push_back(r.id);
    EXPECT_TRUE(table_
                    .GetMany(rocksdb::ReadOptions(), all,
                             [&](const KeyFields& key, std::string_view value) {
                               Record r;
                               EXPECT_TRUE(
                                   table_.Decode(value, key, &r, nullptr).ok());
                               EXPECT_EQ(r.id, key.id);
                               got[key.id] = r.event_time;
                             })
                    .ok());
    EXPECT_EQ(got.size(), 8u);
    EXPECT_EQ(got[61], 123);
    EXPECT_EQ(got.count(62), 0u);
  };
  get_many();
  if (late) take();
  get_many();
  for (bool flushed : {false, true}) {
    if (flushed) {
      ASSERT_TRUE(db_->Flush(rocksdb::FlushOptions()).ok());  // folds
    }
    Record read;
    ASSERT_TRUE(table_.Get(rocksdb::ReadOptions(), 61, &read).ok());
    EXPECT_EQ(read.event_time, 123);
    EXPECT_TRUE(table_.Get(rocksdb::ReadOptions(), 62, &read).IsNotFound());
    EXPECT_TRUE(table_.Get(rocksdb::ReadOptions(), 69, &read).IsNotFound());
    std::vector<RecordId> seen;
    ASSERT_TRUE(table_
                    .ForEachId(rocksdb::ReadOptions(), 0, kMaxRecordId,
                               [&](RecordId id) {
                                 seen.push_back(id);
                                 return true;
                               })
                    .ok());
    EXPECT_EQ(seen, (std::vector<RecordId>{60, 61, 63, 64, 65, 66, 67, 68}));
  }
  RecordId last = 0;
  ASSERT_TRUE(table_.LastId(&last).ok());
  EXPECT_EQ(last, 68u);
  uint64_t checked = 0;
  int dangling = 0;
  ASSERT_TRUE(table_
                  .CheckIndexEntries(
                      rocksdb::ReadOptions(),
                      [&](RecordId, const std::string&) { ++dangling; },
                      nullptr, &checked)
                  .ok());
  EXPECT_EQ(checked, 8u);
  EXPECT_EQ(dangling, 0);
}

// The waiting entries' own life: found while waiting and while a flush
// writes them, one flush at a time, back for the next flush when a write
// fails, gone (and the generation moved on) once written.
TEST(PendingIdsTest, FlushTakesEverythingOnceAndAFailedOneGivesItBack) {
  PendingIds pending;
  const std::string loc_a(kLocationSize, 'a'), loc_b(kLocationSize, 'b');
  std::string found;
  EXPECT_FALSE(pending.Find(7, &found));
  pending.Add(9, loc_b);
  pending.Add(7, loc_a);
  std::vector<PendingIds::Entry> taken;
  ASSERT_TRUE(pending.Take(&taken));
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[0].id, 7u) << "sorted by id";
  pending.Add(8, loc_b);
  std::vector<PendingIds::Entry> again;
  EXPECT_FALSE(pending.Take(&again)) << "one flush at a time";
  ASSERT_TRUE(pending.Find(7, &found));  // while being written
  EXPECT_EQ(found, loc_a);
  const std::vector<PendingIds::Entry> range = pending.Range(7, 9);
  ASSERT_EQ(range.size(), 2u);
  EXPECT_EQ(range[0].id, 8u);
  EXPECT_EQ(range[1].id, 9u);
  const uint64_t generation = pending.generation();
  pending.Done(false);  // the write failed: all three wait
  EXPECT_EQ(pending.generation(), generation);
  ASSERT_TRUE(pending.Take(&again));
  EXPECT_EQ(again.size(), 3u);
  pending.Done(true);
  EXPECT_NE(pending.generation(), generation);
  EXPECT_EQ(pending.size(), 0u);
  EXPECT_FALSE(pending.Find(9, &found));
  EXPECT_FALSE(pending.Take(&again));
}

// A damaged ids block (a bit flipped in an offset byte): V2 reports each
// of its records, V4 the block, and their repairs in one batch (V2's
// first, as Verify appends them) give every record its entry back.
TEST_F(RecordTableTest, RepairRewritesADamagedIdsBlock) {
  std::unordered_set<std::string> known;
  std::vector<std::string> added;
  rocksdb::WriteBatch batch;
  std::vector<Record> records;
  for (RecordId id = 1; id <= 5; ++id) {
    records.push_back(Sample(id, 1000 * static_cast<Micros>(id)));
    ASSERT_TRUE(table_.Insert(records.back(), known, &added, &batch).ok());
  }
  Write(&batch);
  std::string block;
  ASSERT_TRUE(
      db_->Get(rocksdb::ReadOptions(), handles_[kIds], IdsBlockKey(1), &block)
          .ok());
  ASSERT_EQ(block.size(), 5 * kIdsEntrySize);
  block[2 * kIdsEntrySize] = 0x7f;  // the third entry's offset, out of range
  ASSERT_TRUE(
      db_->Put(rocksdb::WriteOptions(), handles_[kIds], IdsBlockKey(1), block)
          .ok());
  rocksdb::WriteBatch repair;
  for (const Record& r : records) {
    RecordTable::IndexState state;
    ASSERT_TRUE(
        table_.CheckIndexOf(rocksdb::ReadOptions(), r, &state, &repair).ok());
    EXPECT_EQ(state, RecordTable::IndexState::kMismatch) << r.id;
  }
  uint64_t checked = 0;
  int dangling = 0;
  ASSERT_TRUE(table_
                  .CheckIndexEntries(
                      rocksdb::ReadOptions(),
                      [&](RecordId, const std::string&) { ++dangling; },
                      &repair, &checked)
                  .ok());
  EXPECT_EQ(dangling, 1);
  Write(&repair);
  for (const Record& r : records) {
    Record read;
    ASSERT_TRUE(table_.Get(rocksdb::ReadOptions(), r.id, &read).ok()) << r.id;
    EXPECT_EQ(read.event_time, r.event_time);
    RecordTable::IndexState state;
    ASSERT_TRUE(
        table_.CheckIndexOf(rocksdb::ReadOptions(), r, &state, nullptr).ok());
    EXPECT_EQ(state, RecordTable::IndexState::kOk) << r.id;
  }
  dangling = 0;
  checked = 0;
  ASSERT_TRUE(table_
                  .CheckIndexEntries(
                      rocksdb::ReadOptions(),
                      [&](RecordId, const std::string&) { ++dangling; },
                      nullptr, &checked)
                  .ok());
  EXPECT_EQ(dangling, 0);
  EXPECT_EQ(checked, 5u);
}

// Format 2 ids entries (id(8) -> location) regrouped into blocks a batch
// at a time; a stopped migration resumes from its note.
TEST_F(RecordTableTest, MigrationRegroupsFormatTwoIdsEntries) {
  std::unordered_set<std::string> known;
  std::vector<std::string> added;
  rocksdb::WriteBatch v2;
  uint32_t slot = 0;
  ASSERT_TRUE(table_.SlotOf("t", "agent", true, &slot).ok());
  for (RecordId id = 62; id <= 67; ++id) {
    Record r = Sample(id, 1000 * static_cast<Micros>(id));
    std::string value, location;
    EncodeEnvelope(r, 0, &value);
    AppendLocation(slot, r.event_time, &location);
    (void)v2.Put(handles_[kRecords], ClusteredKey(slot, r.event_time, id),
                 value);
    (void)v2.Put(handles_[kIds], RecordKey(id), location);
  }
  Write(&v2);
  bool done = true;
  uint64_t moved = 0;
  ASSERT_TRUE(table_.Migration().FromFormat2(4, 1, &done, &moved).ok());
  EXPECT_FALSE(done);
  EXPECT_EQ(moved, 4u);
  uint64_t note = 0;
  ASSERT_TRUE(
      table_.GetCounter(rocksdb::ReadOptions(), kMigrateV3Key, &note).ok());
  EXPECT_EQ(note, 65u);
  Record read;
  ASSERT_TRUE(table_.Get(rocksdb::ReadOptions(), 63, &read).ok());
  ASSERT_TRUE(table_.Migration().FromFormat2(4, 0, &done, &moved).ok());
  EXPECT_TRUE(done);
  EXPECT_EQ(moved, 6u);
  bool found = true;
  ASSERT_TRUE(table_.GetCounter(rocksdb::ReadOptions(), kMigrateV3Key, &note,
                                &found)
                  .ok());
  EXPECT_FALSE(found);
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), handles_[kIds]));
  std::vector<std::string> keys;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    keys.push_back(it->key().ToString());
  }
  EXPECT_EQ(keys, (std::vector<std::string>{IdsBlockKey(62), IdsBlockKey(64)}));
  for (RecordId id = 62; id <= 67; ++id) {
    ASSERT_TRUE(table_.Get(rocksdb::ReadOptions(), id, &read).ok()) << id;
    EXPECT_EQ(read.event_time, 1000 * static_cast<Micros>(id));
  }
}

// Format 1 keys written raw, then moved a batch at a time.
TEST_F(RecordTableTest, MigrationMovesFormatOneRecordsInResumableBatches) {
  rocksdb::WriteBatch v1;
  for (RecordId id = 1; id <= 5; ++id) {
    Record r = Sample(id, 1000 * static_cast<Micros>(id));
    std::string value, entry;
    EncodeEnvelope(r, 0, &value);
    EncodeIndexEntry(r, &entry);
    (void)v1.Put(handles_[kRecords], RecordKey(id), value);
    (void)v1.Put(handles_[kIndex],
                 TimeIndexKey("t", "agent", r.event_time, id), entry);
  }
  (void)v1.Put(handles_[kRecords], RecordKey(6), AccessOperand(2, 5));
  // A 't' key whose record the TTL filter dropped.
  (void)v1.Put(handles_[kIndex], TimeIndexKey("t", "agent", 9, 9), "x");
  Write(&v1);

  bool done = true;
  uint64_t moved = 0;
  ASSERT_TRUE(table_.Migration().FromFormat1(2, 1, &done, &moved).ok());
  EXPECT_FALSE(done);
  EXPECT_EQ(moved, 2u);
  uint64_t note = 0;
  ASSERT_TRUE(
      table_.GetCounter(rocksdb::ReadOptions(), kMigrateV2Key, &note).ok());
  EXPECT_EQ(note, 2u);
  Record read;
  ASSERT_TRUE(table_.Get(rocksdb::ReadOptions(), 2, &read).ok());
  EXPECT_TRUE(table_.Get(rocksdb::ReadOptions(), 3, &read).IsNotFound());
  // Resumed (a reload of the slots first, as a new open would).
  ASSERT_TRUE(table_.LoadSlots().ok());
  ASSERT_TRUE(table_.Migration().FromFormat1(2, 0, &done, &moved).ok());
  EXPECT_TRUE(done);
  EXPECT_EQ(moved, 6u);  // 5 records and the orphan counts
  bool found = true;
  ASSERT_TRUE(table_.GetCounter(rocksdb::ReadOptions(), kMigrateV2Key, &note,
                                &found)
                  .ok());
  EXPECT_FALSE(found);
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), handles_[kRecords]));
  size_t count = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++count) {
    EXPECT_EQ(it->key().size(), kClusteredKeySize);
  }
  EXPECT_EQ(count, 5u);
  it.reset(db_->NewIterator(rocksdb::ReadOptions(), handles_[kIndex]));
  it->Seek("t");
  EXPECT_TRUE(!it->Valid() || it->key()[0] != 't');
  std::vector<Record> scanned;
  bool more = true;
  std::string last;
  AgentRange range{"t", "agent", 2000, 5000, false, ""};
  ASSERT_TRUE(table_
                  .ScanAgent(
                      rocksdb::ReadOptions(), range,
                      [](const ScanEntry&) { return true; }, 2, &scanned,
                      &more, &last)
                  .ok());
  ASSERT_EQ(scanned.size(), 2u);
  EXPECT_EQ(scanned[0].id, 2u);
  EXPECT_TRUE(more);
  // The position is "time id", the suffix a format-1 cursor held.
  std::string tkey = TimeIndexKey("t", "agent", 3000, 3);
  EXPECT_EQ(last, tkey.substr(tkey.size() - 16));
}

}  // namespace
}  // namespace mnemo::internal
