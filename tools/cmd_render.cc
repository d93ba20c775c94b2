// Copyright (c) mnemo authors.
//
// `mnemo render --in FILE [--profile NAME] --out DIR [--json]`: lays out the
// UTF-8 text of FILE (paragraphs separated by blank lines become items) as
// rendered pages, writes DIR/page-0000.png, ... and with --json prints one
// JSON object describing the pages. Paragraphs that cannot be rendered
// faithfully (right-to-left scripts, complex shaping, missing glyphs) are
// skipped with a "mnemo: ..." message naming the paragraph and its line,
// listed under "rejected", and make the command exit 1 after writing the
// others. Control and bidi control characters are drawn as visible
// "<U+XXXX>". A paragraph over 1 MiB is refused before anything is written;
// pages are written as they fill, so memory stays bounded.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli.h"
#include "mnemo/codec/page.h"
#include "mnemo/codec/png.h"
#include "mnemo/codec/profile.h"

namespace mnemo::cli {
namespace {

struct RenderArgs {
  std::string in;
  std::string out;
  std::string profile = "base";
  bool json = false;
};

// The largest paragraph render lays out, as the store's default record
// limit (Options::max_record_bytes): laying out one paragraph takes about
// 60 bytes of memory per byte of text, so this bounds what a run needs.
constexpr size_t kMaxParagraphBytes = 1 << 20;

struct Paragraphs {
  std::vector<codec::PageItem> items;  // ids count from 1
  std::vector<size_t> first_line;      // 1-based line of each item
};

// Splits on blank lines (lines holding only whitespace).
Paragraphs SplitParagraphs(const std::string& text) {
  Paragraphs out;
  std::string current;
  size_t line_no = 0, first = 0;
  auto flush = [&] {
    if (current.empty()) return;
    out.items.push_back({out.items.size() + 1, "", std::move(current)});
    out.first_line.push_back(first);
    current.clear();
  };
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) {
      flush();
      continue;
    }
    if (current.empty()) first = line_no;
    else current.push_back('\n');
    current += line;
  }
  flush();
  return out;
}

bool ValidUtf8(const std::string& s, size_t* bad) {
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const int len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3
                                 : (b >> 3) == 30 ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (int k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    }
    if (!ok) {
      *bad = i;
      return false;
    }
    i += len;
  }
  return true;
}

// Reads --in whole: a directory or unreadable file is an error naming it.
int ReadInput(const std::string& path, std::string* text) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Fail(kExitUsage, "--in '" + path +
                                "' is a directory; render takes a UTF-8 "
                                "text file");
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) return Fail(kExitUsage, "cannot read " + path);
  text->assign(std::istreambuf_iterator<char>(file), {});
  if (file.bad()) return Fail(kExitRuntime, "cannot read " + path);
  size_t bad = 0;
  if (!ValidUtf8(*text, &bad)) {
    return Fail(kExitRuntime, "invalid UTF-8 in " + path + " at byte " +
                                  std::to_string(bad));
  }
  return kExitOk;
}

int CheckSizes(const std::string& path, const Paragraphs& paragraphs) {
  for (size_t i = 0; i < paragraphs.items.size(); ++i) {
    size_t bytes = paragraphs.items[i].body.size();
    if (bytes <= kMaxParagraphBytes) continue;
    return Fail(kExitRuntime,
                "paragraph " + std::to_string(i + 1) + " (line " +
                    std::to_string(paragraphs.first_line[i]) + ") of " + path +
                    " is " + std::to_string(bytes) +
                    " bytes; render lays out paragraphs of at most " +
                    std::to_string(kMaxParagraphBytes) +
                    " bytes (separate paragraphs with a blank line)");
  }
  return kExitOk;
}

// Writes one page as DIR/page-NNNN.png and adds its entry to out["pages"].
Status WritePage(const RenderArgs& args, const codec::RenderProfile& profile,
                 const codec::Page& page, nlohmann::json* out) {
  codec::PngOptions png_options{profile.png_bit_depth, profile.png_zlib_level};
  std::string png;
  MNEMO_RETURN_IF_ERROR(codec::EncodePng(page.image, png_options, &png));
  char name[32];
  std::snprintf(name, sizeof(name), "page-%04u.png", page.manifest.page_index);
  const std::string path = args.out + "/" + name;
  std::ofstream file(path, std::ios::binary);
  file.write(png.data(), static_cast<std::streamsize>(png.size()));
  if (!file.good()) return Status::IOError("cannot write " + path);
  const std::string& text = page.manifest.text;
  (*out)["pages"].push_back(
      {{"file", path},
       {"text", text},
       {"chars", codec::CountCodePoints(text)},
       {"vision_tokens", profile.vision_tokens},
       {"text_tokens_est", codec::EstimateTextTokens(text)},
       {"png_bytes", png.size()},
       {"columns", page.manifest.columns},
       {"fill_factor", codec::FillFactor(page.manifest)}});
  return Status::OK();
}

// Lays the paragraphs out and writes each page as soon as it is full, so
// only one page image is held at a time.
int RenderPages(const RenderArgs& args, const codec::RenderProfile& profile,
                const Paragraphs& paragraphs, nlohmann::json* out) {
  std::unique_ptr<codec::Renderer> renderer;
  Status s = codec::Renderer::Create(profile, &renderer);
  if (!s.ok()) return Fail(kExitRuntime, s.ToString());
  std::error_code ec;
  std::filesystem::create_directories(args.out, ec);
  if (ec) return Fail(kExitRuntime, "cannot create " + args.out + ": " + ec.message());
  std::vector<codec::RejectedItem> rejected;
  s = renderer->PackStreaming(
      paragraphs.items,
      [&](codec::Page&& page) { return WritePage(args, profile, page, out); },
      &rejected);
  if (!s.ok()) return FailStatus(s);
  for (const codec::RejectedItem& r : rejected) {
    size_t line = paragraphs.first_line[r.id - 1];
    Fail(kExitOk, "paragraph " + std::to_string(r.id) + " (line " +
                      std::to_string(line) + ") not rendered: " +
                      r.reason.ToString());
    (*out)["rejected"].push_back({{"paragraph", r.id},
                                  {"line", line},
                                  {"reason", r.reason.ToString()}});
  }
  return kExitOk;
}

void PrintSummary(const RenderArgs& args, const codec::RenderProfile& profile,
                  nlohmann::json* out) {
  size_t chars = 0, text_tokens = 0;
  for (const auto& p : (*out)["pages"]) {
    chars += p["chars"].get<size_t>();
    text_tokens += p["text_tokens_est"].get<size_t>();
  }
  size_t pages = (*out)["pages"].size();
  (*out)["chars"] = chars;
  (*out)["text_tokens_est"] = text_tokens;
  (*out)["vision_tokens"] = pages * static_cast<size_t>(profile.vision_tokens);
  if (args.json) {
    std::printf("%s\n", out->dump().c_str());
    return;
  }
  std::printf("%zu page(s) of %s in %s: %zu chars, ~%zu text tokens (%s), %zu "
              "vision tokens\n", pages, args.profile.c_str(), args.out.c_str(),
              chars, text_tokens,
              std::string(codec::kTextTokenEstimator).c_str(),
              (*out)["vision_tokens"].get<size_t>());
}

int RunRender(const RenderArgs& args) {
  const codec::RenderProfile* profile = codec::FindProfile(args.profile);
  if (profile == nullptr) {
    return Fail(kExitUsage, "unknown profile '" + args.profile +
                                "' (tiny, small, base, large, qwen)");
  }
  std::string text;
  if (int rc = ReadInput(args.in, &text); rc != kExitOk) return rc;
  Paragraphs paragraphs = SplitParagraphs(text);
  text = std::string();  // the paragraphs hold it now
  if (int rc = CheckSizes(args.in, paragraphs); rc != kExitOk) return rc;
  nlohmann::json out = {{"profile", args.profile},
                        {"page_px", {profile->width, profile->height}},
                        {"vision_tokens_per_page", profile->vision_tokens},
                        {"text_token_estimator", codec::kTextTokenEstimator},
                        {"pages", nlohmann::json::array()},
                        {"rejected", nlohmann::json::array()}};
  if (int rc = RenderPages(args, *profile, paragraphs, &out); rc != kExitOk) {
    return rc;
  }
  PrintSummary(args, *profile, &out);
  if (out["rejected"].empty()) return kExitOk;
  return Fail(kExitRuntime, std::to_string(out["rejected"].size()) +
                                " paragraph(s) of " + args.in +
                                " not rendered (listed above); the pages hold "
                                "the others");
}

CommandBody SetupRender(CLI::App& command) {
  auto args = std::make_shared<RenderArgs>();
  command.add_option("--in", args->in, "UTF-8 text file")->required();
  command.add_option("--out", args->out, "output directory for page PNGs")
      ->required();
  command.add_option("--profile", args->profile,
                     "render profile: tiny, small, base (default), large, qwen");
  command.add_flag("--json", args->json, "print a JSON description of the pages");
  return [args] { return RunRender(*args); };
}

}  // namespace

MNEMO_REGISTER_COMMAND("render",
                       "Render a text file as VLM-readable page images (PNG)",
                       SetupRender);

}  // namespace mnemo::cli
