// Copyright (c) mnemo authors.

#include "coding.h"

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

}  // namespace mnemo::internal
