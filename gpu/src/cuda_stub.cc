// Copyright (c) mnemo authors.
//
// Built instead of gpu/cuda/ when no CUDA toolkit was found.

#include <mnemo/gpu/backend.h>

namespace mnemo::gpu {

bool CudaCompiledIn() { return false; }

Status NewCudaBackend(int, std::unique_ptr<Backend>*) {
  return Status::NotSupported("mnemo was built without CUDA");
}

}  // namespace mnemo::gpu
