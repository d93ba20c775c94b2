// Copyright (c) mnemo authors.
//
// The page files of `mnemo dump --include-pages DIR` / `mnemo import
// --pages DIR`: two files per page, named by its id,
//
//   DIR/page-<id>.png   the page image exactly as stored (viewable)
//   DIR/page-<id>.json  one JSON object, in this field order:
//     page_id (decimal string: ids exceed 2^53), tenant, agent, session
//     (that of the page's first record), tier ("pixels" or "decayed"),
//     profile, width, height (of the PNG), first_width (width the page was
//     first rendered at: manifest spans are in those coordinates),
//     vision_tokens, created_time (RFC 3339 UTC, as in the dump), manifest
//     (the manifest as codec::ManifestToJson writes it).
//
// Reading checks what the store will check (codec limits included), so a
// bad file is reported by name before anything is imported.

#ifndef MNEMO_TOOLS_WORKLOAD_PAGE_FILES_H_
#define MNEMO_TOOLS_WORKLOAD_PAGE_FILES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mnemo/compaction.h"
#include "mnemo/status.h"

namespace mnemo::workload {

// Largest page JSON file read (a manifest's JSON is at most 32 MiB).
inline constexpr size_t kMaxPageJsonBytes = 40u << 20;

// "page-<id>.png", "page-<id>.json".
std::string PagePngName(uint64_t page_id);
std::string PageJsonName(uint64_t page_id);

// The JSON file's content for `page` (without a trailing newline).
std::string PageToJson(const PageData& page);

// Parses a page JSON file's content into *page (png left empty; manifest
// kept as JSON text). InvalidArgument names the field.
Status PageFromJson(std::string_view json, PageData* page);

// Writes the two files of `page` into `dir` (which must exist). Never
// overwrites: AlreadyExists naming the file when either exists; IOError
// naming the file when writing fails.
Status WritePageFiles(const std::string& dir, const PageData& page);

// One item of a page's manifest: which record, and whether its text comes
// from the page before / goes on on the next.
struct PageItemRef {
  RecordId id = 0;
  bool continued = false;
  bool continues = false;
};

struct PageFile {
  PageData data;
  std::vector<PageItemRef> items;  // manifest order
};

// Reads and checks the files of page `page_id` in `dir`: the JSON parses
// and names that page; tier, namespace and sizes are valid; the PNG
// decodes (codec limits) to width x height; the manifest parses
// (codec::ManifestFromJson) and is first_width wide. NotFound / IOError /
// InvalidArgument / Corruption name the file.
Status ReadPageFiles(const std::string& dir, uint64_t page_id, PageFile* page);

}  // namespace mnemo::workload

#endif  // MNEMO_TOOLS_WORKLOAD_PAGE_FILES_H_
