// Copyright (c) mnemo authors.
//
// Test helper: a store of this build's format given the layout of format 7
// and older, for tests that fake an older store by setting its marker
// back.

#ifndef MNEMO_TESTS_ENGINE_OLDER_FORMAT_H_
#define MNEMO_TESTS_ENGINE_OLDER_FORMAT_H_

#include <gtest/gtest.h>

#include <string>

namespace mnemo::test {

// Moves the closed store's search index back from its own instance (the
// `search` directory, format 8) into the store's `postings` and default
// families, where formats 7 and older keep it, and removes the instance.
::testing::AssertionResult MoveIndexBackIntoStore(const std::string& db);

}  // namespace mnemo::test

#endif  // MNEMO_TESTS_ENGINE_OLDER_FORMAT_H_
