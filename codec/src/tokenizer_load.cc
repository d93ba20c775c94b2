// Copyright (c) mnemo authors.

#include "tokenizer_load.h"

#include <nlohmann/json.hpp>

#include <array>
#include <charconv>
#include <string>
#include <unordered_set>

#include "mnemo/codec/tokenizer.h"
#include "utf8.h"

namespace mnemo::codec::internal {
namespace {

using nlohmann::json;

Status Bad(const std::string& path, size_t line, const std::string& what) {
  const std::string where =
      line == 0 ? path : path + ":" + std::to_string(line);
  return Status::InvalidArgument("tokenizer: " + where + ": " + what);
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string Stem(const std::string& path) {
  std::string base = BaseName(path);
  const size_t dot = base.find('.');
  return dot == std::string::npos ? base : base.substr(0, dot);
}

bool DecodeBase64(std::string_view in, std::string* out) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  out->clear();
  if (in.empty() || in.size() % 4 != 0) return false;
  for (size_t i = 0; i < in.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = in[i + k];
      if (c == '=' && i + 4 == in.size() && k >= 2) {
        v[k] = 0;
        ++pad;
      } else if (pad > 0 || (v[k] = val(c)) < 0) {
        return false;
      }
    }
    const uint32_t w = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out->push_back(static_cast<char>(w >> 16));
    if (pad < 2) out->push_back(static_cast<char>((w >> 8) & 0xff));
    if (pad < 1) out->push_back(static_cast<char>(w & 0xff));
  }
  return true;
}

// Adds one "<base64> <rank>" entry, checking the limits.
Status AddEntry(const std::string& path, size_t line, std::string_view b64,
                uint64_t rank, Vocabulary* v) {
  std::string bytes;
  if (b64.size() > Tokenizer::kMaxTokenBytes * 2) {
    return Status::ResourceExhausted(
        "tokenizer: " + path + ":" + std::to_string(line) +
        ": token longer than " + std::to_string(Tokenizer::kMaxTokenBytes) +
        " bytes");
  }
  if (!DecodeBase64(b64, &bytes)) {
    return Bad(path, line, "not base64: \"" + std::string(b64.substr(0, 40)) +
                               "\"");
  }
  if (bytes.size() > Tokenizer::kMaxTokenBytes) {
    return Status::ResourceExhausted(
        "tokenizer: " + path + ":" + std::to_string(line) +
        ": token longer than " + std::to_string(Tokenizer::kMaxTokenBytes) +
        " bytes");
  }
  if (rank >= kNoRank - 1) return Bad(path, line, "rank out of range");
  if (v->ranks.size() >= Tokenizer::kMaxVocabulary) {
    return Status::ResourceExhausted(
        "tokenizer: " + path + ":" + std::to_string(line) + ": more than " +
        std::to_string(Tokenizer::kMaxVocabulary) + " vocabulary entries");
  }
  v->ranks.Add(bytes, static_cast<uint32_t>(rank));
  return Status::OK();
}

bool ParseUint(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// tiktoken ranks file: "<base64> <rank>" per line.
Status ParseTiktoken(const std::string& path, std::string_view content,
                     Vocabulary* v) {
  const std::string stem = Stem(path);
  if (stem.find("o200k") != std::string::npos) {
    v->pattern = PretokPattern::kO200k;
  } else if (stem.find("cl100k") != std::string::npos) {
    v->pattern = PretokPattern::kCl100k;
  } else if (stem.find("p50k") != std::string::npos ||
             stem.find("r50k") != std::string::npos ||
             stem.find("gpt2") != std::string::npos) {
    v->pattern = PretokPattern::kGpt2;
  } else {
    return Status::NotSupported(
        "tokenizer: " + path +
        ": a tiktoken ranks file names no pattern; its name must contain "
        "o200k, cl100k, p50k, r50k or gpt2");
  }
  v->name = stem;
  size_t line = 0;
  for (size_t pos = 0; pos < content.size();) {
    size_t eol = content.find('\n', pos);
    if (eol == std::string_view::npos) eol = content.size();
    std::string_view text = content.substr(pos, eol - pos);
    pos = eol + 1;
    ++line;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (text.empty()) continue;
    const size_t sp = text.find(' ');
    uint64_t rank;
    if (sp == std::string_view::npos || !ParseUint(text.substr(sp + 1), &rank)) {
      return Bad(path, line, "expected \"<base64 token> <rank>\"");
    }
    Status s = AddEntry(path, line, text.substr(0, sp), rank, v);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

// A JavaScript ranks module: {"pat_str", "special_tokens", "bpe_ranks"},
// bpe_ranks holding lines "! <first rank> <base64> <base64> ...".
Status ParseJsRanks(const std::string& path, const json& j, Vocabulary* v) {
  const std::string pat = j.value("pat_str", "");
  if (!PretokPatternFromString(pat, &v->pattern)) {
    return Status::NotSupported("tokenizer: " + path +
                                ": unknown pre-tokenizer pattern \"" +
                                pat.substr(0, 120) + "\"");
  }
  if (!j.contains("bpe_ranks") || !j["bpe_ranks"].is_string()) {
    return Bad(path, 1, "no \"bpe_ranks\" string");
  }
  v->name = Stem(path);
  const std::string& ranks = j["bpe_ranks"].get_ref<const std::string&>();
  size_t line = 0;
  for (size_t pos = 0; pos < ranks.size();) {
    size_t eol = ranks.find('\n', pos);
    if (eol == std::string::npos) eol = ranks.size();
    std::string_view text(ranks.data() + pos, eol - pos);
    pos = eol + 1;
    ++line;
    if (text.empty()) continue;
    const size_t a = text.find(' ');
    const size_t b = a == std::string_view::npos ? a : text.find(' ', a + 1);
    uint64_t rank;
    if (b == std::string_view::npos ||
        !ParseUint(text.substr(a + 1, b - a - 1), &rank)) {
      return Bad(path, line, "bpe_ranks line is not \"! <rank> <tokens>\"");
    }
    for (size_t t = b + 1; t < text.size();) {
      size_t e = text.find(' ', t);
      if (e == std::string_view::npos) e = text.size();
      if (e > t) {
        Status s = AddEntry(path, line, text.substr(t, e - t), rank++, v);
        if (!s.ok()) return s;
      }
      t = e + 1;
    }
  }
  return Status::OK();
}

// GPT-2's byte-level alphabet: printable bytes map to themselves, the rest
// to U+0100 onwards. Returns the byte of code point `c`, or -1.
int ByteOfSymbol(char32_t c) {
  static const std::array<int, 512> table = [] {
    std::array<int, 512> t;
    t.fill(-1);
    int extra = 0;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) ||
                             (b >= 0xAE && b <= 0xFF);
      t[printable ? b : 256 + extra++] = b;
    }
    return t;
  }();
  return c < 512 ? table[c] : -1;
}

bool SymbolsToBytes(std::string_view s, std::string* out) {
  out->clear();
  size_t pos = 0;
  char32_t c;
  while (pos < s.size()) {
    if (!DecodeUtf8(s, &pos, &c)) return false;
    const int b = ByteOfSymbol(c);
    if (b < 0) return false;
    out->push_back(static_cast<char>(b));
  }
  return true;
}

Status HfPattern(const std::string& path, const json& pre, Vocabulary* v) {
  const std::string type = pre.is_object() ? pre.value("type", "") : "";
  if (type == "ByteLevel" && pre.value("use_regex", true) &&
      !pre.value("add_prefix_space", false)) {
    v->pattern = PretokPattern::kGpt2;
    return Status::OK();
  }
  if (type == "Sequence" && pre.contains("pretokenizers") &&
      pre["pretokenizers"].size() == 2) {
    const json& split = pre["pretokenizers"][0];
    const json& bl = pre["pretokenizers"][1];
    const std::string pat =
        split.contains("pattern") && split["pattern"].is_object()
            ? split["pattern"].value("Regex", "")
            : "";
    if (split.value("type", "") == "Split" && bl.value("type", "") == "ByteLevel" &&
        !bl.value("use_regex", true) && !bl.value("add_prefix_space", false)) {
      if (PretokPatternFromString(pat, &v->pattern)) return Status::OK();
      return Status::NotSupported("tokenizer: " + path +
                                  ": unknown pre-tokenizer pattern \"" +
                                  pat.substr(0, 120) + "\"");
    }
  }
  return Status::NotSupported(
      "tokenizer: " + path + ": pre_tokenizer " + pre.dump().substr(0, 160) +
      " is not a byte-level one this tokenizer implements");
}

// Hugging Face tokenizer.json with a byte-level BPE model. A merged token's
// rank is its merge's index (256 + i; the bytes come first), which is how
// the merge list orders merges; ids come from the vocabulary.
Status ParseHf(const std::string& path, const json& j, Vocabulary* v) {
  const json& model = j["model"];
  if (!model.is_object() || model.value("type", "BPE") != "BPE" ||
      !model.contains("vocab") || !model.contains("merges")) {
    return Status::NotSupported("tokenizer: " + path +
                                ": model is not a BPE with vocab and merges");
  }
  if (j.contains("normalizer") && !j["normalizer"].is_null()) {
    return Status::NotSupported("tokenizer: " + path +
                                ": normalizers are not implemented");
  }
  Status s = HfPattern(path, j.value("pre_tokenizer", json()), v);
  if (!s.ok()) return s;
  v->name = Stem(path) == "tokenizer" ? path : Stem(path);
  v->ids = std::make_unique<RankTable>();
  std::string bytes;
  size_t n = 0;
  for (const auto& [sym, id] : model["vocab"].items()) {
    if (!id.is_number_unsigned() || !SymbolsToBytes(sym, &bytes) ||
        bytes.size() > Tokenizer::kMaxTokenBytes) {
      return Bad(path, 0, "vocab entry \"" + sym.substr(0, 40) + "\" is not a byte-level token");
    }
    if (++n > Tokenizer::kMaxVocabulary) {
      return Status::ResourceExhausted("tokenizer: " + path + ": vocabulary too large");
    }
    v->ids->Add(bytes, id.get<uint32_t>());
    if (bytes.size() == 1) v->ranks.Add(bytes, static_cast<uint8_t>(bytes[0]));
  }
  std::string dup;
  if (!v->ids->Finalize(&dup)) {
    return Bad(path, 0, "vocab repeats token \"" + dup.substr(0, 40) + "\"");
  }
  std::unordered_set<std::string> ranked;
  uint32_t rank = 256;
  std::string left, right;
  for (const json& m : model["merges"]) {
    std::string a, b;
    if (m.is_string()) {
      const std::string& ms = m.get_ref<const std::string&>();
      const size_t sp = ms.find(' ');
      if (sp == std::string::npos) return Bad(path, 0, "merge \"" + ms.substr(0, 40) + "\" has no space");
      a = ms.substr(0, sp), b = ms.substr(sp + 1);
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      a = m[0], b = m[1];
    } else {
      return Bad(path, 0, "merge entry is neither \"a b\" nor [a, b]");
    }
    if (!SymbolsToBytes(a, &left) || !SymbolsToBytes(b, &right)) {
      return Bad(path, 0, "merge \"" + a.substr(0, 40) + " " + b.substr(0, 40) + "\" is not byte-level");
    }
    const std::string merged = left + right;
    if (merged.size() < 2 || v->ids->Find(merged) == kNoRank) continue;
    if (ranked.insert(merged).second) v->ranks.Add(merged, rank++);
  }
  return Status::OK();
}

}  // namespace

Status ParseVocabulary(const std::string& path, std::string_view content,
                       Vocabulary* v) {
  const size_t brace = content.find('{');
  const size_t first = content.find_first_not_of(" \t\r\n");
  const bool module = first != std::string_view::npos &&
                      (content.substr(first).starts_with("export default") ||
                       content.substr(first).starts_with("module.exports"));
  if (first == std::string_view::npos) return Bad(path, 1, "empty file");
  if (content[first] != '{' && !module) return ParseTiktoken(path, content, v);
  const size_t last = content.rfind('}');
  if (brace == std::string_view::npos || last == std::string_view::npos) {
    return Bad(path, 1, "no JSON object");
  }
  json j = json::parse(content.substr(brace, last - brace + 1), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::Corruption("tokenizer: " + path + ": malformed JSON");
  }
  if (j.contains("bpe_ranks")) return ParseJsRanks(path, j, v);
  if (j.contains("model")) return ParseHf(path, j, v);
  return Status::NotSupported("tokenizer: " + path +
                              ": JSON holds neither \"bpe_ranks\" nor \"model\"");
}

}  // namespace mnemo::codec::internal
