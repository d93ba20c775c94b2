// Copyright (c) mnemo authors.
//
// Argument readers of the `mnemo mcp` tools: each returns InvalidArgument
// naming the argument ("argument 'limit' must be ...") so the host's model
// can correct its call.

#ifndef MNEMO_TOOLS_MCP_ARGS_H_
#define MNEMO_TOOLS_MCP_ARGS_H_

#include <initializer_list>
#include <optional>
#include <string>

#include "mcp_server.h"

namespace mnemo::cli::mcp {

// URI prefix of page resources: mnemo://page/<id>[/manifest].
inline constexpr char kPageUri[] = "mnemo://page/";

// InvalidArgument "argument '<key>' <why>".
Status Bad(const std::string& key, const std::string& why);
// Refuses keys not in `known` (an argument "tenant" gets a word on why).
Status CheckKeys(const Json& args, std::initializer_list<const char*> known);
// A string; `required` ones must be present and non-empty.
Status GetString(const Json& args, const char* key, bool required,
                 std::string* out);
// A string, set only when present.
Status GetOptional(const Json& args, const char* key,
                   std::optional<std::string>* out);
// An integer in [lo, hi], left as is when absent.
Status GetSize(const Json& args, const char* key, size_t lo, size_t hi,
               size_t* out);
Status GetBool(const Json& args, const char* key, bool* out);
// An RFC 3339 time, set only when present.
Status GetTime(const Json& args, const char* key, std::optional<Micros>* out);
// Argument "id": a decimal string (a JSON number loses digits past 2^53)
// or a positive integer.
Status GetId(const Json& args, RecordId* id);

}  // namespace mnemo::cli::mcp

#endif  // MNEMO_TOOLS_MCP_ARGS_H_
