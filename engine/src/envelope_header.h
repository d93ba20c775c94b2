// Copyright (c) mnemo authors.
//
// Internal to envelope.cc and envelope_header.cc: the pieces of the
// envelope format both use.

#ifndef MNEMO_ENGINE_ENVELOPE_HEADER_H_
#define MNEMO_ENGINE_ENVELOPE_HEADER_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "envelope.h"

namespace mnemo::internal {

inline uint32_t FloatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return bits;
}

inline float BitsFloat(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// Reader::GetVarint32 (accepting exactly what it accepts) with the one-
// and two-byte values (labels, metadata entries, most texts) decoded
// inline: scans and Get decode every record they return, and the call
// showed in their profiles. Longer ones take TakeVarint32Slow.
bool TakeVarint32Slow(std::string_view* in, uint32_t* v);
inline bool TakeVarint32(std::string_view* in, uint32_t* v) {
  if (in->size() >= 2) {
    const uint8_t b0 = static_cast<uint8_t>((*in)[0]);
    if ((b0 & 0x80) == 0) {
      *v = b0;
      in->remove_prefix(1);
      return true;
    }
    const uint8_t b1 = static_cast<uint8_t>((*in)[1]);
    if ((b1 & 0x80) == 0) {
      *v = (b0 & 0x7fu) | (static_cast<uint32_t>(b1) << 7);
      in->remove_prefix(2);
      return true;
    }
  }
  return TakeVarint32Slow(in, v);
}

// The header fields (versions 2 and 3) EncodeEnvelope and
// EncodeNewEnvelope share.
struct V2Fields {
  RecordId id;
  Micros event, created, updated, expires, last_access;
  uint64_t access_count, content_hash, page_id;
  uint32_t page_item, page_count, version;
  float importance;
  Tier tier;
};

// Appends the header (all before the body) for `f`: version 3's when
// `form` is keyed (no id, no event time), else version 2's.
void EncodeHeaderV2(const V2Fields& f, uint8_t flags, EnvelopeForm form,
                    std::string* out);

// The checksum's start for a version-3 value: the CRC of its key's id and
// event time (as fixed64s), which Crc32c continues over the value.
uint32_t KeyedCrcSeed(const KeyFields& key);

// Version 2's access fields for `count` and `last` (none when both are 0).
void PutAccessV2(uint64_t count, Micros last, std::string* out);

// *out = the body (all but the checksum) of version-2 or -3 `old` (header
// `h`) with its access fields replaced.
void SpliceAccessV2(std::string_view old, const EnvelopeHeader& h,
                    uint64_t count, Micros last, std::string* out);

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_ENVELOPE_HEADER_H_
