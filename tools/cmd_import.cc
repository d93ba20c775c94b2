// Copyright (c) mnemo authors.
//
// mnemo import --db DIR [--format jsonl|locomo] [--skip-bad] FILE
//
// Reads every record of FILE ("-" = stdin) and checks each one (JSON, UTF-8,
// required fields, the store's own limits, ids already in use) before
// writing anything; then writes them all in one atomic batch. By default a
// bad line rejects the whole file ("line N: why") and the store is left as
// it was (a store this run created is removed again). --skip-bad reports
// and skips bad lines and imports the rest. Lines carrying "id" (a dump)
// are restored with their ids; other lines get new ids. See
// tools/workload/record_json.h for the format and its defaults.

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <unordered_map>

#include "cli_util.h"
#include "workload/locomo.h"
#include "workload/record_json.h"

namespace mnemo::cli {
namespace {

struct ImportArgs {
  std::string db;
  std::string format = "jsonl";
  std::string file;
  bool skip_bad = false;
};

struct Input {
  std::vector<Record> records;
  std::vector<std::string> where;  // "line N" per record
  bool restore = false;            // records carry ids
  size_t skipped = 0;
};

// Handles a bad input item: fails (returns false) or, with --skip-bad,
// warns and counts it.
bool Reject(const ImportArgs& args, Input* in, const std::string& message) {
  if (!args.skip_bad) {
    Fail(kExitRuntime, message + " (nothing imported; --skip-bad skips "
                                 "bad lines)");
    return false;
  }
  std::fprintf(stderr, "mnemo: skipped %s\n", message.c_str());
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
  if (in.restore) FillRestoreDefaults(&in);
  std::error_code ec;
  bool existed = std::filesystem::exists(args.db, ec);
  std::unique_ptr<Store> store;
  if ((rc = OpenStore(args.db, OpenMode::kCreate, &store)) != kExitOk) {
    return rc;
  }
  bool ok = CheckRecords(args, store.get(), &in);
  Status s;
  if (ok && !in.records.empty()) {
    s = in.restore ? store->Restore(WriteOptions(), in.records)
                   : store->PutBatch(WriteOptions(), in.records, nullptr);
  }
  store.reset();
  if (!ok || !s.ok()) {
    if (!existed) std::filesystem::remove_all(args.db, ec);
    return ok ? FailRuntime(s.WithContext("nothing imported")) : kExitRuntime;
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
  cmd.add_option("FILE", args->file, "Input file ('-' for stdin)")
      ->required();
  cmd.footer(
      "JSONL: one object per line; required tenant, agent, text; optional "
      "session (default \"default\"), role (\"user\"), kind (\"message\"), "
      "event_time (RFC 3339; default now), importance (0..1; 0.5), metadata "
      "(object). Lines with \"id\" (from 'mnemo dump') keep their ids.");
  return [args] { return RunImport(*args); };
}

}  // namespace

MNEMO_REGISTER_COMMAND("import", "Import records from JSONL or LoCoMo",
                       SetupImport);

}  // namespace mnemo::cli
