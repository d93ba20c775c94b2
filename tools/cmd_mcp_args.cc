// Copyright (c) mnemo authors.
//
// Argument readers of the `mnemo mcp` tools (see mcp_args.h).

#include "cli_util.h"
#include "mcp_args.h"
#include "workload/time_format.h"

namespace mnemo::cli::mcp {

Status Bad(const std::string& key, const std::string& why) {
  return Status::InvalidArgument("argument '" + key + "' " + why);
}

Status CheckKeys(const Json& args, std::initializer_list<const char*> known) {
  for (const auto& [key, value] : args.items()) {
    bool found = false;
    for (const char* k : known) found = found || key == k;
    if (found) continue;
    std::string why = "unknown argument '" + key + "'";
    if (key == "tenant")
      why += " (the server's tenant is fixed when it starts)";
    return Status::InvalidArgument(why);
  }
  return Status::OK();
}

Status GetString(const Json& args, const char* key, bool required,
                 std::string* out) {
  auto it = args.find(key);
  if (it == args.end()) {
    return required ? Bad(key, "is required") : Status::OK();
  }
  if (!it->is_string()) return Bad(key, "must be a string");
  *out = it->get<std::string>();
  if (required && out->empty()) return Bad(key, "must not be empty");
  return Status::OK();
}

Status GetOptional(const Json& args, const char* key,
                   std::optional<std::string>* out) {
  std::string value;
  Status s = GetString(args, key, false, &value);
  if (s.ok() && args.contains(key)) *out = value;
  return s;
}

Status GetSize(const Json& args, const char* key, size_t lo, size_t hi,
               size_t* out) {
  auto it = args.find(key);
  if (it == args.end()) return Status::OK();
  if (!it->is_number_integer() || *it < lo || *it > hi) {
    return Bad(key, "must be an integer from " + std::to_string(lo) + " to " +
                        std::to_string(hi));
  }
  *out = it->get<size_t>();
  return Status::OK();
}

Status GetBool(const Json& args, const char* key, bool* out) {
  auto it = args.find(key);
  if (it == args.end()) return Status::OK();
  if (!it->is_boolean()) return Bad(key, "must be true or false");
  *out = it->get<bool>();
  return Status::OK();
}

Status GetTime(const Json& args, const char* key, std::optional<Micros>* out) {
  std::string text;
  Status s = GetString(args, key, false, &text);
  if (!s.ok() || !args.contains(key)) return s;
  Micros t = 0;
  s = workload::ParseRfc3339(text, &t);
  if (!s.ok()) return Bad(key, s.message());
  *out = t;
  return Status::OK();
}

Status GetId(const Json& args, RecordId* id) {
  auto it = args.find("id");
  if (it == args.end()) return Bad("id", "is required");
  bool ok = false;
  if (it->is_string()) ok = ParseIdFlag(it->get<std::string>(), id);
  if (it->is_number_unsigned()) {
    *id = it->get<uint64_t>();
    ok = *id != 0;
  }
  if (!ok) return Bad("id", "must be a record id (decimal digits, 1 or more)");
  return Status::OK();
}

}  // namespace mnemo::cli::mcp
