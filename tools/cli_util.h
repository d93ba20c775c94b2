// Copyright (c) mnemo authors.
//
// Helpers shared by the subcommands: the --db flag, opening a store with
// errors turned into "mnemo: ..." messages, progress reporting, and printing
// a status.
//
// Exit code convention: 2 for usage errors (CLI11 parse errors, flag values
// out of range, a bulk delete without --yes); 1 for everything found at run
// time (missing or bad input files, not-a-store, a locked store, corruption).

#ifndef MNEMO_TOOLS_CLI_UTIL_H_
#define MNEMO_TOOLS_CLI_UTIL_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cli.h"
#include "mnemo/store.h"

namespace mnemo::cli {

// Adds the required "--db DIR" option bound to *db.
CLI::Option* AddDbOption(CLI::App& command, std::string* db);

// --tokenizer FILE: Options::tokenizer_file of the store OpenStore opens
// (text-token counts in ratios, stats and context budgets).
CLI::Option* AddTokenizerOption(CLI::App& command);

// The global "--cluster CONF" flag ($MNEMO_CLUSTER), added to the app by
// main(): a ceph.conf, or a directory holding one (what
// tools/cluster/cluster.sh start DIR made). Empty: the embedded store.
CLI::Option* AddClusterOption(CLI::App& app);
// The ceph.conf --cluster named (resolved), or "" when it was not given.
const std::string& ClusterConf();
// True when the command runs in cluster mode.
inline bool ClusterMode() { return !ClusterConf().empty(); }

// Sets the options every command shares on *options: --tokenizer and
// --cluster (Options::cluster).
void ApplyGlobalOptions(Options* options);

// For commands that copy or rewrite the local store files (checkpoint,
// backup, restore, migrate): in cluster mode the local store is only this
// host's cache, so they refuse with a usage error naming --cluster and
// `what_instead`; kExitOk otherwise.
int RefuseInClusterMode(const std::string& command,
                        const std::string& what_instead);

enum class OpenMode {
  kReadOnly,  // works beside a running writer; the store must exist
  kWrite,     // exclusive; the store must exist
  kCreate,    // exclusive; creates the store when missing
};

// Opens the store at `db`. In cluster mode (--cluster) every mode opens a
// cluster store with `db` as this process's cache (created when missing). On failure prints "mnemo: <why>" and returns
// kExitRuntime (a second writer gets the Busy message naming the directory);
// on success returns kExitOk and sets *store.
int OpenStore(const std::string& db, OpenMode mode,
              std::unique_ptr<Store>* store);
// What OpenStore prints and returns for the result of Store::Open.
int ReportOpenFailure(const Status& status);

// Prints "mnemo: <message of status>" and returns kExitRuntime.
int FailRuntime(const Status& status);

// Adds option `flag` taking a record or page id: decimal digits only, from
// 1 to 2^64 - 1 (an id past kMaxRecordId can still be found in a store
// written before imports had a ceiling). Anything else ("-1", "+5", "0x10",
// a number past 2^64 - 1) is a usage error naming the flag and the value:
// CLI11 reads unsigned options with strtoull, which turns "-1" into
// 2^64 - 1 and saturates an overflow without a word.
CLI::Option* AddIdOption(CLI::App& command, const std::string& flag,
                         uint64_t* id, const std::string& help);
// Parses a decimal id as AddIdOption accepts it; false for anything else.
bool ParseIdFlag(std::string_view text, uint64_t* id);

// Parses an RFC 3339 flag value into *t; on failure prints
// "mnemo: --flag: ..." and returns kExitUsage, else kExitOk.
int ParseTimeFlag(const std::string& flag, const std::string& value,
                  std::optional<Micros>* t);

// Progress of a long job on stderr: a redrawn bar when stderr is a
// terminal; otherwise a plain line at most every 5 seconds (and none for
// jobs that finish sooner). Not thread-safe.
class Progress {
 public:
  // `total` 0 means unknown (counts only).
  // `unit` names what is counted ("records", "KiB", ...).
  Progress(std::string label, uint64_t total, std::string unit = "records");
  ~Progress();
  void Update(uint64_t done);
  // Clears the bar (terminal) so later output starts on a clean line.
  void Finish();

 private:
  void Draw(uint64_t done);

  std::string label_;
  uint64_t total_;
  std::string unit_;
  bool tty_;
  bool drawn_ = false;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

// "1.23 s" / "45.6 ms" / "789 us".
std::string FormatDuration(std::chrono::steady_clock::duration d);
// "12.3 KiB" etc.
std::string FormatBytes(uint64_t bytes);

}  // namespace mnemo::cli

#endif  // MNEMO_TOOLS_CLI_UTIL_H_
