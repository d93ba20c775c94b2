// Copyright (c) mnemo authors.
//
// Text analysis for the full-text index: splits UTF-8 text into words
// (runs of Unicode letters, digits and combining marks; CJK ideographs and
// kana one character each), folds case (Unicode simple case folding, plus
// ß -> ss so "Straße" and "STRASSE" meet), drops stop words and stems with
// Snowball. Records and
// queries go through the same analysis, so they meet on the same terms.
//
// Thread safety: an Analyzer is not thread-safe (Snowball stemmers keep
// state); use ThreadAnalyzer() for a per-thread instance.

#ifndef MNEMO_ENGINE_SEARCH_ANALYZER_H_
#define MNEMO_ENGINE_SEARCH_ANALYZER_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mnemo/status.h"

struct sb_stemmer;

namespace mnemo::internal {

// Longest term kept, in bytes (longer words are skipped: hashes, base64).
inline constexpr size_t kMaxTermBytes = 64;

class Analyzer {
 public:
  // `language`: a Snowball algorithm name ("english", "german", ...), or
  // "" / "none" for no stemming and no stop words. English also drops
  // English stop words.
  explicit Analyzer(const std::string& language);
  ~Analyzer();
  Analyzer(const Analyzer&) = delete;
  Analyzer& operator=(const Analyzer&) = delete;

  // False when `language` names no Snowball algorithm (then words are only
  // folded).
  bool ok() const { return ok_; }
  const std::string& language() const { return language_; }

  // Calls fn(term, begin, end) for each indexable word of `text`, in order;
  // [begin, end) is the word's byte range in `text`. `term` is valid only
  // during the call.
  void ForEachTerm(std::string_view text,
                   const std::function<void(std::string_view term,
                                            size_t begin, size_t end)>& fn);

  // The terms of `text`, in order, with repeats.
  void Terms(std::string_view text, std::vector<std::string>* terms);

 private:
  // Folds, filters and stems one word into term_; false to skip the word.
  bool MakeTerm(std::string_view word);

  std::string language_;
  bool ok_ = true;
  bool stop_words_ = false;
  sb_stemmer* stemmer_ = nullptr;
  std::string folded_, term_;
  static constexpr size_t kStemCacheEntries = 1 << 16;
  std::unordered_map<std::string, std::string> stems_;  // folded -> stem
};

// The calling thread's analyzer for `language` (created on first use).
Analyzer& ThreadAnalyzer(const std::string& language);

// InvalidArgument when `language` is neither empty, "none" nor a Snowball
// algorithm libstemmer knows.
Status ValidateSearchLanguage(const std::string& language);

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_SEARCH_ANALYZER_H_
