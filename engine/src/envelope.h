// Copyright (c) mnemo authors.
//
// The on-disk form of a record (the value in the `records` and `history`
// column families):
//
//   [0]      format version (kEnvelopeVersion)
//   [1]      flags (kFlag*)
//   [2..]    fixed area (kFixedSize bytes, little-endian, see offsets below)
//   ...      length-prefixed tenant, agent, session, role, kind,
//            varint metadata count + (key, value) pairs, text
//   [n-4..n) masked CRC-32C of everything before it
//
// The fixed area comes first so the access-count merge operator and the TTL
// compaction filter can read/patch fields without parsing the strings.

#ifndef MNEMO_ENGINE_ENVELOPE_H_
#define MNEMO_ENGINE_ENVELOPE_H_

#include <string>
#include <string_view>

#include "mnemo/record.h"
#include "mnemo/status.h"

namespace mnemo::internal {

inline constexpr uint8_t kEnvelopeVersion = 1;

// Flags.
inline constexpr uint8_t kFlagTextForgotten = 1;  // text dropped by policy
inline constexpr uint8_t kFlagTextZstd = 2;       // text field is a zstd frame
inline constexpr uint8_t kFlagKeptAsText = 4;     // not renderable: stays text

// Offsets inside the value (header byte + flags byte come first).
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
inline constexpr size_t kHeaderSize = 91;
inline constexpr size_t kTrailerSize = 4;

// Appends the envelope of `record` to *out. `flags` as above; the text
// field holds `stored_text` (record.text, a zstd frame of it, or nothing).
void EncodeEnvelope(const Record& record, uint8_t flags,
                    std::string_view stored_text, std::string* out);
inline void EncodeEnvelope(const Record& record, uint8_t flags,
                           std::string* out) {
  EncodeEnvelope(record, flags, record.text, out);
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
                       std::string* out);

// Decodes an envelope, checking its checksum and every length first. The
// text field is copied as stored (see flags); the store decompresses it.
// Corruption names `what` (e.g. "record 42") and the problem; NotSupported
// when the envelope version is newer than this build.
Status DecodeEnvelope(std::string_view value, std::string_view what,
                      Record* record, uint8_t* flags = nullptr);

// Checks version, size and checksum only.
Status VerifyEnvelope(std::string_view value, std::string_view what);

// Reads a fixed field without verifying the checksum (callers that need
// trust call VerifyEnvelope). REQUIRES: value.size() >= kHeaderSize.
uint64_t PeekFixed64(std::string_view value, size_t offset);

// The namespace and labels of a stored value, without the checksum check
// or decoding the text (scans filter on them; format 2's migration and
// slot lookup read tenant and agent). parts: tenant, agent, session, role,
// kind, aliasing `value`. False when the value is too short or malformed.
bool PeekLabels(std::string_view value, std::string_view parts[5]);

// Rewrites the access fields in place and refreshes the checksum.
// REQUIRES: VerifyEnvelope(*value) is OK.
void PatchAccess(std::string* value, uint64_t access_count,
                 Micros last_access);

// The access-count merge: *out = `old` with `count` more accesses, the last
// at max(stored, `last`), and a fresh checksum. False (out unspecified)
// where VerifyEnvelope(old) fails: the old checksum is checked in the same
// pass that computes the new one.
bool AddAccessChecked(std::string_view old, uint64_t count, Micros last,
                      std::string* out);

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_ENVELOPE_H_
