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

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_TEST_HOOKS_H_
