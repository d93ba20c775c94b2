// Copyright (c) mnemo authors.
//
// Host backend: reservations are PROT_NONE anonymous mappings, physical
// chunks are slices of one memfd (so a chunk keeps its bytes when it moves
// from one pool's range to another, like a CUDA physical allocation), and
// releasing a chunk punches its slice out, returning the memory to the OS.

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#include <mnemo/gpu/backend.h>

namespace mnemo::gpu {
namespace {

constexpr std::size_t kHostChunk = std::size_t{2} << 20;

Status Errno(const char* what) {
  return Status::IOError(std::string(what) + ": " + std::strerror(errno));
}

class HostBackend final : public Backend {
 public:
  HostBackend() = default;
  ~HostBackend() override {
    if (fd_ >= 0) close(fd_);
  }

  BackendKind kind() const override { return BackendKind::kHost; }
  std::string name() const override { return "host"; }
  std::size_t granularity() const override { return kHostChunk; }
  int dlpack_device_type() const override { return 1; }  // kDLCPU
  int device_id() const override { return 0; }

  Status Reserve(std::size_t bytes, std::uintptr_t* base) override {
    if (bytes == 0 || bytes % kHostChunk != 0) {
      return Status::InvalidArgument("reserve size not a chunk multiple");
    }
    // Over-reserve by one chunk to align the base on the chunk size.
    std::size_t span = bytes + kHostChunk;
    void* p = mmap(nullptr, span, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return Errno("mmap reserve");
    auto raw = reinterpret_cast<std::uintptr_t>(p);
    std::uintptr_t aligned = (raw + kHostChunk - 1) & ~(kHostChunk - 1);
    if (aligned > raw) munmap(p, aligned - raw);
    std::uintptr_t end = raw + span, want_end = aligned + bytes;
    if (end > want_end) {
      munmap(reinterpret_cast<void*>(want_end), end - want_end);
    }
    *base = aligned;
    return Status::OK();
  }

  Status Unreserve(std::uintptr_t base, std::size_t bytes) override {
    if (munmap(reinterpret_cast<void*>(base), bytes) != 0) {
      return Errno("munmap reservation");
    }
    return Status::OK();
  }

  Status CreateChunk(ChunkHandle* out) override {
    std::lock_guard<std::mutex> lock(mu_);
    MNEMO_RETURN_IF_ERROR(EnsureFd());
    if (!free_slots_.empty()) {
      *out = free_slots_.back();
      free_slots_.pop_back();
    } else {
      std::size_t slot = slots_;
      if (ftruncate(fd_, static_cast<off_t>((slot + 1) * kHostChunk)) != 0) {
        return Errno("ftruncate memfd");
      }
      ++slots_;
      *out = slot;
    }
    ++live_chunks_;
    return Status::OK();
  }

  Status ReleaseChunk(ChunkHandle chunk) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (chunk >= slots_) return Status::InvalidArgument("unknown host chunk");
    if (fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                  static_cast<off_t>(chunk * kHostChunk), kHostChunk) != 0) {
      return Errno("fallocate punch hole");
    }
    free_slots_.push_back(chunk);
    --live_chunks_;
    return Status::OK();
  }

  Status Map(std::uintptr_t addr, ChunkHandle chunk) override {
    void* want = reinterpret_cast<void*>(addr);
    void* p = mmap(want, kHostChunk, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_FIXED, fd_,
                   static_cast<off_t>(chunk * kHostChunk));
    if (p == MAP_FAILED) return Errno("mmap chunk");
    return Status::OK();
  }

  Status Unmap(std::uintptr_t addr) override {
    // Replacing the mapping (rather than munmap) keeps the reservation whole.
    void* p = mmap(reinterpret_cast<void*>(addr), kHostChunk, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
                   -1, 0);
    if (p == MAP_FAILED) return Errno("mmap unmap");
    return Status::OK();
  }

  Status CopyToDevice(void* dst, const void* src, std::size_t n) override {
    std::memcpy(dst, src, n);
    return Status::OK();
  }
  Status CopyToHost(void* dst, const void* src, std::size_t n) override {
    std::memcpy(dst, src, n);
    return Status::OK();
  }
  Status CopyBatchToDevice(void* const* dst, const void* const* src,
                           const std::size_t* sizes,
                           std::size_t count) override {
    for (std::size_t i = 0; i < count; ++i) {
      std::memcpy(dst[i], src[i], sizes[i]);
    }
    return Status::OK();
  }

  Status AllocHost(std::size_t bytes, void** out) override {
    *out = std::malloc(bytes == 0 ? 1 : bytes);
    if (*out == nullptr) return Status::ResourceExhausted("host staging");
    return Status::OK();
  }
  void FreeHost(void* p, std::size_t) override { std::free(p); }

  Status GetMemoryInfo(MemoryInfo* out) override {
    long os_pages = sysconf(_SC_PHYS_PAGES), avail = sysconf(_SC_AVPHYS_PAGES);
    long psize = sysconf(_SC_PAGESIZE);
    out->total_bytes = static_cast<std::size_t>(os_pages) * psize;
    out->free_bytes = static_cast<std::size_t>(avail) * psize;
    std::lock_guard<std::mutex> lock(mu_);
    out->created_bytes = live_chunks_ * kHostChunk;
    return Status::OK();
  }

 private:
  Status EnsureFd() {
    if (fd_ >= 0) return Status::OK();
    fd_ = memfd_create("mnemo-host-chunks", MFD_CLOEXEC);
    if (fd_ < 0) return Errno("memfd_create");
    return Status::OK();
  }

  std::mutex mu_;
  int fd_ = -1;
  std::size_t slots_ = 0;       // memfd size in chunks
  std::size_t live_chunks_ = 0;  // created and not released
  std::vector<ChunkHandle> free_slots_;
};

}  // namespace

const char* BackendKindName(BackendKind kind) {
  return kind == BackendKind::kCuda ? "cuda" : "host";
}

std::unique_ptr<Backend> NewHostBackend() {
  return std::make_unique<HostBackend>();
}

std::unique_ptr<Backend> NewBestBackend(std::string* reason) {
  std::unique_ptr<Backend> cuda;
  Status s = NewCudaBackend(0, &cuda);
  if (s.ok()) {
    if (reason) reason->clear();
    return cuda;
  }
  if (reason) *reason = s.ToString();
  return NewHostBackend();
}

}  // namespace mnemo::gpu
