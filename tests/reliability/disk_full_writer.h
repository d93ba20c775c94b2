// Copyright (c) mnemo authors.
//
// What the disk-full writer (disk_full_writer.cc) and its test
// (disk_full_test.cc) share: the text of record i.

#ifndef MNEMO_TESTS_RELIABILITY_DISK_FULL_WRITER_H_
#define MNEMO_TESTS_RELIABILITY_DISK_FULL_WRITER_H_

#include <string>

namespace mnemo::test {

inline std::string DiskFullText(int i) {
  return "record " + std::to_string(i) + " " +
         std::string(1000 + (i * 37) % 2000, static_cast<char>('a' + i % 26));
}

}  // namespace mnemo::test

#endif  // MNEMO_TESTS_RELIABILITY_DISK_FULL_WRITER_H_
