// Copyright (c) mnemo authors.
//
// Byte-level encoding helpers for keys and values: little-endian fixed ints
// for values, big-endian for keys (so byte order sorts numerically),
// varints, length-prefixed strings, and CRC-32C.

#ifndef MNEMO_ENGINE_CODING_H_
#define MNEMO_ENGINE_CODING_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace mnemo::internal {

inline void PutFixed32(std::string* dst, uint32_t v) {
  char buf[4];
  std::memcpy(buf, &v, 4);  // little-endian hosts only (x86-64, arm64)
  dst->append(buf, 4);
}
inline void PutFixed64(std::string* dst, uint64_t v) {
  char buf[8];
  std::memcpy(buf, &v, 8);
  dst->append(buf, 8);
}
inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t DecodeFixed64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline void EncodeFixed64(char* p, uint64_t v) { std::memcpy(p, &v, 8); }
inline void EncodeFixed32(char* p, uint32_t v) { std::memcpy(p, &v, 4); }

// Big-endian, for keys.
inline void PutBigEndian64(std::string* dst, uint64_t v) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  dst->append(buf, 8);
}
inline uint64_t DecodeBigEndian64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
inline void PutBigEndian32(std::string* dst, uint32_t v) {
  char buf[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                 static_cast<char>(v >> 8), static_cast<char>(v)};
  dst->append(buf, 4);
}
inline uint32_t DecodeBigEndian32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
// Signed times sort correctly as big-endian once the sign bit is flipped.
inline void PutOrderedTime(std::string* dst, int64_t t) {
  PutBigEndian64(dst, static_cast<uint64_t>(t) ^ (uint64_t{1} << 63));
}
inline int64_t DecodeOrderedTime(const char* p) {
  return static_cast<int64_t>(DecodeBigEndian64(p) ^ (uint64_t{1} << 63));
}

void PutVarint32(std::string* dst, uint32_t v);
void PutVarint64(std::string* dst, uint64_t v);
void PutLengthPrefixed(std::string* dst, std::string_view s);

// Cursor over untrusted bytes: every Get* checks bounds and returns false
// (leaving the reader failed) instead of reading past the end.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool GetVarint32(uint32_t* v);
  bool GetVarint64(uint64_t* v);
  bool GetFixed32(uint32_t* v);
  bool GetFixed64(uint64_t* v);
  bool GetByte(uint8_t* v);
  // The view aliases the input; `max_len` bounds the accepted length.
  bool GetLengthPrefixed(std::string_view* s, size_t max_len);
  bool GetBytes(size_t n, std::string_view* s);
  size_t remaining() const { return in_.size(); }
  bool empty() const { return in_.empty(); }

 private:
  std::string_view in_;
};

// CRC-32C (Castagnoli), hardware-accelerated when SSE4.2 is available
// (crc32c.cc). `init` is an earlier call's result, to continue it.
uint32_t Crc32c(const char* data, size_t n, uint32_t init = 0);
// The table-driven Crc32c, whatever the CPU has: the tests' oracle.
uint32_t Crc32cPortableForTest(const char* data, size_t n, uint32_t init = 0);
// Masked form stored on disk, so a CRC of bytes containing CRCs still
// catches errors (as LevelDB does).
inline uint32_t MaskCrc(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_CODING_H_
