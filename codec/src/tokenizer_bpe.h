// Copyright (c) mnemo authors.
//
// Byte-pair encoding by merge ranks, as tiktoken does it: a piece's bytes
// start as single-byte parts; the adjacent pair whose concatenation has the
// lowest rank in the vocabulary merges first (leftmost on ties) until no
// pair is in the vocabulary. Each final part is one token (its rank).

#ifndef MNEMO_CODEC_SRC_TOKENIZER_BPE_H_
#define MNEMO_CODEC_SRC_TOKENIZER_BPE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mnemo::codec::internal {

inline constexpr uint32_t kNoRank = UINT32_MAX;

// Byte string -> rank: open addressing over one byte arena. Built with Add
// then Finalize; read-only (and safe to share) afterwards.
class RankTable {
 public:
  void Add(std::string_view bytes, uint32_t rank);
  // Builds the index. False (with *dup set to a repeated byte string) when a
  // byte string was added twice.
  bool Finalize(std::string* dup);
  uint32_t Find(std::string_view bytes) const;
  size_t size() const { return entries_.size(); }
  // map[rank] = ids.Find(bytes of that rank), kNoRank where absent.
  std::vector<uint32_t> RankToId(const RankTable& ids) const;

 private:
  struct Entry {
    uint32_t offset;
    uint32_t length;
    uint32_t rank;
  };
  std::string_view Bytes(const Entry& e) const {
    return std::string_view(arena_).substr(e.offset, e.length);
  }
  std::string arena_;
  std::vector<Entry> entries_;
  std::vector<uint32_t> slots_;  // entry index + 1; 0 = empty
  size_t mask_ = 0;
};

// Appends the ranks of `piece` (non-empty) to *out. Every single byte must
// have a rank (checked when the vocabulary is loaded).
void BytePairEncode(const RankTable& ranks, std::string_view piece,
                    std::vector<uint32_t>* out);

// Number of tokens BytePairEncode would append.
size_t BytePairCount(const RankTable& ranks, std::string_view piece);

}  // namespace mnemo::codec::internal

#endif  // MNEMO_CODEC_SRC_TOKENIZER_BPE_H_
