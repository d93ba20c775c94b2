// Copyright (c) mnemo authors.
//
// mnemo checkpoint --db DIR --out DIR2   consistent hard-linked copy
// mnemo backup --db DIR --to DIR2        incremental backup (BackupEngine)
// mnemo restore --from DIR2 --db DIR3    latest backup into a new store
//
// checkpoint and backup open the store for writing when no other process
// has it. Beside a writer process (an agent host, another mnemo) they copy
// through a read-only instance instead: the copy holds the writer's files
// as they are during the copy, replayed to a whole-batch point when opened.
// When the writer deletes a file mid-copy (its flush or compaction
// finished, or a write-ahead log the instance's view needed went), the copy
// is retried with a fresh instance for up to kCopyRetrySeconds: a writer
// that flushes many times a second can beat a handful of attempts.
// restore never overwrites: DIR3 must not exist or be empty.

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "cli_util.h"
#include "mnemo/admin.h"

namespace mnemo::cli {
namespace {

struct CopyArgs {
  std::string db, target;
};

constexpr int kCopyRetrySeconds = 60;

// Opens `db` for writing, or read-only when another process writes it
// (*beside_writer). On failure prints why and returns the exit code.
int OpenForCopy(const std::string& db, std::unique_ptr<Store>* store,
                bool* beside_writer) {
  Options options;
  options.create_if_missing = false;
  options.track_access = false;
  Status s = Store::Open(options, db, store);
  *beside_writer = s.IsBusy();
  if (!*beside_writer) return ReportOpenFailure(s);
  return OpenStore(db, OpenMode::kReadOnly, store);
}

// Runs `copy` on the store, retrying beside a writer that deleted a file
// the copy needed. *note says how the copy was made.
int CopyStore(const CopyArgs& args, const std::function<Status(Store*)>& copy,
              std::string* note) {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::seconds(kCopyRetrySeconds);
  for (int attempt = 1;; ++attempt) {
    std::unique_ptr<Store> store;
    bool beside_writer = false;
    int rc = OpenForCopy(args.db, &store, &beside_writer);
    if (rc != kExitOk) return rc;
    Status s = copy(store.get());
    if (s.ok()) {
      if (beside_writer) {
        *note = " (store open in another process: copied read-only";
        *note += attempt > 1 ? ", attempt " + std::to_string(attempt) + ")" : ")";
      }
      return kExitOk;
    }
    if (!beside_writer || !s.IsIOError() ||
        std::chrono::steady_clock::now() > deadline) {
      return FailRuntime(s);
    }
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::min(10 * attempt, 200)));
  }
}

int RunCheckpoint(const CopyArgs& args) {
  if (int rc = RefuseInClusterMode("checkpoint", "use 'mnemo dump' for a copy of the records");
      rc != kExitOk) {
    return rc;
  }
  auto start = std::chrono::steady_clock::now();
  std::string note;
  int rc = CopyStore(
      args, [&](Store* store) { return mnemo::Checkpoint(store, args.target); },
      &note);
  if (rc != kExitOk) return rc;
  std::printf("checkpoint of %s written to %s in %s%s\n", args.db.c_str(),
              args.target.c_str(),
              FormatDuration(std::chrono::steady_clock::now() - start).c_str(),
              note.c_str());
  return kExitOk;
}

// Bytes of the files under `dir` (0 when it does not exist yet).
uint64_t BytesUnder(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  uint64_t bytes = 0;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) bytes += it->file_size(size_ec);
  }
  return bytes;
}

// Progress of a backup (RocksDB reports none the CLI could use): the KiB
// the backup directory grew by, polled while the copy runs.
class BackupProgress {
 public:
  explicit BackupProgress(std::string dir)
      : dir_(std::move(dir)), base_(BytesUnder(dir_)), progress_("backup", 0, "KiB") {
    thread_ = std::thread([this] { Poll(); });
  }
  ~BackupProgress() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_one();
    thread_.join();
    progress_.Finish();
  }

 private:
  void Poll() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return done_; })) {
      uint64_t now = BytesUnder(dir_);
      progress_.Update(now > base_ ? (now - base_) >> 10 : 0);
    }
  }

  const std::string dir_;
  const uint64_t base_;
  Progress progress_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

int RunBackup(const CopyArgs& args) {
  if (int rc = RefuseInClusterMode("backup", "use 'mnemo dump' for a copy of the records");
      rc != kExitOk) {
    return rc;
  }
  auto start = std::chrono::steady_clock::now();
  BackupInfo info;
  std::string note;
  int rc;
  {
    BackupProgress progress(args.target);
    rc = CopyStore(
        args,
        [&](Store* store) { return mnemo::Backup(store, args.target, &info); },
        &note);
  }
  if (rc != kExitOk) return rc;
  std::printf(
      "backup %u of %s written to %s (%s, search index %s; %u backups kept) in "
      "%s%s\n",
      info.backup_id, args.db.c_str(), args.target.c_str(),
      FormatBytes(info.size_bytes).c_str(),
      FormatBytes(info.index_bytes).c_str(), info.backup_count,
      FormatDuration(std::chrono::steady_clock::now() - start).c_str(),
      note.c_str());
  return kExitOk;
}

int RunRestore(const CopyArgs& args) {
  if (int rc = RefuseInClusterMode("restore", "use 'mnemo import' to load a dump into the cluster");
      rc != kExitOk) {
    return rc;
  }
  auto start = std::chrono::steady_clock::now();
  Status s = mnemo::RestoreBackup(args.target, args.db);
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
