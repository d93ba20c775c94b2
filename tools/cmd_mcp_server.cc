// Copyright (c) mnemo authors.
//
// The JSON-RPC side of `mnemo mcp` (see mcp_server.h): line framing with a
// size limit, request validation, method dispatch and initialize.

#include <array>
#include <cstring>
#include <exception>

#include "mcp_server.h"

namespace mnemo::cli::mcp {
namespace {

// Newest first; initialize answers with the client's version when listed
// here, else with the newest. The messages this server uses (tools,
// resources, image content) read the same in all of them.
constexpr std::array<const char*, 4> kProtocolVersions = {
    "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};

std::string Dump(const Json& j) {
  // Record text is valid UTF-8 (Put checks it); replace, never throw.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Deepest nesting of arrays/objects accepted. Copying or comparing a JSON
// value recurses once per level, so a line of a million '[' would
// overflow the stack; no MCP message nests anywhere near this.
constexpr int kMaxDepth = 128;

// True when `line` nests brackets deeper than kMaxDepth (outside strings).
bool TooDeep(std::string_view line) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : line) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

std::string ErrorReply(const Json& id, int code, const std::string& message) {
  return Dump({{"jsonrpc", "2.0"},
               {"id", id},
               {"error", {{"code", code}, {"message", message}}}});
}

}  // namespace

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) |
                 uint8_t(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(v >> shift) & 63];
  }
  if (i < bytes.size()) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= uint8_t(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

bool McpServer::Initialize(const Json& params, Json* result, RpcError* error) {
  auto it = params.find("protocolVersion");
  if (it == params.end() || !it->is_string()) {
    *error = {kInvalidParams,
              "initialize: params.protocolVersion (string) is required"};
    return false;
  }
  std::string version = kProtocolVersions[0];
  for (const char* v : kProtocolVersions) {
    if (*it == v) version = v;
  }
  *result = {
      {"protocolVersion", version},
      {"capabilities",
       {{"tools", {{"listChanged", false}}},
        {"resources", {{"subscribe", false}, {"listChanged", false}}}}},
      {"serverInfo", {{"name", "mnemo"}, {"version", "0.1.0"}}},
      {"instructions",
       "Long-term memory. remember stores a turn; recall searches; context "
       "packs recent turns and hits into a token budget (old memory comes "
       "back as page images); pages are resources mnemo://page/<id>."}};
  return true;
}

bool McpServer::Dispatch(const std::string& method, const Json& params,
                         Json* result, RpcError* error) {
  if (method == "initialize") return Initialize(params, result, error);
  if (method == "ping") {
    *result = Json::object();
    return true;
  }
  if (method == "tools/list") {
    *result = {{"tools", McpTools::List()}};
    return true;
  }
  if (method == "tools/call") {
    auto name = params.find("name");
    auto args = params.find("arguments");
    if (name == params.end() || !name->is_string()) {
      *error = {kInvalidParams, "tools/call: params.name (string) is required"};
      return false;
    }
    if (args != params.end() && !args->is_object() && !args->is_null()) {
      *error = {kInvalidParams,
                "tools/call: params.arguments must be an object"};
      return false;
    }
    Json none = Json::object();
    const Json& a = args == params.end() || args->is_null() ? none : *args;
    return tools_.Call(name->get<std::string>(), a, result, error);
  }
  if (method == "resources/list") return tools_.ListResources(result, error);
  if (method == "resources/templates/list") {
    *result = {{"resourceTemplates", McpTools::ListTemplates()}};
    return true;
  }
  if (method == "resources/read") {
    auto uri = params.find("uri");
    if (uri == params.end() || !uri->is_string()) {
      *error = {kInvalidParams,
                "resources/read: params.uri (string) is required"};
      return false;
    }
    return tools_.ReadResource(uri->get<std::string>(), result, error);
  }
  *error = {kMethodNotFound, "method not found: " + method};
  return false;
}

namespace {

// Checks the JSON-RPC envelope of a parsed message. Returns the error reply
// when it is not a valid request or notification (*skip: a response or a
// notification, nothing to answer); sets *id and *params otherwise.
std::string CheckEnvelope(const Json& msg, Json* id, Json* params, bool* skip) {
  *skip = false;
  if (msg.is_array()) {
    return ErrorReply(nullptr, kInvalidRequest,
                      "batches are not supported: send one message per line");
  }
  if (!msg.is_object()) {
    return ErrorReply(nullptr, kInvalidRequest,
                      "a message must be a JSON object");
  }
  auto it = msg.find("id");
  bool has_id = it != msg.end();
  if (has_id && !it->is_string() && !it->is_number_integer()) {
    return ErrorReply(nullptr, kInvalidRequest,
                      "id must be a string or an integer");
  }
  *id = has_id ? *it : Json(nullptr);
  auto version = msg.find("jsonrpc");
  if (version == msg.end() || *version != "2.0") {
    return ErrorReply(*id, kInvalidRequest, "jsonrpc must be \"2.0\"");
  }
  auto method = msg.find("method");
  if (method == msg.end()) {
    // A response to a request we never send: nothing to answer.
    *skip = msg.contains("result") || msg.contains("error");
    return *skip ? "" : ErrorReply(*id, kInvalidRequest, "method is required");
  }
  if (!method->is_string()) {
    return ErrorReply(*id, kInvalidRequest, "method must be a string");
  }
  *skip = !has_id;  // notifications (initialized, cancelled, ...)
  auto p = msg.find("params");
  if (*skip || p == msg.end() || p->is_null()) return "";
  if (!p->is_object()) {
    return ErrorReply(*id, kInvalidParams, "params must be an object");
  }
  *params = *p;
  return "";
}

}  // namespace

std::string McpServer::HandleLine(std::string_view line) {
  if (TooDeep(line)) {
    return ErrorReply(
        nullptr, kInvalidRequest,
        "message nests deeper than " + std::to_string(kMaxDepth) + " levels");
  }
  Json msg;
  try {
    msg = Json::parse(line);
  } catch (const Json::parse_error& e) {
    return ErrorReply(nullptr, kParseError,
                      std::string("parse error: ") + e.what());
  }
  Json id, params = Json::object();
  bool skip = false;
  std::string invalid = CheckEnvelope(msg, &id, &params, &skip);
  if (!invalid.empty() || skip) return invalid;
  Json result;
  RpcError error;
  bool ok = false;
  try {
    ok = Dispatch(msg["method"].get<std::string>(), params, &result, &error);
  } catch (const std::exception& e) {  // a bug, not the client's fault
    error = {kInternalError, std::string("internal error: ") + e.what()};
  }
  if (!ok) return ErrorReply(id, error.code, error.message);
  return Dump({{"jsonrpc", "2.0"}, {"id", id}, {"result", result}});
}

bool LineReader::Next(std::string* line, bool* oversized) {
  line->clear();
  *oversized = false;
  std::array<char, 64 * 1024> chunk;
  for (;;) {
    if (std::fgets(chunk.data(), chunk.size(), in_) == nullptr) {
      return !line->empty() || *oversized;  // a last line without '\n'
    }
    size_t n = std::strlen(chunk.data());
    if (!*oversized) line->append(chunk.data(), n);
    if (line->size() > limit_) {
      *oversized = true;
      std::string().swap(*line);  // skip the rest without buffering it
    }
    if (n > 0 && chunk[n - 1] == '\n') break;
  }
  while (!line->empty() && (line->back() == '\n' || line->back() == '\r')) {
    line->pop_back();
  }
  return true;
}

int McpServer::Serve(std::FILE* in, std::FILE* out) {
  LineReader reader(in, kMaxMessageBytes + 2);  // +2: room for "\r\n"
  std::string line;
  bool oversized = false;
  while (reader.Next(&line, &oversized)) {
    std::string reply;
    if (oversized) {
      reply = ErrorReply(
          nullptr, kInvalidRequest,
          "message longer than " + std::to_string(kMaxMessageBytes) + " bytes");
    } else if (line.find_first_not_of(" \t") != std::string::npos) {
      reply = HandleLine(line);
    }
    if (reply.empty()) continue;
    reply += '\n';
    if (std::fwrite(reply.data(), 1, reply.size(), out) != reply.size() ||
        std::fflush(out) != 0) {
      return 1;
    }
  }
  return 0;
}

}  // namespace mnemo::cli::mcp
