// Copyright (c) mnemo authors.
//
// Record envelopes (envelope.h): encoding, checks, decoding and the
// access-count patch; the headers are envelope_header.cc's.

#include "envelope.h"

#include <algorithm>

#include "coding.h"
#include "envelope_header.h"

namespace mnemo::internal {

// The varints TakeVarint32 (envelope_header.h) does not decode inline.
bool TakeVarint32Slow(std::string_view* in, uint32_t* v) {
  Reader reader(*in);
  if (!reader.GetVarint32(v)) return false;
  in->remove_prefix(in->size() - reader.remaining());
  return true;
}

namespace {

Status Bad(std::string_view what, std::string_view problem) {
  std::string msg(what);
  msg += ": ";
  msg += problem;
  return Status::Corruption(msg);
}

inline bool TakeLengthPrefixed(std::string_view* in, std::string_view* s,
                               size_t max_len) {
  uint32_t len;
  if (!TakeVarint32(in, &len) || len > max_len || in->size() < len) {
    return false;
  }
  *s = in->substr(0, len);
  in->remove_prefix(len);
  return true;
}

// The part after the fixed header (labels, metadata, text), then the
// checksum of the value from `start`, continuing `crc_seed` (version 3's
// key fields; 0 for version 2).
void EncodeBody(const Record& r, std::string_view stored_text, size_t start,
                uint32_t crc_seed, std::string* out) {
  PutLengthPrefixed(out, r.ns.tenant);
  PutLengthPrefixed(out, r.ns.agent);
  PutLengthPrefixed(out, r.ns.session);
  PutLengthPrefixed(out, r.role);
  PutLengthPrefixed(out, r.kind);
  // The packed entries are the stored form (mnemo/metadata.h).
  PutVarint32(out, static_cast<uint32_t>(r.metadata.size()));
  out->append(r.metadata.packed());
  PutLengthPrefixed(out, stored_text);
  std::string_view body(out->data() + start, out->size() - start);
  PutFixed32(out, MaskCrc(Crc32c(body.data(), body.size(), crc_seed)));
}

uint32_t SeedFor(EnvelopeForm form, RecordId id, Micros event_time) {
  return form == EnvelopeForm::kKeyed ? KeyedCrcSeed({id, event_time}) : 0;
}

}  // namespace

void EncodeEnvelope(const Record& r, uint8_t flags,
                    std::string_view stored_text, std::string* out,
                    EnvelopeForm form) {
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
  EncodeHeaderV2(f, flags, form, out);
  EncodeBody(r, stored_text, start, SeedFor(form, r.id, r.event_time), out);
}

// The header EncodeEnvelope writes for the record `r` with the stamp's
// fields set (and tier hot, no page, no access, version 1), without a copy
// of `r`.
void EncodeNewEnvelope(const Record& r, const NewRecordStamp& stamp,
                       std::string* out, EnvelopeForm form) {
  size_t start = out->size();
  out->reserve(start + 64 + r.text.size() + 64);
  V2Fields f{stamp.id,   stamp.event_time, stamp.now, stamp.now,
             r.expires_at, 0,              0,         stamp.content_hash,
             0,          0,                0,         1,
             r.importance, Tier::kHot};
  EncodeHeaderV2(f, 0, form, out);
  EncodeBody(r, r.text, start, SeedFor(form, stamp.id, stamp.event_time), out);
}

namespace {

// The checksum's start for `value` (version 3: its key's fields).
// REQUIRES: value is not empty; key is set for a version-3 value.
uint32_t CrcSeedOf(std::string_view value, const KeyFields* key) {
  return static_cast<uint8_t>(value[0]) == kEnvelopeV3 ? KeyedCrcSeed(*key) : 0;
}

// REQUIRES: value.size() >= kTrailerSize; key as CrcSeedOf's.
Status CheckSum(std::string_view value, std::string_view what,
                const KeyFields* key) {
  size_t body = value.size() - kTrailerSize;
  uint32_t stored = DecodeFixed32(value.data() + body);
  if (stored != MaskCrc(Crc32c(value.data(), body, CrcSeedOf(value, key)))) {
    return Bad(what, "checksum mismatch");
  }
  return Status::OK();
}

size_t MinSize(uint8_t version) {
  return version == kEnvelopeV3 ? kMinV3Size : kMinV2Size;
}

// VerifyEnvelope, also giving the header it parsed.
Status CheckEnvelope(std::string_view value, std::string_view what,
                     const KeyFields* key, EnvelopeHeader* h) {
  const uint8_t version = value.empty() ? 0 : static_cast<uint8_t>(value[0]);
  if (version > kEnvelopeVersion) {
    return Status::NotSupported(std::string(what) + ": record format " +
                                std::to_string(version) +
                                " is newer than this build supports");
  }
  if (value.size() < MinSize(version)) {
    return Bad(what, "stored value is truncated (" +
                         std::to_string(value.size()) + " bytes)");
  }
  if (version == 0) return Bad(what, "invalid record format 0");
  if (version == kEnvelopeV3 && key == nullptr) {
    return Bad(what, "a keyed record value read without its key");
  }
  if (!PeekHeader(value, h, key)) {
    return Bad(what, version == kEnvelopeV1
                         ? "stored value is truncated (" +
                               std::to_string(value.size()) + " bytes)"
                         : std::string("malformed record header"));
  }
  return CheckSum(value, what, key);
}

}  // namespace

Status VerifyEnvelope(std::string_view value, std::string_view what,
                      const KeyFields* key) {
  EnvelopeHeader h;
  return CheckEnvelope(value, what, key, &h);
}

Status DecodeEnvelope(std::string_view value, std::string_view what, Record* r,
                      uint8_t* flags_out, const EnvelopeHeader* peeked,
                      const KeyFields* key) {
  EnvelopeHeader parsed;
  if (peeked == nullptr) {
    MNEMO_RETURN_IF_ERROR(CheckEnvelope(value, what, key, &parsed));
  } else if (peeked->version == kEnvelopeV3 &&
             (key == nullptr || peeked->id != key->id ||
              peeked->event_time != key->event_time)) {
    return Bad(what, "a keyed record value read without its key");
  } else {
    MNEMO_RETURN_IF_ERROR(CheckSum(value, what, key));
  }
  const EnvelopeHeader& h = peeked ? *peeked : parsed;
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
  const char* const entries = rest.data();
  for (uint32_t i = 0; i < meta_count; ++i) {
    std::string_view key, val;
    if (!TakeLengthPrefixed(&rest, &key, kMaxMetadataKey) ||
        !TakeLengthPrefixed(&rest, &val, value.size())) {
      return Bad(what, "malformed metadata entry");
    }
  }
  // Stored in key order by every writer: one copy, into the record's own
  // buffer (a caller decoding into the same Record again allocates none);
  // AssignPacked checks the order.
  std::string_view packed(entries, static_cast<size_t>(rest.data() - entries));
  if (!r->metadata.AssignPacked(packed, meta_count)) {
    // Out of order or repeated keys: the first of each key, sorted.
    r->metadata.clear();
    std::string_view again = packed;
    for (uint32_t i = 0; i < meta_count; ++i) {
      std::string_view key, val;
      (void)TakeLengthPrefixed(&again, &key, kMaxMetadataKey);
      (void)TakeLengthPrefixed(&again, &val, value.size());
      r->metadata.Insert(key, val);
    }
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

void PatchAccess(std::string* value, uint64_t access_count, Micros last_access,
                 const KeyFields* key) {
  EnvelopeHeader h;
  if (!PeekHeader(*value, &h, key)) return;  // REQUIRES: verified
  if (h.version == kEnvelopeV3 && key == nullptr) return;
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
  EncodeFixed32(p + body, MaskCrc(Crc32c(p, body, CrcSeedOf(*value, key))));
}

bool AddAccessChecked(std::string_view old, uint64_t count, Micros last,
                      std::string* out, const KeyFields* key) {
  EnvelopeHeader h;
  if (old.empty() || old.size() < MinSize(static_cast<uint8_t>(old[0])) ||
      !PeekHeader(old, &h, key) ||
      (h.version == kEnvelopeV3 && key == nullptr)) {
    return false;
  }
  const uint32_t seed = CrcSeedOf(old, key);
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
  const size_t body = old.size() - kTrailerSize;
  const size_t new_body = out->size() - kTrailerSize;
  if (DecodeFixed32(old.data() + body) !=
      MaskCrc(Crc32c(old.data(), body, seed))) {
    return false;
  }
  EncodeFixed32(out->data() + new_body,
                MaskCrc(Crc32c(out->data(), new_body, seed)));
  return true;
}

}  // namespace mnemo::internal
