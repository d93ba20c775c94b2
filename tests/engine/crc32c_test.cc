// Copyright (c) mnemo authors.
//
// Crc32c's hardware paths (one chain; three chains joined by carry-less
// multiplies) against the table-driven one, over every length and offset
// where the paths switch, and continued across calls.

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "coding.h"

namespace mnemo {
namespace {

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(Crc32cTest, KnownValues) {
  // RFC 3720, appendix B.4: 32 zero bytes, 32 0xff bytes, "123456789".
  EXPECT_EQ(internal::Crc32c(std::string(32, '\0').data(), 32), 0x8a9136aau);
  EXPECT_EQ(internal::Crc32c(std::string(32, '\xff').data(), 32), 0x62a8ab43u);
  EXPECT_EQ(internal::Crc32c("123456789", 9), 0xe3069283u);
  EXPECT_EQ(internal::Crc32c("", 0), 0u);
}

TEST(Crc32cTest, EveryLengthAndOffsetMatchesTheTable) {
  const std::string bytes = RandomBytes(4096 + 8, 11);
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t n = 0; n <= 4096; n += (n < 800 ? 1 : 37)) {
      const char* p = bytes.data() + offset;
      ASSERT_EQ(internal::Crc32c(p, n), internal::Crc32cPortableForTest(p, n))
          << "length " << n << " offset " << offset;
    }
  }
}

TEST(Crc32cTest, LongBuffersTakeSeveralRounds) {
  for (size_t n : {3071, 3072, 3073, 6144 + 95, 65536, 1000003}) {
    const std::string bytes = RandomBytes(n, static_cast<uint32_t>(n));
    EXPECT_EQ(internal::Crc32c(bytes.data(), n),
              internal::Crc32cPortableForTest(bytes.data(), n))
        << "length " << n;
  }
}

TEST(Crc32cTest, ContinuesAnEarlierResult) {
  const std::string bytes = RandomBytes(2000, 5);
  const uint32_t whole = internal::Crc32c(bytes.data(), bytes.size());
  for (size_t cut : {0, 1, 95, 96, 500, 1999, 2000}) {
    const uint32_t head = internal::Crc32c(bytes.data(), cut);
    EXPECT_EQ(internal::Crc32c(bytes.data() + cut, bytes.size() - cut, head),
              whole)
        << "cut at " << cut;
    EXPECT_EQ(internal::Crc32cPortableForTest(bytes.data() + cut,
                                              bytes.size() - cut, head),
              whole)
        << "cut at " << cut;
  }
}

}  // namespace
}  // namespace mnemo
