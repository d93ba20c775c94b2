// Copyright (c) mnemo authors.

#include "test_hooks.h"

#include <atomic>

namespace mnemo::internal {
namespace {
std::atomic<rocksdb::Env*> test_env{nullptr};
}  // namespace

void SetTestEnv(rocksdb::Env* env) { test_env.store(env); }

rocksdb::Env* TestEnv() { return test_env.load(); }

}  // namespace mnemo::internal
