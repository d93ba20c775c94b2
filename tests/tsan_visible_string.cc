// Copyright (c) mnemo authors.
//
// TSAN builds only: tests/CMakeLists.txt adds this file to every test
// binary when MNEMO_SANITIZE=thread.
//
// Debian's librocksdb is not built with TSAN. When it calls an out-of-line
// std::string member (WriteBatch resetting its buffer goes through
// std::string::_M_replace_aux), that member runs in libstdc++.so, which is
// not instrumented either, and its memset/memcpy reach TSAN's interceptors
// with no RocksDB frame on the stack: .ci/tsan.supp's lines, which name
// only RocksDB, cannot match the false races its write-group hand-off (a
// buffer reused by successive leader threads, synchronized through atomics
// TSAN cannot see) then produces. Instantiating std::string here gives the
// binary an instrumented copy that the dynamic linker binds librocksdb's
// calls to (the executable's definitions come first), so the frame inside
// RocksDB that called it shows up and the rocksdb:: suppression applies.
// mnemo's own string calls run the same (instrumented) code.

#include <string>

template class std::basic_string<char>;
