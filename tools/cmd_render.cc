// Copyright (c) mnemo authors.
//
// `mnemo render --in FILE [--profile NAME] --out DIR [--json]`: lays out the
// UTF-8 text of FILE (paragraphs separated by blank lines become items) as
// rendered pages, writes DIR/page-0000.png, ... and with --json prints one
// JSON object describing the pages. Paragraphs that cannot be rendered
// faithfully are skipped with a "mnemo: ..." warning and listed under
// "rejected".

#include <cstdio>
#include <filesystem>
#include <fstream>
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

// Splits on blank lines (lines holding only whitespace); ids count from 1.
std::vector<codec::PageItem> Paragraphs(const std::string& text) {
  std::vector<codec::PageItem> items;
  std::string current;
  auto flush = [&] {
    if (!current.empty()) {
      items.push_back({items.size() + 1, "", current});
      current.clear();
    }
  };
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) {
      flush();
      continue;
    }
    if (!current.empty()) current.push_back('\n');
    current += line;
  }
  flush();
  return items;
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

int WritePages(const RenderArgs& args, const codec::RenderProfile& profile,
               const std::vector<codec::Page>& pages, nlohmann::json* out) {
  std::error_code ec;
  std::filesystem::create_directories(args.out, ec);
  if (ec) return Fail(kExitRuntime, "cannot create " + args.out + ": " + ec.message());
  codec::PngOptions png_options{profile.png_bit_depth, profile.png_zlib_level};
  for (const codec::Page& page : pages) {
    std::string png;
    Status s = codec::EncodePng(page.image, png_options, &png);
    if (!s.ok()) return FailStatus(s);
    char name[32];
    std::snprintf(name, sizeof(name), "page-%04u.png", page.manifest.page_index);
    const std::string path = args.out + "/" + name;
    std::ofstream file(path, std::ios::binary);
    file.write(png.data(), static_cast<std::streamsize>(png.size()));
    if (!file.good()) return Fail(kExitRuntime, "cannot write " + path);
    const std::string& text = page.manifest.text;
    (*out)["pages"].push_back(
        {{"file", path},
         {"text", text},
         {"chars", codec::CountCodePoints(text)},
         {"vision_tokens", profile.vision_tokens},
         {"text_tokens_est", codec::EstimateTextTokens(text)},
         {"png_bytes", png.size()}});
  }
  return kExitOk;
}

int RunRender(const RenderArgs& args) {
  const codec::RenderProfile* profile = codec::FindProfile(args.profile);
  if (profile == nullptr) {
    return Fail(kExitUsage, "unknown profile '" + args.profile +
                                "' (tiny, small, base, large, qwen)");
  }
  std::ifstream file(args.in, std::ios::binary);
  if (!file) return Fail(kExitUsage, "cannot read " + args.in);
  std::ostringstream ss;
  ss << file.rdbuf();
  const std::string text = ss.str();
  size_t bad = 0;
  if (!ValidUtf8(text, &bad)) {
    return Fail(kExitRuntime, "invalid UTF-8 in " + args.in + " at byte " +
                                  std::to_string(bad));
  }
  std::unique_ptr<codec::Renderer> renderer;
  Status s = codec::Renderer::Create(*profile, &renderer);
  if (!s.ok()) return Fail(kExitRuntime, s.ToString());
  std::vector<codec::Page> pages;
  std::vector<codec::RejectedItem> rejected;
  s = renderer->Pack(Paragraphs(text), &pages, &rejected);
  if (!s.ok()) return FailStatus(s);
  nlohmann::json out = {{"profile", args.profile},
                        {"page_px", {profile->width, profile->height}},
                        {"vision_tokens_per_page", profile->vision_tokens},
                        {"text_token_estimator", codec::kTextTokenEstimator},
                        {"pages", nlohmann::json::array()},
                        {"rejected", nlohmann::json::array()}};
  for (const codec::RejectedItem& r : rejected) {
    Fail(kExitOk, "paragraph " + std::to_string(r.id) + " not rendered: " +
                      r.reason.ToString());
    out["rejected"].push_back({{"paragraph", r.id}, {"reason", r.reason.ToString()}});
  }
  if (int rc = WritePages(args, *profile, pages, &out); rc != kExitOk) return rc;
  size_t chars = 0, text_tokens = 0;
  for (const auto& p : out["pages"]) {
    chars += p["chars"].get<size_t>();
    text_tokens += p["text_tokens_est"].get<size_t>();
  }
  out["chars"] = chars;
  out["text_tokens_est"] = text_tokens;
  out["vision_tokens"] = pages.size() * static_cast<size_t>(profile->vision_tokens);
  if (args.json) {
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("%zu page(s) of %s in %s: %zu chars, ~%zu text tokens (%s), %zu "
                "vision tokens\n", pages.size(), args.profile.c_str(),
                args.out.c_str(), chars, text_tokens,
                std::string(codec::kTextTokenEstimator).c_str(),
                out["vision_tokens"].get<size_t>());
  }
  return kExitOk;
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
