// Copyright (c) mnemo authors.
//
// CRC-32C (Castagnoli). With SSE4.2 one crc32 instruction takes 8 bytes,
// but each waits ~3 cycles on the one before it; a record's envelope
// (~200 bytes) is too short for that latency to hide. So a buffer of at
// least kMinThreeWay bytes runs as three chains over its thirds side by
// side, joined with PCLMULQDQ (a carry-less multiply by x^(8n) mod P moves
// a chain's CRC past the n bytes after it). Every path is checked against
// the table-driven one (tests/engine/crc32c_test.cc).

#include <algorithm>
#include <cstring>

#include "coding.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>
#include <wmmintrin.h>
#endif

namespace mnemo::internal {
namespace {

constexpr uint32_t kPoly = 0x82f63b78u;  // reflected Castagnoli polynomial

uint32_t kCrcTable[256];

bool InitTable() {
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
    kCrcTable[i] = c;
  }
  return true;
}

uint32_t Crc32cPortable(const char* p, size_t n, uint32_t crc) {
  static const bool initialized = InitTable();
  (void)initialized;
  for (size_t i = 0; i < n; ++i) {
    crc = kCrcTable[(crc ^ static_cast<uint8_t>(p[i])) & 0xff] ^ (crc >> 8);
  }
  return crc;
}

#if defined(__x86_64__)
// Three chains of up to kMaxWords 8-byte words each per round; a longer
// buffer takes several rounds.
constexpr size_t kMaxWords = 128;
constexpr size_t kMinThreeWay = 96;

// k[w] = x^(64w - 33) mod P, reflected: the carry-less product of a
// CRC with it, fed to crc32 as 8 zero-state bytes (which multiplies by
// x^33 more, the 64-bit product carrying one bit of reflection), is the
// CRC moved past 8w zero bytes.
// Built at compile time: no static initialisation order to depend on.
struct ShiftTable {
  uint32_t k[2 * kMaxWords + 1] = {};
  constexpr ShiftTable() {
    uint32_t v = 0x80000000u;  // x^0
    auto times_x = [&v] { v = (v & 1) ? (v >> 1) ^ kPoly : v >> 1; };
    for (int i = 0; i < 64 - 33; ++i) times_x();  // x^31 = x^(64*1 - 33)
    for (size_t w = 1; w <= 2 * kMaxWords; ++w) {
      k[w] = v;
      for (int i = 0; i < 64; ++i) times_x();
    }
  }
};
constexpr ShiftTable kShiftTable;

__attribute__((target("sse4.2,pclmul"))) inline uint32_t ShiftWords(
    uint32_t crc, size_t words) {
  const __m128i product = _mm_clmulepi64_si128(
      _mm_cvtsi32_si128(static_cast<int>(crc)),
      _mm_cvtsi32_si128(static_cast<int>(kShiftTable.k[words])), 0);
  return static_cast<uint32_t>(
      _mm_crc32_u64(0, static_cast<uint64_t>(_mm_cvtsi128_si64(product))));
}

__attribute__((target("sse4.2"))) inline uint64_t Word(const char* p) {
  uint64_t word;
  std::memcpy(&word, p, 8);
  return word;
}

__attribute__((target("sse4.2"))) uint32_t Crc32cOneChain(const char* p,
                                                          size_t n,
                                                          uint32_t crc) {
  uint64_t c = crc;
  for (; n >= 8; p += 8, n -= 8) c = _mm_crc32_u64(c, Word(p));
  uint32_t c32 = static_cast<uint32_t>(c);
  if (n >= 4) {
    uint32_t word;
    std::memcpy(&word, p, 4);
    c32 = _mm_crc32_u32(c32, word);
    p += 4;
    n -= 4;
  }
  for (; n > 0; --n) c32 = _mm_crc32_u8(c32, static_cast<uint8_t>(*p++));
  return c32;
}

__attribute__((target("sse4.2,pclmul"))) uint32_t Crc32cThreeChains(
    const char* p, size_t n, uint32_t crc) {
  while (n >= kMinThreeWay) {
    const size_t words = std::min(kMaxWords, n / 24);
    const char* b = p + 8 * words;
    const char* c = b + 8 * words;
    uint64_t ca = crc, cb = 0, cc = 0;
    for (size_t i = 0; i < 8 * words; i += 8) {
      ca = _mm_crc32_u64(ca, Word(p + i));
      cb = _mm_crc32_u64(cb, Word(b + i));
      cc = _mm_crc32_u64(cc, Word(c + i));
    }
    crc = ShiftWords(static_cast<uint32_t>(ca), 2 * words) ^
          ShiftWords(static_cast<uint32_t>(cb), words) ^
          static_cast<uint32_t>(cc);
    p += 24 * words;
    n -= 24 * words;
  }
  return Crc32cOneChain(p, n, crc);
}

enum class CrcPath { kPortable, kOneChain, kThreeChains };

CrcPath DetectPath() {
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return CrcPath::kPortable;
  if ((ecx & bit_SSE4_2) == 0) return CrcPath::kPortable;
  return (ecx & bit_PCLMUL) != 0 ? CrcPath::kThreeChains : CrcPath::kOneChain;
}
#endif

}  // namespace

uint32_t Crc32c(const char* data, size_t n, uint32_t init) {
  uint32_t crc = ~init;
#if defined(__x86_64__)
  static const CrcPath path = DetectPath();
  switch (path) {
    case CrcPath::kThreeChains:
      return ~Crc32cThreeChains(data, n, crc);
    case CrcPath::kOneChain:
      return ~Crc32cOneChain(data, n, crc);
    case CrcPath::kPortable:
      break;
  }
#endif
  return ~Crc32cPortable(data, n, crc);
}

uint32_t Crc32cPortableForTest(const char* data, size_t n, uint32_t init) {
  return ~Crc32cPortable(data, n, ~init);
}

}  // namespace mnemo::internal
