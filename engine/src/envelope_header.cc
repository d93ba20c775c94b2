// Copyright (c) mnemo authors.
//
// Record envelope headers (envelope.h): version 2's encoder and the header
// parser of both versions, which DecodeEnvelope, the access-count merge
// and every header peek share.

#include <algorithm>

#include "coding.h"
#include "envelope.h"
#include "envelope_header.h"

namespace mnemo::internal {
namespace {

constexpr uint32_t kHalfBits = 0x3f000000u;  // the bits of 0.5f

uint64_t ZigZag(uint64_t v) {
  return (v << 1) ^ (0 - (v >> 63));
}
uint64_t UnZigZag(uint64_t v) { return (v >> 1) ^ (0 - (v & 1)); }

// Times are stored zigzag (any int64 round-trips); differences wrap
// modulo 2^64, which also round-trips exactly.
void PutTime(std::string* out, Micros t) {
  PutVarint64(out, ZigZag(static_cast<uint64_t>(t)));
}
void PutTimeDelta(std::string* out, Micros t, Micros base) {
  PutVarint64(out, ZigZag(static_cast<uint64_t>(t) - static_cast<uint64_t>(base)));
}

// A varint64 of at most 10 bytes, decoded inline: version 2's id and times
// take 7-9 bytes, and every Get and scanned record reads them.
bool TakeVarint64(std::string_view* in, uint64_t* v) {
  const size_t n = std::min<size_t>(in->size(), 10);
  const char* p = in->data();
  uint64_t result = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t byte = static_cast<uint8_t>(p[i]);
    result |= (byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      *v = result;
      in->remove_prefix(i + 1);
      return true;
    }
  }
  return false;
}

bool TakeTime(std::string_view* in, Micros* t) {
  uint64_t v;
  if (!TakeVarint64(in, &v)) return false;
  *t = static_cast<Micros>(UnZigZag(v));
  return true;
}

bool TakeTimeDelta(std::string_view* in, Micros base, Micros* t) {
  uint64_t v;
  if (!TakeVarint64(in, &v)) return false;
  *t = static_cast<Micros>(static_cast<uint64_t>(base) + UnZigZag(v));
  return true;
}

bool TakeFixed(std::string_view* in, size_t n, const char** p) {
  if (in->size() < n) return false;
  *p = in->data();
  in->remove_prefix(n);
  return true;
}

bool PeekV1(std::string_view value, EnvelopeHeader* h) {
  if (value.size() < kHeaderSize + kTrailerSize) return false;
  const char* p = value.data();
  h->id = DecodeFixed64(p + kOffId);
  h->event_time = static_cast<Micros>(DecodeFixed64(p + kOffEventTime));
  h->created_time = static_cast<Micros>(DecodeFixed64(p + kOffCreatedTime));
  h->updated_time = static_cast<Micros>(DecodeFixed64(p + kOffUpdatedTime));
  h->last_access = static_cast<Micros>(DecodeFixed64(p + kOffLastAccess));
  h->expires_at = static_cast<Micros>(DecodeFixed64(p + kOffExpiresAt));
  h->access_count = DecodeFixed64(p + kOffAccessCount);
  h->content_hash = DecodeFixed64(p + kOffContentHash);
  h->page_id = DecodeFixed64(p + kOffPageId);
  h->page_item = DecodeFixed32(p + kOffPageItem);
  h->page_count = DecodeFixed32(p + kOffPageCount);
  h->record_version = DecodeFixed32(p + kOffVersion);
  h->importance = BitsFloat(DecodeFixed32(p + kOffImportance));
  h->tier = static_cast<uint8_t>(p[kOffTier]);
  h->body_offset = kHeaderSize;
  h->access_offset = kOffLastAccess;
  return true;
}

// The optional fields of a version-2 header, in presence-bit order (the
// access fields, last, are read by the caller).
bool TakeOptionalV2(uint8_t has, std::string_view* in, EnvelopeHeader* h) {
  const char* p = nullptr;
  if (has & kHasCreated) {
    if (!TakeFixed(in, 8, &p)) return false;
    h->created_time = static_cast<Micros>(DecodeFixed64(p));
  }
  h->updated_time = h->created_time;  // absent: the same
  if ((has & kHasUpdated) &&
      !TakeTimeDelta(in, h->created_time, &h->updated_time)) {
    return false;
  }
  if ((has & kHasExpires) && !TakeTime(in, &h->expires_at)) return false;
  if ((has & kHasPage) &&
      (!TakeVarint64(in, &h->page_id) || !TakeVarint32(in, &h->page_item) ||
       !TakeVarint32(in, &h->page_count))) {
    return false;
  }
  if ((has & kHasVersion) && !TakeVarint32(in, &h->record_version)) {
    return false;
  }
  if (has & kHasTier) {
    if (!TakeFixed(in, 1, &p)) return false;
    h->tier = static_cast<uint8_t>(*p);
  }
  if (has & kHasImportance) {
    if (!TakeFixed(in, 4, &p)) return false;
    h->importance = BitsFloat(DecodeFixed32(p));
  }
  return true;
}

// Versions 2 and 3 (`key`: version 3's id and event time, or null).
bool PeekV2(std::string_view value, EnvelopeHeader* h, bool keyed,
            const KeyFields* key) {
  const size_t fixed = keyed ? kV3FixedSize : kV2FixedSize;
  // Version 3's least (kMinV3Size) keeps every 16-byte value, which is
  // orphan counts, from peeking as one.
  if (value.size() < (keyed ? kMinV3Size : fixed + kTrailerSize)) return false;
  const uint8_t has = static_cast<uint8_t>(value[2]);
  const char* p = value.data();
  if (keyed) {
    h->id = key != nullptr ? key->id : 0;
    h->event_time = key != nullptr ? key->event_time : 0;
    h->content_hash = DecodeFixed64(p + 3);
  } else {
    h->id = DecodeFixed64(p + 3);
    h->event_time = static_cast<Micros>(DecodeFixed64(p + 11));
    h->content_hash = DecodeFixed64(p + 19);
  }
  h->created_time = h->updated_time = h->event_time;  // absent: the same
  // The other optional fields' implied values.
  h->expires_at = h->last_access = 0;
  h->access_count = h->page_id = 0;
  h->page_item = h->page_count = 0;
  h->record_version = 1;
  h->tier = static_cast<uint8_t>(Tier::kHot);
  h->importance = 0.5f;
  std::string_view in =
      value.substr(fixed, value.size() - fixed - kTrailerSize);
  if (has != 0 && !TakeOptionalV2(has, &in, h)) return false;
  h->access_offset = value.size() - kTrailerSize - in.size();
  if (has & kHasAccess) {
    const char* last = nullptr;
    if (!TakeVarint64(&in, &h->access_count) || !TakeFixed(&in, 8, &last)) {
      return false;
    }
    h->last_access = static_cast<Micros>(DecodeFixed64(last));
  }
  h->body_offset = value.size() - kTrailerSize - in.size();
  return true;
}

}  // namespace

// Version 2's access fields for `count` and `last` (none when both are 0).
void PutAccessV2(uint64_t count, Micros last, std::string* out) {
  if (count == 0 && last == 0) return;
  PutVarint64(out, count);
  PutFixed64(out, static_cast<uint64_t>(last));
}

// *out = the body (all but the checksum) of version-2 `old` (header `h`)
// with its access fields replaced.
void SpliceAccessV2(std::string_view old, const EnvelopeHeader& h,
                    uint64_t count, Micros last, std::string* out) {
  out->clear();
  out->reserve(old.size() + 20);
  out->append(old.data(), h.access_offset);
  uint8_t has = static_cast<uint8_t>(old[2]) & ~kHasAccess;
  if (count != 0 || last != 0) has |= kHasAccess;
  (*out)[2] = static_cast<char>(has);
  PutAccessV2(count, last, out);
  out->append(old.data() + h.body_offset,
              old.size() - kTrailerSize - h.body_offset);
}

uint32_t KeyedCrcSeed(const KeyFields& key) {
  char fields[16];
  EncodeFixed64(fields, key.id);
  EncodeFixed64(fields + 8, static_cast<uint64_t>(key.event_time));
  return Crc32c(fields, sizeof(fields));
}

void EncodeHeaderV2(const V2Fields& f, uint8_t flags, EnvelopeForm form,
                    std::string* out) {
  const bool paged = f.page_id != 0 || f.page_item != 0 || f.page_count != 0;
  uint8_t has = 0;
  if (f.created != f.event) has |= kHasCreated;
  if (f.updated != f.created) has |= kHasUpdated;
  if (f.expires != 0) has |= kHasExpires;
  if (paged) has |= kHasPage;
  if (f.version != 1) has |= kHasVersion;
  if (f.tier != Tier::kHot) has |= kHasTier;
  if (FloatBits(f.importance) != kHalfBits) has |= kHasImportance;
  if (f.access_count != 0 || f.last_access != 0) has |= kHasAccess;
  const bool keyed = form == EnvelopeForm::kKeyed;
  out->push_back(static_cast<char>(keyed ? kEnvelopeV3 : kEnvelopeV2));
  out->push_back(static_cast<char>(flags));
  out->push_back(static_cast<char>(has));
  if (!keyed) {
    PutFixed64(out, f.id);
    PutFixed64(out, static_cast<uint64_t>(f.event));
  }
  PutFixed64(out, f.content_hash);
  if (has & kHasCreated) PutFixed64(out, static_cast<uint64_t>(f.created));
  if (has & kHasUpdated) PutTimeDelta(out, f.updated, f.created);
  if (has & kHasExpires) PutTime(out, f.expires);
  if (paged) {
    PutVarint64(out, f.page_id);
    PutVarint32(out, f.page_item);
    PutVarint32(out, f.page_count);
  }
  if (has & kHasVersion) PutVarint32(out, f.version);
  if (has & kHasTier) out->push_back(static_cast<char>(f.tier));
  if (has & kHasImportance) PutFixed32(out, FloatBits(f.importance));
  PutAccessV2(f.access_count, f.last_access, out);
}

bool PeekHeader(std::string_view value, EnvelopeHeader* h,
                const KeyFields* key) {
  if (value.empty()) return false;
  h->version = static_cast<uint8_t>(value[0]);
  h->flags = value.size() >= 2 ? static_cast<uint8_t>(value[1]) : 0;
  if (h->version == kEnvelopeV3) return PeekV2(value, h, true, key);
  if (h->version == kEnvelopeV2) return PeekV2(value, h, false, nullptr);
  if (h->version == kEnvelopeV1) return PeekV1(value, h);
  return false;
}

}  // namespace mnemo::internal
