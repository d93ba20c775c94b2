// Copyright (c) mnemo authors.
//
// mnemo dump --db DIR [--tenant T] [--agent A] [--session S] [--since TIME]
//            [--until TIME] [--out FILE] [--include-pages PAGES_DIR]
//
// Writes every matching record as one JSONL line (tools/workload/
// record_json.h), in id (= creation) order, from one consistent snapshot of
// the store. Opens the store read-only, so it runs beside a writer process.
// With --include-pages, every page a dumped record sits on (each page of
// its span) is written to PAGES_DIR as page-<id>.png and page-<id>.json
// (tools/workload/page_files.h), read at the same snapshot; existing page
// files are never overwritten. `mnemo import [--pages PAGES_DIR]` reads the
// output back: dump -> import -> dump is identical, tiers and page
// references included when the pages come along. In cluster mode
// (--cluster) it writes the records of the whole cluster, read from RADOS
// (tools/cluster_dump.h), in id order, and with --include-pages the page
// objects they stand on.

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <set>

#include "cli_util.h"
#include "cluster_dump.h"
#include "mnemo/admin.h"
#include "workload/page_files.h"
#include "workload/record_json.h"

namespace mnemo::cli {
namespace {

struct DumpArgs {
  std::string db, tenant, agent, session, since, until, out, pages;
};

using PageSource = std::function<Status(const Record&, uint64_t, PageData*)>;

// Writes the pages record `r` sits on that are not written yet.
Status DumpPages(const std::string& dir, const PageSource& source,
                 const Record& r, std::set<uint64_t>* written) {
  for (uint32_t k = 0; r.page.valid() && k < std::max(1u, r.page.page_count);
       ++k) {
    uint64_t page_id = r.page.page_id + k;
    if (!written->insert(page_id).second) continue;
    PageData page;
    Status s = source(r, page_id, &page);
    if (s.ok()) s = workload::WritePageFiles(dir, page);
    if (!s.ok()) {
      return s.WithContext("record " + RecordIdToString(r.id) + ": page " +
                           std::to_string(page_id));
    }
  }
  return Status::OK();
}

int MakePagesDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir, ec)) {
    return Fail(kExitRuntime, "cannot create directory " + dir +
                                  (ec ? ": " + ec.message() : ""));
  }
  return kExitOk;
}

void WriteLine(const Record& r, FILE* out) {
  std::string line = workload::RecordToJson(r);
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), out);
}

// The embedded store (or a cluster host's cache): one snapshot, with the
// pages when `pages_dir` is set.
Status DumpLocal(Store* store, const IterateOptions& filter,
                 const std::string& pages_dir, FILE* out, uint64_t* count,
                 std::set<uint64_t>* pages, Progress* progress) {
  std::unique_ptr<RecordIterator> it;
  Status s = mnemo::NewRecordIterator(store, filter, &it);
  for (; s.ok() && it->Valid(); it->Next()) {
    WriteLine(it->record(), out);
    progress->Update(++*count);
    if (pages_dir.empty()) continue;
    s = DumpPages(pages_dir,
                  [&](const Record&, uint64_t id, PageData* page) {
                    return it->GetPage(id, page);
                  },
                  it->record(), pages);
  }
  return s.ok() ? it->status() : s;
}

// Cluster mode: every agent's records from RADOS, in id order, and with
// --include-pages the pages they stand on (page objects in the cluster).
Status DumpCluster(Store* store, const IterateOptions& filter,
                   const std::string& pages_dir, FILE* out, uint64_t* count) {
  std::vector<Record> records;
  MNEMO_RETURN_IF_ERROR(ReadClusterRecords(store, filter, &records));
  std::set<uint64_t> written;
  const PageSource source = [store](const Record& r, uint64_t id,
                                    PageData* page) {
    return store->GetPage(ReadOptions(), r.ns.tenant, id, page);
  };
  for (const Record& r : records) {
    WriteLine(r, out);
    if (!pages_dir.empty()) {
      MNEMO_RETURN_IF_ERROR(DumpPages(pages_dir, source, r, &written));
    }
  }
  *count = records.size();
  return Status::OK();
}

int RunDump(const DumpArgs& args) {
  IterateOptions filter;
  if (!args.tenant.empty()) filter.tenant = args.tenant;
  if (!args.agent.empty()) filter.agent = args.agent;
  if (!args.session.empty()) filter.session = args.session;
  int rc = ParseTimeFlag("--since", args.since, &filter.since);
  if (rc == kExitOk) rc = ParseTimeFlag("--until", args.until, &filter.until);
  if (rc != kExitOk) return rc;
  if (filter.since && filter.until && *filter.until < *filter.since) {
    return Fail(kExitUsage, "--until is before --since");
  }
  std::unique_ptr<Store> store;
  if ((rc = OpenStore(args.db, OpenMode::kReadOnly, &store)) != kExitOk) {
    return rc;
  }
  if (!args.pages.empty() && (rc = MakePagesDir(args.pages)) != kExitOk) {
    return rc;
  }
  FILE* out = stdout;
  if (!args.out.empty() && !(out = std::fopen(args.out.c_str(), "wb"))) {
    return Fail(kExitRuntime, "cannot write " + args.out + ": " +
                                  std::strerror(errno));
  }
  uint64_t count = 0;
  std::set<uint64_t> pages;
  Progress progress("dump", 0);
  Status s;
  if (ClusterMode()) {
    s = DumpCluster(store.get(), filter, args.pages, out, &count);
  } else {
    s = DumpLocal(store.get(), filter, args.pages, out, &count, &pages,
                  &progress);
  }
  progress.Finish();
  bool write_failed = std::fflush(out) != 0 || std::ferror(out);
  if (out != stdout) write_failed = std::fclose(out) != 0 || write_failed;
  if (!s.ok()) return FailRuntime(s.WithContext("dump stopped"));
  if (write_failed) return Fail(kExitRuntime, "error writing the dump");
  std::string page_note = args.pages.empty() ? "" :
      " (" + std::to_string(pages.size()) + " pages to " + args.pages + ")";
  if (!args.out.empty()) {
    std::printf("dumped %llu records to %s%s\n",
                static_cast<unsigned long long>(count), args.out.c_str(),
                page_note.c_str());
  } else if (!args.pages.empty()) {  // stdout holds the records
    std::fprintf(stderr, "dumped %llu records%s\n",
                 static_cast<unsigned long long>(count), page_note.c_str());
  }
  return kExitOk;
}

CommandBody SetupDump(CLI::App& cmd) {
  auto args = std::make_shared<DumpArgs>();
  AddDbOption(cmd, &args->db);
  cmd.add_option("--tenant", args->tenant, "Only this tenant");
  cmd.add_option("--agent", args->agent, "Only this agent");
  cmd.add_option("--session", args->session, "Only this session");
  cmd.add_option("--since", args->since,
                 "Only records with event_time >= TIME (RFC 3339)")
      ->type_name("TIME");
  cmd.add_option("--until", args->until,
                 "Only records with event_time < TIME (RFC 3339)")
      ->type_name("TIME");
  cmd.add_option("--out", args->out, "Write to FILE instead of stdout")
      ->type_name("FILE");
  cmd.add_option("--include-pages", args->pages,
                 "Also write every page the dumped records sit on to DIR "
                 "(page-<id>.png and page-<id>.json; created if needed; "
                 "existing files are not overwritten)")
      ->type_name("DIR");
  cmd.footer(
      "Lines are records (see 'mnemo import --help'). 'mnemo import --pages "
      "DIR' reads the page files back, so compacted records keep their tier "
      "and page; without them they come back as warm text.");
  return [args] { return RunDump(*args); };
}

}  // namespace

MNEMO_REGISTER_COMMAND("dump", "Write records as JSONL (consistent snapshot)",
                       SetupDump);

}  // namespace mnemo::cli
