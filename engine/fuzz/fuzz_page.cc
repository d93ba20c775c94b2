// Copyright (c) mnemo authors.
// libFuzzer target: page value decoding (the value of 'p' keys in the
// `pages` column family), then the page's binary manifest. Arbitrary bytes
// must fail with a Status or round-trip exactly.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mnemo/codec/manifest.h"
#include "page_store.h"

using mnemo::internal::DecodePage;
using mnemo::internal::EncodePage;
using mnemo::internal::StoredPage;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  StoredPage page;
  if (!DecodePage(in, 7, &page).ok()) return 0;
  std::string again;
  EncodePage(page, &again);
  StoredPage back;
  if (!DecodePage(again, 7, &back).ok()) std::abort();
  if (back.png != page.png || back.manifest != page.manifest ||
      back.first_width != page.first_width ||
      back.info.width != page.info.width || !(back.info.ns == page.info.ns)) {
    std::abort();
  }
  mnemo::codec::PageManifest manifest;
  if (mnemo::codec::ParseManifest(page.manifest, &manifest).ok()) {
    (void)mnemo::codec::ManifestToJson(manifest);
  }
  return 0;
}
