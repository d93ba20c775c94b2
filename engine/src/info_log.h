// Copyright (c) mnemo authors.
//
// StoreInfoLog: RocksDB's info log (the LOG file in a store directory),
// written by the engine instead of RocksDB's own file logger.
//
// Why: RocksDB's logger writes through a buffered file writer that, once
// one write failed (a full disk), asserts on the next line in builds with
// assertions on (Debian's librocksdb 7.8.3 is one): "Assertion
// 'sync_without_flush_called_' failed". RocksDB logs most exactly when
// things fail (ErrorHandler::SetBGError, DB::Resume), so the second write on
// a full disk aborted the host process. This logger writes each line
// straight to the file system's file object (the store's Env, so fault
// injection reaches it), counts failed writes and carries on: lines are
// lost on a full disk, never the process.
//
// The file is bounded: at the first line the previous LOG becomes
// LOG.old.<micros> (as RocksDB does), and past `max_bytes` a new LOG is
// started the same way; at most `keep_old` old files are kept.
//
// Thread safety: every method may be called from any thread.

#ifndef MNEMO_ENGINE_INFO_LOG_H_
#define MNEMO_ENGINE_INFO_LOG_H_

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <cstdarg>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace mnemo::internal {

class StoreInfoLog final : public rocksdb::Logger {
 public:
  StoreInfoLog(rocksdb::Env* env, std::string dir, uint64_t max_bytes,
               size_t keep_old);
  ~StoreInfoLog() override;

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override;
  // Each line is written as it comes: nothing is buffered here.
  void Flush() override {}
  size_t GetLogFileSize() const override;

  // Lines (or file opens) that failed to reach the file.
  uint64_t write_errors() const { return write_errors_.load(); }
  const std::string& path() const { return path_; }

 private:
  rocksdb::Status CloseImpl() override;
  // Opens a new file, first moving an existing one aside. REQUIRES: mu_.
  bool OpenLocked();
  void RotateLocked();       // REQUIRES: mu_; file_ closed
  void PruneOldLocked();     // REQUIRES: mu_
  void WriteLocked(const std::string& line);  // REQUIRES: mu_

  rocksdb::Env* const env_;
  const std::shared_ptr<rocksdb::FileSystem> fs_;
  const std::string dir_;
  const std::string path_;
  const uint64_t max_bytes_;
  const size_t keep_old_;

  mutable std::mutex mu_;
  std::unique_ptr<rocksdb::FSWritableFile> file_;  // guarded by mu_
  uint64_t size_ = 0;                              // guarded by mu_
  uint64_t last_open_try_us_ = 0;                  // guarded by mu_
  std::atomic<uint64_t> write_errors_{0};
};

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_INFO_LOG_H_
