// Copyright (c) mnemo authors.

#include "backend_env.h"

namespace mnemo::gpu::test {

std::unique_ptr<Backend> MakeBackend(BackendKind kind, std::string* reason) {
  if (kind == BackendKind::kHost) return NewHostBackend();
  std::unique_ptr<Backend> b;
  Status s = NewCudaBackend(0, &b);
  if (!s.ok()) {
    *reason = s.ToString();
    return nullptr;
  }
  return b;
}

std::string KindParamName(const ::testing::TestParamInfo<BackendKind>& info) {
  return BackendKindName(info.param);
}

}  // namespace mnemo::gpu::test
