// Copyright (c) mnemo authors.
//
// The --ocr part of `mnemo verify`: reads stored pages with Tesseract in
// process (mnemo_ocr), compares each with the text its manifest says is
// drawn on it (the page's laid-out text, in reading order) and reports the
// character error rate per page, per agent and in aggregate. Pages of the
// decayed tier are downscaled on purpose (forgetting by blur): they are
// read and reported apart and never count against the threshold.

#ifndef MNEMO_TOOLS_CMD_VERIFY_OCR_H_
#define MNEMO_TOOLS_CMD_VERIFY_OCR_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mnemo/ocr/ocr.h"
#include "mnemo/store.h"

namespace mnemo::cli {

// Default --max-cer: the legibility target for technical text (issue 16:
// <= 2% for docs/code, <= 1% for prose and dialogue at 3x upscale).
inline constexpr double kDefaultMaxCer = 0.02;

struct OcrAuditArgs {
  bool enabled = false;
  // 0: every page; else this many pages of each tier (pixels, decayed),
  // chosen by a fixed hash of the page id (the same store gives the same
  // sample on every run).
  int64_t sample = 0;
  double max_cer = kDefaultMaxCer;
  int psm = 0;      // 0: by the page (columns one by one, else 6); 6: one block;
                    // 3: automatic segmentation (columns)
  int upscale = 3;  // the targets are measured at 3x
  // Layout marks drawn by the page that are not memory text (UTF-8).
  std::string exclude_marks;
  std::string tessdata;  // empty: Tesseract's default
};

struct OcrPageResult {
  PageInfo info;
  ocr::CerCount cer;
  double seconds = 0;  // decode + OCR + compare
  std::string error;   // non-empty: the page could not be read
};

struct OcrAuditReport {
  std::string tesseract_version;
  uint64_t legible_pages = 0;        // pixels-tier pages in the store
  uint64_t decayed_pages = 0;        // decayed-tier pages in the store
  std::vector<OcrPageResult> pages;  // those read, by page id
  double seconds = 0;
  // Sums over the legible (pixels-tier) pages read.
  ocr::CerCount legible;
  ocr::CerCount decayed;
  uint64_t unreadable = 0;  // legible pages that failed to decode/read
};

// Reads the pages. Fails (Status) only when OCR cannot start (e.g. no
// language data) or the store cannot list its pages; a page that cannot be
// read is recorded in its result.
Status RunOcrAudit(Store& store, const OcrAuditArgs& args,
                   OcrAuditReport* report);

// True when the legible pages read within args.max_cer and none failed.
bool OcrAuditPassed(const OcrAuditReport& report, const OcrAuditArgs& args);

// The report as JSON (per page, per agent, aggregates).
nlohmann::ordered_json OcrAuditJson(const OcrAuditReport& report,
                                    const OcrAuditArgs& args);

// The report as text on stdout.
void PrintOcrAudit(const OcrAuditReport& report, const OcrAuditArgs& args);

// "mnemo: ..." failure message naming the worst pages.
std::string OcrAuditFailure(const std::string& db, const OcrAuditReport& report,
                            const OcrAuditArgs& args);

}  // namespace mnemo::cli

#endif  // MNEMO_TOOLS_CMD_VERIFY_OCR_H_
