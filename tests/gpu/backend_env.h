// Copyright (c) mnemo authors.
//
// Backend parameterization shared by the gpu suites: every suite runs once
// per BackendKind; the CUDA instance skips (printing why) without a device.

#ifndef MNEMO_TESTS_GPU_BACKEND_ENV_H_
#define MNEMO_TESTS_GPU_BACKEND_ENV_H_

#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <mnemo/gpu/backend.h>

namespace mnemo::gpu::test {

// A fresh backend of `kind`, or nullptr with *reason set.
std::unique_ptr<Backend> MakeBackend(BackendKind kind, std::string* reason);

std::string KindParamName(const ::testing::TestParamInfo<BackendKind>& info);

#define MNEMO_GPU_BACKENDS \
  ::testing::Values(::mnemo::gpu::BackendKind::kHost, ::mnemo::gpu::BackendKind::kCuda)

}  // namespace mnemo::gpu::test

#endif  // MNEMO_TESTS_GPU_BACKEND_ENV_H_
