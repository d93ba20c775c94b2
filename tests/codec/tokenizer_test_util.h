// Copyright (c) mnemo authors.
//
// Test-vocabulary writers and a literal transcription of tiktoken's merge
// loop, for the tokenizer tests.

#ifndef MNEMO_TESTS_CODEC_TOKENIZER_TEST_UTIL_H_
#define MNEMO_TESTS_CODEC_TOKENIZER_TEST_UTIL_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_util.h"

namespace mnemo::test {

inline std::string WriteIn(const TempDir& dir, const std::string& name,
                           const std::string& body) {
  const std::string path = dir.Sub(name);
  WriteFile(path, body);
  return path;
}

inline std::string Base64(const std::string& in) {
  static const char* k =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t w = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) w |= static_cast<uint8_t>(in[i + 1]) << 8;
    if (i + 2 < in.size()) w |= static_cast<uint8_t>(in[i + 2]);
    out += k[(w >> 18) & 63];
    out += k[(w >> 12) & 63];
    out += i + 1 < in.size() ? k[(w >> 6) & 63] : '=';
    out += i + 2 < in.size() ? k[w & 63] : '=';
  }
  return out;
}

// tiktoken's byte_pair_merge as written there (rescan after every merge),
// then one id per part. `s` must be a single pre-token.
inline std::vector<uint32_t> NaiveBpe(const std::map<std::string, uint32_t>& ranks,
                                      const std::string& s) {
  auto rank = [&](size_t a, size_t b) -> uint64_t {
    auto it = ranks.find(s.substr(a, b - a));
    return it == ranks.end() ? UINT64_MAX : it->second;
  };
  std::vector<size_t> starts;
  for (size_t i = 0; i <= s.size(); ++i) starts.push_back(i);
  for (;;) {
    uint64_t best = UINT64_MAX;
    size_t at = 0;
    for (size_t i = 0; i + 2 < starts.size(); ++i) {
      const uint64_t r = rank(starts[i], starts[i + 2]);
      if (r < best) best = r, at = i;
    }
    if (best == UINT64_MAX) break;
    starts.erase(starts.begin() + static_cast<std::ptrdiff_t>(at) + 1);
  }
  std::vector<uint32_t> ids;
  for (size_t i = 0; i + 1 < starts.size(); ++i) {
    ids.push_back(static_cast<uint32_t>(rank(starts[i], starts[i + 1])));
  }
  return ids;
}

// The vocabulary as a JavaScript ranks module (gpt2 pattern).
inline std::string JsModule(const std::vector<std::string>& vocab) {
  std::string ranks = "! 0";
  for (const auto& t : vocab) ranks += " " + Base64(t);
  nlohmann::json j = {
      {"pat_str",
       R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)"},
      {"special_tokens", {{"<|endoftext|>", vocab.size()}}},
      {"bpe_ranks", ranks}};
  return "export default " + j.dump() + ";\n";
}

// GPT-2's printable stand-in for byte b, UTF-8 encoded.
inline std::string ByteSymbol(uint8_t b) {
  int extra = 0, cp = -1;
  for (int x = 0; x < 256 && cp < 0; ++x) {
    const bool printable = (x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) ||
                           (x >= 0xAE && x <= 0xFF);
    const int sym = printable ? x : 256 + extra++;
    if (x == b) cp = sym;
  }
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

inline std::string Symbols(const std::string& bytes) {
  std::string s;
  for (char c : bytes) s += ByteSymbol(static_cast<uint8_t>(c));
  return s;
}

// A byte-level BPE tokenizer.json: ids numbered in reverse of the ranks,
// one merge per multi-byte token (split into two earlier tokens).
inline std::string HfTokenizerJson(const std::vector<std::string>& vocab) {
  nlohmann::json v = nlohmann::json::object();
  std::map<std::string, size_t> rank;
  nlohmann::json merges = nlohmann::json::array();
  for (size_t r = 0; r < vocab.size(); ++r) {
    const std::string& t = vocab[r];
    v[Symbols(t)] = vocab.size() - 1 - r;
    for (size_t k = 1; k < t.size() && t.size() > 1; ++k) {
      if (rank.count(t.substr(0, k)) && rank.count(t.substr(k))) {
        merges.push_back(Symbols(t.substr(0, k)) + " " + Symbols(t.substr(k)));
        break;
      }
    }
    rank[t] = r;
  }
  nlohmann::json j = {
      {"version", "1.0"},
      {"normalizer", nullptr},
      {"pre_tokenizer",
       {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
      {"model", {{"type", "BPE"}, {"vocab", v}, {"merges", merges}}}};
  return j.dump();
}

}  // namespace mnemo::test

#endif  // MNEMO_TESTS_CODEC_TOKENIZER_TEST_UTIL_H_
