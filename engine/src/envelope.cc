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

void EncodeEnvelope(const Record& r, uint8_t flags,
                    std::string_view stored_text, std::string* out) {
  size_t start = out->size();
  out->reserve(start + kHeaderSize + r.text.size() + 64);
  out->push_back(static_cast<char>(kEnvelopeVersion));
  out->push_back(static_cast<char>(flags));
  PutFixed64(out, r.id);
  PutFixed64(out, static_cast<uint64_t>(r.event_time));
  PutFixed64(out, static_cast<uint64_t>(r.created_time));
  PutFixed64(out, static_cast<uint64_t>(r.updated_time));
  PutFixed64(out, static_cast<uint64_t>(r.last_access));
  PutFixed64(out, static_cast<uint64_t>(r.expires_at));
  PutFixed64(out, r.access_count);
  PutFixed64(out, r.content_hash);
  PutFixed64(out, r.page.page_id);
  PutFixed32(out, r.page.item);
  PutFixed32(out, r.version);
  PutFixed32(out, FloatBits(r.importance));
  out->push_back(static_cast<char>(r.tier));
  PutFixed32(out, r.page.page_count);
  EncodeBody(r, stored_text, start, out);
}

// The header EncodeEnvelope writes for the record `r` with the stamp's
// fields set (and tier hot, no page, no access, version 1), without a copy
// of `r`.
void EncodeNewEnvelope(const Record& r, const NewRecordStamp& stamp,
                       std::string* out) {
  size_t start = out->size();
  out->reserve(start + kHeaderSize + r.text.size() + 64);
  out->push_back(static_cast<char>(kEnvelopeVersion));
  out->push_back(0);  // flags
  PutFixed64(out, stamp.id);
  PutFixed64(out, static_cast<uint64_t>(stamp.event_time));
  PutFixed64(out, static_cast<uint64_t>(stamp.now));  // created
  PutFixed64(out, static_cast<uint64_t>(stamp.now));  // updated
  PutFixed64(out, 0);                                 // last access
  PutFixed64(out, static_cast<uint64_t>(r.expires_at));
  PutFixed64(out, 0);  // access count
  PutFixed64(out, stamp.content_hash);
  PutFixed64(out, 0);  // page id
  PutFixed32(out, 0);  // page item
  PutFixed32(out, 1);  // version
  PutFixed32(out, FloatBits(r.importance));
  out->push_back(static_cast<char>(Tier::kHot));
  PutFixed32(out, 0);  // page count
  EncodeBody(r, r.text, start, out);
}

Status VerifyEnvelope(std::string_view value, std::string_view what) {
  if (value.size() < kHeaderSize + kTrailerSize) {
    return Bad(what, "stored value is truncated (" +
                         std::to_string(value.size()) + " bytes)");
  }
  uint8_t version = static_cast<uint8_t>(value[0]);
  if (version > kEnvelopeVersion) {
    return Status::NotSupported(std::string(what) + ": record format " +
                                std::to_string(version) +
                                " is newer than this build supports");
  }
  if (version == 0) return Bad(what, "invalid record format 0");
  size_t body = value.size() - kTrailerSize;
  uint32_t stored = DecodeFixed32(value.data() + body);
  if (stored != MaskCrc(Crc32c(value.data(), body))) {
    return Bad(what, "checksum mismatch");
  }
  return Status::OK();
}

uint64_t PeekFixed64(std::string_view value, size_t offset) {
  return DecodeFixed64(value.data() + offset);
}

Status DecodeEnvelope(std::string_view value, std::string_view what,
                      Record* r, uint8_t* flags_out) {
  MNEMO_RETURN_IF_ERROR(VerifyEnvelope(value, what));
  const char* p = value.data();
  if (flags_out) *flags_out = static_cast<uint8_t>(p[1]);
  r->text_forgotten = (p[1] & kFlagTextForgotten) != 0;
  r->id = DecodeFixed64(p + kOffId);
  r->event_time = static_cast<Micros>(DecodeFixed64(p + kOffEventTime));
  r->created_time = static_cast<Micros>(DecodeFixed64(p + kOffCreatedTime));
  r->updated_time = static_cast<Micros>(DecodeFixed64(p + kOffUpdatedTime));
  r->last_access = static_cast<Micros>(DecodeFixed64(p + kOffLastAccess));
  r->expires_at = static_cast<Micros>(DecodeFixed64(p + kOffExpiresAt));
  r->access_count = DecodeFixed64(p + kOffAccessCount);
  r->content_hash = DecodeFixed64(p + kOffContentHash);
  r->page.page_id = DecodeFixed64(p + kOffPageId);
  r->page.item = DecodeFixed32(p + kOffPageItem);
  r->page.page_count = DecodeFixed32(p + kOffPageCount);
  r->version = DecodeFixed32(p + kOffVersion);
  r->importance = BitsFloat(DecodeFixed32(p + kOffImportance));
  uint8_t tier = static_cast<uint8_t>(p[kOffTier]);
  if (tier > static_cast<uint8_t>(Tier::kDecayed)) {
    return Bad(what, "invalid tier " + std::to_string(tier));
  }
  r->tier = static_cast<Tier>(tier);

  std::string_view rest =
      value.substr(kHeaderSize, value.size() - kHeaderSize - kTrailerSize);
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

bool PeekLabels(std::string_view value, std::string_view parts[5]) {
  if (value.size() < kHeaderSize + kTrailerSize) return false;
  std::string_view rest =
      value.substr(kHeaderSize, value.size() - kHeaderSize - kTrailerSize);
  for (int i = 0; i < 5; ++i) {
    if (!TakeLengthPrefixed(&rest, &parts[i], kMaxNamespacePart)) return false;
  }
  return true;
}

void PatchAccess(std::string* value, uint64_t access_count,
                 Micros last_access) {
  char* p = value->data();
  EncodeFixed64(p + kOffAccessCount, access_count);
  EncodeFixed64(p + kOffLastAccess, static_cast<uint64_t>(last_access));
  size_t body = value->size() - kTrailerSize;
  EncodeFixed32(p + body, MaskCrc(Crc32c(p, body)));
}

bool AddAccessChecked(std::string_view old, uint64_t count, Micros last,
                      std::string* out) {
  if (old.size() < kHeaderSize + kTrailerSize) return false;
  const uint8_t version = static_cast<uint8_t>(old[0]);
  if (version == 0 || version > kEnvelopeVersion) return false;
  out->assign(old);
  char* p = out->data();
  const Micros prev = static_cast<Micros>(PeekFixed64(old, kOffLastAccess));
  EncodeFixed64(p + kOffAccessCount, PeekFixed64(old, kOffAccessCount) + count);
  EncodeFixed64(p + kOffLastAccess,
                static_cast<uint64_t>(std::max(prev, last)));
  const size_t body = old.size() - kTrailerSize;
  uint32_t crc_old = 0, crc_new = 0;
  Crc32cTwo(old.data(), p, body, &crc_old, &crc_new);
  if (DecodeFixed32(old.data() + body) != MaskCrc(crc_old)) return false;
  EncodeFixed32(p + body, MaskCrc(crc_new));
  return true;
}

}  // namespace mnemo::internal
