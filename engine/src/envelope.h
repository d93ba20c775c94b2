// Copyright (c) mnemo authors.
//
// The on-disk form of a record (the value in the `records` and `history`
// column families). Three versions are read; this build writes version 3
// in `records` and version 2 everywhere else (history, cluster objects).
//
// Version 3 (store format 7), keyed: version 2 without the id and the
// event time, which the records key holds (slot, event time, id). Every
// read of such a value has its key: the decoder takes the two fields from
// it (KeyFields), and the checksum covers them as if they were the value's
// first 16 bytes, so a value read under another key fails its check.
//   [0]      3
//   [1]      flags (kFlag*)
//   [2]      presence bits (kHas*), as version 2
//   [3..11)  content hash, fixed64
//   ...      as version 2 from its optional fields on
//   [n-4..n) masked CRC-32C of id(fixed64) event time(fixed64) and then
//            everything before it
//
// Version 2 (store format 5), the compact header:
//   [0]      2
//   [1]      flags (kFlag*)
//   [2]      presence bits (kHas*): which optional fields follow
//   [3..27)  id, event time, content hash: fixed64 each (real ids and
//            times take 8 bytes as varints too; fixed, they read fastest)
//   ...      then the present optional fields in bit order: created time
//            (fixed64; absent: the event time's),
//            updated time (zigzag delta from created; absent: the same),
//            expiry, page id + item + count, version (absent: 1), tier
//            byte (absent: hot), importance as float bits (absent: 0.5),
//            and last the varint access count + fixed64 last access
//            (absent: 0 and 0)
//   ...      the body, as version 1's
//   [n-4..n) masked CRC-32C of everything before it
// A version-2 value has at least kMinV2Size bytes, so it is never the
// 16-byte orphan access-count form.
//
// Version 1 (store formats 1-4):
//   [0]      1
//   [1]      flags (kFlag*)
//   [2..]    fixed area (kHeaderSize - 2 bytes, little-endian, offsets below)
//   ...      the body: length-prefixed tenant, agent, session, role, kind,
//            varint metadata count + (key, value) pairs, text
//   [n-4..n) masked CRC-32C of everything before it
//
// PeekHeader reads the header of either version without parsing the body,
// so the access-count merge operator and the TTL compaction filter need not
// decode strings.

#ifndef MNEMO_ENGINE_ENVELOPE_H_
#define MNEMO_ENGINE_ENVELOPE_H_

#include <string>
#include <string_view>

#include "mnemo/record.h"
#include "mnemo/status.h"

namespace mnemo::internal {

// The newest envelope version this build reads (the keyed form it writes
// in `records`), and the older ones.
inline constexpr uint8_t kEnvelopeVersion = 3;
inline constexpr uint8_t kEnvelopeV3 = 3;
inline constexpr uint8_t kEnvelopeV2 = 2;
inline constexpr uint8_t kEnvelopeV1 = 1;

// The fields a version-3 value leaves to its records key.
struct KeyFields {
  RecordId id = 0;
  Micros event_time = 0;
};

// Which form an encoder writes: keyed (version 3, for the records family,
// whose key holds id and event time) or self-contained (version 2).
enum class EnvelopeForm { kKeyed, kSelfContained };

// Flags.
inline constexpr uint8_t kFlagTextForgotten = 1;  // text dropped by policy
inline constexpr uint8_t kFlagTextZstd = 2;       // text field is a zstd frame
inline constexpr uint8_t kFlagKeptAsText = 4;     // not renderable: stays text

// Version 2's presence bits (value[2]).
inline constexpr uint8_t kHasCreated = 1;     // created != event time
inline constexpr uint8_t kHasUpdated = 2;     // updated != created time
inline constexpr uint8_t kHasExpires = 4;     // expires_at != 0
inline constexpr uint8_t kHasPage = 8;        // page id, item, count
inline constexpr uint8_t kHasVersion = 16;    // version != 1
inline constexpr uint8_t kHasTier = 32;       // tier != hot
inline constexpr uint8_t kHasImportance = 64; // importance != 0.5
inline constexpr uint8_t kHasAccess = 128;    // access count or last access
// Version byte, flags, presence, id, event time, content hash.
inline constexpr size_t kV2FixedSize = 3 + 8 + 8 + 8;
// Version byte, flags, presence, content hash.
inline constexpr size_t kV3FixedSize = 3 + 8;
// The fixed part, five empty labels, metadata count, empty text, CRC.
inline constexpr size_t kMinV2Size = kV2FixedSize + 5 + 1 + 1 + 4;
inline constexpr size_t kMinV3Size = kV3FixedSize + 5 + 1 + 1 + 4;
// The merge operator's form of the access counts of a deleted record
// (rocks_glue.cc): no envelope of any version is this short.
inline constexpr size_t kOrphanAccessCountsSize = 16;
static_assert(kMinV3Size > kOrphanAccessCountsSize,
              "a v3 value must never look like orphan counts");
static_assert(kMinV2Size > kMinV3Size, "version 3 is the shortest form");

// Version 1's offsets inside the value (header byte + flags byte first).
inline constexpr size_t kOffId = 2;
inline constexpr size_t kOffEventTime = 10;
inline constexpr size_t kOffCreatedTime = 18;
inline constexpr size_t kOffUpdatedTime = 26;
inline constexpr size_t kOffLastAccess = 34;
inline constexpr size_t kOffExpiresAt = 42;
inline constexpr size_t kOffAccessCount = 50;
inline constexpr size_t kOffContentHash = 58;
inline constexpr size_t kOffPageId = 66;
inline constexpr size_t kOffPageItem = 74;
inline constexpr size_t kOffVersion = 78;
inline constexpr size_t kOffImportance = 82;
inline constexpr size_t kOffTier = 86;
inline constexpr size_t kOffPageCount = 87;
inline constexpr size_t kHeaderSize = 91;  // version 1's whole header
inline constexpr size_t kTrailerSize = 4;

// Appends the envelope of `record` to *out. `flags` as above; the text
// field holds `stored_text` (record.text, a zstd frame of it, or nothing).
// Default: self-contained (version 2); the records family writes kKeyed.
void EncodeEnvelope(const Record& record, uint8_t flags,
                    std::string_view stored_text, std::string* out,
                    EnvelopeForm form = EnvelopeForm::kSelfContained);
inline void EncodeEnvelope(const Record& record, uint8_t flags,
                           std::string* out,
                           EnvelopeForm form = EnvelopeForm::kSelfContained) {
  EncodeEnvelope(record, flags, record.text, out, form);
}

// What the store gives a new record (StoreImpl::Insert). EncodeNewEnvelope
// writes the value EncodeEnvelope(record, 0) would write for `record` with
// these fields set, tier hot, no page, no access and version 1, so the
// caller's record need not be copied to be stamped.
struct NewRecordStamp {
  RecordId id = 0;
  Micros event_time = 0;  // the record's, or `now` when it had none
  Micros now = 0;         // created and updated time
  uint64_t content_hash = 0;
};
void EncodeNewEnvelope(const Record& record, const NewRecordStamp& stamp,
                       std::string* out,
                       EnvelopeForm form = EnvelopeForm::kSelfContained);

// Decodes an envelope, checking its checksum and every length first. The
// text field is copied as stored (see flags); the store decompresses it.
// Corruption names `what` (e.g. "record 42") and the problem; NotSupported
// when the envelope version is newer than this build.
// `peeked`, when given, is what PeekHeader returned true with for this
// very value: the header is not parsed again (scans peek before they
// decode), the checksum still is.
// `key`: the fields of the value's records key; a version-3 value without
// it is Corruption (ignored for versions 1 and 2, which hold their own).
struct EnvelopeHeader;
Status DecodeEnvelope(std::string_view value, std::string_view what,
                      Record* record, uint8_t* flags = nullptr,
                      const EnvelopeHeader* peeked = nullptr,
                      const KeyFields* key = nullptr);

// Checks version, size, checksum and (versions 2, 3) that the header
// parses; `key` as DecodeEnvelope's.
Status VerifyEnvelope(std::string_view value, std::string_view what,
                      const KeyFields* key = nullptr);

// The header fields of a value of either version, read without the
// checksum check (callers that need trust call VerifyEnvelope).
struct EnvelopeHeader {
  uint8_t version = 0;
  uint8_t flags = 0;
  uint8_t tier = 0;  // as stored: DecodeEnvelope checks it
  RecordId id = 0;
  Micros event_time = 0;
  Micros created_time = 0;
  Micros updated_time = 0;
  Micros expires_at = 0;
  Micros last_access = 0;
  uint64_t access_count = 0;
  uint64_t content_hash = 0;
  uint64_t page_id = 0;
  uint32_t page_item = 0;
  uint32_t page_count = 0;
  uint32_t record_version = 1;
  float importance = 0.5f;
  size_t body_offset = 0;  // where the labels start
  // Version 2: where the access varints lie (empty when absent; they end
  // the header, so access_end == body_offset).
  size_t access_offset = 0;
};

// False when the value is too short for its header plus a checksum, its
// version is unknown, or a header field is malformed. A version-3 value
// takes id and event time (and so an absent created time) from `key`; 0
// without it.
bool PeekHeader(std::string_view value, EnvelopeHeader* header,
                const KeyFields* key = nullptr);

// The namespace and labels of a stored value, without the checksum check
// or decoding the text (scans filter on them; format 2's migration and
// slot lookup read tenant and agent). parts: tenant, agent, session, role,
// kind, aliasing `value`. False when the value is too short or malformed.
bool PeekLabels(std::string_view value, std::string_view parts[5]);
// The same, for a value whose header the caller has peeked.
bool PeekLabels(std::string_view value, const EnvelopeHeader& header,
                std::string_view parts[5]);

// Rewrites the access fields (in place for version 1; the varints of
// versions 2 and 3 may change width) and refreshes the checksum.
// REQUIRES: VerifyEnvelope(*value, key) is OK.
void PatchAccess(std::string* value, uint64_t access_count, Micros last_access,
                 const KeyFields* key = nullptr);

// The access-count merge: *out = `old` with `count` more accesses, the last
// at max(stored, `last`), and a fresh checksum. False (out unspecified)
// where VerifyEnvelope(old, key) fails: the old checksum is checked in the
// same pass that computes the new one.
bool AddAccessChecked(std::string_view old, uint64_t count, Micros last,
                      std::string* out, const KeyFields* key = nullptr);

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_ENVELOPE_H_
