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
