// Copyright (c) mnemo authors.
// libFuzzer target: ManifestFromJson, the reader of the manifest JSON in
// the page files `mnemo import --pages` takes from users. Any input must
// give OK or a documented failure (InvalidArgument, NotSupported for
// another version, ResourceExhausted past a limit); an accepted manifest
// serializes to the binary
// form, which parses, and its JSON reads back to the same binary bytes.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mnemo/codec/manifest.h"

namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "manifest_json fuzzer: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  mnemo::codec::PageManifest m;
  mnemo::Status s = mnemo::codec::ManifestFromJson(in, &m);
  if (!s.ok()) {
    // The documented failures: bad field, another version, over a limit.
    if (!s.IsInvalidArgument() && !s.IsNotSupported() &&
        !s.IsResourceExhausted()) {
      std::fprintf(stderr, "status: %s\n", s.ToString().c_str());
      Fail("unexpected status");
    }
    return 0;
  }
  std::string binary, again;
  if (!mnemo::codec::SerializeManifest(m, &binary).ok()) Fail("serialize");
  mnemo::codec::PageManifest parsed;
  if (!mnemo::codec::ParseManifest(binary, &parsed).ok())
    Fail("binary does not parse");
  mnemo::codec::PageManifest back;
  if (!mnemo::codec::ManifestFromJson(mnemo::codec::ManifestToJson(parsed),
                                      &back)
           .ok()) {
    Fail("written JSON does not read back");
  }
  if (!mnemo::codec::SerializeManifest(back, &again).ok() || again != binary) {
    Fail("JSON round trip changes the manifest");
  }
  return 0;
}
