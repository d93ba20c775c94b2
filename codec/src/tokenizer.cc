// Copyright (c) mnemo authors.

#include "mnemo/codec/tokenizer.h"

#include <cstdio>
#include <filesystem>
#include <utility>

#include "mnemo/codec/profile.h"
#include "tokenizer_bpe.h"
#include "tokenizer_load.h"
#include "tokenizer_pretok.h"

namespace mnemo::codec {
namespace {

using internal::Vocabulary;

class BpeTokenizer final : public Tokenizer {
 public:
  explicit BpeTokenizer(Vocabulary v)
      : v_(std::move(v)), pretok_(v_.pattern) {}

  size_t Count(std::string_view utf8) const override {
    size_t n = 0;
    ForEachPiece(utf8, [&](std::string_view piece) {
      n += internal::BytePairCount(v_.ranks, piece);
    });
    return n;
  }

  Status Encode(std::string_view utf8,
                std::vector<uint32_t>* ids) const override {
    const size_t first = ids->size();
    ForEachPiece(utf8, [&](std::string_view piece) {
      internal::BytePairEncode(v_.ranks, piece, ids);
    });
    if (v_.ids) {  // merge ranks -> vocabulary ids
      for (size_t i = first; i < ids->size(); ++i) {
        (*ids)[i] = IdOfRank((*ids)[i]);
      }
    }
    return Status::OK();
  }

  const std::string& name() const override { return v_.name; }
  size_t vocabulary_size() const override {
    return v_.ids ? v_.ids->size() : v_.ranks.size();
  }

  // Rank -> id for Hugging Face vocabularies, built once at Open.
  void BuildRankToId(std::vector<uint32_t> map) { rank_to_id_ = std::move(map); }

 private:
  template <typename F>
  void ForEachPiece(std::string_view text, F&& f) const {
    thread_local std::vector<size_t> ends;
    ends.clear();
    pretok_.SplitInto(text, &ends);
    size_t begin = 0;
    for (size_t end : ends) {
      f(text.substr(begin, end - begin));
      begin = end;
    }
  }

  uint32_t IdOfRank(uint32_t rank) const {
    return rank < rank_to_id_.size() ? rank_to_id_[rank] : rank;
  }

  Vocabulary v_;
  internal::Pretokenizer pretok_;
  std::vector<uint32_t> rank_to_id_;
};

Status ReadFile(const std::string& path, std::string* out) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return Status::IOError("tokenizer: " + path + ": " + ec.message());
  if (size > Tokenizer::kMaxFileBytes) {
    return Status::ResourceExhausted(
        "tokenizer: " + path + ": " + std::to_string(size) +
        " bytes, more than the limit of " +
        std::to_string(Tokenizer::kMaxFileBytes));
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Status::IOError("tokenizer: " + path + ": cannot open");
  out->resize(size);
  const size_t got = std::fread(out->data(), 1, size, f);
  std::fclose(f);
  if (got != size) return Status::IOError("tokenizer: " + path + ": short read");
  return Status::OK();
}

}  // namespace

Status Tokenizer::Open(const std::string& path,
                       std::unique_ptr<Tokenizer>* out) {
  std::string content;
  Status s = ReadFile(path, &content);
  if (!s.ok()) return s;
  Vocabulary v;
  s = internal::ParseVocabulary(path, content, &v);
  if (!s.ok()) return s;
  std::string dup;
  if (!v.ranks.Finalize(&dup)) {
    return Status::Corruption("tokenizer: " + path +
                              ": a token appears twice (" +
                              std::to_string(dup.size()) + " bytes)");
  }
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    if (v.ranks.Find(std::string_view(&c, 1)) == internal::kNoRank) {
      return Status::Corruption("tokenizer: " + path +
                                ": no token for the single byte " +
                                std::to_string(b) +
                                "; byte-level BPE needs all 256");
    }
  }
  std::vector<uint32_t> rank_to_id;
  if (v.ids) rank_to_id = v.ranks.RankToId(*v.ids);
  auto t = std::make_unique<BpeTokenizer>(std::move(v));
  t->BuildRankToId(std::move(rank_to_id));
  *out = std::move(t);
  return Status::OK();
}

size_t CountTextTokens(const Tokenizer* tokenizer, std::string_view text) {
  return tokenizer != nullptr ? tokenizer->Count(text)
                              : EstimateTextTokens(text);
}

std::string TextTokenCounterName(const Tokenizer* tokenizer) {
  return tokenizer != nullptr ? tokenizer->name()
                              : std::string(kTextTokenEstimator);
}

}  // namespace mnemo::codec
