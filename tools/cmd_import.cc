// Copyright (c) mnemo authors.
//
// mnemo import --db DIR [--format jsonl|locomo] [--skip-bad]
//              [--pages PAGES_DIR] FILE
//
// Reads every record of FILE ("-" = stdin) and checks each one (JSON, UTF-8,
// required fields, the store's own limits, ids already in use) before
// writing anything; then writes them all in one atomic batch. By default a
// bad line rejects the whole file ("line N: why") and the store is left as
// it was (a store this run created is removed again). --skip-bad reports
// and skips bad lines and imports the rest. Lines carrying "id" (a dump)
// are restored with their ids and tiers (Store::RestoreWithPages); other
// lines get new ids. See tools/workload/record_json.h for the format and
// its defaults.
//
// Records on pages (pixels/decayed with a page id) keep their page
// reference when --pages names the directory `mnemo dump --include-pages`
// wrote: the page files of every page they span are read and checked
// (tools/workload/page_files.h) and restored with their ids. A missing or
// bad page file rejects the whole import, naming the file and the page;
// with --skip-bad such records are restored as warm text instead (and
// reported). Without --pages they are restored as warm text, with one line
// saying how many. A record whose text was forgotten has nothing to fall
// back to: without its page it is a bad line.

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <unordered_map>

#include "cli_util.h"
#include "mnemo/quote.h"
#include "workload/locomo.h"
#include "workload/page_files.h"
#include "workload/record_json.h"

namespace mnemo::cli {
namespace {

struct ImportArgs {
  std::string db;
  std::string format = "jsonl";
  std::string file;
  std::string pages;  // page files of a dump
  bool skip_bad = false;
};

struct Input {
  std::vector<Record> records;
  std::vector<std::string> where;  // "line N" per record
  bool restore = false;            // records carry ids
  size_t skipped = 0;
  std::vector<PageData> pages;     // pages the restored records sit on
  size_t unpaged = 0;              // records on pages restored as text
};

// Handles a bad input item: fails (returns false) or, with --skip-bad,
// warns and counts it.
bool Reject(const ImportArgs& args, Input* in, const std::string& message) {
  if (!args.skip_bad) {
    Fail(kExitRuntime, message + " (nothing imported; --skip-bad skips "
                                 "bad lines)");
    return false;
  }
  std::fprintf(stderr, "mnemo: skipped %s\n", EscapeForTerminal(message).c_str());
  ++in->skipped;
  return true;
}

bool ParseLine(const ImportArgs& args, const std::string& line, size_t n,
               Input* in) {
  std::string where = "line " + std::to_string(n);
  Record r;
  bool has_id = false;
  Status s = workload::RecordFromJson(line, &r, &has_id);
  if (!s.ok()) return Reject(args, in, where + ": " + s.message());
  if (in->records.empty() && in->skipped == 0) in->restore = has_id;
  if (has_id != in->restore) {
    return Reject(args, in, where + (has_id ? ": has" : ": has no") +
                                " \"id\" unlike line 1 (a file is either a "
                                "dump with ids or new records without)");
  }
  in->records.push_back(std::move(r));
  in->where.push_back(std::move(where));
  return true;
}

int ReadJsonl(const ImportArgs& args, Input* in) {
  std::ifstream file;
  if (args.file != "-") {
    file.open(args.file, std::ios::binary);
    if (!file) {
      return Fail(kExitRuntime, "cannot read " + args.file + ": " +
                                    std::strerror(errno));
    }
  }
  std::istream& stream = args.file == "-" ? std::cin : file;
  Progress progress("reading", 0);
  std::string line;
  for (size_t n = 1; std::getline(stream, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    if (!ParseLine(args, line, n, in)) return kExitRuntime;
    progress.Update(in->records.size());
  }
  if (stream.bad()) return Fail(kExitRuntime, "error reading " + args.file);
  return kExitOk;
}

int ReadLocomo(const ImportArgs& args, Input* in) {
  workload::LocomoSummary summary;
  Status s = workload::LoadLocomo(args.file, workload::LocomoOptions(),
                                  &in->records, &summary);
  if (!s.ok()) return FailRuntime(s);
  for (const Record& r : in->records) {
    auto dia = r.metadata.find("dia_id");
    in->where.push_back(r.ns.agent + "/" + r.ns.session + " turn " +
                        (dia == r.metadata.end() ? "?" : dia->second));
  }
  return kExitOk;
}

// Checks every record against the store; drops or rejects bad ones.
bool CheckRecords(const ImportArgs& args, Store* store, Input* in) {
  std::vector<Record> kept;
  std::vector<std::string> kept_where;
  std::unordered_map<RecordId, std::string> ids;
  Progress progress("checking", in->records.size());
  for (size_t i = 0; i < in->records.size(); ++i) {
    Record& r = in->records[i];
    const std::string& where = in->where[i];
    Status s = store->Validate(r);
    Namespace existing;
    std::string problem;
    if (!s.ok()) problem = s.message();
    else if (in->restore && ids.count(r.id)) {
      problem = "id " + RecordIdToString(r.id) + " repeats " + ids[r.id];
    } else if (in->restore && store->LookupNamespace(r.id, &existing).ok()) {
      problem = "record " + RecordIdToString(r.id) + " already exists";
    }
    if (!problem.empty()) {
      if (!Reject(args, in, where + ": " + problem)) return false;
      continue;
    }
    if (in->restore) ids[r.id] = where;
    kept.push_back(std::move(r));
    kept_where.push_back(where);
    progress.Update(i + 1);
  }
  in->records = std::move(kept);
  in->where = std::move(kept_where);
  return true;
}

// Page files of a dump, read once each.
class PageFiles {
 public:
  explicit PageFiles(std::string dir) : dir_(std::move(dir)) {}
  Status Load(uint64_t page_id, const workload::PageFile** page) {
    auto [it, fresh] = files_.try_emplace(page_id);
    if (fresh) {
      it->second.first = workload::ReadPageFiles(dir_, page_id, &it->second.second);
    }
    *page = &it->second.second;
    return it->second.first;
  }
  PageData Take(uint64_t page_id) {
    return std::move(files_.at(page_id).second.data);
  }
  std::string JsonPath(uint64_t page_id) const {
    return dir_ + "/" + workload::PageJsonName(page_id);
  }

 private:
  std::string dir_;
  std::map<uint64_t, std::pair<Status, workload::PageFile>> files_;
};

bool OnPages(const Record& r) {
  return (r.tier == Tier::kPixels || r.tier == Tier::kDecayed) && r.page.valid();
}

// Checks that page `page_id` holds record `r` (first: where it begins).
Status PageHolds(PageFiles* files, uint64_t page_id, const Record& r,
                 bool first, const workload::PageFile** page) {
  MNEMO_RETURN_IF_ERROR(files->Load(page_id, page));
  const PageData& data = (*page)->data;
  std::string name = files->JsonPath(page_id) + ": ";
  std::string record = "record " + RecordIdToString(r.id);
  if (data.info.ns.tenant != r.ns.tenant || data.info.ns.agent != r.ns.agent) {
    return Status::InvalidArgument(name + "the page's tenant/agent differs from " + record + "'s");
  }
  if (first && data.info.tier != r.tier) {
    return Status::InvalidArgument(name + "the page is " + TierName(data.info.tier) +
                                   " but " + record + " is " + TierName(r.tier));
  }
  for (const auto& item : (*page)->items) {
    if (item.id == r.id && item.continued != first) return Status::OK();
  }
  return Status::InvalidArgument(name + "its manifest does not list " + record +
                                 (first ? "" : " continuing from the page before"));
}

// The ids of the pages `r` spans, per their manifests.
Status SpanOf(const Record& r, PageFiles* files, std::vector<uint64_t>* span) {
  span->assign(1, r.page.page_id);
  const workload::PageFile* page;
  MNEMO_RETURN_IF_ERROR(PageHolds(files, r.page.page_id, r, true, &page));
  auto continues = [&r](const workload::PageFile* p) {
    for (const auto& item : p->items) {
      if (item.id == r.id) return item.continues;
    }
    return false;
  };
  while (continues(page)) {
    span->push_back(span->back() + 1);
    MNEMO_RETURN_IF_ERROR(PageHolds(files, span->back(), r, false, &page));
  }
  return Status::OK();
}

enum class Attach { kKeep, kDrop, kFail };

// Decides how record i comes back: on its pages (their ids go to
// *wanted), as warm text, skipped, or not at all (kFail, message printed).
Attach AttachOne(const ImportArgs& args, PageFiles* files, Input* in,
                 size_t i, std::set<uint64_t>* wanted) {
  Record& r = in->records[i];
  if (!OnPages(r)) return Attach::kKeep;
  std::string problem;
  if (!args.pages.empty()) {
    std::vector<uint64_t> span;
    Status s = SpanOf(r, files, &span);
    if (s.ok()) {
      wanted->insert(span.begin(), span.end());
      return Attach::kKeep;
    }
    problem = "page " + std::to_string(span.back()) + ": " + s.message();
  }
  std::string where = in->where[i] + ": record " + RecordIdToString(r.id);
  if (r.text_forgotten) {
    return Reject(args, in, where + ": its text was forgotten and only its "
                                    "page holds it (" +
                                (problem.empty() ? "import with --pages DIR" : problem) + ")")
               ? Attach::kDrop
               : Attach::kFail;
  }
  if (!problem.empty() && !args.skip_bad) {
    Fail(kExitRuntime, where + ": " + problem + " (nothing imported; "
                                                "--skip-bad restores such records as warm text)");
    return Attach::kFail;
  }
  if (!problem.empty()) {
    std::fprintf(stderr, "mnemo: %s restored as warm text: %s\n",
                 EscapeForTerminal(where).c_str(), EscapeForTerminal(problem).c_str());
  }
  r.tier = Tier::kWarm;
  r.page = PageRef();
  ++in->unpaged;
  return Attach::kKeep;
}

// Finds the page files of every record on pages (see the top comment);
// false when the import is rejected (message printed).
bool AttachPages(const ImportArgs& args, Input* in) {
  PageFiles files(args.pages);
  std::set<uint64_t> wanted;
  std::vector<Record> kept;
  std::vector<std::string> kept_where;
  for (size_t i = 0; i < in->records.size(); ++i) {
    Attach a = AttachOne(args, &files, in, i, &wanted);
    if (a == Attach::kFail) return false;
    if (a == Attach::kDrop) continue;
    kept.push_back(std::move(in->records[i]));
    kept_where.push_back(std::move(in->where[i]));
  }
  in->records = std::move(kept);
  in->where = std::move(kept_where);
  for (uint64_t page_id : wanted) in->pages.push_back(files.Take(page_id));
  return true;
}

// Dump lines without times get "now" (new records get it from the store).
void FillRestoreDefaults(Input* in) {
  Micros now = Clock::System()->NowMicros();
  for (Record& r : in->records) {
    if (r.event_time == 0) r.event_time = now;
    if (r.created_time == 0) r.created_time = r.updated_time = now;
  }
}

int RunImport(const ImportArgs& args) {
  auto start = std::chrono::steady_clock::now();
  Input in;
  int rc = args.format == "locomo" ? ReadLocomo(args, &in)
                                   : ReadJsonl(args, &in);
  if (rc != kExitOk) return rc;
  if (!args.pages.empty() && !in.restore) {
    return Fail(kExitUsage, "--pages applies to a dump (JSONL lines with \"id\")");
  }
  std::error_code ec;
  if (!args.pages.empty() && !std::filesystem::is_directory(args.pages, ec)) {
    return Fail(kExitRuntime, "--pages " + args.pages + ": not a directory");
  }
  if (in.restore) FillRestoreDefaults(&in);
  bool existed = std::filesystem::exists(args.db, ec);
  std::unique_ptr<Store> store;
  if ((rc = OpenStore(args.db, OpenMode::kCreate, &store)) != kExitOk) {
    return rc;
  }
  bool ok = CheckRecords(args, store.get(), &in) &&
            (!in.restore || AttachPages(args, &in));
  Status s;
  if (ok && !in.records.empty()) {
    s = in.restore ? store->RestoreWithPages(WriteOptions(), in.records, in.pages)
                   : store->PutBatch(WriteOptions(), in.records, nullptr);
  }
  store.reset();
  if (!ok || !s.ok()) {
    if (!existed) std::filesystem::remove_all(args.db, ec);
    return ok ? FailRuntime(s.WithContext("nothing imported")) : kExitRuntime;
  }
  if (in.unpaged > 0) {
    std::fprintf(stderr, "mnemo: %zu records lost their page reference (restored "
                 "as warm text)%s\n", in.unpaged, args.pages.empty() ?
                 "; 'mnemo dump --include-pages DIR' and 'mnemo import --pages "
                 "DIR' keep them" : "");
  }
  std::printf("imported %zu records (%zu skipped) into %s in %s\n",
              in.records.size(), in.skipped, args.db.c_str(),
              FormatDuration(std::chrono::steady_clock::now() - start).c_str());
  return kExitOk;
}

CommandBody SetupImport(CLI::App& cmd) {
  auto args = std::make_shared<ImportArgs>();
  AddDbOption(cmd, &args->db);
  cmd.add_option("--format", args->format, "Input format (default jsonl)")
      ->check(CLI::IsMember({"jsonl", "locomo"}));
  cmd.add_flag("--skip-bad", args->skip_bad,
               "Skip (and report) bad lines instead of rejecting the file");
  cmd.add_option("--pages", args->pages,
                 "Page files written by 'mnemo dump --include-pages DIR': "
                 "records on pages keep their tier and page")
      ->type_name("DIR");
  cmd.add_option("FILE", args->file, "Input file ('-' for stdin)")
      ->required();
  cmd.footer(
      "JSONL: one object per line; required tenant, agent, text; optional "
      "session (default \"default\"), role (\"user\"), kind (\"message\"), "
      "event_time (RFC 3339; default now), importance (0..1; 0.5), metadata "
      "(object). Lines with \"id\" (from 'mnemo dump') keep their ids and "
      "tiers; records on pages keep their page with --pages DIR (a missing "
      "or bad page file rejects the import; --skip-bad restores those "
      "records as warm text), and come back as warm text without it.");
  return [args] { return RunImport(*args); };
}

}  // namespace

MNEMO_REGISTER_COMMAND("import", "Import records from JSONL or LoCoMo",
                       SetupImport);

}  // namespace mnemo::cli
