// Copyright (c) mnemo authors.
// libFuzzer target: one JSONL import line (`mnemo import`). Arbitrary bytes
// must parse or fail with InvalidArgument; a parsed record prints as a dump
// line that parses back to the same record.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mnemo/record.h"
#include "workload/record_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  mnemo::Record r;
  bool has_id = false;
  mnemo::Status s = mnemo::workload::RecordFromJson(line, &r, &has_id);
  if (!s.ok()) {
    if (!s.IsInvalidArgument()) std::abort();
    return 0;
  }
  if (!mnemo::IsValidUtf8(r.text)) std::abort();  // must be refused
  std::string dump = mnemo::workload::RecordToJson(r);
  mnemo::Record back;
  bool back_has_id = false;
  if (!mnemo::workload::RecordFromJson(dump, &back, &back_has_id).ok()) {
    std::abort();
  }
  if (back.text != r.text || !(back.ns == r.ns) || back.role != r.role ||
      back.kind != r.kind || back.metadata != r.metadata) {
    std::abort();
  }
  return 0;
}
