// Copyright (c) mnemo authors.
//
// The characters a Tesseract model can output, read from its traineddata
// file: the LSTM recogniser's unicharset (component 21), else the legacy one
// (component 0). A traineddata file starts with an int32 component count
// and one int64 offset per component (-1: absent), little-endian; a
// component runs to the next present one. A unicharset is text: its size on
// the first line, then one line per character whose first field is the
// character ("NULL" is the space; "Joined" and "|Broken|0|1" are markers).

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "mnemo/ocr/ocr.h"

namespace mnemo::ocr {
namespace {

constexpr int kLegacyUnicharset = 0;
constexpr int kLstmUnicharset = 21;

template <typename T>
T ReadLe(const std::string& bytes, size_t at) {
  T v = 0;
  for (size_t k = 0; k < sizeof(T); ++k) {
    v |= static_cast<T>(static_cast<uint8_t>(bytes[at + k])) << (8 * k);
  }
  return v;
}

// The bytes of component `index`, or empty when absent.
std::string Component(const std::string& file, int index) {
  if (file.size() < 4) return {};
  const auto n = ReadLe<uint32_t>(file, 0);
  if (n == 0 || n > 1000 || 4 + 8 * size_t{n} > file.size() ||
      index >= static_cast<int>(n)) {
    return {};
  }
  std::vector<int64_t> offsets(n);
  for (uint32_t i = 0; i < n; ++i)
    offsets[i] = ReadLe<int64_t>(file, 4 + 8 * size_t{i});
  const int64_t begin = offsets[index];
  if (begin < 0 || static_cast<uint64_t>(begin) >= file.size()) return {};
  int64_t end = static_cast<int64_t>(file.size());
  for (uint32_t i = index + 1; i < n; ++i) {
    if (offsets[i] >= 0) {
      end = offsets[i];
      break;
    }
  }
  if (end < begin || static_cast<uint64_t>(end) > file.size()) return {};
  return file.substr(static_cast<size_t>(begin),
                     static_cast<size_t>(end - begin));
}

// Adds the characters of a unicharset text; false when it is malformed.
bool ParseUnicharset(const std::string& text, std::u32string* out) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line)) return false;
  const long size = std::strtol(line.c_str(), nullptr, 10);
  if (size <= 0) return false;
  for (long i = 0; i < size && std::getline(in, line); ++i) {
    const std::string ch = line.substr(0, line.find(' '));
    if (ch == "Joined" || ch == "|Broken|0|1") continue;
    for (char32_t cp : CodePoints(ch == "NULL" ? " " : ch)) {
      if (out->find(cp) == std::u32string::npos) out->push_back(cp);
    }
  }
  return !out->empty();
}

}  // namespace

Status ModelCharset(const std::string& traineddata_path, std::u32string* out) {
  std::ifstream in(traineddata_path, std::ios::binary);
  if (!in) return Status::NotFound("ocr: cannot read " + traineddata_path);
  const std::string file((std::istreambuf_iterator<char>(in)),
                         std::istreambuf_iterator<char>());
  std::string set = Component(file, kLstmUnicharset);
  if (set.empty()) set = Component(file, kLegacyUnicharset);
  if (set.empty() || !ParseUnicharset(set, out)) {
    return Status::Corruption("ocr: no character set in " + traineddata_path);
  }
  return Status::OK();
}

}  // namespace mnemo::ocr
