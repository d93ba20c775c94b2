// Copyright (c) mnemo authors.
//
// FaultInjectionFs: a rocksdb::FileSystem wrapper for reliability tests.
// It passes every call to the real file system and, when armed, makes
// writable-file operations (append, flush, sync, new file) fail:
//   - after N operations (fail_after), or with probability p per operation;
//   - as an I/O error or as "no space left" (disk full);
// and it can simulate a power loss: every file is cut back to the bytes it
// had last synced, as a machine crash would leave it.
//
// Internal and test-only: install it with test_hooks.h (SetTestEnv on the
// Env returned by env()). Thread safety: every method may be called from
// any thread (RocksDB calls it from its own background threads).

#ifndef MNEMO_ENGINE_FAULT_INJECTION_H_
#define MNEMO_ENGINE_FAULT_INJECTION_H_

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

namespace mnemo::internal {

struct FaultPlan {
  enum class Kind : uint8_t { kIOError, kNoSpace };
  Kind kind = Kind::kIOError;
  // Operations that succeed before faults start (UINT64_MAX: never).
  uint64_t fail_after = UINT64_MAX;
  // Once faults start, each operation fails with this probability (1.0:
  // every operation fails, i.e. a dead or full disk).
  double probability = 1.0;
  // Fail syncs only (appends and flushes pass): the fsync-failure case.
  bool syncs_only = false;
  // Only files whose path contains every one of these fail (a part of a
  // store: {"/search/", ".sst"} fails the index instance's table files,
  // not its log); empty: every file.
  std::vector<std::string> path_contains;
  uint64_t seed = 1;
};

class FaultInjectionFs final : public rocksdb::FileSystemWrapper {
 public:
  explicit FaultInjectionFs(
      std::shared_ptr<rocksdb::FileSystem> base =
          rocksdb::FileSystem::Default());
  static const char* kClassName() { return "MnemoFaultInjectionFs"; }
  const char* Name() const override { return kClassName(); }

  // An Env that runs on this file system; lives as long as *this.
  rocksdb::Env* env() { return env_.get(); }

  // Starts injecting faults by `plan` (counters start from zero).
  void Arm(const FaultPlan& plan);
  // Stops injecting; later operations pass.
  void Disarm();
  // Disk full: every write fails with NoSpace until called with false.
  void SetDiskFull(bool full);

  // Power loss: from now on every write fails (nothing reaches the disk).
  // After the store is closed, DropUnsyncedData() cuts each file written
  // through this file system back to its last synced size; then Revive()
  // lets a reopened store write again.
  void CutPower();
  void DropUnsyncedData();
  void Revive();

  // "name size/synced" of each tracked file, for failure messages.
  std::string DebugFiles();
  uint64_t operations() const { return ops_.load(); }
  uint64_t faults_injected() const { return faults_.load(); }

  // Called by the wrapped files. Returns the fault to inject, or OK.
  rocksdb::IOStatus MaybeFail(const std::string& name, bool is_sync);
  void OnAppend(const std::string& name, uint64_t bytes);
  void OnSync(const std::string& name);

  rocksdb::IOStatus NewWritableFile(
      const std::string& fname, const rocksdb::FileOptions& opts,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(
      const std::string& fname, const rocksdb::FileOptions& opts,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(
      const std::string& fname, const std::string& old_fname,
      const rocksdb::FileOptions& opts,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& src,
                               const std::string& target,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& fname,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;

 private:
  // Size written and size synced of each file opened for writing.
  struct FileState {
    uint64_t size = 0;
    uint64_t synced = 0;
  };
  rocksdb::IOStatus Wrap(const std::string& fname, uint64_t start_size,
                         rocksdb::IOStatus s,
                         std::unique_ptr<rocksdb::FSWritableFile>* result);

  std::unique_ptr<rocksdb::Env> env_;
  std::mutex mu_;  // guards plan_, rng_, files_
  FaultPlan plan_;
  bool armed_ = false;
  bool power_cut_ = false;
  std::mt19937_64 rng_;
  std::map<std::string, FileState> files_;
  std::atomic<uint64_t> ops_{0};
  std::atomic<uint64_t> faults_{0};
};

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_FAULT_INJECTION_H_
