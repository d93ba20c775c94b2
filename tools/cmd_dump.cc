// Copyright (c) mnemo authors.
//
// mnemo dump --db DIR [--tenant T] [--agent A] [--session S] [--since TIME]
//            [--until TIME] [--out FILE]
//
// Writes every matching record as one JSONL line (tools/workload/
// record_json.h), in id (= creation) order, from one consistent snapshot of
// the store. Opens the store read-only, so it runs beside a writer process.
// `mnemo import` reads the output back: dump -> import -> dump is identical.

#include <cstdio>
#include <cstring>

#include "cli_util.h"
#include "workload/record_json.h"

namespace mnemo::cli {
namespace {

struct DumpArgs {
  std::string db, tenant, agent, session, since, until, out;
};

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
  FILE* out = stdout;
  if (!args.out.empty() && !(out = std::fopen(args.out.c_str(), "wb"))) {
    return Fail(kExitRuntime, "cannot write " + args.out + ": " +
                                  std::strerror(errno));
  }
  std::unique_ptr<RecordIterator> it;
  Status s = store->NewRecordIterator(filter, &it);
  uint64_t count = 0;
  Progress progress("dump", 0);
  for (; s.ok() && it->Valid(); it->Next()) {
    std::string line = workload::RecordToJson(it->record());
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), out);
    progress.Update(++count);
  }
  if (s.ok()) s = it->status();
  progress.Finish();
  bool write_failed = std::fflush(out) != 0 || std::ferror(out);
  if (out != stdout) write_failed = std::fclose(out) != 0 || write_failed;
  if (!s.ok()) return FailRuntime(s.WithContext("dump stopped"));
  if (write_failed) return Fail(kExitRuntime, "error writing the dump");
  if (!args.out.empty()) {
    std::printf("dumped %llu records to %s\n",
                static_cast<unsigned long long>(count), args.out.c_str());
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
  return [args] { return RunDump(*args); };
}

}  // namespace

MNEMO_REGISTER_COMMAND("dump", "Write records as JSONL (consistent snapshot)",
                       SetupDump);

}  // namespace mnemo::cli
