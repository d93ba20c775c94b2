// Copyright (c) mnemo authors.
//
// Real text-token counts: a byte-level BPE tokenizer that reproduces the
// tiktoken encodings (gpt2/r50k, p50k, cl100k, o200k) from a vocabulary file,
// and the calibrated estimate used when no vocabulary is configured.
//
// Vocabulary files accepted by Tokenizer::Open:
//   * a tiktoken ranks file: "<base64 token> <rank>" per line
//     (o200k_base.tiktoken, cl100k_base.tiktoken, ...); the pre-tokenizer
//     pattern is chosen from the file name (o200k, cl100k, p50k, r50k, gpt2);
//   * a ranks module as shipped by the JavaScript tiktoken port (.js or .json
//     holding {"pat_str", "special_tokens", "bpe_ranks"}, the ranks packed as
//     "! <offset> <base64>..." lines);
//   * a Hugging Face tokenizer.json whose model is a byte-level BPE with a
//     ByteLevel pre-tokenizer (optionally behind a Split with one of the
//     known patterns).
// Pre-tokenization implements the known regex families exactly (Unicode
// general categories from ICU); an unknown pattern is NotSupported, naming
// it. Special tokens ("<|endoftext|>" ...) are counted as ordinary text, as
// tiktoken's encode_ordinary does: stored memory is data, not control.
//
// Thread safety: a Tokenizer is immutable after Open except for an internal,
// mutex-guarded cache; Count and Encode may be called concurrently.

#ifndef MNEMO_CODEC_TOKENIZER_H_
#define MNEMO_CODEC_TOKENIZER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mnemo/status.h"

namespace mnemo::codec {

class Tokenizer {
 public:
  // Limits on untrusted vocabulary files: Open fails (InvalidArgument or
  // ResourceExhausted, naming the file and line) beyond them.
  static constexpr size_t kMaxFileBytes = 64u << 20;   // 64 MiB
  static constexpr size_t kMaxTokenBytes = 1024;       // one vocabulary entry
  static constexpr size_t kMaxVocabulary = 4u << 20;   // entries

  // Loads the vocabulary at `path` (see the file comment for formats). On
  // success stores a tokenizer in *out; on failure leaves *out unchanged and
  // returns IOError (unreadable), InvalidArgument/Corruption (malformed,
  // naming file and line), NotSupported (unknown pattern or model type) or
  // ResourceExhausted (limits above).
  static Status Open(const std::string& path, std::unique_ptr<Tokenizer>* out);

  virtual ~Tokenizer() = default;

  // Number of tokens `utf8` encodes to. Invalid UTF-8 is tokenized as its
  // bytes (each invalid byte is its own pre-token), never an error.
  virtual size_t Count(std::string_view utf8) const = 0;

  // Appends the token ids of `utf8` to *ids. OK for every input today; the
  // Status leaves room for encoders with hard limits.
  virtual Status Encode(std::string_view utf8,
                        std::vector<uint32_t>* ids) const = 0;

  // The encoding's name, e.g. "o200k_base" (from the file or its name).
  virtual const std::string& name() const = 0;

  // Entries in the vocabulary (merge ranks).
  virtual size_t vocabulary_size() const = 0;
};

// Content classes of the calibrated estimator, chosen from the share of
// ASCII digits and punctuation among the code points (see
// token_estimate.cc for the thresholds and the measured factors).
enum class TextClass : unsigned char {
  kProse = 0,      // narrative prose, chat, plain docs and man pages
  kTechnical = 1,  // Markdown, code, JSON, changelogs: symbols and digits
  kCode = 2,       // dense code, ids, JSON values, version lists
  kLogs = 3,       // timestamps, addresses, numbers: log lines
};
inline constexpr int kTextClasses = 4;

std::string_view TextClassName(TextClass c);

// Code point counts the estimator works from (one pass, no allocation).
struct TextStats {
  size_t code_points = 0;
  size_t cjk = 0;            // Han, kana, Hangul, fullwidth forms
  size_t other_letters = 0;  // other non-ASCII below U+2E80 (Greek, ...)
  size_t symbols = 0;        // non-ASCII from U+2000 not CJK: emoji, ...
  size_t digits = 0;         // ASCII
  size_t punct = 0;          // ASCII non-alphanumeric, non-blank
  // The rest: ASCII letters and blanks (and invalid bytes).
  size_t latin() const { return code_points - cjk - other_letters - symbols; }
};

TextStats MeasureText(std::string_view utf8);
TextClass ClassifyStats(const TextStats& stats);
TextClass ClassifyText(std::string_view utf8);

// Text tokens of `text`: tokenizer->Count(text) when `tokenizer` is
// non-null, else the calibrated estimate EstimateTextTokens(text).
size_t CountTextTokens(const Tokenizer* tokenizer, std::string_view text);

// The name reports print for the count above: the tokenizer's name, or
// kTextTokenEstimator when `tokenizer` is null.
std::string TextTokenCounterName(const Tokenizer* tokenizer);

}  // namespace mnemo::codec

#endif  // MNEMO_CODEC_TOKENIZER_H_
