// Copyright (c) mnemo authors.
//
// Vocabulary file parsers behind Tokenizer::Open. Every error names the
// file (and the line where one applies).

#ifndef MNEMO_CODEC_SRC_TOKENIZER_LOAD_H_
#define MNEMO_CODEC_SRC_TOKENIZER_LOAD_H_

#include <memory>
#include <string>
#include <string_view>

#include "mnemo/status.h"
#include "tokenizer_bpe.h"
#include "tokenizer_pretok.h"

namespace mnemo::codec::internal {

struct Vocabulary {
  std::string name;          // "o200k_base"
  PretokPattern pattern = PretokPattern::kO200k;
  RankTable ranks;           // bytes -> merge rank
  // Hugging Face models number tokens apart from merge order: bytes -> id.
  // Null when ids are the ranks (tiktoken files).
  std::unique_ptr<RankTable> ids;
};

// Parses `content` read from `path` (the name is used for messages, the
// encoding name and, for tiktoken files, the pattern).
Status ParseVocabulary(const std::string& path, std::string_view content,
                       Vocabulary* vocab);

}  // namespace mnemo::codec::internal

#endif  // MNEMO_CODEC_SRC_TOKENIZER_LOAD_H_
