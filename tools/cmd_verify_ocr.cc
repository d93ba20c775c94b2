// Copyright (c) mnemo authors.
//
// Reading stored pages for `mnemo verify --ocr` (see cmd_verify_ocr.h);
// printing the report is in cmd_verify_ocr_report.cc.

#include "cmd_verify_ocr.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <vector>

#include "cli_util.h"
#include "mnemo/codec/manifest.h"
#include "mnemo/codec/png.h"

namespace mnemo::cli {
namespace {

// A fixed, well-mixed hash of the page id: the sample is the pages of
// lowest hash, so it is the same on every run, spread over agents and time,
// and a page stays sampled as pages are added unless N lower-hashed ones
// arrive.
uint64_t SampleKey(uint64_t page_id) {
  uint64_t z = page_id + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// `sample` pages of `pages` (all when 0 or more than there are).
void TakeSample(int64_t sample, std::vector<PageInfo>* pages) {
  if (sample <= 0 || static_cast<uint64_t>(sample) >= pages->size()) return;
  std::sort(pages->begin(), pages->end(),
            [](const PageInfo& a, const PageInfo& b) {
              return SampleKey(a.page_id) < SampleKey(b.page_id);
            });
  pages->resize(static_cast<size_t>(sample));
}

// The text drawn on the page: the manifest's laid-out text.
// The page's drawn text and its column count (1 for manifests before
// layout v2, which have no "columns").
Status ReferenceText(const PageData& page, std::string* text, int* columns) {
  nlohmann::json j = nlohmann::json::parse(page.manifest_json, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("text") ||
      !j["text"].is_string()) {
    return Status::Corruption("manifest has no \"text\" string");
  }
  *text = j["text"].get<std::string>();
  *columns = j.contains("columns") && j["columns"].is_number_integer()
                 ? j["columns"].get<int>()
                 : 1;
  return Status::OK();
}

Status ReadOnePage(Store& store, ocr::OcrEngine& engine,
                   const OcrAuditArgs& args, const ocr::CerOptions& cer,
                   OcrPageResult* result) {
  PageData page;
  MNEMO_RETURN_IF_ERROR(store.GetPage(ReadOptions(), result->info.ns.tenant,
                                      result->info.page_id, &page));
  std::string reference;
  int columns = 1;
  MNEMO_RETURN_IF_ERROR(ReferenceText(page, &reference, &columns));
  codec::GrayImage image;
  MNEMO_RETURN_IF_ERROR(
      codec::DecodePng(page.png, codec::DecodeLimits(), &image));
  std::string text;
  ocr::OcrRequest request;
  // Auto: a page in columns is read column by column in the layout's
  // reading order, each part as one block (ocr::ReadingRegions; psm 3's
  // own segmentation splits lines at wide gaps and reorders the pieces);
  // other pages as one block (psm 6).
  request.psm = args.psm != 0 ? args.psm : 6;
  request.upscale = args.upscale;
  std::vector<std::optional<ocr::CropRect>> parts = {std::nullopt};
  codec::PageManifest manifest;
  if (args.psm == 0 && columns > 1 &&
      codec::ManifestFromJson(page.manifest_json, &manifest).ok()) {
    parts.clear();
    for (const ocr::CropRect& r :
         ocr::ReadingRegions(manifest, image.width, image.height)) {
      parts.emplace_back(r);
    }
  } else if (args.psm == 0 && columns > 1) {
    request.psm = 3;
  }
  for (const auto& part : parts) {
    std::string piece;
    request.crop = part;
    MNEMO_RETURN_IF_ERROR(engine.Read(image, request, &piece));
    text += piece + "\n";
  }
  result->cer = ocr::CharErrorRate(reference, text, cer);
  return Status::OK();
}

// The pages to read, by page id: the sample of each tier.
Status ChoosePages(Store& store, const OcrAuditArgs& args,
                   OcrAuditReport* report, std::vector<PageInfo>* chosen) {
  std::vector<PageInfo> all;
  MNEMO_RETURN_IF_ERROR(store.ListPages(ReadOptions(), "", "", &all));
  std::vector<PageInfo> legible, decayed;
  for (auto& p : all) {
    (p.tier == Tier::kDecayed ? decayed : legible).push_back(std::move(p));
  }
  report->legible_pages = legible.size();
  report->decayed_pages = decayed.size();
  TakeSample(args.sample, &legible);
  TakeSample(args.sample, &decayed);
  chosen->assign(legible.begin(), legible.end());
  chosen->insert(chosen->end(), decayed.begin(), decayed.end());
  std::sort(chosen->begin(), chosen->end(),
            [](const PageInfo& a, const PageInfo& b) {
              return a.page_id < b.page_id;
            });
  return Status::OK();
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

Status RunOcrAudit(Store& store, const OcrAuditArgs& args,
                   OcrAuditReport* report) {
  const auto start = std::chrono::steady_clock::now();
  std::unique_ptr<ocr::OcrEngine> engine;
  ocr::OcrOptions options;
  options.tessdata_dir = args.tessdata;
  MNEMO_RETURN_IF_ERROR(ocr::OcrEngine::Open(options, &engine));
  report->tesseract_version = ocr::TesseractVersion();
  std::vector<PageInfo> chosen;
  MNEMO_RETURN_IF_ERROR(ChoosePages(store, args, report, &chosen));
  ocr::CerOptions cer;
  cer.excluded = ocr::CodePoints(args.exclude_marks);
  MNEMO_RETURN_IF_ERROR(engine->Charset(&cer.readable));
  Progress progress("ocr", chosen.size(), "pages");
  for (PageInfo& info : chosen) {
    OcrPageResult& r = report->pages.emplace_back();
    r.info = std::move(info);
    const auto page_start = std::chrono::steady_clock::now();
    Status s = ReadOnePage(store, *engine, args, cer, &r);
    r.seconds = SecondsSince(page_start);
    const bool decayed = r.info.tier == Tier::kDecayed;
    if (!s.ok()) {
      r.error = s.ToString();
      if (!decayed) ++report->unreadable;
    } else {
      (decayed ? report->decayed : report->legible) += r.cer;
    }
    progress.Update(report->pages.size());
  }
  progress.Finish();
  report->seconds = SecondsSince(start);
  return Status::OK();
}

bool OcrAuditPassed(const OcrAuditReport& report, const OcrAuditArgs& args) {
  return report.unreadable == 0 && report.legible.rate() <= args.max_cer;
}

}  // namespace mnemo::cli
