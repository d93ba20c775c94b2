// Copyright (c) mnemo authors.
//
// Record envelopes: round trip, checksums, truncation, and corrupt bytes on
// disk surfacing as Corruption (never garbage).

#include "envelope.h"

#include <map>
#include <random>
#include <string>
#include <vector>

#include "coding.h"
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

// Decoding into a Record that already holds another record (Get decodes
// into a reused one, whose metadata nodes are recycled) gives exactly the
// new record: no entry of the old one stays, whatever the two maps hold.
TEST(EnvelopeTest, DecodeIntoUsedRecordReplacesEverything) {
  using Map = std::map<std::string, std::string>;
  const std::vector<Map> maps = {
      {},
      {{"k", "v"}},
      {{"a", "1"}, {"b", std::string(300, 'x')}, {"c", "3"}},
      {{"b", "other"}, {"z", ""}},
      {{"k", "v"}},
  };
  Record out;
  for (const Map& first : maps) {
    for (const Map& second : maps) {
      for (const Map* m : {&first, &second}) {
        Record in = Sample();
        in.metadata = *m;
        in.text = std::string(m->size() * 40, 't');
        std::string value;
        internal::EncodeEnvelope(in, 0, &value);
        ASSERT_TRUE(internal::DecodeEnvelope(value, "record 77", &out).ok());
        EXPECT_EQ(out.metadata, in.metadata);
        EXPECT_EQ(out.text, in.text);
      }
    }
  }
}

// Lengths of one, two and three varint bytes take different decode paths;
// each must give back exactly what was encoded, and an envelope cut short
// by one byte must never decode.
TEST(EnvelopeTest, RoundTripAcrossLengthEncodings) {
  for (size_t text_len : {0, 5, 127, 128, 300, 16383, 16384, 70000}) {
    Record in = Sample();
    in.text = std::string(text_len, 'x');
    in.metadata = {{"a", std::string(200, 'b')},
                   {std::string(130, 'k'), ""},
                   {"z", std::string(text_len, 'q')}};
    in.role = std::string(140, 'r');
    std::string value;
    internal::EncodeEnvelope(in, 0, &value);
    Record out;
    ASSERT_TRUE(internal::DecodeEnvelope(value, "record 77", &out).ok())
        << text_len;
    EXPECT_EQ(out.text, in.text);
    EXPECT_EQ(out.metadata, in.metadata);
    EXPECT_EQ(out.role, in.role);
    EXPECT_EQ(out.ns.session, in.ns.session);
    value.pop_back();
    EXPECT_TRUE(
        internal::DecodeEnvelope(value, "record 77", &out).IsCorruption())
        << text_len;
  }
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

// The access-count merge checks the old checksum and writes a new one in
// one pass: same bytes as VerifyEnvelope + PatchAccess, and every single
// flipped bit of the old value refused.
TEST(EnvelopeTest, AccessMergeMatchesVerifyThenPatch) {
  Record in = Sample();
  in.access_count = 5;
  in.last_access = 100;
  std::string value;
  internal::EncodeEnvelope(in, 0, &value);
  std::string merged;
  ASSERT_TRUE(internal::AddAccessChecked(value, 3, 50, &merged));
  std::string expected = value;
  internal::PatchAccess(&expected, 8, 100);  // older time: 100 kept
  EXPECT_EQ(merged, expected);
  std::string again;
  ASSERT_TRUE(internal::AddAccessChecked(merged, 1, 500, &again));
  Record out;
  ASSERT_TRUE(internal::DecodeEnvelope(again, "r", &out).ok());
  EXPECT_EQ(out.access_count, 9u);
  EXPECT_EQ(out.last_access, 500);
  EXPECT_EQ(out.text, in.text);

  for (size_t i = 0; i < value.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = value;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      ASSERT_FALSE(internal::AddAccessChecked(bad, 1, 1, &merged))
          << "byte " << i << " bit " << bit;
    }
  }
  EXPECT_FALSE(internal::AddAccessChecked(
      value.substr(0, internal::kHeaderSize + internal::kTrailerSize - 1), 1, 1,
      &merged));
}

TEST(EnvelopeTest, Crc32cTwoMatchesCrc32c) {
  std::mt19937 rng(7);
  for (size_t n : {0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 300, 1031}) {
    std::string a(n, '\0'), b(n, '\0');
    for (char& c : a) c = static_cast<char>(rng());
    for (char& c : b) c = static_cast<char>(rng());
    uint32_t ca = 0, cb = 0;
    internal::Crc32cTwo(a.data(), b.data(), n, &ca, &cb);
    EXPECT_EQ(ca, internal::Crc32c(a.data(), n)) << "length " << n;
    EXPECT_EQ(cb, internal::Crc32c(b.data(), n)) << "length " << n;
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
