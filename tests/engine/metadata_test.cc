// Copyright (c) mnemo authors.
//
// mnemo::Metadata against std::map as the oracle, and the envelope's
// decoding of metadata written out of key order.

#include "mnemo/metadata.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

#include "coding.h"
#include "envelope.h"
#include "mnemo/record.h"

namespace mnemo {
namespace {

std::map<std::string, std::string> AsMap(const Metadata& m) {
  std::map<std::string, std::string> out;
  std::string last;
  bool first = true;
  for (const auto& [key, value] : m) {
    EXPECT_TRUE(first || std::string(key) > last) << "keys out of order";
    first = false;
    last = std::string(key);
    out.emplace(std::string(key), std::string(value));
  }
  return out;
}

TEST(MetadataTest, BehavesAsASortedMap) {
  std::mt19937 rng(7);
  std::map<std::string, std::string> oracle;
  Metadata m;
  for (int step = 0; step < 4000; ++step) {
    // Keys of 0..20 bytes (empty and inline ones, and ones past 15), values
    // up to 300 bytes (lengths of two varint bytes).
    std::string key(rng() % 21, static_cast<char>('a' + rng() % 3));
    std::string value(rng() % 301, static_cast<char>('0' + rng() % 10));
    switch (rng() % 4) {
      case 0:
      case 1:
        m.Set(key, value);
        oracle[key] = value;
        break;
      case 2:
        EXPECT_EQ(m.Insert(key, value), oracle.emplace(key, value).second);
        break;
      case 3:
        EXPECT_EQ(m.Erase(key), oracle.erase(key) == 1);
        break;
    }
    ASSERT_EQ(m.size(), oracle.size());
    auto found = m.Get(key);
    auto it = oracle.find(key);
    ASSERT_EQ(found.has_value(), it != oracle.end());
    if (found) EXPECT_EQ(*found, it->second);
    if (step % 97 == 0) ASSERT_EQ(AsMap(m), oracle);
  }
  EXPECT_EQ(AsMap(m), oracle);
  Metadata copy;
  ASSERT_TRUE(copy.AssignPacked(m.packed(), m.size()));
  EXPECT_EQ(copy, m);
  m.clear();
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m.begin(), m.end());
  EXPECT_NE(copy, m);
}

TEST(MetadataTest, InitializerListKeepsTheFirstOfEqualKeys) {
  Metadata m = {{"b", "2"}, {"a", "1"}, {"b", "3"}};
  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(m.Get("b"), "2");
  EXPECT_EQ(m.begin()->first, "a");
  EXPECT_FALSE(m.Contains("c"));
  EXPECT_EQ(m, (Metadata{{"a", "1"}, {"b", "2"}}));
}

TEST(MetadataTest, SetFromItsOwnEntries) {
  Metadata m = {{"k", std::string(40, 'x')}};
  std::string_view own = *m.Get("k");
  m.Set("copy", own);  // a view into the buffer the Set grows
  EXPECT_EQ(m.Get("copy"), std::string(40, 'x'));
  m.Set(m.begin()->first, "replaced");
  EXPECT_EQ(m.Get("copy"), "replaced");
}

TEST(MetadataTest, AssignPackedRefusesWhatIsNotCanonical) {
  Metadata m = {{"kept", "yes"}};
  const Metadata two = {{"a", "1"}, {"b", "2"}};
  const std::string ordered(two.packed());
  std::string reversed;
  for (const char* key : {"b", "a"}) {
    internal::PutLengthPrefixed(&reversed, key);
    internal::PutLengthPrefixed(&reversed, "v");
  }
  std::string repeated;
  for (int i = 0; i < 2; ++i) {
    internal::PutLengthPrefixed(&repeated, "a");
    internal::PutLengthPrefixed(&repeated, "v");
  }
  EXPECT_FALSE(m.AssignPacked(reversed, 2));
  EXPECT_FALSE(m.AssignPacked(repeated, 2));
  EXPECT_FALSE(m.AssignPacked(ordered, 3));                 // wrong count
  EXPECT_FALSE(m.AssignPacked(ordered.substr(0, 5), 2));    // truncated
  EXPECT_FALSE(m.AssignPacked(std::string("\x85", 1), 1));  // bad length
  // "a" -> "v" with the key's length in two bytes: equal entries must pack
  // to equal bytes, so only the shortest form is taken.
  EXPECT_FALSE(m.AssignPacked(std::string("\x81\x00" "a\x01v", 5), 1));
  EXPECT_EQ(m, (Metadata{{"kept", "yes"}}));
  EXPECT_TRUE(m.AssignPacked(ordered, 2));
  EXPECT_EQ(m.Get("b"), "2");
}

// An envelope whose metadata is out of key order or repeats a key (no
// writer of this build makes one) still decodes: sorted, first of a key.
TEST(MetadataTest, EnvelopeWithUnsortedEntriesDecodesSorted) {
  Record r;
  r.id = 5;
  r.ns = {"t", "a", "s"};
  r.text = "text";
  r.metadata = {{"m", "marker"}};
  std::string value;
  internal::EncodeEnvelope(r, 0, &value);
  // Splice in three entries where the one entry is: z, a, z.
  std::string one;
  internal::PutVarint32(&one, 1);
  one.append(r.metadata.packed());
  std::string three;
  internal::PutVarint32(&three, 3);
  for (const char* kv : {"z1", "a2", "z3"}) {
    internal::PutLengthPrefixed(&three, std::string(1, kv[0]));
    internal::PutLengthPrefixed(&three, std::string(1, kv[1]));
  }
  const size_t at = value.find(one);
  ASSERT_NE(at, std::string::npos);
  value.replace(at, one.size(), three);
  // Checksum of the spliced body (the trailer is its last 4 bytes).
  value.resize(value.size() - 4);
  internal::PutFixed32(&value, internal::MaskCrc(
                                   internal::Crc32c(value.data(), value.size())));
  Record out;
  ASSERT_TRUE(internal::DecodeEnvelope(value, "record 5", &out).ok());
  EXPECT_EQ(out.metadata, (Metadata{{"a", "2"}, {"z", "1"}}));
  EXPECT_EQ(out.text, "text");
}

}  // namespace
}  // namespace mnemo
