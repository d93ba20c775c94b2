// Copyright (c) mnemo authors.
// libFuzzer target: one JSONL import line (`mnemo import`). Arbitrary bytes
// must parse or fail with InvalidArgument; a parsed record (given an id
// and version 1 when the line is a new record, as Put would) prints as a
// dump line (`mnemo dump`) that parses back to the same record.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mnemo/record.h"
#include "workload/record_json.h"

namespace {

[[noreturn]] void Fail(const char* what, const mnemo::Status& s,
                       const std::string& line) {
  std::fprintf(stderr, "jsonl fuzzer: %s: %s\nline: %s\n", what,
               s.ToString().c_str(), line.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  mnemo::Record r;
  bool has_id = false;
  mnemo::Status s = mnemo::workload::RecordFromJson(line, &r, &has_id);
  if (!s.ok()) {
    if (!s.IsInvalidArgument()) Fail("not InvalidArgument", s, std::string(line));
    return 0;
  }
  if (!mnemo::IsValidUtf8(r.text)) Fail("invalid UTF-8 accepted", s, r.text);
  if (!has_id) {  // a new record: dumped once the store gave it an id
    r.id = 1;
    r.version = 1;
  }
  std::string dump = mnemo::workload::RecordToJson(r);
  mnemo::Record back;
  bool back_has_id = false;
  s = mnemo::workload::RecordFromJson(dump, &back, &back_has_id);
  if (!s.ok()) Fail("dump line does not parse", s, dump);
  if (back.text != r.text || !(back.ns == r.ns) || back.role != r.role ||
      back.kind != r.kind || back.metadata != r.metadata ||
      back.event_time != r.event_time || back.expires_at != r.expires_at ||
      back.importance != r.importance || back.id != r.id) {
    Fail("dump line parses to another record", s, dump);
  }
  return 0;
}
