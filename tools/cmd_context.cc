// Copyright (c) mnemo authors.
//
// mnemo context --db DIR --tenant T --agent A [--query "..."]
//               [--budget 4000] [--profile base] [--crop] [--recent 8]
//               [--hits 20] [--fill-hits 200] [--neighbors 2] [--text-only]
//               --out DIR
//
// Builds the context a VLM host would send for a query (see
// Store::BuildContext), writes its parts to --out as NNN.txt / NNN.png plus
// context.json (the parts in order: kind, source, file, records,
// neighbors, tokens, page, crop), and prints the token accounting.
// Read-only on the store.

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "mnemo/search.h"

namespace mnemo::cli {
namespace {

struct ContextArgs {
  std::string db, tenant, agent, query, profile = "base", out;
  size_t budget = 4000, recent = 8, hits = 20, fill_hits = 200, neighbors = 2;
  bool crop = false, text_only = false;
};

const char* SourceName(ContextPart::Source source) {
  switch (source) {
    case ContextPart::Source::kText: return "text";
    case ContextPart::Source::kStoredPage: return "stored_page";
    case ContextPart::Source::kRerendered: return "rerendered";
    case ContextPart::Source::kDecayedOnly: return "decayed_only";
  }
  return "?";
}

Status WritePart(const std::filesystem::path& dir, size_t index,
                 const ContextPart& part, nlohmann::json* manifest) {
  char name[32];
  bool text = part.kind == ContextPart::Kind::kText;
  std::snprintf(name, sizeof(name), "%03zu.%s", index, text ? "txt" : "png");
  std::ofstream f(dir / name, std::ios::binary);
  const std::string& bytes = text ? part.text : part.png;
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!f) return Status::IOError("cannot write " + (dir / name).string());
  nlohmann::json j;
  j["kind"] = text ? "text" : "page";
  j["source"] = SourceName(part.source);
  j["file"] = name;
  std::vector<std::string> ids, neighbors;
  for (RecordId id : part.records) ids.push_back(RecordIdToString(id));
  for (RecordId id : part.neighbors) neighbors.push_back(RecordIdToString(id));
  j["records"] = ids;
  j["neighbors"] = neighbors;
  j["tokens"] = part.tokens;
  j["score"] = part.score;
  if (!text) {
    j["page"] = part.page_id;
    j["crop"] = {{"cropped", part.cropped}, {"x", part.x}, {"y", part.y},
                 {"width", part.width}, {"height", part.height}};
  }
  manifest->push_back(j);
  return Status::OK();
}

int RunContext(const ContextArgs& args) {
  std::unique_ptr<Store> store;
  int rc = OpenStore(args.db, OpenMode::kReadOnly, &store);
  if (rc != kExitOk) return rc;
  ContextOptions o;
  o.filter.tenant = args.tenant;
  o.filter.agent = args.agent;
  o.query = args.query;
  o.token_budget = args.budget;
  o.profile = args.profile;
  o.crop_pages = args.crop;
  o.recent_records = args.recent;
  o.max_hits = args.hits;
  o.fill_hits = args.fill_hits;
  o.neighbor_records = args.neighbors;
  o.images = !args.text_only;
  Context context;
  Status s = store->BuildContext(o, &context);
  if (!s.ok()) return FailStatus(s);
  std::error_code ec;
  std::filesystem::create_directories(args.out, ec);
  if (ec) return Fail(kExitRuntime, "cannot create " + args.out);
  nlohmann::json manifest = nlohmann::json::array();
  for (size_t i = 0; i < context.parts.size(); ++i) {
    s = WritePart(args.out, i, context.parts[i], &manifest);
    if (!s.ok()) return FailRuntime(s);
  }
  std::ofstream(std::filesystem::path(args.out) / "context.json")
      << manifest.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
      << "\n";
  size_t pages = 0, rerendered = 0, decayed = 0;
  for (const auto& p : context.parts) {
    pages += p.kind == ContextPart::Kind::kPage;
    rerendered += p.source == ContextPart::Source::kRerendered;
    decayed += p.source == ContextPart::Source::kDecayedOnly;
  }
  std::printf("parts          %zu (%zu text, %zu images: %zu re-rendered from kept text, "
              "%zu decayed only)\n",
              context.parts.size(), context.parts.size() - pages, pages, rerendered, decayed);
  std::printf("text tokens    %zu\nvision tokens  %zu\n", context.text_tokens,
              context.vision_tokens);
  std::printf("total tokens   %zu of %zu budget\ndropped        %zu\n",
              context.total_tokens(), args.budget, context.dropped);
  return kExitOk;
}

CommandBody SetupContext(CLI::App& cmd) {
  auto args = std::make_shared<ContextArgs>();
  AddDbOption(cmd, &args->db);
  AddTokenizerOption(cmd);
  cmd.add_option("--tenant", args->tenant, "Tenant (required)")->required();
  cmd.add_option("--agent", args->agent, "Agent (required)")->required();
  cmd.add_option("--query", args->query, "What the context is for");
  cmd.add_option("--budget", args->budget, "Token budget")
      ->check(CLI::Range(size_t{1}, size_t{10'000'000}));
  cmd.add_option("--profile", args->profile, "VLM profile pricing images");
  cmd.add_flag("--crop", args->crop, "Crop pages to the lines of each hit");
  // Ranges also keep "-1" or an overlong number from wrapping to 2^64-1.
  cmd.add_option("--recent", args->recent, "Newest records considered")
      ->check(CLI::Range(size_t{0}, size_t{100'000}));
  cmd.add_option("--hits", args->hits, "Search hits considered")
      ->check(CLI::Range(size_t{0}, size_t{10'000}));
  cmd.add_option("--fill-hits", args->fill_hits,
                 "Hits in all while the budget has room")
      ->check(CLI::Range(size_t{0}, size_t{10'000}));
  cmd.add_option("--neighbors", args->neighbors,
                 "Records shown each side of a hit re-rendered from kept text")
      ->check(CLI::Range(size_t{0}, size_t{1'000}));
  cmd.add_flag("--text-only", args->text_only, "No images: kept text only");
  cmd.add_option("--out", args->out, "Directory for the parts")->required();
  return [args] { return RunContext(*args); };
}

}  // namespace

MNEMO_REGISTER_COMMAND("context",
                       "Build a token-budgeted context (text + page images)",
                       SetupContext);

}  // namespace mnemo::cli
