// Copyright (c) mnemo authors.

#include "codec_test_util.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

namespace mnemo::codec::test {
namespace {

std::u32string ToCodePoints(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    int len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : 4;
    char32_t cp = len == 1 ? b : b & (0x3F >> (len - 1));
    for (int k = 1; k < len && i + k < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

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
  std::string s(text);
  const std::pair<const char*, const char*> kFold[] = {
      {"\u201c", "\""}, {"\u201d", "\""}, {"\u2018", "'"}, {"\u2019", "'"},
      {"\u2014", "-"},  {"\u2013", "-"},  {"\ufb01", "fi"}, {"\ufb02", "fl"}};
  for (const auto& [from, to] : kFold) {
    for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p)) {
      s.replace(p, std::string_view(from).size(), to);
      p += std::string_view(to).size();
    }
  }
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

double CharacterErrorRate(std::string_view reference, std::string_view hypothesis) {
  const std::u32string a = ToCodePoints(NormalizeForCer(reference));
  const std::u32string b = ToCodePoints(NormalizeForCer(hypothesis));
  if (a.empty()) return b.empty() ? 0.0 : 1.0;
  std::vector<uint32_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = static_cast<uint32_t>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<uint32_t>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      uint32_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return static_cast<double>(prev[b.size()]) / static_cast<double>(a.size());
}

bool HaveTesseract() {
  return std::system("command -v tesseract >/dev/null 2>&1") == 0;
}

bool RunTesseract(const std::string& png_path, std::string* text, int psm) {
  *text = Run("OMP_THREAD_LIMIT=1 tesseract '" + png_path + "' stdout --psm " +
              std::to_string(psm) + " -l eng 2>/dev/null");
  return !text->empty();
}

}  // namespace mnemo::codec::test
