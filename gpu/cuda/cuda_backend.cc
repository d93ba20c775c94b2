// Copyright (c) mnemo authors.
//
// CUDA backend: the VMM driver API (cuMemAddressReserve / cuMemCreate /
// cuMemMap / cuMemSetAccess) reached through the static runtime's
// cudaGetDriverEntryPointByVersion, so no binary links libcuda and every
// binary starts on machines without a driver. CUresult / cudaError_t are
// converted to Status here; nothing aborts.

#include <cuda.h>
#include <cuda_runtime_api.h>

#include <atomic>
#include <string>

#include <mnemo/gpu/backend.h>

namespace mnemo::gpu {
namespace {

constexpr unsigned kDriverApiVersion = 12000;  // VMM ABI we were written for

Status FromCuda(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return Status::OK();
  std::string msg = std::string(what) + ": " + cudaGetErrorString(e);
  if (e == cudaErrorMemoryAllocation) return Status::ResourceExhausted(msg);
  if (e == cudaErrorInsufficientDriver || e == cudaErrorNoDevice ||
      e == cudaErrorInitializationError) {
    return Status::FailedPrecondition(msg);
  }
  return Status::IOError(msg);
}

struct DriverApi {
  decltype(&cuMemAddressReserve) reserve = nullptr;
  decltype(&cuMemAddressFree) address_free = nullptr;
  decltype(&cuMemCreate) create = nullptr;
  decltype(&cuMemRelease) release = nullptr;
  decltype(&cuMemMap) map = nullptr;
  decltype(&cuMemUnmap) unmap = nullptr;
  decltype(&cuMemSetAccess) set_access = nullptr;
  decltype(&cuMemGetAllocationGranularity) granularity = nullptr;
  decltype(&cuGetErrorString) error_string = nullptr;

  template <typename F>
  static Status Load(const char* name, F* fn) {
    cudaDriverEntryPointQueryResult q;
    void* p = nullptr;
    cudaError_t e = cudaGetDriverEntryPointByVersion(
        name, &p, kDriverApiVersion, cudaEnableDefault, &q);
    if (e != cudaSuccess || q != cudaDriverEntryPointSuccess || p == nullptr) {
      return Status::FailedPrecondition(std::string("CUDA driver entry point ") +
                                        name + " unavailable");
    }
    *fn = reinterpret_cast<F>(p);
    return Status::OK();
  }

  Status LoadAll() {
    MNEMO_RETURN_IF_ERROR(Load("cuMemAddressReserve", &reserve));
    MNEMO_RETURN_IF_ERROR(Load("cuMemAddressFree", &address_free));
    MNEMO_RETURN_IF_ERROR(Load("cuMemCreate", &create));
    MNEMO_RETURN_IF_ERROR(Load("cuMemRelease", &release));
    MNEMO_RETURN_IF_ERROR(Load("cuMemMap", &map));
    MNEMO_RETURN_IF_ERROR(Load("cuMemUnmap", &unmap));
    MNEMO_RETURN_IF_ERROR(Load("cuMemSetAccess", &set_access));
    MNEMO_RETURN_IF_ERROR(Load("cuMemGetAllocationGranularity", &granularity));
    return Load("cuGetErrorString", &error_string);
  }

  Status Check(CUresult r, const char* what) const {
    if (r == CUDA_SUCCESS) return Status::OK();
    const char* s = nullptr;
    if (error_string == nullptr || error_string(r, &s) != CUDA_SUCCESS || !s) {
      s = "unknown CUresult";
    }
    std::string msg = std::string(what) + ": " + s + " (" + std::to_string(r) + ")";
    if (r == CUDA_ERROR_OUT_OF_MEMORY) return Status::ResourceExhausted(msg);
    return Status::IOError(msg);
  }
};

class CudaBackend final : public Backend {
 public:
  Status Init(int device) {
    device_ = device;
    int driver = 0;
    MNEMO_RETURN_IF_ERROR(FromCuda(cudaDriverGetVersion(&driver), "cudaDriverGetVersion"));
    if (driver == 0) return Status::FailedPrecondition("no CUDA driver installed");
    int count = 0;
    MNEMO_RETURN_IF_ERROR(FromCuda(cudaGetDeviceCount(&count), "cudaGetDeviceCount"));
    if (device < 0 || device >= count) {
      return Status::FailedPrecondition("no CUDA device " + std::to_string(device));
    }
    MNEMO_RETURN_IF_ERROR(Bind());
    MNEMO_RETURN_IF_ERROR(FromCuda(cudaFree(nullptr), "CUDA context init"));
    cudaDeviceProp prop;
    MNEMO_RETURN_IF_ERROR(FromCuda(cudaGetDeviceProperties(&prop, device), "props"));
    name_ = "cuda:" + std::to_string(device) + " " + prop.name;
    MNEMO_RETURN_IF_ERROR(api_.LoadAll());
    prop_ = {};
    prop_.type = CU_MEM_ALLOCATION_TYPE_PINNED;
    prop_.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
    prop_.location.id = device;
    std::size_t g = 0;
    MNEMO_RETURN_IF_ERROR(api_.Check(
        api_.granularity(&g, &prop_, CU_MEM_ALLOC_GRANULARITY_RECOMMENDED),
        "cuMemGetAllocationGranularity"));
    granularity_ = std::size_t{2} << 20;
    while (granularity_ % g != 0) granularity_ *= 2;
    access_ = {};
    access_.location = prop_.location;
    access_.flags = CU_MEM_ACCESS_FLAGS_PROT_READWRITE;
    return FromCuda(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking),
                    "cudaStreamCreate");
  }
  ~CudaBackend() override {
    if (stream_ != nullptr) cudaStreamDestroy(stream_);
  }

  BackendKind kind() const override { return BackendKind::kCuda; }
  std::string name() const override { return name_; }
  std::size_t granularity() const override { return granularity_; }
  int dlpack_device_type() const override { return 2; }  // kDLCUDA
  int device_id() const override { return device_; }

  Status Reserve(std::size_t bytes, std::uintptr_t* base) override {
    MNEMO_RETURN_IF_ERROR(Bind());
    CUdeviceptr p = 0;
    MNEMO_RETURN_IF_ERROR(api_.Check(api_.reserve(&p, bytes, granularity_, 0, 0),
                                     "cuMemAddressReserve"));
    *base = static_cast<std::uintptr_t>(p);
    return Status::OK();
  }
  Status Unreserve(std::uintptr_t base, std::size_t bytes) override {
    MNEMO_RETURN_IF_ERROR(Bind());
    return api_.Check(api_.address_free(base, bytes), "cuMemAddressFree");
  }
  Status CreateChunk(ChunkHandle* out) override {
    MNEMO_RETURN_IF_ERROR(Bind());
    CUmemGenericAllocationHandle h;
    MNEMO_RETURN_IF_ERROR(api_.Check(api_.create(&h, granularity_, &prop_, 0),
                                     "cuMemCreate"));
    *out = h;
    live_chunks_.fetch_add(1);
    return Status::OK();
  }
  Status ReleaseChunk(ChunkHandle chunk) override {
    MNEMO_RETURN_IF_ERROR(Bind());
    MNEMO_RETURN_IF_ERROR(api_.Check(api_.release(chunk), "cuMemRelease"));
    live_chunks_.fetch_sub(1);
    return Status::OK();
  }
  Status Map(std::uintptr_t addr, ChunkHandle chunk) override {
    MNEMO_RETURN_IF_ERROR(Bind());
    MNEMO_RETURN_IF_ERROR(api_.Check(api_.map(addr, granularity_, 0, chunk, 0), "cuMemMap"));
    Status s = api_.Check(api_.set_access(addr, granularity_, &access_, 1),
                          "cuMemSetAccess");
    if (!s.ok()) (void)api_.unmap(addr, granularity_);
    return s;
  }
  Status Unmap(std::uintptr_t addr) override {
    MNEMO_RETURN_IF_ERROR(Bind());
    // cuMemUnmap requires that no work still touches the range.
    MNEMO_RETURN_IF_ERROR(FromCuda(cudaDeviceSynchronize(), "sync before unmap"));
    return api_.Check(api_.unmap(addr, granularity_), "cuMemUnmap");
  }
  // cudaMemcpy from pageable memory may return before the DMA into the
  // destination has finished; a chunk evicted and unmapped right after would
  // then fault (a sticky context error). Copies complete before returning.
  Status CopyToDevice(void* dst, const void* src, std::size_t n) override {
    MNEMO_RETURN_IF_ERROR(Bind());
    MNEMO_RETURN_IF_ERROR(FromCuda(
        cudaMemcpyAsync(dst, src, n, cudaMemcpyHostToDevice, stream_), "upload"));
    return FromCuda(cudaStreamSynchronize(stream_), "upload sync");
  }
  Status CopyToHost(void* dst, const void* src, std::size_t n) override {
    MNEMO_RETURN_IF_ERROR(Bind());
    MNEMO_RETURN_IF_ERROR(FromCuda(
        cudaMemcpyAsync(dst, src, n, cudaMemcpyDeviceToHost, stream_), "download"));
    return FromCuda(cudaStreamSynchronize(stream_), "download sync");
  }
  Status CopyBatchToDevice(void* const* dst, const void* const* src,
                           const std::size_t* sizes, std::size_t count) override {
    MNEMO_RETURN_IF_ERROR(Bind());
    for (std::size_t i = 0; i < count; ++i) {
      MNEMO_RETURN_IF_ERROR(FromCuda(
          cudaMemcpyAsync(dst[i], src[i], sizes[i], cudaMemcpyHostToDevice, stream_),
          "cudaMemcpyAsync"));
    }
    return FromCuda(cudaStreamSynchronize(stream_), "cudaStreamSynchronize");
  }
  Status AllocHost(std::size_t bytes, void** out) override {
    MNEMO_RETURN_IF_ERROR(Bind());
    return FromCuda(cudaMallocHost(out, bytes), "cudaMallocHost");
  }
  void FreeHost(void* p, std::size_t) override { cudaFreeHost(p); }
  Status GetMemoryInfo(MemoryInfo* out) override {
    MNEMO_RETURN_IF_ERROR(Bind());
    out->created_bytes = live_chunks_.load() * granularity_;
    return FromCuda(cudaMemGetInfo(&out->free_bytes, &out->total_bytes),
                    "cudaMemGetInfo");
  }

 private:
  // Makes the device's primary context current on the calling thread (the
  // refill thread and callers' threads all reach the driver API).
  Status Bind() const { return FromCuda(cudaSetDevice(device_), "cudaSetDevice"); }

  int device_ = 0;
  std::string name_;
  DriverApi api_;
  CUmemAllocationProp prop_{};
  CUmemAccessDesc access_{};
  std::size_t granularity_ = 0;
  std::atomic<std::size_t> live_chunks_{0};  // created and not yet released
  cudaStream_t stream_ = nullptr;
};

}  // namespace

bool CudaCompiledIn() { return true; }

Status NewCudaBackend(int device, std::unique_ptr<Backend>* out) {
  auto b = std::make_unique<CudaBackend>();
  MNEMO_RETURN_IF_ERROR(b->Init(device).WithContext("CUDA backend unavailable"));
  *out = std::move(b);
  return Status::OK();
}

}  // namespace mnemo::gpu
