// Copyright (c) mnemo authors.
//
// Backend: the small memory interface every pool is built on (ggml-style:
// one abstract class, one implementation per device kind). A backend hands
// out three things:
//   - virtual ranges: address space reserved without memory behind it;
//   - physical chunks: `granularity()` bytes of memory named by a ChunkHandle,
//     created once and kept in the chunk pool's free list;
//   - mappings: a physical chunk mapped at a granularity-aligned address of a
//     reserved range, readable and writable once SetAccess succeeded.
// The contents of a physical chunk follow its handle: unmapping a chunk and
// mapping it elsewhere keeps its bytes (as with cuMemCreate/cuMemMap). Fresh
// chunks hold unspecified bytes.
//
// Implementations:
//   - host (always built): a reserved range is mmap(PROT_NONE); a physical
//     chunk is a 2 MiB slice of one memfd; Map is mmap(MAP_FIXED|MAP_SHARED)
//     over the reservation, Unmap puts PROT_NONE anonymous memory back and
//     ReleaseChunk punches the slice out of the memfd, so resident memory
//     really drops (/proc/self/statm).
//   - cuda (built when the toolkit is found): the CUDA VMM driver API
//     (cuMemAddressReserve/cuMemCreate/cuMemMap/cuMemSetAccess) reached
//     through the runtime's driver entry points; no libcuda link, so the
//     binary starts on machines without a driver.
//
// Errors: every call returns a Status; CUDA errors are converted at the
// edge. Nothing aborts.
// Thread safety: all methods may be called concurrently.

#ifndef MNEMO_GPU_BACKEND_H_
#define MNEMO_GPU_BACKEND_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <mnemo/status.h>

namespace mnemo::gpu {

enum class BackendKind : unsigned char { kHost = 0, kCuda = 1 };

const char* BackendKindName(BackendKind kind);

// Names one physical chunk of a backend; meaningful only to that backend.
using ChunkHandle = std::uint64_t;

struct MemoryInfo {
  std::size_t free_bytes = 0;   // what the device could still hand out
  std::size_t total_bytes = 0;  // device capacity
  std::size_t created_bytes = 0;  // physical chunks created by this backend
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual BackendKind kind() const = 0;
  // "host" or e.g. "cuda:0 NVIDIA H200".
  virtual std::string name() const = 0;
  // Physical chunk size in bytes (2 MiB on both backends). Power of two.
  virtual std::size_t granularity() const = 0;
  // DLPack device (kDLCPU = 1 / kDLCUDA = 2) and device ordinal of the
  // memory this backend maps.
  virtual int dlpack_device_type() const = 0;
  virtual int device_id() const = 0;

  // Reserves `bytes` (a multiple of granularity()) of address space with no
  // memory behind it. On success *base is granularity-aligned.
  virtual Status Reserve(std::size_t bytes, std::uintptr_t* base) = 0;
  // Frees a reservation made by Reserve. REQUIRES: nothing mapped in it.
  virtual Status Unreserve(std::uintptr_t base, std::size_t bytes) = 0;

  // Creates one physical chunk (granularity() bytes). ResourceExhausted when
  // the device has no memory left.
  virtual Status CreateChunk(ChunkHandle* out) = 0;
  // Releases a chunk created by CreateChunk. REQUIRES: not mapped.
  virtual Status ReleaseChunk(ChunkHandle chunk) = 0;

  // Maps `chunk` at `addr` (granularity-aligned, inside a reservation, not
  // already mapped) and makes it readable and writable.
  virtual Status Map(std::uintptr_t addr, ChunkHandle chunk) = 0;
  // Unmaps the chunk mapped at `addr`; the chunk itself stays alive.
  virtual Status Unmap(std::uintptr_t addr) = 0;

  // Copies between host memory and backend memory (addresses returned by
  // the pools). Synchronous: the bytes are in place on return.
  virtual Status CopyToDevice(void* dst, const void* src, std::size_t n) = 0;
  virtual Status CopyToHost(void* dst, const void* src, std::size_t n) = 0;
  // Copies `count` runs (dst[i] <- src[i], sizes[i] bytes) and waits once at
  // the end: batch uploads into >= 1 MiB runs amortise the per-call cost.
  virtual Status CopyBatchToDevice(void* const* dst, const void* const* src,
                                   const std::size_t* sizes,
                                   std::size_t count) = 0;

  // Chunk-locked host staging memory for fast uploads (plain memory on the
  // host backend). FreeHost accepts what AllocHost returned.
  virtual Status AllocHost(std::size_t bytes, void** out) = 0;
  virtual void FreeHost(void* p, std::size_t bytes) = 0;

  virtual Status GetMemoryInfo(MemoryInfo* out) = 0;
};

// The host backend; never fails to construct.
std::unique_ptr<Backend> NewHostBackend();

// Opens device `device` through the CUDA VMM driver API. Returns
// NotSupported when mnemo was built without CUDA, and FailedPrecondition
// with the reason ("CUDA driver insufficient", "no CUDA device", ...) when
// the machine cannot run it.
Status NewCudaBackend(int device, std::unique_ptr<Backend>* out);

// Whether this build contains the CUDA backend.
bool CudaCompiledIn();

// CUDA device 0 when usable, else the host backend. *reason (optional)
// receives why CUDA was not used ("" when it was).
std::unique_ptr<Backend> NewBestBackend(std::string* reason);

}  // namespace mnemo::gpu

#endif  // MNEMO_GPU_BACKEND_H_
