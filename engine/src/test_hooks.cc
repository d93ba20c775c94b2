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

namespace {
std::atomic<size_t> migration_batch{0};
std::atomic<size_t> migration_batches{0};
}  // namespace

void SetMigrationLimit(size_t batch_records, size_t max_batches) {
  migration_batch.store(batch_records);
  migration_batches.store(max_batches);
}

void MigrationLimit(size_t* batch_records, size_t* max_batches) {
  *batch_records = migration_batch.load();
  *max_batches = migration_batches.load();
}

namespace {
std::atomic<bool> ids_flush_held{false};
std::atomic<bool> index_commits_dropped{false};
}  // namespace

void SetIdsFlushHeld(bool held) { ids_flush_held.store(held); }

bool IdsFlushHeld() { return ids_flush_held.load(); }

void SetIndexCommitsDropped(bool dropped) {
  index_commits_dropped.store(dropped);
}

bool IndexCommitsDropped() { return index_commits_dropped.load(); }

}  // namespace mnemo::internal
