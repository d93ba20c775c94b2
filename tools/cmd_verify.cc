// Copyright (c) mnemo authors.
//
// mnemo verify --db DIR [--deep] [--repair] [--json] [--ocr ...]
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
// beside a writer. In cluster mode (--cluster) it checks this host's cache
// as above, then the cluster side (mnemo/cluster.h VerifyCluster: every
// record decodes and has its id-directory entry, every entry resolves,
// every page decodes and every page a record stands on exists); --repair
// there removes directory entries left by a writer that died between
// writing the entry and its record, and orphan pages left by an owner that
// died between writing its pages and switching its records onto them.
//
// --ocr [--sample N] [--max-cer X] [--psm 0|3|6] [--upscale K]
// [--exclude-marks CHARS] [--tessdata DIR] then also reads stored pages with
// Tesseract (in process) and compares each with the text its manifest says
// is drawn, reporting CER per page, per agent and for all legible pages
// (see cmd_verify_ocr.h); exit 1 when that aggregate exceeds --max-cer
// (default 0.02) or a legible page cannot be read. Decayed pages are
// reported apart and never fail the check.

#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "cluster_report.h"
#include "cmd_verify_ocr.h"
#include "mnemo/admin.h"

namespace mnemo::cli {
namespace {

struct VerifyArgs {
  std::string db;
  bool deep = false;
  bool repair = false;
  bool json = false;
  OcrAuditArgs ocr;
};

nlohmann::ordered_json VerifyJson(const VerifyReport& r) {
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
  return j;
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
  if (args.ocr.enabled) ocr::RunOcrSingleThreaded();
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
  Status s = mnemo::Verify(store.get(), options, &report);
  progress.Finish();
  if (!s.ok()) return FailRuntime(s);
  OcrAuditReport ocr;
  if (args.ocr.enabled) {
    s = RunOcrAudit(*store, args.ocr, &ocr);
    if (!s.ok()) {
      return Fail(kExitRuntime, "store " + args.db + ": --ocr: " + s.ToString());
    }
  }
  ClusterVerifyReport cluster;
  if (ClusterMode()) {
    ClusterVerifyOptions cluster_options;
    cluster_options.repair = args.repair;
    s = mnemo::VerifyCluster(store.get(), cluster_options, &cluster);
    if (!s.ok()) return FailRuntime(s.WithContext("--cluster " + ClusterConf()));
  }
  if (args.json) {
    nlohmann::ordered_json j = VerifyJson(report);
    if (args.ocr.enabled) j["ocr"] = OcrAuditJson(ocr, args.ocr);
    if (ClusterMode()) j["cluster"] = ClusterVerifyJson(cluster);
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    PrintText(report);
    if (args.ocr.enabled) PrintOcrAudit(ocr, args.ocr);
    if (ClusterMode()) PrintClusterVerifyText(cluster);
  }
  rc = kExitOk;
  if (ClusterMode() && !cluster.ok()) {
    rc = Fail(kExitRuntime,
              "cluster of " + ClusterConf() + " has " +
                  std::to_string(cluster.problem_count() - cluster.repaired) +
                  " unrepaired problems");
  }
  if (!report.ok()) {
    rc = Fail(kExitRuntime, "store " + args.db + " has " +
                                std::to_string(report.problem_count -
                                               report.repaired_count) +
                                " unrepaired problems");
  }
  if (args.ocr.enabled && !OcrAuditPassed(ocr, args.ocr)) {
    rc = Fail(kExitRuntime, OcrAuditFailure(args.db, ocr, args.ocr));
  }
  return rc;
}

void AddOcrOptions(CLI::App& cmd, OcrAuditArgs* ocr) {
  CLI::Option* flag = cmd.add_flag(
      "--ocr", ocr->enabled,
      "Also read stored pages with Tesseract and report the character error "
      "rate against the text each page draws (decayed pages apart)");
  cmd.add_option("--sample", ocr->sample,
                 "With --ocr: read this many pages of each tier, a fixed "
                 "sample (default 0: all)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40))
      ->needs(flag);
  cmd.add_option("--max-cer", ocr->max_cer,
                 "With --ocr: fail when legible pages read above this CER "
                 "(fraction; default 0.02)")
      ->check(CLI::Range(0.0, 1.0))
      ->needs(flag);
  cmd.add_option("--psm", ocr->psm,
                 "With --ocr: Tesseract page segmentation, 0 = by the page "
                 "(default: pages set in columns column by column, 6 each; "
                 "else 6), 6 = whole page as one block, 3 = automatic")
      ->check(CLI::IsMember({0, 3, 6}))
      ->needs(flag);
  cmd.add_option("--upscale", ocr->upscale,
                 "With --ocr: enlarge pages K times before reading (1..4, "
                 "default 3)")
      ->check(CLI::Range(1, 4))
      ->needs(flag);
  cmd.add_option("--exclude-marks", ocr->exclude_marks,
                 "With --ocr: characters the layout draws as marks (not "
                 "memory text), ignored on both sides")
      ->needs(flag);
  cmd.add_option("--tessdata", ocr->tessdata,
                 "With --ocr: directory of eng.traineddata (default: "
                 "Tesseract's)")
      ->needs(flag);
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
  AddOcrOptions(cmd, &args->ocr);
  return [args] { return RunVerify(*args); };
}

}  // namespace

MNEMO_REGISTER_COMMAND("verify", "Check checksums, indexes and pages",
                       SetupVerify);

}  // namespace mnemo::cli
