// Copyright (c) mnemo authors.

#include "fault_injection.h"

#include <unistd.h>

namespace mnemo::internal {
namespace {

// A writable file that asks its file system before each operation whether
// to fail, and reports what it wrote and synced.
class FaultFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultFile(std::unique_ptr<rocksdb::FSWritableFile>&& file,
            FaultInjectionFs* fs, std::string name)
      : FSWritableFileOwnerWrapper(std::move(file)),
        fs_(fs),
        name_(std::move(name)) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->MaybeFail(name_, false);
    if (!s.ok()) return s;
    s = target()->Append(data, options, dbg);
    if (s.ok()) fs_->OnAppend(name_, data.size());
    return s;
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& /*info*/,
                           rocksdb::IODebugContext* dbg) override {
    return Append(data, options, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data,
                                     uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->MaybeFail(name_, false);
    if (!s.ok()) return s;
    s = target()->PositionedAppend(data, offset, options, dbg);
    if (s.ok()) fs_->OnAppend(name_, data.size());
    return s;
  }
  rocksdb::IOStatus PositionedAppend(
      const rocksdb::Slice& data, uint64_t offset,
      const rocksdb::IOOptions& options,
      const rocksdb::DataVerificationInfo& /*info*/,
      rocksdb::IODebugContext* dbg) override {
    return PositionedAppend(data, offset, options, dbg);
  }
  rocksdb::IOStatus Flush(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->MaybeFail(name_, false);
    return s.ok() ? target()->Flush(options, dbg) : s;
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                         rocksdb::IODebugContext* dbg) override {
    return SyncWith(options, dbg, false);
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    return SyncWith(options, dbg, true);
  }
  rocksdb::IOStatus RangeSync(uint64_t /*offset*/, uint64_t /*nbytes*/,
                              const rocksdb::IOOptions& /*options*/,
                              rocksdb::IODebugContext* /*dbg*/) override {
    // A range sync is only a hint: ignoring it keeps the power-loss model
    // honest (only Sync/Fsync make bytes durable).
    return rocksdb::IOStatus::OK();
  }

 private:
  rocksdb::IOStatus SyncWith(const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg, bool full) {
    rocksdb::IOStatus s = fs_->MaybeFail(name_, true);
    if (!s.ok()) return s;
    s = full ? target()->Fsync(options, dbg) : target()->Sync(options, dbg);
    if (s.ok()) fs_->OnSync(name_);
    return s;
  }

  FaultInjectionFs* const fs_;
  const std::string name_;
};

// The Env of a FaultInjectionFs. The composite Env routes every file
// through the file system except the info log: its NewLogger goes to the
// default Env. Here RocksDB's own logger (a store whose info_log is not
// set) writes through the file system too, so a full disk reaches LOG.
class FaultEnv final : public rocksdb::EnvWrapper {
 public:
  explicit FaultEnv(std::unique_ptr<rocksdb::Env>&& composite)
      : EnvWrapper(std::move(composite)) {}
  rocksdb::Status NewLogger(const std::string& fname,
                            std::shared_ptr<rocksdb::Logger>* result) override {
    return rocksdb::Env::NewLogger(fname, result);  // on GetFileSystem()
  }
};

}  // namespace

FaultInjectionFs::FaultInjectionFs(std::shared_ptr<rocksdb::FileSystem> base)
    : FileSystemWrapper(std::move(base)) {
  // The composite Env keeps a shared_ptr to its file system; this object is
  // owned by the caller, so hand the Env a non-owning one.
  env_ = std::make_unique<FaultEnv>(
      rocksdb::NewCompositeEnv(std::shared_ptr<rocksdb::FileSystem>(
          this, [](rocksdb::FileSystem*) {})));
}

void FaultInjectionFs::Arm(const FaultPlan& plan) {
  std::lock_guard<std::mutex> lock(mu_);
  plan_ = plan;
  armed_ = true;
  rng_.seed(plan.seed);
  ops_ = 0;
}

void FaultInjectionFs::Disarm() {
  std::lock_guard<std::mutex> lock(mu_);
  armed_ = false;
}

void FaultInjectionFs::SetDiskFull(bool full) {
  if (!full) return Disarm();
  FaultPlan plan;
  plan.kind = FaultPlan::Kind::kNoSpace;
  plan.fail_after = 0;
  Arm(plan);
}

void FaultInjectionFs::CutPower() {
  std::lock_guard<std::mutex> lock(mu_);
  power_cut_ = true;
}

void FaultInjectionFs::Revive() {
  std::lock_guard<std::mutex> lock(mu_);
  power_cut_ = false;
  armed_ = false;
}

void FaultInjectionFs::DropUnsyncedData() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [name, state] : files_) {
    if (state.synced < state.size &&
        ::truncate(name.c_str(), static_cast<off_t>(state.synced)) == 0) {
      state.size = state.synced;
    }
  }
}

std::string FaultInjectionFs::DebugFiles() {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& [name, state] : files_) {
    out += name.substr(name.rfind('/') + 1) + " " + std::to_string(state.size) +
           "/" + std::to_string(state.synced) + "; ";
  }
  return out;
}

rocksdb::IOStatus FaultInjectionFs::MaybeFail(const std::string& name,
                                              bool is_sync) {
  std::lock_guard<std::mutex> lock(mu_);
  if (power_cut_) {
    ++faults_;
    return rocksdb::IOStatus::IOError("power cut (fault injection)");
  }
  if (!armed_ || (plan_.syncs_only && !is_sync)) return rocksdb::IOStatus::OK();
  for (const std::string& part : plan_.path_contains) {
    if (name.find(part) == std::string::npos) return rocksdb::IOStatus::OK();
  }
  uint64_t n = ops_++;
  if (n < plan_.fail_after) return rocksdb::IOStatus::OK();
  if (plan_.probability < 1.0 &&
      std::uniform_real_distribution<double>(0, 1)(rng_) >= plan_.probability) {
    return rocksdb::IOStatus::OK();
  }
  ++faults_;
  if (plan_.kind == FaultPlan::Kind::kNoSpace) {
    return rocksdb::IOStatus::NoSpace("disk full (fault injection)");
  }
  return rocksdb::IOStatus::IOError("injected I/O error");
}

void FaultInjectionFs::OnAppend(const std::string& name, uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  files_[name].size += bytes;
}

void FaultInjectionFs::OnSync(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  FileState& state = files_[name];
  state.synced = state.size;
}

rocksdb::IOStatus FaultInjectionFs::Wrap(
    const std::string& fname, uint64_t start_size, rocksdb::IOStatus s,
    std::unique_ptr<rocksdb::FSWritableFile>* result) {
  if (!s.ok()) return s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    files_[fname] = FileState{start_size, start_size};
  }
  *result = std::make_unique<FaultFile>(std::move(*result), this, fname);
  return s;
}

rocksdb::IOStatus FaultInjectionFs::NewWritableFile(
    const std::string& fname, const rocksdb::FileOptions& opts,
    std::unique_ptr<rocksdb::FSWritableFile>* result,
    rocksdb::IODebugContext* dbg) {
  rocksdb::IOStatus s = MaybeFail(fname, false);
  if (!s.ok()) return s;
  return Wrap(fname, 0, target()->NewWritableFile(fname, opts, result, dbg),
              result);
}

rocksdb::IOStatus FaultInjectionFs::ReopenWritableFile(
    const std::string& fname, const rocksdb::FileOptions& opts,
    std::unique_ptr<rocksdb::FSWritableFile>* result,
    rocksdb::IODebugContext* dbg) {
  rocksdb::IOStatus s = MaybeFail(fname, false);
  if (!s.ok()) return s;
  uint64_t size = 0;
  (void)target()->GetFileSize(fname, rocksdb::IOOptions(), &size, dbg);
  return Wrap(fname, size,
              target()->ReopenWritableFile(fname, opts, result, dbg), result);
}

rocksdb::IOStatus FaultInjectionFs::ReuseWritableFile(
    const std::string& fname, const std::string& old_fname,
    const rocksdb::FileOptions& opts,
    std::unique_ptr<rocksdb::FSWritableFile>* result,
    rocksdb::IODebugContext* dbg) {
  rocksdb::IOStatus s = MaybeFail(fname, false);
  if (!s.ok()) return s;
  return Wrap(fname, 0,
              target()->ReuseWritableFile(fname, old_fname, opts, result, dbg),
              result);
}

rocksdb::IOStatus FaultInjectionFs::RenameFile(
    const std::string& src, const std::string& target_name,
    const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) {
  rocksdb::IOStatus s = target()->RenameFile(src, target_name, options, dbg);
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(src);
  if (it != files_.end()) {
    files_[target_name] = it->second;
    files_.erase(it);
  } else {
    files_.erase(target_name);
  }
  return s;
}

rocksdb::IOStatus FaultInjectionFs::DeleteFile(
    const std::string& fname, const rocksdb::IOOptions& options,
    rocksdb::IODebugContext* dbg) {
  rocksdb::IOStatus s = target()->DeleteFile(fname, options, dbg);
  std::lock_guard<std::mutex> lock(mu_);
  if (s.ok()) files_.erase(fname);
  return s;
}

}  // namespace mnemo::internal
