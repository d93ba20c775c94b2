// Copyright (c) mnemo authors.

#include "coding.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>
#endif

namespace mnemo::internal {

void PutVarint32(std::string* dst, uint32_t v) { PutVarint64(dst, v); }

void PutVarint64(std::string* dst, uint64_t v) {
  char buf[10];
  int n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  dst->append(buf, n);
}

void PutLengthPrefixed(std::string* dst, std::string_view s) {
  PutVarint32(dst, static_cast<uint32_t>(s.size()));
  dst->append(s.data(), s.size());
}

bool Reader::GetVarint64(uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && !in_.empty(); shift += 7) {
    uint8_t byte = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  in_ = {};
  return false;
}

bool Reader::GetVarint32(uint32_t* v) {
  uint64_t wide;
  if (!GetVarint64(&wide) || wide > UINT32_MAX) return false;
  *v = static_cast<uint32_t>(wide);
  return true;
}

bool Reader::GetFixed32(uint32_t* v) {
  if (in_.size() < 4) return false;
  *v = DecodeFixed32(in_.data());
  in_.remove_prefix(4);
  return true;
}

bool Reader::GetFixed64(uint64_t* v) {
  if (in_.size() < 8) return false;
  *v = DecodeFixed64(in_.data());
  in_.remove_prefix(8);
  return true;
}

bool Reader::GetByte(uint8_t* v) {
  if (in_.empty()) return false;
  *v = static_cast<uint8_t>(in_[0]);
  in_.remove_prefix(1);
  return true;
}

bool Reader::GetBytes(size_t n, std::string_view* s) {
  if (in_.size() < n) return false;
  *s = in_.substr(0, n);
  in_.remove_prefix(n);
  return true;
}

bool Reader::GetLengthPrefixed(std::string_view* s, size_t max_len) {
  uint32_t len;
  if (!GetVarint32(&len) || len > max_len) return false;
  return GetBytes(len, s);
}

namespace {

uint32_t kCrcTable[256];

bool InitTable() {
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
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
__attribute__((target("sse4.2"))) uint32_t Crc32cHardware(const char* p,
                                                          size_t n,
                                                          uint32_t crc) {
  uint64_t c = crc;
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
    p += 8;
    n -= 8;
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  while (n-- > 0) c32 = _mm_crc32_u8(c32, static_cast<uint8_t>(*p++));
  return c32;
}

__attribute__((target("sse4.2"))) void Crc32cTwoHardware(
    const char* a, const char* b, size_t n, uint32_t* crc_a, uint32_t* crc_b) {
  uint64_t ca = *crc_a, cb = *crc_b;
  while (n >= 8) {
    uint64_t wa, wb;
    std::memcpy(&wa, a, 8);
    std::memcpy(&wb, b, 8);
    ca = _mm_crc32_u64(ca, wa);
    cb = _mm_crc32_u64(cb, wb);
    a += 8;
    b += 8;
    n -= 8;
  }
  uint32_t a32 = static_cast<uint32_t>(ca), b32 = static_cast<uint32_t>(cb);
  for (; n > 0; --n) {
    a32 = _mm_crc32_u8(a32, static_cast<uint8_t>(*a++));
    b32 = _mm_crc32_u8(b32, static_cast<uint8_t>(*b++));
  }
  *crc_a = a32;
  *crc_b = b32;
}

bool HasSse42() {
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
  return (ecx & bit_SSE4_2) != 0;
}
#endif

}  // namespace

uint32_t Crc32c(const char* data, size_t n, uint32_t init) {
  uint32_t crc = ~init;
#if defined(__x86_64__)
  static const bool hardware = HasSse42();
  crc = hardware ? Crc32cHardware(data, n, crc) : Crc32cPortable(data, n, crc);
#else
  crc = Crc32cPortable(data, n, crc);
#endif
  return ~crc;
}

void Crc32cTwo(const char* a, const char* b, size_t n, uint32_t* crc_a,
               uint32_t* crc_b) {
#if defined(__x86_64__)
  static const bool hardware = HasSse42();
  if (hardware) {
    uint32_t ca = ~0u, cb = ~0u;
    Crc32cTwoHardware(a, b, n, &ca, &cb);
    *crc_a = ~ca;
    *crc_b = ~cb;
    return;
  }
#endif
  *crc_a = Crc32c(a, n);
  *crc_b = Crc32c(b, n);
}

}  // namespace mnemo::internal
