// Copyright (c) mnemo authors.
//
// Test-only hooks into how a store opens its database. Internal: tests and
// fuzzers include it from engine/src; nothing in a public header refers to
// it and production code never sets it.
//
// Thread safety: set the hook before opening the stores that should use it
// and clear it after closing them; stores read it once, in Store::Open.

#ifndef MNEMO_ENGINE_TEST_HOOKS_H_
#define MNEMO_ENGINE_TEST_HOOKS_H_

#include <cstddef>

namespace rocksdb {
class Env;
}

namespace mnemo::internal {

// Every store opened after this call runs its database on `env` (not
// owned; must outlive those stores). nullptr restores the default Env.
void SetTestEnv(rocksdb::Env* env);

// The Env set by SetTestEnv, or nullptr.
rocksdb::Env* TestEnv();

// A function RestoreWithPages calls after it checked the pages it restores
// onto and before it commits, with its record and page stripes held: a
// race test runs a Delete from it. nullptr (the default): none. Set it
// while no restore runs.
using TestHook = void (*)();
void SetRestoreHook(TestHook hook);
void RunRestoreHook();

// Migration of a format-1 store on open (record_table_migrate.cc): with
// max_batches > 0, every later writer's open moves `batch_records` records
// per batch and stops after `max_batches` batches with Aborted, as a kill
// in the middle would (the store stays format 1 with a progress note).
// (0, 0) restores the default (all of it, kMigrationBatch per batch).
void SetMigrationLimit(size_t batch_records, size_t max_batches);
void MigrationLimit(size_t* batch_records, size_t* max_batches);

// With `held`, every store opened afterwards writes no waiting ids
// entries of new records itself (record_table_pending.h: no ride-along,
// no background flush, none at close), like a writer killed before its
// next flush; its open still recovers what an earlier one left. false
// restores the default.
void SetIdsFlushHeld(bool held);
bool IdsFlushHeld();
// With `dropped`, every store opened afterwards writes the records' half of
// a change of records and index and drops the index's half (with its
// applied marks), like a writer killed between the two writes
// (search_db.cc). false restores the default.
void SetIndexCommitsDropped(bool dropped);
bool IndexCommitsDropped();

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_TEST_HOOKS_H_
