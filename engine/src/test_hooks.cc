// Copyright (c) mnemo authors.

#include "test_hooks.h"

#include <atomic>

namespace mnemo::internal {
namespace {
std::atomic<rocksdb::Env*> test_env{nullptr};
std::atomic<TestHook> restore_hook{nullptr};
}  // namespace

void SetTestEnv(rocksdb::Env* env) { test_env.store(env); }

rocksdb::Env* TestEnv() { return test_env.load(); }

void SetRestoreHook(TestHook hook) { restore_hook.store(hook); }

void RunRestoreHook() {
  TestHook hook = restore_hook.load();
  if (hook != nullptr) hook();
}

}  // namespace mnemo::internal
