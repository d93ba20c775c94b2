// Copyright (c) mnemo authors.
//
// Helpers of the envelope tests (envelope_test.cc, envelope_keyed_test.cc).

#ifndef MNEMO_TESTS_ENGINE_ENVELOPE_TEST_UTIL_H_
#define MNEMO_TESTS_ENGINE_ENVELOPE_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "envelope.h"
#include "store_test_util.h"

namespace mnemo::test {

// Every field of `a` and `b` equal (NaN importances too).
inline void ExpectSameRecord(const Record& a, const Record& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.ns, b.ns);
  EXPECT_EQ(a.role, b.role);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.text, b.text);
  EXPECT_EQ(a.metadata, b.metadata);
  EXPECT_EQ(a.event_time, b.event_time);
  EXPECT_EQ(a.created_time, b.created_time);
  EXPECT_EQ(a.updated_time, b.updated_time);
  EXPECT_EQ(a.last_access, b.last_access);
  EXPECT_EQ(a.expires_at, b.expires_at);
  EXPECT_EQ(a.access_count, b.access_count);
  EXPECT_EQ(a.content_hash, b.content_hash);
  EXPECT_EQ(a.page.page_id, b.page.page_id);
  EXPECT_EQ(a.page.item, b.page.item);
  EXPECT_EQ(a.page.page_count, b.page.page_count);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.tier, b.tier);
  EXPECT_EQ(a.text_forgotten, b.text_forgotten);
  if (std::isnan(a.importance)) {
    EXPECT_TRUE(std::isnan(b.importance));
  } else {
    EXPECT_EQ(a.importance, b.importance);
  }
}

// The record whose optional fields are those of `mask` (kHas* bits) set to
// values of varied varint widths, the others at their implied defaults.
inline Record RecordWithFields(uint8_t mask, int width) {
  const Micros big = width == 0 ? 1 : (width == 1 ? -5 : 1'735'000'000'000'000);
  Record r = MakeRecord("t", "a", "s", "text", big);
  r.id = width == 2 ? (uint64_t{1} << 62) + 3 : 42;
  r.content_hash = width == 1 ? 0 : ~uint64_t{0};
  r.created_time = r.updated_time = r.event_time;
  r.version = 1;
  if (mask & internal::kHasCreated) r.created_time = r.event_time - big * 3 + 7;
  r.updated_time = r.created_time;
  if (mask & internal::kHasUpdated) r.updated_time = r.created_time + 300;
  if (mask & internal::kHasExpires) r.expires_at = width == 1 ? -1 : big + 9;
  if (mask & internal::kHasPage) {
    r.page = {width == 2 ? ~uint64_t{0} : 5, width == 0 ? 0u : 70000u};
    r.page.page_count = width == 1 ? 0 : 12;
  }
  if (mask & internal::kHasVersion) r.version = width == 1 ? 0 : 1u << 31;
  if (mask & internal::kHasTier) r.tier = Tier::kDecayed;
  if (mask & internal::kHasImportance) r.importance = width == 2 ? NAN : 0.0f;
  if (mask & internal::kHasAccess) {
    r.access_count = width == 0 ? 0 : ~uint64_t{0};
    r.last_access = width == 0 ? 1 : std::numeric_limits<Micros>::min();
  }
  return r;
}

// A new record's stamp as the store gives it (a real id and time) for
// `caller`'s text.
inline internal::NewRecordStamp SampleStamp(const Record& caller) {
  internal::NewRecordStamp stamp;
  stamp.id = 459906136773650176ull;
  stamp.event_time = stamp.now = 1'735'000'000'000'000;
  stamp.content_hash = ContentHash(caller.text);
  return stamp;
}

}  // namespace mnemo::test

#endif  // MNEMO_TESTS_ENGINE_ENVELOPE_TEST_UTIL_H_
