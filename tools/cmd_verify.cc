// Copyright (c) mnemo authors.
//
// mnemo verify --db DIR [--deep] [--repair] [--json]
//
// Checks every record envelope (checksum), every history version, that
// every record has its time-index entry and namespace key, that every index
// entry resolves to its record, every page value (checksum, header,
// manifest, PNG header), every page's live set, and that every paged record
// is listed on each page it names. --deep also decodes history versions and
// page images in full. Exit 0 when the store is intact (or every problem was
// repaired), else lists each problem with its record/page id and exits 1.
// --repair opens the store for writing and rebuilds derived data (index
// entries, namespace keys, live sets; records whose page is lost go back to
// warm text for the next compaction to render); corrupt records are
// reported, never silently dropped. Without --repair it runs read-only
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
  j["postings_checked"] = r.postings_checked;
  j["stale_postings"] = r.stale_postings;
  j["problem_count"] = r.problem_count;
  j["repaired_count"] = r.repaired_count;
  j["problems"] = nlohmann::ordered_json::array();
  for (const auto& p : r.problems) {
    nlohmann::ordered_json problem;
    problem["kind"] = VerifyProblemKindName(p.kind);
    problem["id"] = p.id != 0 ? nlohmann::ordered_json(RecordIdToString(p.id))
                              : nlohmann::ordered_json(nullptr);
    problem["page"] = p.page_id != 0
                          ? nlohmann::ordered_json(std::to_string(p.page_id))
                          : nlohmann::ordered_json(nullptr);
    problem["message"] = p.message;
    problem["repaired"] = p.repaired;
    j["problems"].push_back(std::move(problem));
  }
  std::printf("%s\n", j.dump(2).c_str());
}

void PrintText(const VerifyReport& r) {
  for (const auto& p : r.problems) {
    std::string where;
    if (p.id != 0) where += " record " + RecordIdToString(p.id);
    if (p.page_id != 0) where += " page " + std::to_string(p.page_id);
    std::printf("%s%s%s: %s\n", p.repaired ? "repaired " : "",
                VerifyProblemKindName(p.kind), where.c_str(), p.message.c_str());
  }
  if (r.problems.size() < r.problem_count) {
    std::printf("... %llu more problems not listed\n",
                static_cast<unsigned long long>(r.problem_count -
                                                r.problems.size()));
  }
  if (r.stale_postings > 0) {
    std::printf("%llu postings of deleted records whose text was forgotten "
                "(searches skip them; --repair removes them)\n",
                static_cast<unsigned long long>(r.stale_postings));
  }
  std::printf("checked %llu records, %llu index entries, %llu history "
              "versions, %llu pages, %llu postings: %llu problems, %llu "
              "repaired%s\n",
              static_cast<unsigned long long>(r.records_checked),
              static_cast<unsigned long long>(r.index_entries_checked),
              static_cast<unsigned long long>(r.history_checked),
              static_cast<unsigned long long>(r.pages_checked),
              static_cast<unsigned long long>(r.postings_checked),
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
  Progress progress("verify", 0);
  options.progress = [&](uint64_t checked) { progress.Update(checked); };
  VerifyReport report;
  Status s = store->Verify(options, &report);
  progress.Finish();
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
               "Also decode every history version and page image in full");
  cmd.add_flag("--repair", args->repair,
               "Rebuild index entries, namespace keys and page live sets; move "
               "records whose page is lost back to warm text (opens for "
               "writing)");
  cmd.add_flag("--json", args->json, "Print the report as JSON");
  return [args] { return RunVerify(*args); };
}

}  // namespace

MNEMO_REGISTER_COMMAND("verify", "Check checksums, indexes and pages",
                       SetupVerify);

}  // namespace mnemo::cli
