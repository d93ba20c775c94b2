// Copyright (c) mnemo authors.
//
// mnemo import --db DIR [--format jsonl|locomo] [--skip-bad]
//              [--pages PAGES_DIR] [--batch N | --atomic]
//              [--resume-from LINE] FILE
//
// Streams FILE ("-" = stdin) into the store in batches of --batch records
// (default 10000; memory is bounded by the batch, not the file). Each batch
// is checked whole (JSON, UTF-8, required fields, the store's own limits,
// ids already in use) and then written as one atomic batch, so a store
// holds whole batches only. By default a bad line stops the import:
// "line N: why", then what is in the store: nothing (a store this run
// created is removed again) or "lines 1-L are imported"; --resume-from L+1
// continues after the line is fixed. A failed write (a full disk) is
// reported the same way, after checking whether the store kept the batch
// (a write that failed at the write-ahead log may still be replayed).
// --atomic writes the whole file as one batch (at most
// Options::max_batch_records records; more is refused before writing).
// --skip-bad reports and skips bad lines and imports the rest. Lines
// carrying "id" (a dump) are imported with their ids and tiers
// (mnemo::Import with pages); other lines get new ids. See
// tools/workload/record_json.h for the format and its defaults.
//
// Records on pages (pixels/decayed with a page id) keep their page
// reference when --pages names the directory `mnemo dump --include-pages`
// wrote: the page files of every page they span are read and checked
// (import_pages.cc, tools/workload/page_files.h) and written with the
// batch of records that sits on them (a page shared by records of several
// batches is written with the first; later ones are restored onto it). A
// missing or bad page file stops the import, naming the file and the page; with
// --skip-bad such records are restored as warm text instead (and reported).
// Without
// --pages they are restored as warm text, with one line saying how many. A
// record whose text was forgotten has nothing to fall back to: without its
// page it is a bad line.

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <unordered_map>

#include "cli_util.h"
#include "import_pages.h"
#include "mnemo/admin.h"
#include "mnemo/quote.h"
#include "workload/locomo.h"
#include "workload/record_json.h"

namespace mnemo::cli {
namespace import_cmd {

bool Reject(const ImportArgs& args, Input* in, const std::string& message) {
  if (!args.skip_bad) {
    Fail(kExitRuntime, message);
    return false;
  }
  std::fprintf(stderr, "mnemo: skipped %s\n",
               EscapeForTerminal(message).c_str());
  ++in->skipped;
  return true;
}

}  // namespace import_cmd

namespace {

using import_cmd::AttachPages;
using import_cmd::ImportArgs;
using import_cmd::Input;
using import_cmd::Reject;

bool ParseLine(const ImportArgs& args, const std::string& line, size_t n,
               Input* in) {
  std::string where = "line " + std::to_string(n);
  Record r;
  bool has_id = false;
  Status s = workload::RecordFromJson(line, &r, &has_id);
  if (!s.ok()) return Reject(args, in, where + ": " + s.message());
  if (!in->mode_known) {
    in->restore = has_id;
    in->mode_known = true;
  }
  if (has_id != in->restore) {
    return Reject(args, in,
                  where + (has_id ? ": has" : ": has no") +
                      " \"id\" unlike the first line (a file is "
                      "either a dump with ids or new records "
                      "without)");
  }
  in->records.push_back(std::move(r));
  in->where.push_back(std::move(where));
  return true;
}

// The lines of the input, numbered from 1.
class LineReader {
 public:
  // False (message printed) when the file cannot be opened.
  bool Open(const std::string& path) {
    path_ = path;
    if (path == "-") return true;
    file_.open(path, std::ios::binary);
    if (!file_) {
      Fail(kExitRuntime, "cannot read " + path + ": " + std::strerror(errno));
      return false;
    }
    return true;
  }
  // The next line that is not blank; false at the end.
  bool Next(std::string* line) {
    std::istream& in = path_ == "-" ? std::cin : file_;
    while (std::getline(in, *line)) {
      ++number_;
      if (!line->empty() && line->back() == '\r') line->pop_back();
      if (line->find_first_not_of(" \t") != std::string::npos) return true;
    }
    return false;
  }
  bool bad() const { return path_ == "-" ? std::cin.bad() : file_.bad(); }
  size_t number() const { return number_; }

 private:
  std::string path_;
  std::ifstream file_;
  size_t number_ = 0;
};

// Reads the next batch: up to `limit` records. *more: input is left.
// False when a bad line stops the import (message printed).
bool ReadBatch(const ImportArgs& args, LineReader* reader, size_t limit,
               Input* in, bool* more) {
  std::string line;
  // Lines before --resume-from are read past, not imported.
  in->first_line = std::max(reader->number() + 1, args.resume_from);
  *more = false;
  while (in->records.size() < limit) {
    if (!reader->Next(&line)) {
      in->last_line = reader->number();
      if (!reader->bad()) return true;
      Fail(kExitRuntime, "error reading " + args.file);
      return false;
    }
    if (reader->number() < args.resume_from) continue;
    if (!ParseLine(args, line, reader->number(), in)) return false;
  }
  in->last_line = reader->number();
  *more = true;
  return true;
}

int ReadLocomo(const ImportArgs& args, Input* in) {
  workload::LocomoSummary summary;
  Status s = workload::LoadLocomo(args.file, workload::LocomoOptions(),
                                  &in->records, &summary);
  if (!s.ok()) return FailRuntime(s);
  for (const Record& r : in->records) {
    in->where.push_back(r.ns.agent + "/" + r.ns.session + " turn " +
                        std::string(r.metadata.Get("dia_id").value_or("?")));
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
    Status s = mnemo::Validate(store, r);
    Namespace existing;
    std::string problem;
    if (!s.ok())
      problem = s.message();
    else if (in->restore && ids.count(r.id)) {
      problem = "id " + RecordIdToString(r.id) + " repeats " + ids[r.id];
    } else if (in->restore &&
               mnemo::LookupNamespace(store, r.id, &existing).ok()) {
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

// What this run has put into the store.
struct Done {
  size_t records = 0;
  size_t skipped = 0;
  size_t unpaged = 0;
  size_t batches = 0;
  size_t through_line = 0;  // every line up to it is imported or skipped
};

enum class Landed { kNo, kYes, kUnknown };

// After a failed write: whether the store holds the batch whose first
// record is `probe` (0: the batch never reached the write). A write that
// failed at the write-ahead log may have put the batch there whole, and a
// reopen replays it; a read-only view replays the log as a reopen would.
// REQUIRES: the writer is closed.
Landed BatchLanded(const std::string& db, RecordId probe, std::string* why) {
  if (probe == 0) return Landed::kNo;
  Options options;
  ApplyGlobalOptions(&options);
  options.read_only = true;
  options.track_access = false;
  options.create_if_missing = false;
  std::unique_ptr<Store> view;
  Status s = Store::Open(options, db, &view);
  Namespace ns;
  if (s.ok()) s = mnemo::LookupNamespace(view.get(), probe, &ns);
  if (s.ok()) return Landed::kYes;
  if (s.IsNotFound() && view != nullptr) return Landed::kNo;
  *why = s.message();
  return Landed::kUnknown;
}

std::string LinesOf(const Input& in) {
  return "lines " + std::to_string(in.first_line) + "-" +
         std::to_string(in.last_line);
}

class Importer {
 public:
  explicit Importer(const ImportArgs& args) : args_(args) {}
  int Run();

 private:
  int RunJsonl();
  int RunLocomo();
  // Checks and writes one batch; kExitOk or the exit code (reported).
  int ImportBatch(Input* in);
  int WriteFailed(const Status& s, const Input& in, RecordId probe);
  // Closes the store and says what is in it and how to go on; `unknown`:
  // a batch that may or may not be in the store (its first record `probe`).
  int Stop(int rc, const std::string& nothing_note,
           const Input* unknown = nullptr, RecordId probe = 0);
  // Removes the store when this run created it and wrote nothing to it.
  void RemoveIfCreatedEmpty();
  void Account(const Input& in) {
    done_.records += in.records.size();
    done_.skipped += in.skipped;
    done_.unpaged += in.unpaged;
    done_.through_line = in.last_line;
    done_.batches += in.records.empty() ? 0 : 1;
  }

  const ImportArgs& args_;
  std::unique_ptr<Store> store_;
  bool existed_ = false;
  Done done_;
};

int Importer::Run() {
  auto start = std::chrono::steady_clock::now();
  std::error_code ec;
  if (!args_.pages.empty() && !std::filesystem::is_directory(args_.pages, ec)) {
    return Fail(kExitRuntime, "--pages " + args_.pages + ": not a directory");
  }
  existed_ = std::filesystem::exists(args_.db, ec);
  int rc = OpenStore(args_.db, OpenMode::kCreate, &store_);
  if (rc != kExitOk) return rc;
  rc = args_.format == "locomo" ? RunLocomo() : RunJsonl();
  if (rc != kExitOk) return rc;
  store_.reset();  // writes the memtables to table files (see Store)
  if (done_.unpaged > 0) {
    std::fprintf(
        stderr,
        "mnemo: %zu records lost their page reference (restored "
        "as warm text)%s\n",
        done_.unpaged,
        args_.pages.empty()
            ? "; 'mnemo dump --include-pages DIR' and 'mnemo import --pages "
              "DIR' keep them"
            : "");
  }
  std::printf("imported %zu records (%zu skipped) into %s in %s%s\n",
              done_.records, done_.skipped, args_.db.c_str(),
              FormatDuration(std::chrono::steady_clock::now() - start).c_str(),
              done_.batches > 1
                  ? (" (" + std::to_string(done_.batches) + " batches)").c_str()
                  : "");
  return kExitOk;
}

int Importer::RunJsonl() {
  const size_t limit = args_.atomic ? Options().max_batch_records : args_.batch;
  LineReader reader;
  if (!reader.Open(args_.file)) return Stop(kExitRuntime, "");
  Input in;
  Progress progress("importing", 0);
  for (bool more = true; more;) {
    in.records.clear();
    in.where.clear();
    in.pages.clear();
    in.skipped = in.unpaged = 0;
    if (!ReadBatch(args_, &reader, limit, &in, &more)) {
      return Stop(kExitRuntime, " (--skip-bad skips bad lines)");
    }
    std::string line;
    if (args_.atomic && more && reader.Next(&line)) {
      Fail(kExitRuntime, "--atomic: " + args_.file + " has more than " +
                             std::to_string(limit) +
                             " records "
                             "(Options::max_batch_records); without "
                             "--atomic it is imported in batches");
      return Stop(kExitRuntime, "");
    }
    if (!args_.pages.empty() && in.mode_known && !in.restore) {
      Fail(kExitUsage, "--pages applies to a dump (JSONL lines with \"id\")");
      return Stop(kExitUsage, "");
    }
    int rc = ImportBatch(&in);
    if (rc != kExitOk) return rc;
    progress.Update(done_.records);
  }
  return kExitOk;
}

// LoCoMo files are small (a fixed benchmark): one batch.
int Importer::RunLocomo() {
  Input in;
  int rc = ReadLocomo(args_, &in);
  if (rc != kExitOk) return Stop(rc, "");
  return ImportBatch(&in);
}

int Importer::ImportBatch(Input* in) {
  if (in->restore) FillRestoreDefaults(in);
  if (!CheckRecords(args_, store_.get(), in) ||
      (in->restore && !AttachPages(args_, in))) {
    return Stop(kExitRuntime, " (--skip-bad skips bad lines)");
  }
  Status s;
  std::vector<RecordId> ids;
  WriteOptions sync;  // "imported" means on disk, power loss included
  sync.sync = true;
  if (!in->records.empty()) {
    s = in->restore ? mnemo::Import(store_.get(), sync, in->records, in->pages)
                    : store_->PutBatch(sync, in->records, &ids);
  }
  if (!s.ok()) {
    RecordId probe = in->restore ? in->records[0].id : ids.empty() ? 0 : ids[0];
    return WriteFailed(s, *in, probe);
  }
  Account(*in);
  return kExitOk;
}

int Importer::WriteFailed(const Status& s, const Input& in, RecordId probe) {
  // Only a failed write can have reached the log; anything else (a page
  // id in use, a limit) refused the batch before writing.
  if (!s.IsIOError() && !s.IsResourceExhausted()) probe = 0;
  bool none = done_.through_line < args_.resume_from && probe == 0;
  FailRuntime(
      s.WithContext(none ? "nothing imported" : "writing " + LinesOf(in)));
  store_.reset();
  if (none) {
    RemoveIfCreatedEmpty();
    return kExitRuntime;
  }
  std::string why;
  Landed landed = BatchLanded(args_.db, probe, &why);
  if (landed == Landed::kYes) {
    std::fprintf(stderr,
                 "mnemo: %s are in the store nonetheless (the write "
                 "reached the write-ahead log before it failed)\n",
                 LinesOf(in).c_str());
    Account(in);
  } else if (landed == Landed::kUnknown && (existed_ || done_.batches > 0)) {
    // (A store this run created and filled with nothing else is removed:
    // then the batch is certainly not imported.)
    std::fprintf(stderr, "mnemo: whether %s are in the store is unknown (%s): "
                 "look up record %s with 'mnemo get'\n", LinesOf(in).c_str(),
                 why.c_str(), RecordIdToString(probe).c_str());
    return Stop(kExitRuntime, "", &in, probe);
  }
  return Stop(kExitRuntime, "");
}

void Importer::RemoveIfCreatedEmpty() {
  std::error_code ec;
  if (!existed_ && done_.batches == 0)
    std::filesystem::remove_all(args_.db, ec);
}

int Importer::Stop(int rc, const std::string& nothing_note,
                   const Input* unknown, RecordId probe) {
  store_.reset();
  if (done_.batches == 0 && unknown == nullptr) {
    RemoveIfCreatedEmpty();
    Fail(rc, "nothing imported" + nothing_note);
    return rc;
  }
  std::string resume = "mnemo import --db " + args_.db + " --resume-from ";
  std::string known =
      done_.batches == 0
          ? "this run imported nothing before line " +
                std::to_string(unknown == nullptr ? 0 : unknown->first_line)
          : "lines " + std::to_string(args_.resume_from) + "-" +
                std::to_string(done_.through_line) + " are imported (" +
                std::to_string(done_.records) + " records, " +
                std::to_string(done_.skipped) + " skipped)";
  if (unknown != nullptr) {
    Fail(rc, known + "; whether " + LinesOf(*unknown) +
                 " are is unknown (see above); nothing after line " +
                 std::to_string(unknown->last_line) + " is. Continue with: " +
                 resume + std::to_string(unknown->last_line + 1) + " " +
                 args_.file + " if record " + RecordIdToString(probe) +
                 " is in the store, else with: " + resume +
                 std::to_string(unknown->first_line) + " " + args_.file);
    return rc;
  }
  Fail(rc, known + "; nothing after line " +
               std::to_string(done_.through_line) +
               " is. Continue with: " + resume +
               std::to_string(done_.through_line + 1) + " " + args_.file);
  return rc;
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
  cmd.add_option("--batch", args->batch,
                 "Records per atomic batch (default 10000; at most "
                 "Options::max_batch_records)")
      ->check(CLI::Range(size_t{1}, Options().max_batch_records))
      ->type_name("N");
  cmd.add_flag("--atomic", args->atomic,
               "Write the whole file as one atomic batch (at most "
               "Options::max_batch_records records)");
  cmd.add_option("--resume-from", args->resume_from,
                 "Skip the lines before LINE (continue a stopped import)")
      ->check(CLI::PositiveNumber)
      ->type_name("LINE");
  cmd.add_option("FILE", args->file, "Input file ('-' for stdin)")->required();
  cmd.footer(
      "JSONL: one object per line; required tenant, agent, text; optional "
      "session (default \"default\"), role (\"user\"), kind (\"message\"), "
      "event_time (RFC 3339; default now), importance (0..1; 0.5), metadata "
      "(object). Lines with \"id\" (from 'mnemo dump') keep their ids and "
      "tiers; records on pages keep their page with --pages DIR (a missing "
      "or bad page file rejects the import; --skip-bad restores those "
      "records as warm text), and come back as warm text without it. The "
      "file is written in atomic batches of --batch records: when a line or "
      "a write fails, the lines imported so far are named, with the "
      "--resume-from LINE that continues after them.");
  return [args] { return Importer(*args).Run(); };
}

}  // namespace

MNEMO_REGISTER_COMMAND("import", "Import records from JSONL or LoCoMo",
                       SetupImport);

}  // namespace mnemo::cli
