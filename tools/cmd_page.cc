// Copyright (c) mnemo authors.
//
// mnemo page --db DIR --page ID --out FILE.png [--manifest FILE.json] [--tenant T]
//
// Writes a page of compacted memory as PNG, and its manifest (the exact
// laid-out `text` and each record's `items` entry with id, text, span).

#include <fstream>

#include "cli_util.h"

namespace mnemo::cli {
namespace {

struct PageArgs {
  std::string db, out, manifest, tenant;
  uint64_t page = 0;
};

int WriteOut(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return Fail(kExitRuntime, "cannot write " + path);
  return kExitOk;
}

int Run(const PageArgs& args) {
  std::unique_ptr<Store> store;
  int rc = OpenStore(args.db, OpenMode::kReadOnly, &store);
  if (rc != kExitOk) return rc;
  std::string tenant = args.tenant;
  if (tenant.empty()) {  // operator call: find the page's tenant
    std::vector<PageInfo> pages;
    Status s = store->ListPages(ReadOptions(), "", "", &pages);
    if (!s.ok()) return FailRuntime(s);
    for (const auto& p : pages) {
      if (p.page_id == args.page) tenant = p.ns.tenant;
    }
    if (tenant.empty()) {
      return Fail(kExitRuntime, "page " + std::to_string(args.page) + " not found");
    }
  }
  PageData page;
  Status s = store->GetPage(ReadOptions(), tenant, args.page, &page);
  if (!s.ok()) return FailRuntime(s);
  rc = WriteOut(args.out, page.png);
  if (rc == kExitOk && !args.manifest.empty()) rc = WriteOut(args.manifest, page.manifest_json + "\n");
  if (rc != kExitOk) return rc;
  std::printf("page %llu (%s/%s, %s, %s %dx%d, %d vision tokens, %u live records) -> %s\n",
              (unsigned long long)page.info.page_id, page.info.ns.tenant.c_str(),
              page.info.ns.agent.c_str(), TierName(page.info.tier),
              page.info.profile.c_str(), page.info.width, page.info.height,
              page.info.vision_tokens, page.info.live_records, args.out.c_str());
  return kExitOk;
}

CommandBody Setup(CLI::App& command) {
  auto args = std::make_shared<PageArgs>();
  AddDbOption(command, &args->db);
  AddIdOption(command, "--page", &args->page, "page id")->required();
  command.add_option("--out", args->out, "PNG file to write")->required();
  command.add_option("--manifest", args->manifest, "manifest JSON file to write");
  command.add_option("--tenant", args->tenant, "tenant of the page (default: any)");
  return [args] { return Run(*args); };
}

}  // namespace

MNEMO_REGISTER_COMMAND("page", "write a page of compacted memory as PNG + manifest",
                       Setup);

}  // namespace mnemo::cli
