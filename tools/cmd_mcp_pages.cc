// Copyright (c) mnemo authors.
//
// The page side of `mnemo mcp` (see mcp_server.h): the context tool, whose
// pages travel as image content parts, and pages as resources
// mnemo://page/<id> (PNG blob) and mnemo://page/<id>/manifest (JSON text).

#include <cstdio>

#include "cli_util.h"
#include "mcp_args.h"
#include "mnemo/search.h"

namespace mnemo::cli::mcp {

Status McpTools::BuildContext(const Json& args, Json* content) {
  Status s = CheckKeys(
      args, {"agent", "query", "budget", "profile", "crop", "text_only"});
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
    Json p = {{"kind", text ? "text" : "page"},
              {"records", records},
              {"tokens", part.tokens}};
    if (!text) p["page"] = std::string(kPageUri) + std::to_string(part.page_id);
    parts.push_back(std::move(p));
    if (text) {
      content->push_back({{"type", "text"}, {"text", part.text}});
    } else {
      content->push_back({{"type", "image"},
                          {"data", Base64(part.png)},
                          {"mimeType", "image/png"}});
    }
  }
  Json summary = {{"text_tokens", context.text_tokens},
                  {"vision_tokens", context.vision_tokens},
                  {"total_tokens", context.total_tokens()},
                  {"budget", o.token_budget},
                  {"dropped", context.dropped},
                  {"parts", std::move(parts)}};
  (*content)[0] = {
      {"type", "text"},
      {"text", summary.dump(-1, ' ', false, Json::error_handler_t::replace)}};
  return Status::OK();
}

bool McpTools::ListResources(Json* result, RpcError* error) {
  std::vector<PageInfo> pages;
  Status s = store_->ListPages(ReadOptions(), tenant_, "", &pages);
  if (!s.ok()) {
    *error = {kInternalError, "resources/list: " + s.ToString()};
    return false;
  }
  Json list = Json::array();
  for (const PageInfo& p : pages) {
    std::string id = std::to_string(p.page_id);
    char description[160];
    std::snprintf(
        description, sizeof(description),
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
  Status s = store_->GetPage(ReadOptions(), tenant_, page_id, &page);
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
