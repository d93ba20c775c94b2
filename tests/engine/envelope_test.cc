// Copyright (c) mnemo authors.
//
// Record envelopes: round trip, checksums, truncation, and corrupt bytes on
// disk surfacing as Corruption (never garbage).

#include "envelope.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "coding.h"
#include "envelope_test_util.h"
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
  EXPECT_EQ(out.metadata.Get("k"), "v");
}

// Decoding into a Record that already holds another record (Get decodes
// into a reused one, whose metadata buffer is reused) gives exactly the
// new record: no entry of the old one stays, whatever the two hold.
TEST(EnvelopeTest, DecodeIntoUsedRecordReplacesEverything) {
  using Map = Metadata;
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
      value.substr(0, internal::kMinV2Size - 1), 1, 1, &merged));
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

// Version 1 as a format-4 build wrote it (its EncodeEnvelope, every field
// set): stores of formats 1-4 hold such values and are not rewritten.
const char kVersionOneValue[] =
    "\x01\x04\x4d\x00\x00\x00\x00\x00\x00\x00\x7b\x00\x00\x00\x00\x00"
    "\x00\x00\xc8\x01\x00\x00\x00\x00\x00\x00\x15\x03\x00\x00\x00\x00"
    "\x00\x00\xe8\x03\x00\x00\x00\x00\x00\x00\xd0\x07\x00\x00\x00\x00"
    "\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x88\x77\x66\x55\x44\x33"
    "\x22\x11\x09\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x02\x00"
    "\x00\x00\x00\x00\x80\x3e\x02\x04\x00\x00\x00\x06\x74\x65\x6e\x61"
    "\x6e\x74\x05\x61\x67\x65\x6e\x74\x07\x73\x65\x73\x73\x69\x6f\x6e"
    "\x04\x75\x73\x65\x72\x07\x6d\x65\x73\x73\x61\x67\x65\x01\x01\x6b"
    "\x01\x76\x09\x73\x6f\x6d\x65\x20\x74\x65\x78\x74\xfa\x3b\x4a\xd6";

Record VersionOneRecord() {
  Record r = MakeRecord("tenant", "agent", "session", "some text", 123);
  r.metadata = {{"k", "v"}};
  r.id = 77;
  r.created_time = 456;
  r.updated_time = 789;
  r.last_access = 1000;
  r.expires_at = 2000;
  r.access_count = 5;
  r.content_hash = 0x1122334455667788ull;
  r.page = {9, 3};
  r.page.page_count = 4;
  r.version = 2;
  r.importance = 0.25f;
  r.tier = Tier::kPixels;
  return r;
}

std::string VersionOneValue() {
  return std::string(kVersionOneValue, sizeof(kVersionOneValue) - 1);
}

TEST(EnvelopeTest, VersionOneValuesStillDecode) {
  const std::string value = VersionOneValue();
  ASSERT_EQ(value.size(), 144u);
  Record out;
  uint8_t flags = 0;
  ASSERT_TRUE(internal::DecodeEnvelope(value, "record 77", &out, &flags).ok());
  EXPECT_EQ(flags, internal::kFlagKeptAsText);
  ExpectSameRecord(out, VersionOneRecord());
  internal::EnvelopeHeader h;
  ASSERT_TRUE(internal::PeekHeader(value, &h));
  EXPECT_EQ(h.version, 1);
  EXPECT_EQ(h.id, 77u);
  EXPECT_EQ(h.event_time, 123);
  EXPECT_EQ(h.expires_at, 2000);
  EXPECT_EQ(h.page_id, 9u);
  EXPECT_EQ(h.tier, static_cast<uint8_t>(Tier::kPixels));
  EXPECT_EQ(h.body_offset, internal::kHeaderSize);
  std::string_view labels[5];
  ASSERT_TRUE(internal::PeekLabels(value, labels));
  EXPECT_EQ(labels[2], "session");
  // Access counts are patched in place: the value stays version 1.
  std::string merged;
  ASSERT_TRUE(internal::AddAccessChecked(value, 2, 3000, &merged));
  EXPECT_EQ(merged.size(), value.size());
  EXPECT_EQ(merged[0], 1);
  ASSERT_TRUE(internal::DecodeEnvelope(merged, "record 77", &out).ok());
  EXPECT_EQ(out.access_count, 7u);
  EXPECT_EQ(out.last_access, 3000);
  // Re-encoding (an update) writes version 2 of the same record.
  std::string again;
  internal::EncodeEnvelope(VersionOneRecord(), flags, &again);
  EXPECT_EQ(again[0], 2);
  EXPECT_LT(again.size(), value.size());
  ASSERT_TRUE(internal::DecodeEnvelope(again, "record 77", &out).ok());
  ExpectSameRecord(out, VersionOneRecord());
}

// Every prefix and every flipped bit of either version is Corruption (or
// NotSupported for a version byte from the future), never a crash or a
// record; the header peek never reads past the value.
TEST(EnvelopeTest, EveryTruncationAndFlipOfBothVersionsIsRefused) {
  Record full = VersionOneRecord();
  std::string v2;
  internal::EncodeEnvelope(full, 0, &v2);
  for (const std::string& value : {VersionOneValue(), v2}) {
    for (size_t n = 0; n < value.size(); ++n) {
      std::string cut = value.substr(0, n);  // its own allocation for ASAN
      Record out;
      Status s = internal::DecodeEnvelope(cut, "record 77", &out);
      EXPECT_TRUE(s.IsCorruption()) << n << " " << s.ToString();
      internal::EnvelopeHeader h;
      if (internal::PeekHeader(cut, &h)) {
        EXPECT_LE(h.body_offset + internal::kTrailerSize, n);
      }
      std::string merged;
      EXPECT_FALSE(internal::AddAccessChecked(cut, 1, 1, &merged)) << n;
    }
    for (size_t i = 0; i < value.size() * 8; ++i) {
      std::string bad = value;
      bad[i / 8] ^= static_cast<char>(1 << (i % 8));
      Record out;
      Status s = internal::DecodeEnvelope(bad, "record 77", &out);
      EXPECT_TRUE(s.IsCorruption() || s.IsNotSupported()) << "bit " << i;
      std::string merged;
      EXPECT_FALSE(internal::AddAccessChecked(bad, 1, 1, &merged)) << i;
    }
  }
}

TEST(EnvelopeTest, EveryFieldCombinationRoundTrips) {
  for (int width = 0; width < 3; ++width) {
    for (int mask = 0; mask < 256; ++mask) {
      Record in = RecordWithFields(static_cast<uint8_t>(mask), width);
      std::string value;
      internal::EncodeEnvelope(in, internal::kFlagTextZstd, &value);
      ASSERT_EQ(value[0], internal::kEnvelopeV2);
      EXPECT_EQ(static_cast<uint8_t>(value[2]), mask) << width;
      EXPECT_NE(value.size(), internal::kOrphanAccessCountsSize);
      Record out;
      uint8_t flags = 0;
      ASSERT_TRUE(internal::DecodeEnvelope(value, "r", &out, &flags).ok())
          << mask << " " << width;
      EXPECT_EQ(flags, internal::kFlagTextZstd);
      ExpectSameRecord(out, in);
      internal::EnvelopeHeader h;
      ASSERT_TRUE(internal::PeekHeader(value, &h));
      EXPECT_EQ(h.id, in.id);
      EXPECT_EQ(h.event_time, in.event_time);
      EXPECT_EQ(h.expires_at, in.expires_at);
      EXPECT_EQ(h.page_id, in.page.page_id);
      EXPECT_EQ(h.tier, static_cast<uint8_t>(in.tier));
      EXPECT_EQ(h.access_count, in.access_count);
      EXPECT_EQ(h.last_access, in.last_access);
      std::string_view labels[5];
      ASSERT_TRUE(internal::PeekLabels(value, h, labels));
      EXPECT_EQ(labels[0], "t");
      EXPECT_EQ(labels[4], "message");
    }
  }
}

// The smallest version-2 value (empty labels and text, no optional field)
// is kMinV2Size bytes, more than the 16 of orphan access counts, so
// readers that skip 16-byte values never skip a record; no 16-byte value
// parses as a header.
TEST(EnvelopeTest, NoVersionTwoValueIsSixteenBytes) {
  Record r;
  r.role.clear();
  r.kind.clear();
  r.version = 1;
  std::string value;
  internal::EncodeEnvelope(r, 0, &value);
  EXPECT_EQ(value.size(), internal::kMinV2Size);
  Record out;
  EXPECT_TRUE(internal::DecodeEnvelope(value, "r", &out).ok());
  std::mt19937 rng(11);
  for (int i = 0; i < 4000; ++i) {
    std::string sixteen(internal::kOrphanAccessCountsSize, '\0');
    for (char& c : sixteen) c = static_cast<char>(rng());
    sixteen[0] = static_cast<char>(1 + i % 2);
    internal::EnvelopeHeader h;
    EXPECT_FALSE(internal::PeekHeader(sixteen, &h));
    EXPECT_FALSE(internal::DecodeEnvelope(sixteen, "r", &out).ok());
  }
}

// A new record's value: no zeros for absent fields, no repeated times.
TEST(EnvelopeTest, NewRecordHeaderIsCompact) {
  Record caller = MakeRecord("tenant", "agent", "session", "text");
  const internal::NewRecordStamp stamp = SampleStamp(caller);
  std::string value;
  internal::EncodeNewEnvelope(caller, stamp, &value);
  internal::EnvelopeHeader h;
  ASSERT_TRUE(internal::PeekHeader(value, &h));
  // version, flags, presence, id, event time, content hash
  EXPECT_EQ(h.body_offset, internal::kV2FixedSize);
  EXPECT_EQ(static_cast<uint8_t>(value[2]), 0);
}

// Version 2's access varints change width as the count grows (absent ->
// one byte -> two bytes): the merge re-encodes the header, and its result
// matches PatchAccess's.
TEST(EnvelopeTest, AccessMergeAcrossVarintWidths) {
  Record in = Sample();
  std::string value;
  internal::EncodeEnvelope(in, 0, &value);
  uint64_t count = 0;
  Micros last = 0;
  for (uint64_t add : {1, 126, 1, 16384, 0}) {
    std::string merged;
    const Micros at = 1'735'000'000'000'000 + static_cast<Micros>(add);
    ASSERT_TRUE(internal::AddAccessChecked(value, add, at, &merged)) << add;
    count += add;
    last = std::max(last, at);
    std::string expected = value;
    internal::PatchAccess(&expected, count, last);
    EXPECT_EQ(merged, expected) << add;
    Record out;
    ASSERT_TRUE(internal::DecodeEnvelope(merged, "r", &out).ok()) << add;
    EXPECT_EQ(out.access_count, count);
    EXPECT_EQ(out.last_access, last);
    in.access_count = count;
    in.last_access = last;
    ExpectSameRecord(out, in);
    value = merged;
  }
  // Back to no access at all: the presence bit is cleared again.
  internal::PatchAccess(&value, 0, 0);
  std::string fresh;
  in.access_count = 0;
  in.last_access = 0;
  internal::EncodeEnvelope(in, 0, &fresh);
  EXPECT_EQ(value, fresh);
}

TEST(Utf8Test, AcceptsAndRejects) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii text that is long enough"));
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));   // U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\x80"));      // overlong
  EXPECT_FALSE(IsValidUtf8("abcdefgh\x80"));
}

// A byte-at-a-time validator (RFC 3629's table) to check the word-wide
// fast paths against.
bool ReferenceUtf8(std::string_view s) {
  size_t i = 0;
  auto in = [&](size_t k, unsigned lo, unsigned hi) {
    if (i + k >= s.size()) return false;
    const unsigned c = static_cast<unsigned char>(s[i + k]);
    return c >= lo && c <= hi;
  };
  while (i < s.size()) {
    const unsigned c = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    if (c < 0x80) len = 1;
    else if (c >= 0xc2 && c <= 0xdf) len = in(1, 0x80, 0xbf) ? 2 : 0;
    else if (c == 0xe0) len = in(1, 0xa0, 0xbf) && in(2, 0x80, 0xbf) ? 3 : 0;
    else if (c == 0xed) len = in(1, 0x80, 0x9f) && in(2, 0x80, 0xbf) ? 3 : 0;
    else if (c >= 0xe1 && c <= 0xef) len = in(1, 0x80, 0xbf) && in(2, 0x80, 0xbf) ? 3 : 0;
    else if (c == 0xf0) len = in(1, 0x90, 0xbf) && in(2, 0x80, 0xbf) && in(3, 0x80, 0xbf) ? 4 : 0;
    else if (c >= 0xf1 && c <= 0xf3) len = in(1, 0x80, 0xbf) && in(2, 0x80, 0xbf) && in(3, 0x80, 0xbf) ? 4 : 0;
    else if (c == 0xf4) len = in(1, 0x80, 0x8f) && in(2, 0x80, 0xbf) && in(3, 0x80, 0xbf) ? 4 : 0;
    if (len == 0) return false;
    i += len;
  }
  return true;
}

// IsValidUtf8 of `s` held two ways. In a heap block of exactly its size, a
// sanitizer build reports any read past the end, the word-wide ones too.
// Followed by a continuation byte outside the view, a read past the end
// that decides the result fails the comparison even without a sanitizer
// (a std::string's terminating NUL would pass for ASCII).
bool ValidInExactBuffer(const std::string& s) {
  std::unique_ptr<char[]> exact(new char[std::max<size_t>(s.size(), 1)]);
  std::memcpy(exact.get(), s.data(), s.size());
  const bool in_exact = IsValidUtf8(std::string_view(exact.get(), s.size()));
  std::vector<char> padded(s.begin(), s.end());
  padded.push_back('\x80');
  const bool in_padded = IsValidUtf8(std::string_view(padded.data(), s.size()));
  EXPECT_EQ(in_exact, in_padded);
  return in_padded;
}

// Every length up to 80 and every position of a non-ASCII sequence, valid
// or not, so each one also lands across the 32- and 8-byte word edges.
TEST(Utf8Test, WordWideFastPathsAgreeWithByteAtATime) {
  const std::string pieces[] = {"\xc3\xa9",         "\xe2\x82\xac",
                                "\xf0\x9f\x98\x80", "\x80",
                                "\xc3",             "\xe2\x82",
                                "\xed\xa0\x80",     "\xf8\x88\x80\x80\x80",
                                "\xc0\xaf",         std::string(1, '\xff')};
  for (size_t n = 0; n <= 80; ++n) {
    const std::string ascii(n, 'a');
    ASSERT_TRUE(ValidInExactBuffer(ascii)) << n;
    for (const std::string& piece : pieces) {
      for (size_t at = 0; at <= n; ++at) {
        std::string s = ascii;
        s.insert(at, piece);
        ASSERT_EQ(ValidInExactBuffer(s), ReferenceUtf8(s))
            << "length " << n << ", piece of " << piece.size()
            << " bytes at " << at;
      }
    }
  }
}

TEST(ContentHashTest, StableAndSensitive) {
  EXPECT_EQ(ContentHash("abc"), ContentHash("abc"));
  EXPECT_NE(ContentHash("abc"), ContentHash("abd"));
  EXPECT_NE(ContentHash(""), ContentHash(std::string(1, '\0')));
}

}  // namespace
}  // namespace mnemo::test
