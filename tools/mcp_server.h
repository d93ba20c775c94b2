// Copyright (c) mnemo authors.
//
// `mnemo mcp`: a Model Context Protocol server over stdio. Messages are
// JSON-RPC 2.0 objects, one per line (the MCP stdio transport). McpTools
// holds the store calls behind the tools and page resources; McpServer
// frames, validates and dispatches messages. Neither throws: bad input gets
// a JSON-RPC error or an isError tool result, never a crash.

#ifndef MNEMO_TOOLS_MCP_SERVER_H_
#define MNEMO_TOOLS_MCP_SERVER_H_

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "mnemo/store.h"

namespace mnemo::cli::mcp {

using Json = nlohmann::json;

// Longest message line read; longer ones are answered with an error and
// skipped without being buffered.
inline constexpr size_t kMaxMessageBytes = size_t{4} << 20;

// JSON-RPC error codes (and MCP's "resource not found").
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kResourceNotFound = -32002;

// A JSON-RPC error a method handler answers with.
struct RpcError {
  int code = 0;
  std::string message;
};

// The tools and resources; every call is confined to one tenant.
class McpTools {
 public:
  McpTools(Store* store, std::string tenant)
      : store_(store), tenant_(std::move(tenant)) {}

  // The "tools" array of tools/list.
  static Json List();
  // Runs tool `name`; false (with *error) when there is no such tool. Tool
  // failures are results with isError set.
  bool Call(const std::string& name, const Json& args, Json* result,
            RpcError* error);
  // resources/list, resources/templates/list, resources/read.
  bool ListResources(Json* result, RpcError* error);
  static Json ListTemplates();
  bool ReadResource(const std::string& uri, Json* result, RpcError* error);

 private:
  Status Remember(const Json& args, Json* out);
  Status Recall(const Json& args, Json* out);
  Status BuildContext(const Json& args, Json* content);
  Status Get(const Json& args, Json* out);
  Status Forget(const Json& args, Json* out);
  Status ListSessions(const Json& args, Json* out);

  Store* store_;
  std::string tenant_;
};

// Reads '\n'-terminated lines (the line end and a '\r' before it dropped).
// A line longer than `limit` bytes is skipped without being buffered and
// reported as oversized.
class LineReader {
 public:
  LineReader(std::FILE* in, size_t limit) : in_(in), limit_(limit) {}
  // False at EOF; a last line without '\n' is still returned.
  bool Next(std::string* line, bool* oversized);

 private:
  std::FILE* in_;
  size_t limit_;
};

class McpServer {
 public:
  McpServer(Store* store, std::string tenant)
      : tools_(store, std::move(tenant)) {}

  // Reads messages from `in` until EOF, answering on `out`. Returns the
  // exit code: 0 at EOF, 1 when `out` cannot be written (client gone).
  int Serve(std::FILE* in, std::FILE* out);

  // The answer to one message line; empty for notifications and responses.
  std::string HandleLine(std::string_view line);

 private:
  bool Dispatch(const std::string& method, const Json& params, Json* result,
                RpcError* error);
  bool Initialize(const Json& params, Json* result, RpcError* error);

  McpTools tools_;
};

// Standard base64 of `bytes` (resource blobs and image parts).
std::string Base64(std::string_view bytes);

}  // namespace mnemo::cli::mcp

#endif  // MNEMO_TOOLS_MCP_SERVER_H_
