// Copyright (c) mnemo authors.

#include "envelope.h"

#include <algorithm>
#include <map>

#include "coding.h"

namespace mnemo::internal {
namespace {

Status Bad(std::string_view what, std::string_view problem) {
  std::string msg(what);
  msg += ": ";
  msg += problem;
  return Status::Corruption(msg);
}

// Reader::GetVarint32 with inline paths for one- and two-byte values
// (labels, metadata entries and most texts have such lengths): scans and
// Get decode every record they return, and the out-of-line Reader showed
// in their profiles. Accepts exactly what Reader accepts.
bool TakeVarint32(std::string_view* in, uint32_t* v) {
  if (in->size() >= 2) {
    uint8_t b0 = static_cast<uint8_t>((*in)[0]);
    if ((b0 & 0x80) == 0) {
      *v = b0;
      in->remove_prefix(1);
      return true;
    }
    uint8_t b1 = static_cast<uint8_t>((*in)[1]);
    if ((b1 & 0x80) == 0) {
      *v = (b0 & 0x7fu) | (static_cast<uint32_t>(b1) << 7);
      in->remove_prefix(2);
      return true;
    }
  }
  Reader reader(*in);
  if (!reader.GetVarint32(v)) return false;
  in->remove_prefix(in->size() - reader.remaining());
  return true;
}

bool TakeLengthPrefixed(std::string_view* in, std::string_view* s,
                        size_t max_len) {
  uint32_t len;
  if (!TakeVarint32(in, &len) || len > max_len || in->size() < len) {
    return false;
  }
  *s = in->substr(0, len);
  in->remove_prefix(len);
  return true;
}

uint32_t FloatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return bits;
}

float BitsFloat(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

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
  if ((has & kHasCreated) &&
      !TakeTimeDelta(in, h->event_time, &h->created_time)) {
    return false;
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
  const char* p = nullptr;
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

bool PeekV2(std::string_view value, EnvelopeHeader* h) {
  if (value.size() < kV2FixedSize + kTrailerSize) return false;
  const uint8_t has = static_cast<uint8_t>(value[2]);
  const char* p = value.data();
  h->id = DecodeFixed64(p + 3);
  h->event_time = static_cast<Micros>(DecodeFixed64(p + 11));
  h->content_hash = DecodeFixed64(p + 19);
  h->created_time = h->updated_time = h->event_time;  // absent: the same
  std::string_view in = value.substr(
      kV2FixedSize, value.size() - kV2FixedSize - kTrailerSize);
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

}  // namespace

namespace {

// The part after the fixed header (labels, metadata, text), then the
// checksum of the value from `start`.
void EncodeBody(const Record& r, std::string_view stored_text, size_t start,
                std::string* out) {
  PutLengthPrefixed(out, r.ns.tenant);
  PutLengthPrefixed(out, r.ns.agent);
  PutLengthPrefixed(out, r.ns.session);
  PutLengthPrefixed(out, r.role);
  PutLengthPrefixed(out, r.kind);
  PutVarint32(out, static_cast<uint32_t>(r.metadata.size()));
  for (const auto& [key, value] : r.metadata) {
    PutLengthPrefixed(out, key);
    PutLengthPrefixed(out, value);
  }
  PutLengthPrefixed(out, stored_text);
  std::string_view body(out->data() + start, out->size() - start);
  PutFixed32(out, MaskCrc(Crc32c(body.data(), body.size())));
}

}  // namespace

namespace {

// The version-2 header fields EncodeEnvelope and EncodeNewEnvelope share.
struct V2Fields {
  RecordId id;
  Micros event, created, updated, expires, last_access;
  uint64_t access_count, content_hash, page_id;
  uint32_t page_item, page_count, version;
  float importance;
  Tier tier;
};

void EncodeHeaderV2(const V2Fields& f, uint8_t flags, std::string* out) {
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
  out->push_back(static_cast<char>(kEnvelopeVersion));
  out->push_back(static_cast<char>(flags));
  out->push_back(static_cast<char>(has));
  PutFixed64(out, f.id);
  PutFixed64(out, static_cast<uint64_t>(f.event));
  PutFixed64(out, f.content_hash);
  if (has & kHasCreated) PutTimeDelta(out, f.created, f.event);
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

}  // namespace

void EncodeEnvelope(const Record& r, uint8_t flags,
                    std::string_view stored_text, std::string* out) {
  size_t start = out->size();
  out->reserve(start + 64 + stored_text.size() + 64);
  V2Fields f{r.id,
             r.event_time,
             r.created_time,
             r.updated_time,
             r.expires_at,
             r.last_access,
             r.access_count,
             r.content_hash,
             r.page.page_id,
             r.page.item,
             r.page.page_count,
             r.version,
             r.importance,
             r.tier};
  EncodeHeaderV2(f, flags, out);
  EncodeBody(r, stored_text, start, out);
}

// The header EncodeEnvelope writes for the record `r` with the stamp's
// fields set (and tier hot, no page, no access, version 1), without a copy
// of `r`.
void EncodeNewEnvelope(const Record& r, const NewRecordStamp& stamp,
                       std::string* out) {
  size_t start = out->size();
  out->reserve(start + 64 + r.text.size() + 64);
  V2Fields f{stamp.id,   stamp.event_time, stamp.now, stamp.now,
             r.expires_at, 0,              0,         stamp.content_hash,
             0,          0,                0,         1,
             r.importance, Tier::kHot};
  EncodeHeaderV2(f, 0, out);
  EncodeBody(r, r.text, start, out);
}

namespace {

// VerifyEnvelope, also giving the header it parsed.
Status CheckEnvelope(std::string_view value, std::string_view what,
                     EnvelopeHeader* h) {
  const uint8_t version = value.empty() ? 0 : static_cast<uint8_t>(value[0]);
  if (version > kEnvelopeVersion) {
    return Status::NotSupported(std::string(what) + ": record format " +
                                std::to_string(version) +
                                " is newer than this build supports");
  }
  if (value.size() < kMinV2Size) {
    return Bad(what, "stored value is truncated (" +
                         std::to_string(value.size()) + " bytes)");
  }
  if (version == 0) return Bad(what, "invalid record format 0");
  if (!PeekHeader(value, h)) {
    return Bad(what, version == kEnvelopeV1
                         ? "stored value is truncated (" +
                               std::to_string(value.size()) + " bytes)"
                         : std::string("malformed record header"));
  }
  size_t body = value.size() - kTrailerSize;
  uint32_t stored = DecodeFixed32(value.data() + body);
  if (stored != MaskCrc(Crc32c(value.data(), body))) {
    return Bad(what, "checksum mismatch");
  }
  return Status::OK();
}

}  // namespace

Status VerifyEnvelope(std::string_view value, std::string_view what) {
  EnvelopeHeader h;
  return CheckEnvelope(value, what, &h);
}

bool PeekHeader(std::string_view value, EnvelopeHeader* h) {
  if (value.empty()) return false;
  *h = EnvelopeHeader();  // version 2 leaves absent fields at their defaults
  h->version = static_cast<uint8_t>(value[0]);
  if (value.size() >= 2) h->flags = static_cast<uint8_t>(value[1]);
  if (h->version == kEnvelopeVersion) return PeekV2(value, h);
  if (h->version == kEnvelopeV1) return PeekV1(value, h);
  return false;
}

Status DecodeEnvelope(std::string_view value, std::string_view what,
                      Record* r, uint8_t* flags_out) {
  EnvelopeHeader h;
  MNEMO_RETURN_IF_ERROR(CheckEnvelope(value, what, &h));
  if (flags_out) *flags_out = h.flags;
  r->text_forgotten = (h.flags & kFlagTextForgotten) != 0;
  r->id = h.id;
  r->event_time = h.event_time;
  r->created_time = h.created_time;
  r->updated_time = h.updated_time;
  r->last_access = h.last_access;
  r->expires_at = h.expires_at;
  r->access_count = h.access_count;
  r->content_hash = h.content_hash;
  r->page.page_id = h.page_id;
  r->page.item = h.page_item;
  r->page.page_count = h.page_count;
  r->version = h.record_version;
  r->importance = h.importance;
  if (h.tier > static_cast<uint8_t>(Tier::kDecayed)) {
    return Bad(what, "invalid tier " + std::to_string(h.tier));
  }
  r->tier = static_cast<Tier>(h.tier);

  std::string_view rest = value.substr(
      h.body_offset, value.size() - h.body_offset - kTrailerSize);
  std::string_view parts[5];
  for (auto& part : parts) {
    if (!TakeLengthPrefixed(&rest, &part, kMaxNamespacePart)) {
      return Bad(what, "malformed namespace or label");
    }
  }
  r->ns.tenant.assign(parts[0]);
  r->ns.agent.assign(parts[1]);
  r->ns.session.assign(parts[2]);
  r->role.assign(parts[3]);
  r->kind.assign(parts[4]);
  uint32_t meta_count;
  if (!TakeVarint32(&rest, &meta_count) || meta_count > kMaxMetadataEntries) {
    return Bad(what, "malformed metadata count");
  }
  // The map's old nodes are reused for the new entries (their strings keep
  // their capacity): a caller decoding into the same Record again (Get's
  // scratch record) allocates no node.
  std::map<std::string, std::string> old;
  old.swap(r->metadata);
  for (uint32_t i = 0; i < meta_count; ++i) {
    std::string_view key, val;
    if (!TakeLengthPrefixed(&rest, &key, kMaxMetadataKey) ||
        !TakeLengthPrefixed(&rest, &val, value.size())) {
      return Bad(what, "malformed metadata entry");
    }
    // Encoded in map order, so the end is the right place (a hint only:
    // a duplicate key is still dropped as emplace would).
    if (old.empty()) {
      r->metadata.emplace_hint(r->metadata.end(), key, val);
      continue;
    }
    auto node = old.extract(old.begin());
    node.key().assign(key);
    node.mapped().assign(val);
    r->metadata.insert(r->metadata.end(), std::move(node));
  }
  std::string_view text;
  if (!TakeLengthPrefixed(&rest, &text, value.size()) || !rest.empty()) {
    return Bad(what, "malformed text field");
  }
  r->text.assign(text);
  return Status::OK();
}

bool PeekLabels(std::string_view value, const EnvelopeHeader& h,
                std::string_view parts[5]) {
  std::string_view rest = value.substr(
      h.body_offset, value.size() - h.body_offset - kTrailerSize);
  for (int i = 0; i < 5; ++i) {
    if (!TakeLengthPrefixed(&rest, &parts[i], kMaxNamespacePart)) return false;
  }
  return true;
}

bool PeekLabels(std::string_view value, std::string_view parts[5]) {
  EnvelopeHeader h;
  return PeekHeader(value, &h) && PeekLabels(value, h, parts);
}

void PatchAccess(std::string* value, uint64_t access_count,
                 Micros last_access) {
  EnvelopeHeader h;
  if (!PeekHeader(*value, &h)) return;  // REQUIRES: verified
  if (h.version == kEnvelopeV1) {
    char* p = value->data();
    EncodeFixed64(p + kOffAccessCount, access_count);
    EncodeFixed64(p + kOffLastAccess, static_cast<uint64_t>(last_access));
  } else {
    std::string patched;
    SpliceAccessV2(*value, h, access_count, last_access, &patched);
    patched.resize(patched.size() + kTrailerSize);
    value->swap(patched);
  }
  char* p = value->data();
  size_t body = value->size() - kTrailerSize;
  EncodeFixed32(p + body, MaskCrc(Crc32c(p, body)));
}

bool AddAccessChecked(std::string_view old, uint64_t count, Micros last,
                      std::string* out) {
  EnvelopeHeader h;
  if (old.size() < kMinV2Size || !PeekHeader(old, &h)) return false;
  const uint64_t new_count = h.access_count + count;
  const Micros new_last = std::max(h.last_access, last);
  if (h.version == kEnvelopeV1) {
    out->assign(old);
    EncodeFixed64(out->data() + kOffAccessCount, new_count);
    EncodeFixed64(out->data() + kOffLastAccess,
                  static_cast<uint64_t>(new_last));
  } else {
    SpliceAccessV2(old, h, new_count, new_last, out);
    out->resize(out->size() + kTrailerSize);
  }
  // Usually the same length (the varints kept their widths): both
  // checksums in one pass.
  const size_t body = old.size() - kTrailerSize;
  const size_t new_body = out->size() - kTrailerSize;
  uint32_t crc_old = 0, crc_new = 0;
  if (new_body == body) {
    Crc32cTwo(old.data(), out->data(), body, &crc_old, &crc_new);
  } else {
    crc_old = Crc32c(old.data(), body);
    crc_new = Crc32c(out->data(), new_body);
  }
  if (DecodeFixed32(old.data() + body) != MaskCrc(crc_old)) return false;
  EncodeFixed32(out->data() + new_body, MaskCrc(crc_new));
  return true;
}

}  // namespace mnemo::internal
