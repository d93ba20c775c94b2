// Copyright (c) mnemo authors.
//
// mnemo verify --db DIR [--deep] [--repair] [--json]
//
// Checks every record envelope (checksum), every history version, that
// every record has its time-index entry and namespace key, and that every
// index entry resolves to its record (pages once they exist; --deep also
// decodes history versions fully and, later, page images). Exit 0 when the
// store is intact (or every problem was repaired), else lists each problem
// with its record id and exits 1. --repair opens the store for writing and
// rebuilds derived data (index entries, namespace keys); corrupt records
// are reported, never silently dropped. Without --repair it runs read-only
// beside a writer.

#include <nlohmann/json.hpp>

#include "cli_util.h"

namespace mnemo::cli {
namespace {

struct VerifyArgs {
  std::string db;
  bool deep = false;
  bool repair = false;
  bool json = false;
};

void PrintJson(const VerifyReport& r) {
  nlohmann::ordered_json j;
  j["ok"] = r.ok();
  j["records_checked"] = r.records_checked;
  j["index_entries_checked"] = r.index_entries_checked;
  j["history_checked"] = r.history_checked;
  j["pages_checked"] = r.pages_checked;
  j["problem_count"] = r.problem_count;
  j["repaired_count"] = r.repaired_count;
  j["problems"] = nlohmann::ordered_json::array();
  for (const auto& p : r.problems) {
    j["problems"].push_back({{"kind", VerifyProblemKindName(p.kind)},
                             {"id", RecordIdToString(p.id)},
                             {"message", p.message},
                             {"repaired", p.repaired}});
  }
  std::printf("%s\n", j.dump(2).c_str());
}

void PrintText(const VerifyReport& r) {
  for (const auto& p : r.problems) {
    std::printf("%s%s record %s: %s\n", p.repaired ? "repaired " : "",
                VerifyProblemKindName(p.kind), RecordIdToString(p.id).c_str(),
                p.message.c_str());
  }
  if (r.problems.size() < r.problem_count) {
    std::printf("... %llu more problems not listed\n",
                static_cast<unsigned long long>(r.problem_count -
                                                r.problems.size()));
  }
  std::printf("checked %llu records, %llu index entries, %llu history "
              "versions, %llu pages: %llu problems, %llu repaired%s\n",
              static_cast<unsigned long long>(r.records_checked),
              static_cast<unsigned long long>(r.index_entries_checked),
              static_cast<unsigned long long>(r.history_checked),
              static_cast<unsigned long long>(r.pages_checked),
              static_cast<unsigned long long>(r.problem_count),
              static_cast<unsigned long long>(r.repaired_count),
              r.ok() ? " (intact)" : "");
}

int RunVerify(const VerifyArgs& args) {
  std::unique_ptr<Store> store;
  int rc = OpenStore(args.db, args.repair ? OpenMode::kWrite
                                          : OpenMode::kReadOnly, &store);
  if (rc != kExitOk) return rc;
  VerifyOptions options;
  options.deep = args.deep;
  options.repair = args.repair;
  VerifyReport report;
  Status s = store->Verify(options, &report);
  if (!s.ok()) return FailRuntime(s);
  if (args.json) PrintJson(report);
  else PrintText(report);
  if (report.ok()) return kExitOk;
  return Fail(kExitRuntime, "store " + args.db + " has " +
                                std::to_string(report.problem_count -
                                               report.repaired_count) +
                                " unrepaired problems");
}

CommandBody SetupVerify(CLI::App& cmd) {
  auto args = std::make_shared<VerifyArgs>();
  AddDbOption(cmd, &args->db);
  cmd.add_flag("--deep", args->deep,
               "Also decode every history version (and page) in full");
  cmd.add_flag("--repair", args->repair,
               "Rebuild index entries and namespace keys (opens for writing)");
  cmd.add_flag("--json", args->json, "Print the report as JSON");
  return [args] { return RunVerify(*args); };
}

}  // namespace

MNEMO_REGISTER_COMMAND("verify", "Check checksums and index consistency",
                       SetupVerify);

}  // namespace mnemo::cli
