// Copyright (c) mnemo authors.
// libFuzzer target: page value decoding (the value of 'p' keys in the
// `pages` column family), then the page's binary manifest and PNG header.
// Every input is decoded as is, and again with its trailing CRC
// recomputed, so mutations get past the checksum into the field parsers.
// Arbitrary bytes must fail with a Status or round-trip exactly.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "coding.h"
#include "mnemo/codec/manifest.h"
#include "mnemo/codec/png.h"
#include "page_store.h"

namespace {

using mnemo::internal::DecodePage;
using mnemo::internal::EncodePage;
using mnemo::internal::StoredPage;

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "page fuzzer: %s\n", what);
  std::abort();
}

bool Check(std::string_view in) {
  StoredPage page;
  mnemo::Status s = DecodePage(in, 7, &page);
  if (!s.ok()) {
    if (!s.IsCorruption() && !s.IsNotSupported()) Fail("unexpected status");
    return false;
  }
  std::string again;
  EncodePage(page, &again);
  StoredPage back;
  if (!DecodePage(again, 7, &back).ok()) Fail("re-decode");
  if (back.png != page.png || back.manifest != page.manifest ||
      back.first_width != page.first_width ||
      back.info.width != page.info.width ||
      back.info.height != page.info.height ||
      back.info.vision_tokens != page.info.vision_tokens ||
      back.info.created_time != page.info.created_time ||
      back.info.tier != page.info.tier || back.info.profile != page.info.profile ||
      !(back.info.ns == page.info.ns)) {
    Fail("page does not round-trip");
  }
  mnemo::codec::PageManifest manifest;
  if (mnemo::codec::ParseManifest(page.manifest, &manifest).ok()) {
    (void)mnemo::codec::ManifestToJson(manifest);
  }
  int w = 0, h = 0, depth = 0;
  (void)mnemo::codec::PeekPng(page.png, &w, &h, &depth);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  bool ok = Check(in);
  if (size < 4) return 0;
  std::string fixed(in);
  size_t body = size - 4;
  mnemo::internal::EncodeFixed32(
      fixed.data() + body,
      mnemo::internal::MaskCrc(mnemo::internal::Crc32c(fixed.data(), body)));
  if (!Check(fixed) && ok) Fail("valid page fails once its CRC is rewritten");
  return 0;
}
