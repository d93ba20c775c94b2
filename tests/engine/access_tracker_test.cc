// Copyright (c) mnemo authors.
//
// AccessTracker: the in-memory read counts Get gathers between flushes.
// Enough ids to grow every shard's table several times, repeats, and the
// Restore path a failed flush takes.

#include "access_tracker.h"

#include <gtest/gtest.h>

#include <map>

namespace mnemo::internal {
namespace {

using Totals = std::map<RecordId, AccessTracker::Counts>;

Totals Collect(
    const std::vector<std::pair<RecordId, AccessTracker::Counts>>& v) {
  Totals out;
  for (const auto& [id, c] : v) {
    EXPECT_EQ(out.count(id), 0u) << "id " << id << " drained twice";
    out[id] = c;
  }
  return out;
}

TEST(AccessTrackerTest, CountsEveryReadAcrossTableGrowth) {
  AccessTracker tracker;
  Totals expected;
  // 50k ids (each shard's table grows from 1024 slots several times),
  // every third id read twice, times out of order.
  for (RecordId id = 1; id <= 50000; ++id) {
    const Micros t = static_cast<Micros>((id * 7919) % 100000);
    tracker.Record(id, t);
    expected[id] = {1, t};
    if (id % 3 == 0) {
      tracker.Record(id, t / 2);
      expected[id].count = 2;
    }
  }
  Totals got = Collect(tracker.Drain());
  ASSERT_EQ(got.size(), expected.size());
  for (const auto& [id, c] : expected) {
    ASSERT_EQ(got[id].count, c.count) << "id " << id;
    ASSERT_EQ(got[id].last, c.last) << "id " << id;
  }
  EXPECT_TRUE(tracker.Drain().empty());  // drained means gone
}

TEST(AccessTrackerTest, RestoreAddsToCountsGatheredSince) {
  AccessTracker tracker;
  tracker.Record(5, 100);
  tracker.Record(6, 50);
  auto first = tracker.Drain();
  tracker.Record(5, 80);  // read again while the flush failed
  tracker.Restore(first);
  Totals got = Collect(tracker.Drain());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[5].count, 2u);
  EXPECT_EQ(got[5].last, 100);
  EXPECT_EQ(got[6].count, 1u);
  EXPECT_EQ(got[6].last, 50);
}

}  // namespace
}  // namespace mnemo::internal

namespace mnemo::internal {
namespace {

// The pending stage: counts added, looked up one by one and in groups
// (grouped by shard, more ids than one group), subtracted, and kept across
// a Drain of the unflushed stage.
TEST(AccessTrackerTest, PendingCountsAreFoundOneByOneAndInGroups) {
  AccessTracker tracker;
  AccessTracker::IdCounts written;
  for (RecordId id = 1; id <= 300; id += 2) {
    written.emplace_back(id, AccessTracker::Counts{id, Micros(id * 10)});
  }
  tracker.AddPending(written);
  tracker.Record(2, 5);  // unflushed only
  EXPECT_EQ(tracker.pending_ids(), written.size());
  std::vector<RecordId> ids;
  for (RecordId id = 0; id <= 301; ++id) ids.push_back(id);
  std::vector<AccessTracker::Counts> many(ids.size());
  tracker.PendingMany(ids.data(), ids.size(), many.data());
  for (size_t i = 0; i < ids.size(); ++i) {
    const RecordId id = ids[i];
    const uint64_t want = id % 2 == 1 && id <= 300 ? id : 0;
    ASSERT_EQ(many[i].count, want) << "id " << id;
    ASSERT_EQ(tracker.Pending(id).count, want) << "id " << id;
  }
  ASSERT_EQ(tracker.Drain().size(), 1u);  // id 2's read; pending stays
  EXPECT_EQ(tracker.Pending(7).count, 7u);
  tracker.SubtractPending({{7, {7, 0}}, {9, {4, 0}}});
  EXPECT_EQ(tracker.Pending(7).count, 0u);
  EXPECT_EQ(tracker.Pending(9).count, 5u);
  EXPECT_EQ(tracker.Pending(9).last, 90);
  EXPECT_EQ(tracker.pending_ids(), written.size() - 1);
}

// One pending id among many counted (unflushed) ones, in a group of ids
// spread over every shard: only that id reports pending counts, and none
// does once they are subtracted.
TEST(AccessTrackerTest, OnePendingIdAmongUnflushedOnes) {
  AccessTracker tracker;
  std::vector<RecordId> ids;
  for (RecordId id = 1; id <= 200; ++id) {
    tracker.Record(id, Micros(id));
    ids.push_back(id);
  }
  tracker.AddPending({{77, {4, 700}}});
  std::vector<AccessTracker::Counts> many(ids.size());
  tracker.PendingMany(ids.data(), ids.size(), many.data());
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(many[i].count, ids[i] == 77 ? 4u : 0u) << "id " << ids[i];
    EXPECT_EQ(many[i].last, ids[i] == 77 ? 700 : 0) << "id " << ids[i];
  }
  tracker.SubtractPending({{77, {4, 0}}});
  tracker.PendingMany(ids.data(), ids.size(), many.data());
  for (const auto& c : many) EXPECT_EQ(c.count, 0u);
}

}  // namespace
}  // namespace mnemo::internal
