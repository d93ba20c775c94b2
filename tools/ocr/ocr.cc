// Copyright (c) mnemo authors.
//
// OcrEngine: a TessBaseAPI behind the mnemo Status vocabulary. The page is
// handed to Tesseract as raw 8-bit gray rows (SetImage), so no Leptonica
// image or PNG round trip is involved.

#include "mnemo/ocr/ocr.h"

#include <tesseract/baseapi.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mnemo::ocr {

struct OcrEngine::Impl {
  tesseract::TessBaseAPI api;
  std::string language;
};

namespace {

// What the tesseract command line assumes for a PNG without a resolution,
// so in-process results match `tesseract page.png - --psm N`.
constexpr int kAssumedDpi = 70;

Status CheckRequest(const codec::GrayImage& page, const OcrRequest& r) {
  if (page.empty() || page.stride < page.width ||
      page.pixels.size() < static_cast<size_t>(page.stride) * page.height) {
    return Status::InvalidArgument("ocr: empty or malformed page image");
  }
  if (r.psm != 3 && r.psm != 6) {
    return Status::InvalidArgument("ocr: psm " + std::to_string(r.psm) +
                                   " is not 3 (columns) or 6 (one block)");
  }
  if (r.upscale < 1 || r.upscale > 4) {
    return Status::InvalidArgument("ocr: upscale " + std::to_string(r.upscale) +
                                   " is not in 1..4");
  }
  if (r.crop) {
    const CropRect& c = *r.crop;
    if (c.x < 0 || c.y < 0 || c.w <= 0 || c.h <= 0 || c.x > page.width - c.w ||
        c.y > page.height - c.h) {
      return Status::InvalidArgument(
          "ocr: crop " + std::to_string(c.w) + "x" + std::to_string(c.h) + "+" +
          std::to_string(c.x) + "+" + std::to_string(c.y) +
          " is not inside the " + std::to_string(page.width) + "x" +
          std::to_string(page.height) + " page");
    }
  }
  return Status::OK();
}

// The part of `page` to read, enlarged; `page` itself when neither applies.
Status Prepare(const codec::GrayImage& page, const OcrRequest& r,
               codec::GrayImage* storage, const codec::GrayImage** image) {
  *image = &page;
  codec::GrayImage cropped;
  if (r.crop) {
    const CropRect& c = *r.crop;
    cropped.Reset(c.w, c.h, 255);
    for (int y = 0; y < c.h; ++y) {
      const uint8_t* src = page.Row(c.y + y) + c.x;
      std::copy(src, src + c.w, cropped.Row(y));
    }
    *image = &cropped;
  }
  if (r.upscale > 1) {
    MNEMO_RETURN_IF_ERROR(Upscale(**image, r.upscale, storage));
  } else if (r.crop) {
    *storage = std::move(cropped);
  } else {
    return Status::OK();
  }
  *image = storage;
  return Status::OK();
}

}  // namespace

OcrEngine::OcrEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

OcrEngine::~OcrEngine() {
  if (impl_) impl_->api.End();
}

Status OcrEngine::Open(const OcrOptions& options,
                       std::unique_ptr<OcrEngine>* engine) {
  if (options.language.empty()) {
    return Status::InvalidArgument("ocr: empty language");
  }
  auto impl = std::make_unique<Impl>();
  // Tesseract prints load errors and resolution warnings itself; mnemo
  // reports through Status instead.
  const std::vector<std::string> names = {"debug_file"};
  const std::vector<std::string> values = {"/dev/null"};
  const char* dir =
      options.tessdata_dir.empty() ? nullptr : options.tessdata_dir.c_str();
  if (impl->api.Init(dir, options.language.c_str(), tesseract::OEM_DEFAULT,
                     nullptr, 0, &names, &values, false) != 0) {
    impl->api.End();
    return Status::NotFound("ocr: cannot load Tesseract language data '" +
                            options.language + "' from " +
                            (dir ? std::string(dir)
                                 : std::string("the default tessdata "
                                               "directory")) +
                            " (is the tesseract-ocr-" + options.language +
                            " package installed?)");
  }
  impl->language = options.language;
  engine->reset(new OcrEngine(std::move(impl)));
  return Status::OK();
}

Status OcrEngine::Read(const codec::GrayImage& page, const OcrRequest& request,
                       std::string* text) {
  MNEMO_RETURN_IF_ERROR(CheckRequest(page, request));
  codec::GrayImage storage;
  const codec::GrayImage* image = nullptr;
  MNEMO_RETURN_IF_ERROR(Prepare(page, request, &storage, &image));
  tesseract::TessBaseAPI& api = impl_->api;
  api.SetPageSegMode(request.psm == 3 ? tesseract::PSM_AUTO
                                      : tesseract::PSM_SINGLE_BLOCK);
  api.SetImage(image->pixels.data(), image->width, image->height, 1,
               image->stride);
  api.SetSourceResolution(kAssumedDpi);
  std::unique_ptr<char[]> out(api.GetUTF8Text());
  api.Clear();
  if (!out)
    return Status::IOError("ocr: Tesseract failed to recognise the page");
  text->assign(out.get());
  return Status::OK();
}

Status OcrEngine::Charset(std::u32string* out) const {
  out->clear();
  std::string dir = impl_->api.GetDatapath() ? impl_->api.GetDatapath() : "";
  if (!dir.empty() && dir.back() != '/') dir += '/';
  const std::string& langs = impl_->language;
  for (size_t begin = 0; begin <= langs.size();) {
    size_t end = langs.find('+', begin);
    if (end == std::string::npos) end = langs.size();
    if (end > begin) {
      MNEMO_RETURN_IF_ERROR(ModelCharset(
          dir + langs.substr(begin, end - begin) + ".traineddata", out));
    }
    begin = end + 1;
  }
  return Status::OK();
}

void RunOcrSingleThreaded() {
  if (std::getenv("OMP_THREAD_LIMIT") != nullptr) return;
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string cmdline((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
  std::vector<char*> argv;
  for (size_t i = 0; i < cmdline.size(); i += std::strlen(&cmdline[i]) + 1) {
    argv.push_back(const_cast<char*>(&cmdline[i]));
  }
  if (argv.empty() || setenv("OMP_THREAD_LIMIT", "1", 1) != 0) return;
  argv.push_back(nullptr);
  std::fflush(nullptr);
  execv("/proc/self/exe", argv.data());
  // Still here: this process keeps its OpenMP threads (slower only); the
  // variable is dropped so children are not told otherwise.
  unsetenv("OMP_THREAD_LIMIT");
}

std::string TesseractVersion() { return tesseract::TessBaseAPI::Version(); }

}  // namespace mnemo::ocr
