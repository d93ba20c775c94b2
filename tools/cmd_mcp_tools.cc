// Copyright (c) mnemo authors.
//
// The record tools of `mnemo mcp` (see mcp_server.h; context and pages are
// in cmd_mcp_pages.cc). Every store call names the server's tenant; no
// argument can name another (an argument called "tenant" is refused like
// any unknown one).

#include <initializer_list>

#include "cli_util.h"
#include "mcp_args.h"
#include "mnemo/search.h"
#include "workload/metadata_json.h"
#include "workload/time_format.h"

namespace mnemo::cli::mcp {
namespace {

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
  if (r.page.valid())
    j["page"] = std::string(kPageUri) + std::to_string(r.page.page_id);
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
  std::string text =
      value.is_string()
          ? value.get<std::string>()
          : value.dump(-1, ' ', false, Json::error_handler_t::replace);
  return {{"content", Json::array({{{"type", "text"}, {"text", text}}})},
          {"isError", is_error}};
}

Json Integer(int lo, int hi, const char* description) {
  return {{"type", "integer"},
          {"minimum", lo},
          {"maximum", hi},
          {"description", description}};
}

Json Tool(const char* name, const char* description, Json schema) {
  return {{"name", name},
          {"description", description},
          {"inputSchema", std::move(schema)}};
}

Json RememberTool() {
  Json importance = {{"type", "number"},
                     {"minimum", 0},
                     {"maximum", 1},
                     {"description", "0..1; slows aging (default 0.5)"}};
  return Tool(
      "remember", "Store one turn or fact in memory; returns its id.",
      Schema(
          {{"agent", Prop("string", "Agent the memory belongs to")},
           {"session", Prop("string", "Session (conversation) id")},
           {"text", Prop("string", "What to remember (UTF-8)")},
           {"role",
            Prop("string", "user, assistant, tool, ... (default user)")},
           {"kind", Prop("string", "message, fact, ... (default message)")},
           {"time", Prop("string", "When it happened, RFC 3339 (default now)")},
           {"importance", importance}},
          {"agent", "session", "text"}));
}

Json RecallTool() {
  return Tool(
      "recall",
      "Full-text (BM25) search over all of memory, old pages included.",
      Schema(
          {{"query", Prop("string", "Words to search for")},
           {"agent", Prop("string", "Only this agent")},
           {"session", Prop("string", "Only this session")},
           {"role", Prop("string", "Only this role")},
           {"kind", Prop("string", "Only this kind")},
           {"since", Prop("string", "Event time from (RFC 3339, inclusive)")},
           {"until", Prop("string", "Event time until (RFC 3339, exclusive)")},
           {"limit", Integer(1, 100, "Most hits (default 10)")}},
          {"query"}));
}

Json ContextTool() {
  return Tool(
      "context",
      "Recent turns and search hits of an agent packed into a token budget; "
      "old memory comes back as page images (PNG).",
      Schema({{"agent", Prop("string", "Agent whose memory to pack")},
              {"query", Prop("string", "What the context is for")},
              {"budget", Integer(1, 1000000, "Token budget (default 4000)")},
              {"profile",
               Prop("string", "VLM profile pricing images (default base)")},
              {"crop", Prop("boolean", "Crop pages to the lines of each hit")},
              {"text_only", Prop("boolean", "No images: kept text only")}},
             {"agent"}));
}

Json ToolList() {
  Json id = Prop("string", "Record id (decimal digits)");
  return Json::array(
      {RememberTool(), RecallTool(), ContextTool(),
       Tool("get", "One record by id.", Schema({{"id", id}}, {"id"})),
       Tool("forget", "Delete one record (and its history) by id.",
            Schema({{"id", id}}, {"id"})),
       Tool("list_sessions", "The agents and sessions that hold records.",
            Schema({{"agent", Prop("string", "Only this agent")}}, {}))});
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
  Status s = CheckKeys(
      args, {"agent", "session", "text", "role", "kind", "time", "importance"});
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
    // Checked as a double: a float cast of 1e300 would be undefined.
    double v = it->is_number() ? it->get<double>() : -1;
    if (!(v >= 0 && v <= 1)) {
      return Bad("importance", "must be a number from 0 to 1");
    }
    r.importance = static_cast<float>(v);
  }
  if (!s.ok()) return s;
  if (time) r.event_time = *time;
  RecordId id = 0;
  s = store_->Put(WriteOptions(), r, &id);
  if (s.ok())
    *out = {{"id", RecordIdToString(id)},
            {"agent", r.ns.agent},
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
}  // namespace mnemo::cli::mcp
