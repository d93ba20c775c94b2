// Copyright (c) mnemo authors.
//
// Internal to `mnemo import` (cmd_import.cc): its arguments, one batch of
// input, and the page attachment of `--pages DIR` (import_pages.cc): the
// page files of a dump, read and checked once each, attached to the batch
// of records that sits on them.

#ifndef MNEMO_TOOLS_IMPORT_PAGES_H_
#define MNEMO_TOOLS_IMPORT_PAGES_H_

#include <cstddef>
#include <string>
#include <vector>

#include "mnemo/store.h"

namespace mnemo::cli::import_cmd {

constexpr size_t kDefaultBatch = 10000;

struct ImportArgs {
  std::string db;
  std::string format = "jsonl";
  std::string file;
  std::string pages;  // page files of a dump
  bool skip_bad = false;
  size_t batch = kDefaultBatch;
  bool atomic = false;
  size_t resume_from = 1;  // first line read
};

// One batch of input.
struct Input {
  std::vector<Record> records;
  std::vector<std::string> where;  // "line N" per record
  bool restore = false;            // records carry ids
  bool mode_known = false;         // `restore` was set by a line
  size_t skipped = 0;
  std::vector<PageData> pages;  // pages the restored records sit on
  size_t unpaged = 0;           // records on pages restored as text
  size_t first_line = 0;        // the lines this batch covers
  size_t last_line = 0;
};

// Handles a bad input item: fails (returns false) or, with --skip-bad,
// warns and counts it.
bool Reject(const ImportArgs& args, Input* in, const std::string& message);

// Finds the page files of every record on pages (see the top comment of
// cmd_import.cc); false when the import is rejected (message printed).
bool AttachPages(const ImportArgs& args, Input* in);

}  // namespace mnemo::cli::import_cmd

#endif  // MNEMO_TOOLS_IMPORT_PAGES_H_
