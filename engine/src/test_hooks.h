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

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_TEST_HOOKS_H_
