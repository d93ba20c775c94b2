// Copyright (c) mnemo authors.
//
// mnemo checkpoint --db DIR --out DIR2   consistent hard-linked copy
// mnemo backup --db DIR --to DIR2        incremental backup (BackupEngine)
// mnemo restore --from DIR2 --db DIR3    latest backup into a new store
//
// checkpoint and backup open the store for writing (RocksDB needs the
// writer instance to pin files), so they fail with the lock error while
// another process writes; an agent host runs them in-process through
// Store::Checkpoint / Store::Backup, consistent while it keeps writing.
// restore never overwrites: DIR3 must not exist or be empty.

#include "cli_util.h"

namespace mnemo::cli {
namespace {

struct CopyArgs {
  std::string db, target;
};

int RunCheckpoint(const CopyArgs& args) {
  std::unique_ptr<Store> store;
  int rc = OpenStore(args.db, OpenMode::kWrite, &store);
  if (rc != kExitOk) return rc;
  auto start = std::chrono::steady_clock::now();
  Status s = store->Checkpoint(args.target);
  if (!s.ok()) return FailRuntime(s);
  std::printf("checkpoint of %s written to %s in %s\n", args.db.c_str(),
              args.target.c_str(),
              FormatDuration(std::chrono::steady_clock::now() - start).c_str());
  return kExitOk;
}

int RunBackup(const CopyArgs& args) {
  std::unique_ptr<Store> store;
  int rc = OpenStore(args.db, OpenMode::kWrite, &store);
  if (rc != kExitOk) return rc;
  auto start = std::chrono::steady_clock::now();
  if (StderrIsTerminal()) std::fprintf(stderr, "backing up %s ...", args.db.c_str());
  BackupInfo info;
  Status s = store->Backup(args.target, &info);
  if (StderrIsTerminal()) std::fprintf(stderr, "\r\033[K");
  if (!s.ok()) return FailRuntime(s);
  std::printf("backup %u of %s written to %s (%s; %u backups kept) in %s\n",
              info.backup_id, args.db.c_str(), args.target.c_str(),
              FormatBytes(info.size_bytes).c_str(), info.backup_count,
              FormatDuration(std::chrono::steady_clock::now() - start).c_str());
  return kExitOk;
}

int RunRestore(const CopyArgs& args) {
  auto start = std::chrono::steady_clock::now();
  Status s = Store::RestoreBackup(args.target, args.db);
  if (!s.ok()) return FailRuntime(s);
  std::printf("restored the latest backup in %s into %s in %s\n",
              args.target.c_str(), args.db.c_str(),
              FormatDuration(std::chrono::steady_clock::now() - start).c_str());
  return kExitOk;
}

CommandBody SetupCheckpoint(CLI::App& cmd) {
  auto args = std::make_shared<CopyArgs>();
  AddDbOption(cmd, &args->db);
  cmd.add_option("--out", args->target, "Checkpoint directory (must not exist)")
      ->required()->type_name("DIR");
  return [args] { return RunCheckpoint(*args); };
}

CommandBody SetupBackup(CLI::App& cmd) {
  auto args = std::make_shared<CopyArgs>();
  AddDbOption(cmd, &args->db);
  cmd.add_option("--to", args->target, "Backup directory (created if missing)")
      ->required()->type_name("DIR");
  return [args] { return RunBackup(*args); };
}

CommandBody SetupRestore(CLI::App& cmd) {
  auto args = std::make_shared<CopyArgs>();
  cmd.add_option("--from", args->target, "Backup directory")
      ->required()->type_name("DIR");
  cmd.add_option("--db", args->db, "New store directory (must not exist or "
                 "be empty)")->required()->type_name("DIR");
  return [args] { return RunRestore(*args); };
}

}  // namespace

MNEMO_REGISTER_COMMAND("checkpoint", "Write a consistent copy of a store",
                       SetupCheckpoint);
MNEMO_REGISTER_COMMAND("backup", "Add an incremental backup of a store",
                       SetupBackup);
MNEMO_REGISTER_COMMAND("restore", "Restore the latest backup into a new store",
                       SetupRestore);

}  // namespace mnemo::cli
