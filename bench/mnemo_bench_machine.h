// Copyright (c) mnemo authors.
//
// Machine description and library versions for the mnemo-bench report.

#ifndef MNEMO_BENCH_MNEMO_BENCH_MACHINE_H_
#define MNEMO_BENCH_MNEMO_BENCH_MACHINE_H_

#include "mnemo_bench_report.h"

namespace mnemo::bench {

// Sets json()["machine"] (cpu_model, cores, kernel, memory_gib, hostname),
// json()["versions"] (mnemo commit, compiler, zstd, libpng, RocksDB,
// tesseract, Pillow) and json()["date"] (UTC, RFC 3339).
void RecordMachine(Report* report);

// True when /usr/bin/python3 imports PIL.
bool HavePillow();

}  // namespace mnemo::bench

#endif  // MNEMO_BENCH_MNEMO_BENCH_MACHINE_H_
