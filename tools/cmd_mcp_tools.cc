// Copyright (c) mnemo authors.
//
// The tools and page resources of `mnemo mcp` (see mcp_server.h). Every
// store call names the server's tenant; no argument can name another (an
// argument called "tenant" is refused like any unknown one).

#include <initializer_list>

#include "cli_util.h"
#include "mcp_server.h"
#include "mnemo/search.h"
#include "workload/time_format.h"

namespace mnemo::cli::mcp {
namespace {

constexpr char kPageUri[] = "mnemo://page/";
constexpr size_t kMaxTextInHit = 4096;

Json Prop(const char* type, const char* description) {
  return {{"type", type}, {"description", description}};
}

Json Schema(Json properties, std::initializer_list<const char*> required) {
  Json j = {{"type", "object"},
            {"properties", std::move(properties)},
            {"additionalProperties", false}};
  if (required.size() > 0) j["required"] = Json(required);
  return j;
}

Status Bad(const std::string& key, const std::string& why) {
  return Status::InvalidArgument("argument '" + key + "' " + why);
}

Status CheckKeys(const Json& args, std::initializer_list<const char*> known) {
  for (const auto& [key, value] : args.items()) {
    bool found = false;
    for (const char* k : known) found = found || key == k;
    if (found) continue;
    std::string why = "unknown argument '" + key + "'";
    if (key == "tenant") why += " (the server's tenant is fixed when it starts)";
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

// Ids travel as decimal strings (a JSON number loses digits past 2^53);
// integers are taken too.
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

// At most `max` bytes of `text`, cut at a UTF-8 character boundary.
std::string Prefix(const std::string& text, size_t max) {
  if (text.size() <= max) return text;
  size_t end = max;
  while (end > 0 && (uint8_t(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

Json RecordJson(const Record& r, size_t max_text) {
  Json j = {{"id", RecordIdToString(r.id)},
            {"agent", r.ns.agent},
            {"session", r.ns.session},
            {"role", r.role},
            {"kind", r.kind},
            {"time", workload::FormatRfc3339(r.event_time)},
            {"tier", TierName(r.tier)},
            {"importance", r.importance}};
  if (r.page.valid()) j["page"] = std::string(kPageUri) + std::to_string(r.page.page_id);
  if (r.text_forgotten) {
    j["text_forgotten"] = true;
  } else {
    j["text"] = Prefix(r.text, max_text);
    if (r.text.size() > max_text) j["text_truncated"] = true;
  }
  if (!r.metadata.empty()) j["metadata"] = r.metadata;
  return j;
}

Json TextResult(const Json& value, bool is_error = false) {
  std::string text = value.is_string()
                         ? value.get<std::string>()
                         : value.dump(-1, ' ', false, Json::error_handler_t::replace);
  return {{"content", Json::array({{{"type", "text"}, {"text", text}}})},
          {"isError", is_error}};
}

Json ToolList() {
  Json id = Prop("string", "Record id (decimal digits)");
  return Json::array({
      {{"name", "remember"},
       {"description", "Store one turn or fact in memory; returns its id."},
       {"inputSchema",
        Schema({{"agent", Prop("string", "Agent the memory belongs to")},
                {"session", Prop("string", "Session (conversation) id")},
                {"text", Prop("string", "What to remember (UTF-8)")},
                {"role", Prop("string", "user, assistant, tool, ... (default user)")},
                {"kind", Prop("string", "message, fact, ... (default message)")},
                {"time", Prop("string", "When it happened, RFC 3339 (default now)")},
                {"importance", {{"type", "number"}, {"minimum", 0}, {"maximum", 1},
                                {"description", "0..1; slows aging (default 0.5)"}}}},
               {"agent", "session", "text"})}},
      {{"name", "recall"},
       {"description", "Full-text (BM25) search over all of memory, old pages included."},
       {"inputSchema",
        Schema({{"query", Prop("string", "Words to search for")},
                {"agent", Prop("string", "Only this agent")},
                {"session", Prop("string", "Only this session")},
                {"role", Prop("string", "Only this role")},
                {"kind", Prop("string", "Only this kind")},
                {"since", Prop("string", "Event time from (RFC 3339, inclusive)")},
                {"until", Prop("string", "Event time until (RFC 3339, exclusive)")},
                {"limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100},
                           {"description", "Most hits (default 10)"}}}},
               {"query"})}},
      {{"name", "context"},
       {"description",
        "Recent turns and search hits of an agent packed into a token budget; "
        "old memory comes back as page images (PNG)."},
       {"inputSchema",
        Schema({{"agent", Prop("string", "Agent whose memory to pack")},
                {"query", Prop("string", "What the context is for")},
                {"budget", {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000000},
                            {"description", "Token budget (default 4000)"}}},
                {"profile", Prop("string", "VLM profile pricing images (default base)")},
                {"crop", Prop("boolean", "Crop pages to the lines of each hit")},
                {"text_only", Prop("boolean", "No images: kept text only")}},
               {"agent"})}},
      {{"name", "get"},
       {"description", "One record by id."},
       {"inputSchema", Schema({{"id", id}}, {"id"})}},
      {{"name", "forget"},
       {"description", "Delete one record (and its history) by id."},
       {"inputSchema", Schema({{"id", id}}, {"id"})}},
      {{"name", "list_sessions"},
       {"description", "The agents and sessions that hold records."},
       {"inputSchema", Schema({{"agent", Prop("string", "Only this agent")}}, {})}},
  });
}

}  // namespace

Json McpTools::List() {
  static const Json* tools = new Json(ToolList());
  return *tools;
}

bool McpTools::Call(const std::string& name, const Json& args, Json* result,
                    RpcError* error) {
  Json out;
  Status s;
  if (name == "remember") {
    s = Remember(args, &out);
  } else if (name == "recall") {
    s = Recall(args, &out);
  } else if (name == "context") {
    s = BuildContext(args, &out);
    if (s.ok()) {
      *result = {{"content", std::move(out)}, {"isError", false}};
      return true;
    }
  } else if (name == "get") {
    s = Get(args, &out);
  } else if (name == "forget") {
    s = Forget(args, &out);
  } else if (name == "list_sessions") {
    s = ListSessions(args, &out);
  } else {
    *error = {kInvalidParams, "unknown tool: " + name};
    return false;
  }
  *result = s.ok() ? TextResult(out)
                   : TextResult(name + ": " + s.ToString(), /*is_error=*/true);
  return true;
}

Status McpTools::Remember(const Json& args, Json* out) {
  Status s = CheckKeys(args, {"agent", "session", "text", "role", "kind", "time",
                              "importance"});
  Record r;
  r.ns.tenant = tenant_;
  std::optional<Micros> time;
  if (s.ok()) s = GetString(args, "agent", true, &r.ns.agent);
  if (s.ok()) s = GetString(args, "session", true, &r.ns.session);
  if (s.ok()) s = GetString(args, "text", true, &r.text);
  if (s.ok()) s = GetString(args, "role", false, &r.role);
  if (s.ok()) s = GetString(args, "kind", false, &r.kind);
  if (s.ok()) s = GetTime(args, "time", &time);
  if (auto it = args.find("importance"); s.ok() && it != args.end()) {
    if (!it->is_number()) return Bad("importance", "must be a number from 0 to 1");
    r.importance = it->get<float>();  // Put checks the range
  }
  if (!s.ok()) return s;
  if (time) r.event_time = *time;
  RecordId id = 0;
  s = store_->Put(WriteOptions(), r, &id);
  if (s.ok()) *out = {{"id", RecordIdToString(id)}, {"agent", r.ns.agent},
                      {"session", r.ns.session}};
  return s;
}

Status McpTools::Recall(const Json& args, Json* out) {
  Status s = CheckKeys(args, {"query", "agent", "session", "role", "kind",
                              "since", "until", "limit"});
  SearchOptions o;
  o.filter.tenant = tenant_;
  if (s.ok()) s = GetString(args, "query", true, &o.query);
  if (s.ok()) s = GetString(args, "agent", false, &o.filter.agent);
  if (s.ok()) s = GetOptional(args, "session", &o.filter.session);
  if (s.ok()) s = GetOptional(args, "role", &o.filter.role);
  if (s.ok()) s = GetOptional(args, "kind", &o.filter.kind);
  if (s.ok()) s = GetTime(args, "since", &o.filter.start_time);
  if (s.ok()) s = GetTime(args, "until", &o.filter.end_time);
  if (s.ok()) s = GetSize(args, "limit", 1, 100, &o.k);
  if (!s.ok()) return s;
  SearchResult result;
  s = store_->Search(o, &result);
  if (!s.ok()) return s;
  Json hits = Json::array();
  for (const SearchHit& hit : result.hits) {
    Json j = RecordJson(hit.record, kMaxTextInHit);
    j["score"] = hit.score;
    j["snippet"] = hit.snippet;
    hits.push_back(std::move(j));
  }
  *out = {{"matched", result.matched}, {"hits", std::move(hits)}};
  return Status::OK();
}

Status McpTools::Get(const Json& args, Json* out) {
  RecordId id = 0;
  Status s = CheckKeys(args, {"id"});
  if (s.ok()) s = GetId(args, &id);
  Record r;
  if (s.ok()) s = store_->Get(ReadOptions(), tenant_, id, &r);
  if (s.IsNotFound()) return Status::NotFound("record " + RecordIdToString(id));
  if (s.ok()) *out = RecordJson(r, r.text.size());
  return s;
}

Status McpTools::Forget(const Json& args, Json* out) {
  RecordId id = 0;
  Status s = CheckKeys(args, {"id"});
  if (s.ok()) s = GetId(args, &id);
  if (s.ok()) s = store_->Delete(WriteOptions(), tenant_, id);
  if (s.IsNotFound()) return Status::NotFound("record " + RecordIdToString(id));
  if (s.ok()) *out = {{"forgotten", RecordIdToString(id)}};
  return s;
}

Status McpTools::ListSessions(const Json& args, Json* out) {
  std::string agent;
  Status s = CheckKeys(args, {"agent"});
  if (s.ok()) s = GetString(args, "agent", false, &agent);
  std::vector<Namespace> namespaces;
  if (s.ok()) s = store_->ListNamespaces(tenant_, &namespaces);
  if (!s.ok()) return s;
  Json sessions = Json::array();
  for (const Namespace& ns : namespaces) {
    if (ns.tenant != tenant_ || (!agent.empty() && ns.agent != agent)) continue;
    sessions.push_back({{"agent", ns.agent}, {"session", ns.session}});
  }
  *out = {{"sessions", std::move(sessions)}};
  return Status::OK();
}

Status McpTools::BuildContext(const Json& args, Json* content) {
  Status s = CheckKeys(args, {"agent", "query", "budget", "profile", "crop",
                              "text_only"});
  ContextOptions o;
  o.filter.tenant = tenant_;
  bool text_only = false;
  if (s.ok()) s = GetString(args, "agent", true, &o.filter.agent);
  if (s.ok()) s = GetString(args, "query", false, &o.query);
  if (s.ok()) s = GetSize(args, "budget", 1, 1000000, &o.token_budget);
  if (s.ok()) s = GetString(args, "profile", false, &o.profile);
  if (s.ok()) s = GetBool(args, "crop", &o.crop_pages);
  if (s.ok()) s = GetBool(args, "text_only", &text_only);
  if (!s.ok()) return s;
  o.images = !text_only;
  Context context;
  s = store_->BuildContext(o, &context);
  if (!s.ok()) return s;
  Json parts = Json::array();
  *content = Json::array({Json::object()});  // the summary goes first
  for (const ContextPart& part : context.parts) {
    bool text = part.kind == ContextPart::Kind::kText;
    Json records = Json::array();
    for (RecordId id : part.records) records.push_back(RecordIdToString(id));
    Json p = {{"kind", text ? "text" : "page"}, {"records", records},
              {"tokens", part.tokens}};
    if (!text) p["page"] = std::string(kPageUri) + std::to_string(part.page_id);
    parts.push_back(std::move(p));
    if (text) {
      content->push_back({{"type", "text"}, {"text", part.text}});
    } else {
      content->push_back({{"type", "image"}, {"data", Base64(part.png)},
                          {"mimeType", "image/png"}});
    }
  }
  Json summary = {{"text_tokens", context.text_tokens},
                  {"vision_tokens", context.vision_tokens},
                  {"total_tokens", context.total_tokens()},
                  {"budget", o.token_budget},
                  {"dropped", context.dropped},
                  {"parts", std::move(parts)}};
  (*content)[0] = {{"type", "text"},
                   {"text", summary.dump(-1, ' ', false, Json::error_handler_t::replace)}};
  return Status::OK();
}

bool McpTools::ListResources(Json* result, RpcError* error) {
  std::vector<PageInfo> pages;
  Status s = store_->ListPages(tenant_, "", &pages);
  if (!s.ok()) {
    *error = {kInternalError, "resources/list: " + s.ToString()};
    return false;
  }
  Json list = Json::array();
  for (const PageInfo& p : pages) {
    std::string id = std::to_string(p.page_id);
    char description[160];
    std::snprintf(description, sizeof(description),
                  "%s page of agent memory, %dx%d, %d vision tokens, %u live records",
                  TierName(p.tier), p.width, p.height, p.vision_tokens, p.live_records);
    list.push_back({{"uri", kPageUri + id},
                    {"name", "page-" + id},
                    {"description", p.ns.agent + ": " + description},
                    {"mimeType", "image/png"}});
  }
  *result = {{"resources", std::move(list)}};
  return true;
}

Json McpTools::ListTemplates() {
  return Json::array(
      {{{"uriTemplate", std::string(kPageUri) + "{id}"},
        {"name", "page"},
        {"description", "A page of compacted memory as PNG"},
        {"mimeType", "image/png"}},
       {{"uriTemplate", std::string(kPageUri) + "{id}/manifest"},
        {"name", "page-manifest"},
        {"description", "The exact text laid out on a page and its records"},
        {"mimeType", "application/json"}}});
}

bool McpTools::ReadResource(const std::string& uri, Json* result,
                            RpcError* error) {
  std::string_view rest = uri;
  constexpr std::string_view kManifest = "/manifest";
  bool manifest = rest.ends_with(kManifest);
  if (manifest) rest.remove_suffix(kManifest.size());
  uint64_t page_id = 0;
  if (!rest.starts_with(kPageUri) ||
      !ParseIdFlag(rest.substr(std::string_view(kPageUri).size()), &page_id)) {
    *error = {kInvalidParams, "resources/read: not a page uri (want " +
                                  std::string(kPageUri) + "<id>): " + uri};
    return false;
  }
  PageData page;
  Status s = store_->GetPage(tenant_, page_id, &page);
  if (s.IsNotFound()) {
    *error = {kResourceNotFound, "resource not found: " + uri};
    return false;
  }
  if (!s.ok()) {
    *error = {kInternalError, "resources/read " + uri + ": " + s.ToString()};
    return false;
  }
  Json item = {{"uri", uri}};
  if (manifest) {
    item["mimeType"] = "application/json";
    item["text"] = page.manifest_json;
  } else {
    item["mimeType"] = "image/png";
    item["blob"] = Base64(page.png);
  }
  *result = {{"contents", Json::array({std::move(item)})}};
  return true;
}

}  // namespace mnemo::cli::mcp
