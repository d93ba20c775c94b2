// Copyright (c) mnemo authors.

#include "info_log.h"

#include <pthread.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <vector>

namespace mnemo::internal {
namespace {

constexpr char kLogName[] = "LOG";
constexpr char kOldPrefix[] = "LOG.old.";
constexpr uint64_t kReopenPauseMicros = 1'000'000;

// "2024/05/01-12:00:00.123456 7f01a2b3c4d5 ", as RocksDB's logger starts
// its lines.
std::string LinePrefix(uint64_t now_us) {
  time_t seconds = static_cast<time_t>(now_us / 1'000'000);
  struct tm t;
  localtime_r(&seconds, &t);
  char buf[80];
  int n = std::snprintf(
      buf, sizeof(buf), "%04d/%02d/%02d-%02d:%02d:%02d.%06d %llx ",
      t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec,
      static_cast<int>(now_us % 1'000'000),
      static_cast<unsigned long long>(pthread_self()));
  return std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
}

// Appends printf(format, ap) to *out.
void AppendFormatted(const char* format, va_list ap, std::string* out) {
  char stack[512];
  va_list copy;
  va_copy(copy, ap);
  int n = std::vsnprintf(stack, sizeof(stack), format, copy);
  va_end(copy);
  if (n < 0) return;
  if (static_cast<size_t>(n) < sizeof(stack)) {
    out->append(stack, n);
    return;
  }
  std::string big(static_cast<size_t>(n) + 1, '\0');
  std::vsnprintf(big.data(), big.size(), format, ap);
  out->append(big.data(), n);
}

}  // namespace

StoreInfoLog::StoreInfoLog(rocksdb::Env* env, std::string dir,
                           uint64_t max_bytes, size_t keep_old)
    : rocksdb::Logger(rocksdb::InfoLogLevel::INFO_LEVEL),
      env_(env),
      fs_(env->GetFileSystem()),
      dir_(std::move(dir)),
      path_(dir_ + "/" + kLogName),
      max_bytes_(max_bytes),
      keep_old_(keep_old) {}

StoreInfoLog::~StoreInfoLog() {
  if (!closed_) {
    closed_ = true;
    (void)CloseImpl();
  }
}

rocksdb::Status StoreInfoLog::CloseImpl() {
  std::lock_guard<std::mutex> lock(mu_);
  if (file_ == nullptr) return rocksdb::Status::OK();
  rocksdb::IOStatus s = file_->Close(rocksdb::IOOptions(), nullptr);
  file_.reset();
  if (!s.ok()) ++write_errors_;
  return rocksdb::Status::OK();  // a lost log line is no error of the store
}

size_t StoreInfoLog::GetLogFileSize() const {
  std::lock_guard<std::mutex> lock(mu_);
  return size_;
}

void StoreInfoLog::Logv(const char* format, va_list ap) {
  std::string line = LinePrefix(env_->NowMicros());
  AppendFormatted(format, ap, &line);
  if (line.back() != '\n') line += '\n';
  std::lock_guard<std::mutex> lock(mu_);
  WriteLocked(line);
}

void StoreInfoLog::WriteLocked(const std::string& line) {
  if (file_ != nullptr && size_ > 0 && size_ + line.size() > max_bytes_) {
    (void)file_->Close(rocksdb::IOOptions(), nullptr);
    file_.reset();  // the next open moves this file aside
    last_open_try_us_ = 0;
  }
  if (file_ == nullptr && !OpenLocked()) {
    ++write_errors_;
    return;
  }
  rocksdb::IOStatus s = file_->Append(line, rocksdb::IOOptions(), nullptr);
  if (s.ok()) s = file_->Flush(rocksdb::IOOptions(), nullptr);
  if (s.ok()) {
    size_ += line.size();
  } else {
    ++write_errors_;  // e.g. no space: the line is lost, later ones may land
  }
}

bool StoreInfoLog::OpenLocked() {
  // A directory that cannot take a file now (full, removed) is not asked
  // again for every line.
  uint64_t now = env_->NowMicros();
  if (last_open_try_us_ != 0 && now - last_open_try_us_ < kReopenPauseMicros) {
    return false;
  }
  last_open_try_us_ = now;
  RotateLocked();
  rocksdb::IOStatus s =
      fs_->NewWritableFile(path_, rocksdb::FileOptions(), &file_, nullptr);
  if (!s.ok()) {
    file_.reset();
    return false;
  }
  size_ = 0;
  return true;
}

void StoreInfoLog::RotateLocked() {
  if (!fs_->FileExists(path_, rocksdb::IOOptions(), nullptr).ok()) return;
  std::string old = dir_ + "/" + kOldPrefix + std::to_string(env_->NowMicros());
  if (!fs_->RenameFile(path_, old, rocksdb::IOOptions(), nullptr).ok()) {
    ++write_errors_;  // the new LOG overwrites it
    return;
  }
  PruneOldLocked();
}

void StoreInfoLog::PruneOldLocked() {
  std::vector<std::string> children;
  if (!fs_->GetChildren(dir_, rocksdb::IOOptions(), &children, nullptr).ok()) {
    return;
  }
  std::vector<std::pair<uint64_t, std::string>> old;
  const size_t prefix = sizeof(kOldPrefix) - 1;
  for (const std::string& name : children) {
    if (name.compare(0, prefix, kOldPrefix) != 0) continue;
    old.emplace_back(std::strtoull(name.c_str() + prefix, nullptr, 10), name);
  }
  if (old.size() <= keep_old_) return;
  std::sort(old.begin(), old.end());
  for (size_t i = 0; i + keep_old_ < old.size(); ++i) {
    (void)fs_->DeleteFile(dir_ + "/" + old[i].second, rocksdb::IOOptions(),
                          nullptr);
  }
}

}  // namespace mnemo::internal
