// Copyright (c) mnemo authors.

#include "cli_util.h"

#include <charconv>
#include <cstdio>
#include <filesystem>

#include "mnemo/quote.h"
#include "workload/time_format.h"

namespace mnemo::cli {

CLI::Option* AddDbOption(CLI::App& command, std::string* db) {
  return command.add_option("--db", *db, "Store directory")
      ->required()
      ->type_name("DIR");
}

namespace {
// --tokenizer of the command being run (one command per process).
std::string& TokenizerFlag() {
  static std::string file;
  return file;
}
}  // namespace

CLI::Option* AddTokenizerOption(CLI::App& command) {
  return command
      .add_option("--tokenizer", TokenizerFlag(),
                  "Vocabulary that counts text tokens (o200k_base.js, "
                  "*.tiktoken, tokenizer.json); default: calibrated estimate")
      ->type_name("FILE");
}

namespace {
std::string& ClusterFlag() {
  static std::string conf;
  return conf;
}
}  // namespace

CLI::Option* AddClusterOption(CLI::App& app) {
  auto resolve = [](const std::string& value) {
    std::error_code ec;
    std::filesystem::path path(value);
    if (std::filesystem::is_directory(path, ec)) path /= "ceph.conf";
    if (!std::filesystem::is_regular_file(path, ec)) {
      throw CLI::ValidationError(
          "--cluster", QuoteForMessage(path.string()) +
                           " is not a ceph.conf (pass the file, or the "
                           "directory 'tools/cluster/cluster.sh start DIR' "
                           "made)");
    }
    ClusterFlag() = path.string();
  };
  return app
      .add_option_function<std::string>(
          "--cluster", resolve,
          "Run in cluster mode on the Ceph cluster of this ceph.conf (or of "
          "the directory tools/cluster/cluster.sh started); $MNEMO_CLUSTER")
      ->envname("MNEMO_CLUSTER")
      ->type_name("CONF");
}

const std::string& ClusterConf() { return ClusterFlag(); }

void ApplyGlobalOptions(Options* options) {
  options->tokenizer_file = TokenizerFlag();
  options->cluster.conf_path = ClusterFlag();
}

int RefuseInClusterMode(const std::string& command,
                        const std::string& what_instead) {
  if (!ClusterMode()) return kExitOk;
  return Fail(kExitUsage,
              "--cluster: '" + command + "' works on the files of an embedded "
              "store; in cluster mode the local directory is only this host's "
              "cache (" + what_instead + ")");
}

int OpenStore(const std::string& db, OpenMode mode,
              std::unique_ptr<Store>* store) {
  Options options;
  ApplyGlobalOptions(&options);
  options.read_only = mode == OpenMode::kReadOnly;
  options.create_if_missing = mode == OpenMode::kCreate;
  options.track_access = mode != OpenMode::kReadOnly;
  if (ClusterMode()) {
    // A cluster store has no read-only open: any host reads every agent,
    // and --db is only this process's cache, created when missing. Reads
    // take no lease, so they run beside the hosts that write.
    options.read_only = false;
    options.create_if_missing = true;
  }
  return ReportOpenFailure(Store::Open(options, db, store));
}

int ReportOpenFailure(const Status& s) {
  if (s.ok()) return kExitOk;
  if (s.IsNotFound()) {
    return Fail(kExitRuntime, s.message() + " (run 'mnemo import' or "
                                            "'mnemo demo' to create one)");
  }
  return FailRuntime(s);
}

int FailRuntime(const Status& status) {
  return Fail(kExitRuntime, status.message().empty() ? status.ToString()
                                                     : status.message());
}

bool ParseIdFlag(std::string_view text, uint64_t* id) {
  uint64_t value = 0;
  const char* last = text.data() + text.size();
  auto [end, ec] = std::from_chars(text.data(), last, value);
  // from_chars takes no sign, space or base prefix; "0x10" stops at 'x'.
  if (text.empty() || ec != std::errc() || end != last || value == 0) {
    return false;
  }
  *id = value;
  return true;
}

CLI::Option* AddIdOption(CLI::App& command, const std::string& flag,
                         uint64_t* id, const std::string& help) {
  auto parse = [flag, id](const std::string& value) {
    if (ParseIdFlag(value, id)) return;
    // The value is the user's: shown escaped and cut, never raw.
    std::string shown;
    for (unsigned char c : value.substr(0, 48)) {
      if (c >= 0x20 && c < 0x7f && c != '\'') {
        shown += static_cast<char>(c);
      } else {
        char hex[8];
        std::snprintf(hex, sizeof hex, "\\x%02x", c);
        shown += hex;
      }
    }
    if (value.size() > 48) shown += "...";
    throw CLI::ValidationError(
        flag, "'" + shown + "' is not an id (a decimal number from 1 to " +
                  std::to_string(UINT64_MAX) + ")");
  };
  return command.add_option_function<std::string>(flag, parse, help)
      ->type_name("ID");
}

int ParseTimeFlag(const std::string& flag, const std::string& value,
                  std::optional<Micros>* t) {
  if (value.empty()) return kExitOk;
  Micros parsed = 0;
  Status s = workload::ParseRfc3339(value, &parsed);
  if (!s.ok()) return Fail(kExitUsage, flag + ": " + s.message());
  *t = parsed;
  return kExitOk;
}

Progress::Progress(std::string label, uint64_t total, std::string unit)
    : label_(std::move(label)),
      total_(total),
      unit_(std::move(unit)),
      tty_(StderrIsTerminal()),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

Progress::~Progress() { Finish(); }

void Progress::Update(uint64_t done) {
  auto now = std::chrono::steady_clock::now();
  auto interval = tty_ ? std::chrono::milliseconds(100)
                       : std::chrono::milliseconds(5000);
  if (now - last_ < interval) return;
  last_ = now;
  Draw(done);
}

void Progress::Draw(uint64_t done) {
  drawn_ = true;
  double seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start_).count();
  if (!tty_) {
    std::fprintf(stderr, "%s: %llu%s%s %s, %.1f s\n", label_.c_str(),
                 static_cast<unsigned long long>(done), total_ ? "/" : "",
                 total_ ? std::to_string(total_).c_str() : "", unit_.c_str(),
                 seconds);
    return;
  }
  constexpr int kWidth = 30;
  if (total_ == 0) {
    std::fprintf(stderr, "\r%s: %llu %s %.1f s", label_.c_str(),
                 static_cast<unsigned long long>(done), unit_.c_str(), seconds);
  } else {
    int filled = static_cast<int>(kWidth * std::min(done, total_) / total_);
    std::fprintf(stderr, "\r%s [%s%s] %3llu%% %llu/%llu", label_.c_str(),
                 std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, ' ').c_str(),
                 static_cast<unsigned long long>(100 * done / total_),
                 static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(total_));
  }
  std::fflush(stderr);
}

void Progress::Finish() {
  if (finished_) return;
  finished_ = true;
  if (tty_ && drawn_) std::fprintf(stderr, "\r\033[K");
}

std::string FormatDuration(std::chrono::steady_clock::duration d) {
  double us = std::chrono::duration<double, std::micro>(d).count();
  char buf[32];
  if (us >= 1e6) std::snprintf(buf, sizeof buf, "%.2f s", us / 1e6);
  else if (us >= 1e3) std::snprintf(buf, sizeof buf, "%.1f ms", us / 1e3);
  else std::snprintf(buf, sizeof buf, "%.0f us", us);
  return buf;
}

std::string FormatBytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

}  // namespace mnemo::cli
