// Copyright (c) mnemo authors.
// libFuzzer target: ParseManifest (the binary page manifest) on arbitrary
// bytes. Every input is parsed as is, and again with its trailing FNV-1a
// checksum recomputed, so mutations get past the checksum into the field
// parsers (the checksum check itself runs on the unchanged input). A parsed
// manifest serializes, and that serialization parses and serializes to the
// same bytes; the JSON form is written too.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mnemo/codec/manifest.h"

namespace mnemo::codec::internal {
uint64_t Fnv1a64(std::string_view data);  // codec/src/hash.h
}  // namespace mnemo::codec::internal

namespace {

constexpr size_t kChecksumBytes = 8;

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "manifest fuzzer: %s\n", what);
  std::abort();
}

bool Check(std::string_view in) {
  mnemo::codec::PageManifest m;
  mnemo::Status s = mnemo::codec::ParseManifest(in, &m);
  if (!s.ok()) {
    if (!s.IsCorruption() && !s.IsNotSupported()) Fail("unexpected status");
    return false;
  }
  std::string once, twice;
  if (!mnemo::codec::SerializeManifest(m, &once).ok()) Fail("serialize");
  mnemo::codec::PageManifest back;
  if (!mnemo::codec::ParseManifest(once, &back).ok()) Fail("reparse");
  if (!mnemo::codec::SerializeManifest(back, &twice).ok() || twice != once) {
    Fail("manifest does not round-trip");
  }
  (void)mnemo::codec::ManifestToJson(m);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  bool ok = Check(in);
  if (size < kChecksumBytes) return 0;
  std::string fixed(in);
  const size_t body = size - kChecksumBytes;
  uint64_t sum = mnemo::codec::internal::Fnv1a64(std::string_view(fixed).substr(0, body));
  for (size_t i = 0; i < kChecksumBytes; ++i) {
    fixed[body + i] = static_cast<char>(sum >> (8 * i));
  }
  if (!Check(fixed) && ok) Fail("valid manifest fails once its checksum is rewritten");
  return 0;
}
