// Copyright (c) mnemo authors.
//
// Envelope version 3, the keyed form of the records family: the id and
// event time come from the key, the checksum covers them, and a value read
// without its key or under another key is refused, never misread.

#include <random>
#include <string>

#include "envelope.h"
#include "envelope_test_util.h"
#include "store_test_util.h"

namespace mnemo::test {
namespace {

using internal::KeyFields;

KeyFields KeyOf(const Record& r) { return {r.id, r.event_time}; }

std::string Keyed(const Record& r, uint8_t flags = 0) {
  std::string value;
  internal::EncodeEnvelope(r, flags, &value, internal::EnvelopeForm::kKeyed);
  return value;
}

// Each field combination as version 2, less the 16 bytes of id and event
// time; decoded with its key it is the same record, and its header peeked
// with the key says what version 2's says.
TEST(EnvelopeKeyedTest, EveryFieldCombinationRoundTripsSixteenBytesShorter) {
  for (int width = 0; width < 3; ++width) {
    for (int mask = 0; mask < 256; ++mask) {
      Record in = RecordWithFields(static_cast<uint8_t>(mask), width);
      std::string v2, v3 = Keyed(in, internal::kFlagTextZstd);
      internal::EncodeEnvelope(in, internal::kFlagTextZstd, &v2);
      ASSERT_EQ(v3[0], internal::kEnvelopeV3);
      EXPECT_EQ(v3.size() + 16, v2.size());
      EXPECT_EQ(static_cast<uint8_t>(v3[2]), mask);
      const KeyFields key = KeyOf(in);
      Record out;
      uint8_t flags = 0;
      ASSERT_TRUE(
          internal::DecodeEnvelope(v3, "r", &out, &flags, nullptr, &key).ok())
          << mask << " " << width;
      EXPECT_EQ(flags, internal::kFlagTextZstd);
      ExpectSameRecord(out, in);
      internal::EnvelopeHeader h2, h3;
      ASSERT_TRUE(internal::PeekHeader(v2, &h2));
      ASSERT_TRUE(internal::PeekHeader(v3, &h3, &key));
      EXPECT_EQ(h3.id, h2.id);
      EXPECT_EQ(h3.event_time, h2.event_time);
      EXPECT_EQ(h3.created_time, h2.created_time);
      EXPECT_EQ(h3.updated_time, h2.updated_time);
      EXPECT_EQ(h3.expires_at, h2.expires_at);
      EXPECT_EQ(h3.page_id, h2.page_id);
      EXPECT_EQ(h3.access_count, h2.access_count);
      EXPECT_EQ(h3.body_offset + 16, h2.body_offset);
      std::string_view labels[5];
      ASSERT_TRUE(internal::PeekLabels(v3, h3, labels));
      EXPECT_EQ(labels[0], "t");
    }
  }
}

TEST(EnvelopeKeyedTest, WithoutItsKeyIsCorruptionNamingTheRecord) {
  Record in = RecordWithFields(0xff, 2);
  std::string value = Keyed(in);
  Record out;
  Status s = internal::DecodeEnvelope(value, "record 42", &out);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("record 42"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("without its key"), std::string::npos);
  EXPECT_TRUE(internal::VerifyEnvelope(value, "r").IsCorruption());
  std::string merged;
  EXPECT_FALSE(internal::AddAccessChecked(value, 1, 1, &merged));
  // A peek without the key reads the header's own fields.
  internal::EnvelopeHeader h;
  ASSERT_TRUE(internal::PeekHeader(value, &h));
  EXPECT_EQ(h.id, 0u);
  EXPECT_EQ(h.expires_at, in.expires_at);
  EXPECT_EQ(h.page_id, in.page.page_id);
}

// The checksum covers the key's fields: the value under a key of another
// id or time (a moved or misplaced value) fails, as does every flipped bit.
TEST(EnvelopeKeyedTest, AnotherKeyOrAnyFlippedBitIsRefused) {
  Record in = RecordWithFields(0x5a, 1);
  const std::string value = Keyed(in);
  const KeyFields key = KeyOf(in);
  Record out;
  for (KeyFields other :
       {KeyFields{key.id + 1, key.event_time},
        KeyFields{key.id, key.event_time + 1},
        KeyFields{key.id ^ (uint64_t{1} << 63), key.event_time}}) {
    Status s =
        internal::DecodeEnvelope(value, "r", &out, nullptr, nullptr, &other);
    EXPECT_TRUE(s.IsCorruption()) << other.id << " " << other.event_time;
    std::string merged;
    EXPECT_FALSE(internal::AddAccessChecked(value, 1, 1, &merged, &other));
  }
  for (size_t i = 0; i < value.size() * 8; ++i) {
    std::string bad = value;
    bad[i / 8] ^= static_cast<char>(1 << (i % 8));
    EXPECT_FALSE(
        internal::DecodeEnvelope(bad, "r", &out, nullptr, nullptr, &key).ok())
        << "bit " << i;
    std::string merged;
    EXPECT_FALSE(internal::AddAccessChecked(bad, 1, 1, &merged, &key))
        << "bit " << i;
  }
  for (size_t n = 0; n < value.size(); ++n) {
    EXPECT_TRUE(internal::DecodeEnvelope(value.substr(0, n), "r", &out, nullptr,
                                         nullptr, &key)
                    .IsCorruption())
        << n;
  }
}

// The merge operator's one pass agrees with verify-then-patch and keeps
// the value keyed, across the access varints' widths.
TEST(EnvelopeKeyedTest, AccessMergeKeepsTheKeyedForm) {
  Record in = RecordWithFields(internal::kHasPage | internal::kHasTier, 2);
  std::string value = Keyed(in);
  const KeyFields key = KeyOf(in);
  uint64_t count = 0;
  Micros last = 0;
  for (uint64_t add : {1, 126, 1, 16384}) {
    std::string merged;
    const Micros at = 1'735'000'000'000'000 + static_cast<Micros>(add);
    ASSERT_TRUE(internal::AddAccessChecked(value, add, at, &merged, &key));
    count += add;
    last = std::max(last, at);
    std::string expected = value;
    internal::PatchAccess(&expected, count, last, &key);
    EXPECT_EQ(merged, expected) << add;
    EXPECT_EQ(merged[0], internal::kEnvelopeV3);
    Record out;
    ASSERT_TRUE(
        internal::DecodeEnvelope(merged, "r", &out, nullptr, nullptr, &key)
            .ok());
    in.access_count = count;
    in.last_access = last;
    ExpectSameRecord(out, in);
    value = merged;
  }
  internal::PatchAccess(&value, 0, 0, &key);
  in.access_count = 0;
  in.last_access = 0;
  EXPECT_EQ(value, Keyed(in));
}

// A new record's keyed value: the stamped copy's, with no id or time bytes
// at all; the smallest keyed value is still longer than orphan counts, and
// no 16-byte value of any version peeks as a header.
TEST(EnvelopeKeyedTest, NewRecordValueAndSmallestValue) {
  Record caller = MakeRecord("tenant", "agent", "session", "text");
  const internal::NewRecordStamp stamp = SampleStamp(caller);
  std::string value;
  internal::EncodeNewEnvelope(caller, stamp, &value,
                              internal::EnvelopeForm::kKeyed);
  const KeyFields key{stamp.id, stamp.event_time};
  internal::EnvelopeHeader h;
  ASSERT_TRUE(internal::PeekHeader(value, &h, &key));
  EXPECT_EQ(h.body_offset, internal::kV3FixedSize);
  EXPECT_EQ(h.created_time, stamp.now);
  Record out;
  ASSERT_TRUE(
      internal::DecodeEnvelope(value, "r", &out, nullptr, nullptr, &key).ok());
  EXPECT_EQ(out.id, stamp.id);
  EXPECT_EQ(out.event_time, stamp.event_time);
  EXPECT_EQ(out.created_time, stamp.now);
  EXPECT_EQ(out.text, "text");

  Record empty;
  empty.role.clear();
  empty.kind.clear();
  empty.version = 1;
  EXPECT_EQ(Keyed(empty).size(), internal::kMinV3Size);
  std::mt19937 rng(13);
  for (int i = 0; i < 3000; ++i) {
    std::string sixteen(internal::kOrphanAccessCountsSize, '\0');
    for (char& c : sixteen) c = static_cast<char>(rng());
    sixteen[0] = static_cast<char>(1 + i % 3);
    EXPECT_FALSE(internal::PeekHeader(sixteen, &h, &key));
    EXPECT_FALSE(
        internal::DecodeEnvelope(sixteen, "r", &out, nullptr, nullptr, &key)
            .ok());
  }
}

}  // namespace
}  // namespace mnemo::test
