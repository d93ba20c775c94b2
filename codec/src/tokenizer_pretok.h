// Copyright (c) mnemo authors.
//
// Pre-tokenization of the tiktoken encodings: hand-written scanners that
// split text exactly as the encodings' pat_str regexes do under a
// backtracking (Perl-style, leftmost alternative first) engine. A regex
// engine is not linked: the three pattern families are small and their
// backtracking behaviour is spelled out in tokenizer_pretok.cc.

#ifndef MNEMO_CODEC_SRC_TOKENIZER_PRETOK_H_
#define MNEMO_CODEC_SRC_TOKENIZER_PRETOK_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace mnemo::codec::internal {

enum class PretokPattern : unsigned char {
  kGpt2 = 0,  // gpt2, r50k_base, p50k_base (and byte-level BPE tokenizer.json)
  kCl100k,    // cl100k_base
  kO200k,     // o200k_base
};

std::string_view PretokPatternName(PretokPattern p);

// Recognizes a pat_str (the Python spelling or the JavaScript one, which
// lists contraction cases explicitly). False for any other pattern.
bool PretokPatternFromString(std::string_view pat, PretokPattern* out);

// Calls on_piece(begin, end) for each pre-token of `text`, in order, with
// byte offsets covering all of `text`. Invalid UTF-8 bytes become
// one-byte pieces of their own and split the text around them.
class Pretokenizer {
 public:
  explicit Pretokenizer(PretokPattern p) : pattern_(p) {}

  template <typename F>
  void Split(std::string_view text, F&& on_piece) const {
    std::vector<size_t> ends;
    SplitInto(text, &ends);
    size_t begin = 0;
    for (size_t end : ends) {
      on_piece(begin, end);
      begin = end;
    }
  }

  // Appends the end offset of every piece to *ends.
  void SplitInto(std::string_view text, std::vector<size_t>* ends) const;

 private:
  PretokPattern pattern_;
};

}  // namespace mnemo::codec::internal

#endif  // MNEMO_CODEC_SRC_TOKENIZER_PRETOK_H_
