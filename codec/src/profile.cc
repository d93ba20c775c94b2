// Copyright (c) mnemo authors.
//
// The built-in profiles. Font sizes and spacing were chosen by measuring
// Tesseract CER and characters per page (bench/codec_bench.cc --report).

#include "mnemo/codec/profile.h"

#include <array>

#include "utf8.h"

namespace mnemo::codec {
namespace {

constexpr RenderProfile MakeProfile(std::string_view name,
                                    std::string_view description, int size,
                                    int tokens, double pixel_size,
                                    int line_height, int margin) {
  RenderProfile p;
  p.name = name;
  p.description = description;
  p.width = size;
  p.height = size;
  p.vision_tokens = tokens;
  p.pixel_size = pixel_size;
  p.line_height = line_height;
  p.margin_left = p.margin_right = margin;
  p.margin_top = p.margin_bottom = margin;
  return p;
}

constexpr std::array<RenderProfile, 5> kProfiles = {
    MakeProfile("tiny", "DeepSeek-OCR Tiny: 512x512, 64 vision tokens", 512, 64, 10.5, 12, 8),
    MakeProfile("small", "DeepSeek-OCR Small: 640x640, 100 vision tokens", 640, 100, 10.5, 12, 8),
    MakeProfile("base", "DeepSeek-OCR Base: 1024x1024, 256 vision tokens",
                1024, 256, 10.5, 12, 8),
    MakeProfile("large", "DeepSeek-OCR Large: 1280x1280, 400 vision tokens",
                1280, 400, 10.5, 12, 8),
    MakeProfile("qwen",
                "Qwen2.5-VL: 896x896, one token per 28x28 px = 1024 tokens",
                896, 1024, 10.5, 12, 8),
};

}  // namespace

std::span<const RenderProfile> Profiles() { return kProfiles; }

const RenderProfile* FindProfile(std::string_view name) {
  for (const RenderProfile& p : kProfiles) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

const RenderProfile& DefaultProfile() { return kProfiles[2]; }

int LinesPerPage(const RenderProfile& p) {
  if (p.line_height <= 0) return 0;
  int usable = p.height - p.margin_top - p.margin_bottom;
  return usable > 0 ? usable / p.line_height : 0;
}

size_t CountCodePoints(std::string_view text) {
  size_t count = 0;
  size_t pos = 0;
  char32_t cp;
  while (pos < text.size()) {
    if (!internal::DecodeUtf8(text, &pos, &cp)) ++pos;
    ++count;
  }
  return count;
}

}  // namespace mnemo::codec
