// Copyright (c) mnemo authors.
//
// LocationHints (record_table_hints.h): what is put is found with its own
// location, erased ids miss, and the tables stay within their bound
// (Options::location_hint_bytes) however many ids arrive.

#include "record_table_hints.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "coding.h"

namespace mnemo::internal {
namespace {

constexpr size_t kLocation = 12;

// A location that names its id, so a hit can be checked byte for byte.
std::string LocationOf(RecordId id) {
  std::string loc(4, '\x01');
  PutBigEndian64(&loc, id * 7);
  return loc;
}

std::string KeyOf(RecordId id) {
  std::string key = LocationOf(id);
  PutBigEndian64(&key, id);
  return key;
}

// Ids spaced like the store's (a clock part and a counter).
RecordId IdAt(uint64_t i) { return (uint64_t{1} << 40) + i * 1699; }

size_t Hits(const LocationHints& hints, uint64_t n) {
  size_t hits = 0;
  std::string key;
  for (uint64_t i = 0; i < n; ++i) {
    if (!hints.Find(IdAt(i), &key)) continue;
    EXPECT_EQ(key, KeyOf(IdAt(i))) << "id " << IdAt(i);
    ++hits;
  }
  return hits;
}

TEST(LocationHintsTest, PutIsFoundWithItsLocationAndEraseForgetsIt) {
  LocationHints hints(size_t{1} << 20);
  std::string key;
  EXPECT_FALSE(hints.Find(IdAt(1), &key));
  EXPECT_FALSE(hints.Find(0, &key));  // 0 is never an id
  hints.Put(IdAt(1), LocationOf(IdAt(1)));
  hints.Put(IdAt(2), LocationOf(IdAt(2)));
  ASSERT_TRUE(hints.Find(IdAt(1), &key));
  EXPECT_EQ(key, KeyOf(IdAt(1)));
  // A record that moved: the new location replaces the old one.
  hints.Put(IdAt(1), LocationOf(IdAt(9)));
  ASSERT_TRUE(hints.Find(IdAt(1), &key));
  EXPECT_EQ(key.substr(0, kLocation), LocationOf(IdAt(9)));
  hints.Erase(IdAt(1));
  EXPECT_FALSE(hints.Find(IdAt(1), &key));
  EXPECT_TRUE(hints.Find(IdAt(2), &key));
  // A location of the wrong size is not a hint.
  hints.Put(IdAt(3), "short");
  EXPECT_FALSE(hints.Find(IdAt(3), &key));
}

TEST(LocationHintsTest, TablesGrowToTheBoundAndNoFurther) {
  // 64 shards of 64-byte buckets, 3 ids each. The smallest bound is
  // 12 buckets a shard (48 KiB, 2,304 ids); 1 MiB is 256 a shard.
  const size_t small_capacity = 64 * 12 * 3;
  const size_t large_capacity = 64 * 256 * 3;
  const uint64_t n = 16000;  // < 1 id per bucket of the large bound
  LocationHints small(0), large(size_t{1} << 20);
  for (uint64_t i = 0; i < n; ++i) {
    small.Put(IdAt(i), LocationOf(IdAt(i)));
    large.Put(IdAt(i), LocationOf(IdAt(i)));
    small.Prefetch(IdAt(i + 1));  // a hint only: any id, any time
  }
  const size_t small_hits = Hits(small, n);
  const size_t large_hits = Hits(large, n);
  EXPECT_LE(small_hits, small_capacity);
  EXPECT_GT(small_hits, small_capacity / 2);  // the table is used
  EXPECT_LE(large_hits, large_capacity);
  // Below one id per bucket few ids meet four to a bucket.
  EXPECT_GE(large_hits, n * 9 / 10);
}

// Batches hand out consecutive ids, which sit in neighbouring buckets of
// one shard: as many of them stay as of ids spread over every shard.
TEST(LocationHintsTest, ConsecutiveIdsOfBatchesAreKeptAsWell) {
  LocationHints hints(size_t{1} << 20);  // 256 buckets a shard, 49,152 ids
  std::vector<RecordId> ids;
  for (uint64_t batch = 0; batch < 500; ++batch) {
    // A batch of 32 from the id of its microsecond (created << 8).
    const RecordId first = (uint64_t{1700000000000000} + batch * 41) << 8;
    for (RecordId id = first; id < first + 32; ++id) {
      hints.Put(id, LocationOf(id));
      ids.push_back(id);
    }
  }
  size_t hits = 0;
  std::string key;
  for (RecordId id : ids) {
    if (!hints.Find(id, &key)) continue;
    EXPECT_EQ(key, KeyOf(id));
    ++hits;
  }
  EXPECT_GE(hits, ids.size() * 9 / 10);  // 16,000 ids, < 1 a bucket
}

}  // namespace
}  // namespace mnemo::internal
