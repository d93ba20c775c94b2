// Copyright (c) mnemo authors.

#include "codec_test_util.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include "mnemo/ocr/ocr.h"

namespace mnemo::codec::test {
namespace {

std::string Run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

}  // namespace

std::string ReadCodecData(const std::string& name) {
  const char* env = std::getenv("MNEMO_SOURCE_DIR");
  std::string root = env && *env ? env : MNEMO_CODEC_SOURCE_DIR;
  std::ifstream in(root + "/tests/codec/data/" + name, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<PageItem> ParagraphItems(const std::string& text, size_t min_chars,
                                     bool with_headers) {
  std::vector<std::string> paragraphs;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find("\n\n", pos);
    if (end == std::string::npos) end = text.size();
    std::string p = text.substr(pos, end - pos);
    while (!p.empty() && p.back() == '\n') p.pop_back();
    if (!p.empty()) paragraphs.push_back(p);
    pos = end + 2;
  }
  std::vector<PageItem> items;
  size_t total = 0;
  for (uint64_t id = 1; total < min_chars && !paragraphs.empty(); ++id) {
    PageItem item;
    item.id = id;
    if (with_headers) {
      char header[64];
      std::snprintf(header, sizeof(header), "2024-05-%02d %02d:%02d %s",
                    static_cast<int>(1 + id % 28), static_cast<int>(id % 24),
                    static_cast<int>((id * 7) % 60), id % 2 ? "user" : "assistant");
      item.header = header;
    }
    item.body = paragraphs[(id - 1) % paragraphs.size()];
    total += item.header.size() + item.body.size() + 1;
    items.push_back(std::move(item));
  }
  return items;
}

std::vector<PageItem> IdentifierItems(size_t min_chars) {
  std::mt19937_64 rng(42);
  auto hex = [&](int n) {
    static const char* kHex = "0123456789abcdef";
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(kHex[rng() % 16]);
    return s;
  };
  std::vector<PageItem> items;
  size_t total = 0;
  for (uint64_t id = 1; total < min_chars; ++id) {
    char buf[512];
    std::snprintf(
        buf, sizeof(buf),
        "commit %s touched /srv/app/releases/%llu/config.yaml; request %s-%s-%s "
        "took %llu ms, size %llu bytes, checksum %s, at 2024-03-%02llu "
        "T%02llu:%02llu:%02lluZ",
        hex(12).c_str(), static_cast<unsigned long long>(rng() % 100000),
        hex(8).c_str(), hex(4).c_str(), hex(12).c_str(),
        static_cast<unsigned long long>(rng() % 10000),
        static_cast<unsigned long long>(rng() % 10000000), hex(16).c_str(),
        static_cast<unsigned long long>(1 + rng() % 28),
        static_cast<unsigned long long>(rng() % 24),
        static_cast<unsigned long long>(rng() % 60),
        static_cast<unsigned long long>(rng() % 60));
    PageItem item{id, "", buf};
    total += item.body.size() + 1;
    items.push_back(std::move(item));
  }
  return items;
}

std::string NormalizeForCer(std::string_view text) {
  return ocr::NormalizeForCer(text, ocr::CerOptions());
}

double CharacterErrorRate(std::string_view reference, std::string_view hypothesis) {
  return ocr::CharErrorRate(reference, hypothesis, ocr::CerOptions()).rate();
}

bool HaveTesseract() {
  return std::system("command -v tesseract >/dev/null 2>&1") == 0;
}

bool RunTesseract(const std::string& png_path, std::string* text) {
  *text = Run("OMP_THREAD_LIMIT=1 tesseract '" + png_path +
              "' stdout --psm 6 -l eng 2>/dev/null");
  return !text->empty();
}

}  // namespace mnemo::codec::test
