// Copyright (c) mnemo authors.

#include "workload/record_json.h"

#include <charconv>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "mnemo/json_limits.h"
#include "mnemo/quote.h"
#include "workload/time_format.h"

namespace mnemo::workload {
namespace {

using Json = nlohmann::ordered_json;

Status Bad(const std::string& message) {
  return Status::InvalidArgument(message);
}

// Reads string field `name`; absent leaves *out. `required` fails if absent.
Status GetString(const Json& j, const char* name, bool required,
                 std::string* out) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) {
    return required ? Bad(std::string("missing required field '") + name + "'")
                    : Status::OK();
  }
  if (!it->is_string()) {
    return Bad(std::string("field '") + name + "' must be a string");
  }
  *out = it->get<std::string>();
  return Status::OK();
}

Status GetTime(const Json& j, const char* name, Micros* out) {
  std::string text;
  MNEMO_RETURN_IF_ERROR(GetString(j, name, false, &text));
  if (text.empty()) return Status::OK();
  return ParseRfc3339(text, out).WithContext(std::string("field '") + name +
                                             "'");
}

// Unsigned integer given as a JSON number or a decimal string.
Status GetUnsigned(const Json& j, const char* name, uint64_t* out) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return Status::OK();
  if (it->is_number_unsigned()) {
    *out = it->get<uint64_t>();
    return Status::OK();
  }
  if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) {
      return Status::OK();
    }
  }
  return Bad(std::string("field '") + name +
             "' must be a non-negative integer (number or decimal string)");
}

Status GetMetadata(const Json& j, Record* r) {
  auto it = j.find("metadata");
  if (it == j.end() || it->is_null()) return Status::OK();
  if (!it->is_object()) return Bad("field 'metadata' must be an object");
  for (const auto& [key, value] : it->items()) {
    r->metadata.Set(key, value.is_string() ? value.get<std::string>()
                                            : value.dump());
  }
  return Status::OK();
}

Status GetImportance(const Json& j, Record* r) {
  auto it = j.find("importance");
  if (it == j.end() || it->is_null()) return Status::OK();
  if (!it->is_number()) return Bad("field 'importance' must be a number");
  double v = it->get<double>();
  if (!(v >= 0.0 && v <= 1.0)) {
    return Bad("field 'importance' is " + it->dump() + "; must be 0..1");
  }
  r->importance = static_cast<float>(v);
  return Status::OK();
}

// tier, page and text_forgotten of a dump line.
Status GetPlacement(const Json& j, Record* r) {
  std::string tier;
  MNEMO_RETURN_IF_ERROR(GetString(j, "tier", false, &tier));
  if (!tier.empty()) {
    MNEMO_RETURN_IF_ERROR(ParseTier(tier, &r->tier).WithContext("field 'tier'"));
  }
  MNEMO_RETURN_IF_ERROR(GetUnsigned(j, "page", &r->page.page_id));
  auto it = j.find("text_forgotten");
  if (it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) return Bad("field 'text_forgotten' must be true or false");
    r->text_forgotten = it->get<bool>();
  }
  return Status::OK();
}

// The store-assigned fields a dump line carries.
Status GetDumpFields(const Json& j, Record* r) {
  MNEMO_RETURN_IF_ERROR(GetUnsigned(j, "id", &r->id));
  if (r->id == 0) return Bad("field 'id' must not be 0");
  if (r->id > kMaxImportedRecordId) {
    return Bad("field 'id' is " + RecordIdToString(r->id) + "; ids above " +
               RecordIdToString(kMaxImportedRecordId) +
               " are kept for the store to assign");
  }
  MNEMO_RETURN_IF_ERROR(GetTime(j, "created_time", &r->created_time));
  MNEMO_RETURN_IF_ERROR(GetUnsigned(j, "access_count", &r->access_count));
  uint64_t version = 1;
  MNEMO_RETURN_IF_ERROR(GetUnsigned(j, "version", &version));
  if (version == 0 || version > UINT32_MAX) {
    return Bad("field 'version' is out of range");
  }
  r->version = static_cast<uint32_t>(version);
  MNEMO_RETURN_IF_ERROR(GetTime(j, "expires_at", &r->expires_at));
  return GetPlacement(j, r);
}

// The fields a line may carry (record_json.h); anything else is a typo
// that would otherwise fall back to a default silently ("sesion").
constexpr const char* kFields[] = {
    "id",   "tenant",     "agent",        "session",    "role",          "kind",
    "text", "event_time", "created_time", "importance", "access_count",  "tier",
    "page", "metadata",   "version",      "expires_at", "text_forgotten"};

Status CheckFields(const Json& j) {
  for (const auto& [key, value] : j.items()) {
    bool known = false;
    for (const char* field : kFields) known = known || key == field;
    if (!known) return Bad("unknown field " + QuoteForMessage(key));
  }
  return Status::OK();
}

struct DuplicateKey {
  std::string message;
};

// Parser callback that refuses a key seen twice in one object, at every
// level: the library keeps the last one, so {"tenant":"a",...,"tenant":"b"}
// would land in tenant b although the line starts with a.
class KeyChecker {
 public:
  bool operator()(int, Json::parse_event_t event, Json& parsed) {
    using Event = Json::parse_event_t;
    if (event == Event::object_start) {
      open_.emplace_back();
    } else if (event == Event::object_end && !open_.empty()) {
      open_.pop_back();
    } else if (event == Event::key && !open_.empty()) {
      const std::string& key = parsed.get_ref<const std::string&>();
      if (!open_.back().seen.insert(key).second) throw DuplicateKey{Where(key)};
      open_.back().last = key;
    }
    return true;
  }

 private:
  struct Object {
    std::set<std::string> seen;
    std::string last;  // the key whose value is being parsed
  };

  std::string Where(const std::string& key) const {
    std::string message = "duplicate key " + QuoteForMessage(key);
    if (open_.size() > 1) {
      std::string path;
      for (size_t i = 0; i + 1 < open_.size(); ++i) {
        path += (i ? "." : "") + open_[i].last;
      }
      message += " in " + QuoteForMessage(path);
    }
    return message;
  }

  std::vector<Object> open_;
};

Status ParseObject(std::string_view line, Json* j) {
  MNEMO_RETURN_IF_ERROR(CheckJsonDepth(line));
  try {
    *j = Json::parse(line.begin(), line.end(), KeyChecker());
  } catch (const DuplicateKey& e) {
    return Bad(e.message);
  } catch (const Json::parse_error& e) {
    return Bad("not valid JSON (error at byte " + std::to_string(e.byte) + ")");
  } catch (const Json::exception& e) {  // e.g. a number beyond a double
    return Bad(std::string("not valid JSON (") + e.what() + ")");
  }
  if (!j->is_object()) return Bad("not a JSON object");
  return CheckFields(*j);
}

}  // namespace

std::string FloatToShortest(float value) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(value);
}

std::string RecordToJson(const Record& r) {
  Json j;
  j["id"] = RecordIdToString(r.id);
  j["tenant"] = r.ns.tenant;
  j["agent"] = r.ns.agent;
  j["session"] = r.ns.session;
  j["role"] = r.role;
  j["kind"] = r.kind;
  j["text"] = r.text;
  j["event_time"] = FormatRfc3339(r.event_time);
  j["created_time"] = FormatRfc3339(r.created_time);
  j["importance"] = std::strtod(FloatToShortest(r.importance).c_str(), nullptr);
  j["access_count"] = r.access_count;
  j["tier"] = TierName(r.tier);
  if (r.page.valid()) {
    j["page"] = std::to_string(r.page.page_id);
  } else {
    j["page"] = nullptr;
  }
  j["metadata"] = Json::object();
  for (const auto& [key, value] : r.metadata) {
    j["metadata"][std::string(key)] = std::string(value);
  }
  j["version"] = r.version;
  if (r.expires_at != 0) j["expires_at"] = FormatRfc3339(r.expires_at);
  if (r.text_forgotten) j["text_forgotten"] = true;
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Status RecordFromJson(std::string_view line, Record* r, bool* has_id) {
  if (!IsValidUtf8(line)) return Bad("not valid UTF-8");
  Json j;
  MNEMO_RETURN_IF_ERROR(ParseObject(line, &j));
  *r = Record();
  r->ns.session = kDefaultSession;
  r->role = kDefaultRole;
  r->kind = kDefaultKind;
  r->importance = kDefaultImportance;
  MNEMO_RETURN_IF_ERROR(GetString(j, "tenant", true, &r->ns.tenant));
  MNEMO_RETURN_IF_ERROR(GetString(j, "agent", true, &r->ns.agent));
  MNEMO_RETURN_IF_ERROR(GetString(j, "text", true, &r->text));
  MNEMO_RETURN_IF_ERROR(GetString(j, "session", false, &r->ns.session));
  MNEMO_RETURN_IF_ERROR(GetString(j, "role", false, &r->role));
  MNEMO_RETURN_IF_ERROR(GetString(j, "kind", false, &r->kind));
  MNEMO_RETURN_IF_ERROR(GetTime(j, "event_time", &r->event_time));
  MNEMO_RETURN_IF_ERROR(GetImportance(j, r));
  MNEMO_RETURN_IF_ERROR(GetMetadata(j, r));
  *has_id = j.contains("id") && !j["id"].is_null();
  if (!*has_id) return Status::OK();
  MNEMO_RETURN_IF_ERROR(GetDumpFields(j, r));
  if (r->created_time == 0) r->created_time = r->event_time;
  r->updated_time = r->created_time;
  return Status::OK();
}

}  // namespace mnemo::workload
