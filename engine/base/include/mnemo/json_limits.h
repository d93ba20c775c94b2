// Copyright (c) mnemo authors.
//
// Bounds on untrusted JSON, checked before the text reaches a JSON library.
//
// nlohmann-json parses iteratively, but serializing, copying and comparing
// a parsed value recurse once per nesting level: one import line nested
// 80,000 levels deep (160 KB) overflowed the stack of `mnemo import`. Every
// reader of JSON that a user hands mnemo (JSONL import lines, LoCoMo files,
// compaction policies, benchmark question files) runs CheckJsonDepth first;
// page files and page manifests bound their depth in the parser itself
// (their formats nest at most 10 levels).

#ifndef MNEMO_JSON_LIMITS_H_
#define MNEMO_JSON_LIMITS_H_

#include <string_view>

#include "mnemo/status.h"

namespace mnemo {

// The deepest nesting of arrays and objects accepted in untrusted JSON. The
// formats mnemo defines nest at most 3 levels; the rest leaves room for
// nested metadata values while keeping every recursion over a value short.
inline constexpr int kMaxJsonDepth = 64;

// Returns InvalidArgument "JSON nests deeper than <max_depth> levels (at
// byte N)" when `text` opens more than `max_depth` arrays or objects
// without closing them, counting only brackets outside JSON strings;
// otherwise OK. Says nothing else about whether `text` is valid JSON (the
// parser decides that), and never recurses. The caller adds the line or
// file to the message.
Status CheckJsonDepth(std::string_view text, int max_depth = kMaxJsonDepth);

}  // namespace mnemo

#endif  // MNEMO_JSON_LIMITS_H_
