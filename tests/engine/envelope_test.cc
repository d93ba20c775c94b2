// Copyright (c) mnemo authors.
//
// Record envelopes: round trip, checksums, truncation, and corrupt bytes on
// disk surfacing as Corruption (never garbage).

#include <random>

#include "envelope.h"
#include "store_test_util.h"

namespace mnemo::test {
namespace {

Record Sample() {
  Record r = MakeRecord("tenant", "agent", "session", "some text", 123);
  r.id = 77;
  r.metadata = {{"k", "v"}};
  r.version = 2;
  r.page = {9, 3};
  r.tier = Tier::kPixels;
  return r;
}

TEST(EnvelopeTest, RoundTrip) {
  std::string value;
  internal::EncodeEnvelope(Sample(), 0, &value);
  Record out;
  ASSERT_TRUE(internal::DecodeEnvelope(value, "record 77", &out).ok());
  EXPECT_EQ(out.text, "some text");
  EXPECT_EQ(out.page.page_id, 9u);
  EXPECT_EQ(out.page.item, 3u);
  EXPECT_EQ(out.tier, Tier::kPixels);
  EXPECT_EQ(out.metadata.at("k"), "v");
}

// A new record is encoded from the caller's record plus the store's stamp
// (no copy): the bytes must be those of the stamped copy, which the store
// used to build and encode.
TEST(EnvelopeTest, NewRecordStampEncodesAsTheStampedCopy) {
  Record caller = Sample();  // fields the store overrides are set
  caller.access_count = 5;
  caller.last_access = 6;
  caller.created_time = 7;
  caller.expires_at = 123456;
  caller.importance = 0.25f;
  internal::NewRecordStamp stamp;
  stamp.id = 1234;
  stamp.event_time = 42;
  stamp.now = 99;
  stamp.content_hash = ContentHash(caller.text);
  Record stamped = caller;
  stamped.id = stamp.id;
  stamped.event_time = stamp.event_time;
  stamped.created_time = stamped.updated_time = stamp.now;
  stamped.access_count = 0;
  stamped.last_access = 0;
  stamped.tier = Tier::kHot;
  stamped.page = PageRef();
  stamped.content_hash = stamp.content_hash;
  stamped.version = 1;
  std::string want, got;
  internal::EncodeEnvelope(stamped, 0, &want);
  internal::EncodeNewEnvelope(caller, stamp, &got);
  EXPECT_EQ(got, want);
}

TEST(EnvelopeTest, EveryFlippedBitIsCaught) {
  std::string value;
  internal::EncodeEnvelope(Sample(), 0, &value);
  for (size_t i = 0; i < value.size() * 8; ++i) {
    std::string bad = value;
    bad[i / 8] ^= static_cast<char>(1 << (i % 8));
    Record out;
    Status s = internal::DecodeEnvelope(bad, "record 77", &out);
    EXPECT_FALSE(s.ok()) << "bit " << i;
  }
}

TEST(EnvelopeTest, TruncatedAndRandomBytesNeverCrash) {
  std::string value;
  internal::EncodeEnvelope(Sample(), 0, &value);
  for (size_t n = 0; n < value.size(); ++n) {
    Record out;
    Status s = internal::DecodeEnvelope(value.substr(0, n), "record 77", &out);
    EXPECT_TRUE(s.IsCorruption()) << n;
    EXPECT_NE(s.message().find("record 77"), std::string::npos);
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string junk(rng() % 300, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    Record out;
    (void)internal::DecodeEnvelope(junk, "junk", &out);
  }
}

TEST(EnvelopeTest, NewerVersionIsNotSupported) {
  std::string value;
  internal::EncodeEnvelope(Sample(), 0, &value);
  value[0] = 9;
  Record out;
  EXPECT_TRUE(internal::DecodeEnvelope(value, "record 77", &out).IsNotSupported());
}

TEST(Utf8Test, AcceptsAndRejects) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii text that is long enough"));
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));   // U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\x80"));      // overlong
  EXPECT_FALSE(IsValidUtf8("abcdefgh\x80"));
}

TEST(ContentHashTest, StableAndSensitive) {
  EXPECT_EQ(ContentHash("abc"), ContentHash("abc"));
  EXPECT_NE(ContentHash("abc"), ContentHash("abd"));
  EXPECT_NE(ContentHash(""), ContentHash(std::string(1, '\0')));
}

}  // namespace
}  // namespace mnemo::test
