// Copyright (c) mnemo authors.
// libFuzzer target: record envelope decoding (the value of the `records`
// and `history` column families). Arbitrary bytes must decode to a record
// or fail with a Status; a decoded record re-encodes to an envelope that
// decodes to the same record.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "envelope.h"

using mnemo::Record;
using mnemo::internal::DecodeEnvelope;
using mnemo::internal::EncodeEnvelope;
using mnemo::internal::VerifyEnvelope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  Record r;
  uint8_t flags = 0;
  mnemo::Status s = DecodeEnvelope(in, "fuzz", &r, &flags);
  mnemo::Status v = VerifyEnvelope(in, "fuzz");
  if (s.ok() != v.ok() && !s.IsNotSupported()) {
    if (s.ok()) std::abort();  // decoded what verify refuses
  }
  if (!s.ok()) return 0;
  std::string again;
  EncodeEnvelope(r, flags, r.text, &again);
  Record back;
  uint8_t flags2 = 0;
  if (!DecodeEnvelope(again, "fuzz", &back, &flags2).ok()) std::abort();
  if (back.text != r.text || back.id != r.id || !(back.ns == r.ns) ||
      back.metadata != r.metadata || flags2 != flags ||
      back.version != r.version) {
    std::abort();
  }
  return 0;
}
