// Copyright (c) mnemo authors.
//
// The later stages of `mnemo demo`: age the ingested memory with a
// simulated clock and compact it, write a few page PNGs, and show the hot
// cache at work. Each prints its own section and returns an exit code.

#ifndef MNEMO_TOOLS_DEMO_STAGES_H_
#define MNEMO_TOOLS_DEMO_STAGES_H_

#include <memory>
#include <string>
#include <vector>

#include "mnemo/store.h"

namespace mnemo::cli {

// Compacts with a clock and policy scaled to the data's time span, so every
// tier shows up: the oldest ~30% decays, then pixels, warm, and the newest
// stays hot. Prints the tier table and the token compression.
int DemoCompact(Store* store, const std::vector<Record>& input);

// Writes up to `count` pages (PNG + manifest JSON) of tenant `tenant` into
// `out_dir` and prints what it wrote.
int DemoWritePages(Store* store, const std::string& tenant,
                   const std::string& out_dir, int count);

// Reopens the store with the hot cache on, pins the pages of one agent
// twice (the second time from the cache), stores and reads back a per-page
// payload, and prints the backend, hit ratio and pool statistics.
int DemoHotCache(std::unique_ptr<Store>* store, const std::string& db,
                 const std::string& tenant);

}  // namespace mnemo::cli

#endif  // MNEMO_TOOLS_DEMO_STAGES_H_
