// Copyright (c) mnemo authors.
// libFuzzer target: record envelope decoding (the value of the `records`
// and `history` column families), versions 1, 2 and 3 (the first byte
// picks; version 3 is read with the fixed key fields kKey). Every input is
// decoded as is, and again with its trailing CRC recomputed, so mutations
// get past the checksum into the field parsers (the checksum check itself
// runs on the unchanged input). Arbitrary bytes must decode to a record or
// fail with a Status; a version-3 value never decodes without its key; a
// decoded record re-encodes to envelopes that decode to the same record
// (as version 2, and keyed as version 3), PatchAccess keeps it decodable,
// the merge operator's one-pass AddAccessChecked agrees with
// VerifyEnvelope + PatchAccess and keeps the version, and PeekHeader
// agrees with the decode.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "coding.h"
#include "envelope.h"

namespace {

using mnemo::Record;
using mnemo::internal::DecodeEnvelope;
using mnemo::internal::EncodeEnvelope;
using mnemo::internal::KeyFields;
using mnemo::internal::VerifyEnvelope;

// The records key every version-3 input is read under.
constexpr KeyFields kKey{0x0123456789abcdefull, 1'704'067'200'000'000LL};

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "envelope fuzzer: %s\n", what);
  std::abort();
}

bool SameRecord(const Record& a, const Record& b) {
  return a.id == b.id && a.ns == b.ns && a.text == b.text && a.role == b.role &&
         a.kind == b.kind && a.metadata == b.metadata && a.version == b.version &&
         a.event_time == b.event_time && a.created_time == b.created_time &&
         a.updated_time == b.updated_time && a.last_access == b.last_access &&
         a.expires_at == b.expires_at && a.access_count == b.access_count &&
         a.content_hash == b.content_hash && a.page.page_id == b.page.page_id &&
         a.page.item == b.page.item && a.page.page_count == b.page.page_count &&
         a.tier == b.tier && a.text_forgotten == b.text_forgotten;
}

// The merge operator's one-pass form agrees with VerifyEnvelope followed
// by PatchAccess: the same verdict on every input, the same bytes.
void CheckMerge(std::string_view in, bool verified) {
  std::string merged;
  bool ok = mnemo::internal::AddAccessChecked(in, 3, 42, &merged, &kKey);
  if (ok != verified) Fail("merge verdict differs from VerifyEnvelope");
  if (!ok) return;
  mnemo::internal::EnvelopeHeader h;
  if (!mnemo::internal::PeekHeader(in, &h, &kKey)) {
    Fail("verified header unreadable");
  }
  std::string expected(in);
  mnemo::internal::PatchAccess(&expected, h.access_count + 3,
                               h.last_access > 42 ? h.last_access : 42, &kKey);
  if (merged != expected) Fail("merge bytes differ from PatchAccess");
  if (merged[0] != in[0]) Fail("merge changed the envelope version");
}

// The header peek agrees with the full decode, for every version.
void CheckHeader(std::string_view in, const Record& r, uint8_t flags,
                 const KeyFields& key) {
  mnemo::internal::EnvelopeHeader h;
  if (!mnemo::internal::PeekHeader(in, &h, &key)) Fail("decoded but no header");
  if (h.flags != flags || h.id != r.id || h.event_time != r.event_time ||
      h.expires_at != r.expires_at || h.page_id != r.page.page_id ||
      h.tier != static_cast<uint8_t>(r.tier) ||
      h.access_count != r.access_count || h.last_access != r.last_access) {
    Fail("header peek differs from decode");
  }
}

// The record re-encoded as version 2 and, under its own id and time, as
// version 3: both decode to it.
void CheckReencodes(const Record& r, uint8_t flags) {
  const KeyFields own{r.id, r.event_time};
  for (auto form : {mnemo::internal::EnvelopeForm::kSelfContained,
                    mnemo::internal::EnvelopeForm::kKeyed}) {
    std::string again;
    EncodeEnvelope(r, flags, r.text, &again, form);
    CheckHeader(again, r, flags, own);
    Record back;
    uint8_t flags2 = 0;
    if (!DecodeEnvelope(again, "fuzz", &back, &flags2, nullptr, &own).ok()) {
      Fail("re-decode");
    }
    if (!SameRecord(back, r) || flags2 != flags) {
      Fail("record does not round-trip");
    }
  }
}

bool Check(std::string_view in) {
  Record r;
  uint8_t flags = 0;
  mnemo::Status s = DecodeEnvelope(in, "fuzz", &r, &flags, nullptr, &kKey);
  mnemo::Status v = VerifyEnvelope(in, "fuzz", &kKey);
  if (s.ok() && !v.ok()) Fail("decoded what verify refuses");
  if (!in.empty() && in[0] == mnemo::internal::kEnvelopeV3) {
    Record keyless;
    if (DecodeEnvelope(in, "fuzz", &keyless).ok()) {
      Fail("a keyed value decoded without its key");
    }
  }
  CheckMerge(in, v.ok());
  // A scan peeks the header, then decodes with it: the same verdict and
  // the same record as a decode that parses the header itself.
  mnemo::internal::EnvelopeHeader peeked;
  if (mnemo::internal::PeekHeader(in, &peeked, &kKey)) {
    Record with_peeked;
    mnemo::Status p =
        DecodeEnvelope(in, "fuzz", &with_peeked, nullptr, &peeked, &kKey);
    if (p.ok() != s.ok()) Fail("decode with the peeked header: other verdict");
    if (p.ok() && !SameRecord(with_peeked, r)) {
      Fail("decode with the peeked header: other record");
    }
  }
  if (!s.ok()) {
    if (!s.IsCorruption() && !s.IsNotSupported()) Fail("unexpected status");
    return false;
  }
  CheckHeader(in, r, flags, kKey);
  CheckReencodes(r, flags);
  // The access merge operator patches verified values in place.
  std::string patched(in);
  mnemo::internal::PatchAccess(&patched, r.access_count + 1, r.version, &kKey);
  Record back;
  if (!DecodeEnvelope(patched, "fuzz", &back, nullptr, nullptr, &kKey).ok() ||
      back.access_count != r.access_count + 1 ||
      back.last_access != r.version || back.text != r.text || back.id != r.id) {
    Fail("patched envelope");
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  bool ok = Check(in);
  if (size < mnemo::internal::kTrailerSize) return 0;
  std::string fixed(in);
  size_t body = size - mnemo::internal::kTrailerSize;
  // Version 3's checksum starts with its key's id and time.
  uint32_t seed = 0;
  if (size > 0 && in[0] == mnemo::internal::kEnvelopeV3) {
    char fields[16];
    mnemo::internal::EncodeFixed64(fields, kKey.id);
    mnemo::internal::EncodeFixed64(fields + 8,
                                   static_cast<uint64_t>(kKey.event_time));
    seed = mnemo::internal::Crc32c(fields, sizeof fields);
  }
  mnemo::internal::EncodeFixed32(
      fixed.data() + body, mnemo::internal::MaskCrc(mnemo::internal::Crc32c(
                               fixed.data(), body, seed)));
  if (!Check(fixed) && ok) Fail("valid envelope fails once its CRC is rewritten");
  return 0;
}
