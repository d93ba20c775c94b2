// Copyright (c) mnemo authors.
// libFuzzer target: ParseManifest on arbitrary bytes; round-trips successes.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mnemo/codec/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mnemo::codec::PageManifest m;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (mnemo::codec::ParseManifest(in, &m).ok()) {
    std::string again;
    if (!mnemo::codec::SerializeManifest(m, &again).ok()) std::abort();
    (void)mnemo::codec::ManifestToJson(m);
  }
  return 0;
}
