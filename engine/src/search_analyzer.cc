// Copyright (c) mnemo authors.

#include "search_analyzer.h"

#include <libstemmer.h>
#include <unicode/uchar.h>

#include <algorithm>
#include <map>
#include <memory>
#include <unordered_set>

namespace mnemo::internal {
namespace {

// Snowball's English stop word list (the words that carry no topic).
const std::unordered_set<std::string_view>& EnglishStopWords() {
  static const std::unordered_set<std::string_view> words = {
      "a", "about", "above", "after", "again", "against", "all", "am", "an",
      "and", "any", "are", "as", "at", "be", "because", "been", "before",
      "being", "below", "between", "both", "but", "by", "can", "could", "did",
      "do", "does", "doing", "down", "during", "each", "few", "for", "from",
      "further", "had", "has", "have", "having", "he", "her", "here", "hers",
      "herself", "him", "himself", "his", "how", "i", "if", "in", "into",
      "is", "it", "its", "itself", "just", "me", "more", "most", "my",
      "myself", "no", "nor", "not", "now", "of", "off", "on", "once", "only",
      "or", "other", "ought", "our", "ours", "ourselves", "out", "over", "own",
      "same", "she", "should", "so", "some", "such", "than", "that", "the",
      "their", "theirs", "them", "themselves", "then", "there", "these",
      "they", "this", "those", "through", "to", "too", "under", "until", "up",
      "very", "was", "we", "were", "what", "when", "where", "which", "while",
      "who", "whom", "why", "will", "with", "would", "you", "your", "yours",
      "yourself", "yourselves", "s", "t", "d", "ll", "m", "re", "ve", "don",
      "didn", "doesn", "isn", "wasn", "aren", "weren", "won", "wouldn",
      "shouldn", "couldn", "hasn", "haven", "hadn"};
  return words;
}

// Decodes one code point at text[*i], advancing *i; invalid bytes decode
// as U+FFFD one byte at a time (records are validated UTF-8; queries may
// not be).
UChar32 NextCodePoint(std::string_view text, size_t* i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = byte(*i);
  int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3
                     : (c >> 3) == 30 ? 4 : 0;
  if (len == 0 || *i + len > text.size()) {
    ++*i;
    return 0xFFFD;
  }
  UChar32 cp = len == 1 ? c : c & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    if ((byte(*i + k) & 0xC0) != 0x80) {
      ++*i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (byte(*i + k) & 0x3F);
  }
  *i += len;
  return cp;
}

void AppendUtf8(UChar32 cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// CJK ideographs and kana: written without spaces, indexed one by one.
bool IsCjk(UChar32 cp) {
  return (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0x20000 && cp <= 0x2FFFF);
}

bool IsWordChar(UChar32 cp) {
  if (cp < 0x80) {
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
           (cp >= '0' && cp <= '9');
  }
  if (u_isalnum(cp)) return true;
  int8_t type = u_charType(cp);
  return type == U_NON_SPACING_MARK || type == U_COMBINING_SPACING_MARK ||
         type == U_ENCLOSING_MARK;
}

}  // namespace

Analyzer::Analyzer(const std::string& language) : language_(language) {
  if (language.empty() || language == "none") return;
  stemmer_ = sb_stemmer_new(language.c_str(), "UTF_8");
  ok_ = stemmer_ != nullptr;
  stop_words_ = language == "english" || language == "en";
}

Analyzer::~Analyzer() {
  if (stemmer_ != nullptr) sb_stemmer_delete(stemmer_);
}

bool Analyzer::MakeTerm(std::string_view word) {
  folded_.clear();
  for (size_t i = 0; i < word.size();) {
    UChar32 cp = NextCodePoint(word, &i);
    if (cp < 0x80) {
      folded_.push_back(static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
    } else if (cp == 0xDF || cp == 0x1E9E) {  // ß, ẞ: full folding is "ss"
      folded_ += "ss";
    } else {
      AppendUtf8(u_foldCase(cp, U_FOLD_CASE_DEFAULT), &folded_);
    }
  }
  if (folded_.size() > kMaxTermBytes) return false;
  if (stemmer_ == nullptr) {
    if (stop_words_ && EnglishStopWords().count(folded_) != 0) return false;
    term_.swap(folded_);
    return true;
  }
  // Vocabularies repeat: a cache of stems saves most Snowball calls, which
  // dominate ingest otherwise. It holds stop words too (with an empty
  // stem), so a known word costs one lookup.
  auto cached = stems_.find(folded_);
  if (cached != stems_.end()) {
    term_ = cached->second;
    return !term_.empty();
  }
  if (stop_words_ && EnglishStopWords().count(folded_) != 0) {
    if (stems_.size() >= kStemCacheEntries) stems_.clear();
    stems_.emplace(folded_, std::string());
    return false;
  }
  const sb_symbol* stem = sb_stemmer_stem(
      stemmer_, reinterpret_cast<const sb_symbol*>(folded_.data()),
      static_cast<int>(folded_.size()));
  if (stem == nullptr) {  // out of memory in the stemmer: keep the word
    term_.swap(folded_);
    return true;
  }
  term_.assign(reinterpret_cast<const char*>(stem),
               static_cast<size_t>(sb_stemmer_length(stemmer_)));
  if (stems_.size() >= kStemCacheEntries) stems_.clear();
  stems_.emplace(folded_, term_);
  return !term_.empty();
}

void Analyzer::ForEachTerm(
    std::string_view text,
    const std::function<void(std::string_view, size_t, size_t)>& fn) {
  size_t i = 0;
  while (i < text.size()) {
    size_t begin = i;
    UChar32 cp = NextCodePoint(text, &i);
    if (IsCjk(cp)) {
      if (MakeTerm(text.substr(begin, i - begin))) fn(term_, begin, i);
      continue;
    }
    if (!IsWordChar(cp)) continue;
    size_t end = i;
    while (i < text.size()) {
      size_t next = i;
      UChar32 c = NextCodePoint(text, &next);
      if (!IsWordChar(c) || IsCjk(c)) break;
      i = end = next;
    }
    if (MakeTerm(text.substr(begin, end - begin))) fn(term_, begin, end);
  }
}

void Analyzer::Terms(std::string_view text, std::vector<std::string>* terms) {
  ForEachTerm(text, [terms](std::string_view term, size_t, size_t) {
    terms->emplace_back(term);
  });
}

Analyzer& ThreadAnalyzer(const std::string& language) {
  thread_local std::map<std::string, std::unique_ptr<Analyzer>> analyzers;
  auto& slot = analyzers[language];
  if (!slot) slot = std::make_unique<Analyzer>(language);
  return *slot;
}

Status ValidateSearchLanguage(const std::string& language) {
  if (language.empty() || language == "none") return Status::OK();
  sb_stemmer* stemmer = sb_stemmer_new(language.c_str(), "UTF_8");
  if (stemmer == nullptr) {
    return Status::InvalidArgument("search language '" + language +
                                   "' is not a Snowball algorithm "
                                   "(english, german, french, ...)");
  }
  sb_stemmer_delete(stemmer);
  return Status::OK();
}

}  // namespace mnemo::internal
