// Copyright (c) mnemo authors.
//
// From a ranking to hits: records are read in rank order through
// Store::Get (tenant and expiry checked there, no access counted), so a
// posting left behind by a deleted or expired record never surfaces.

#include <algorithm>

#include "search_analyzer.h"
#include "search_internal.h"

namespace mnemo::internal {
namespace {

bool IsContinuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Moves `pos` back to the start of the code point it falls in.
size_t Boundary(std::string_view text, size_t pos) {
  while (pos > 0 && pos < text.size() && IsContinuation(text[pos])) --pos;
  return std::min(pos, text.size());
}

}  // namespace

std::string MakeSnippet(const SearchEnv& env, std::string_view text,
                        const std::vector<std::string>& terms, size_t bytes) {
  if (bytes == 0 || text.empty()) return std::string();
  if (text.size() <= bytes) return std::string(text);
  size_t hit = std::string_view::npos;
  if (!terms.empty()) {
    ThreadAnalyzer(env.language)
        .ForEachTerm(text, [&](std::string_view term, size_t begin, size_t) {
          if (hit == std::string_view::npos &&
              std::binary_search(terms.begin(), terms.end(), term)) {
            hit = begin;
          }
        });
  }
  size_t start = 0;
  if (hit != std::string_view::npos && hit > bytes / 4) {
    start = std::min(hit - bytes / 4, text.size() - bytes);
  }
  start = Boundary(text, start);
  size_t end = Boundary(text, std::min(text.size(), start + bytes));
  std::string out;
  if (start > 0) out += "…";
  out.append(text.substr(start, end - start));
  if (end < text.size()) out += "…";
  return out;
}

Status CollectHits(const SearchEnv& env, const SearchFilter& filter,
                   const std::vector<Scored>& ranking, size_t offset,
                   size_t k, const std::vector<std::string>& terms,
                   size_t snippet_bytes, SearchResult* result,
                   bool count_all) {
  result->hits.clear();
  ReadOptions ro;
  ro.count_access = false;
  size_t passed = 0;
  for (const Scored& scored : ranking) {
    if (result->hits.size() == k && !count_all) break;
    SearchHit hit;
    Status s = env.store->Get(ro, filter.tenant, scored.id, &hit.record);
    if (s.IsNotFound()) continue;  // deleted, expired, or another tenant's
    MNEMO_RETURN_IF_ERROR(s);
    if (!PassesFilter(hit.record, filter)) continue;
    if (passed++ < offset || result->hits.size() == k) continue;
    hit.id = scored.id;
    hit.score = scored.score;
    hit.snippet = MakeSnippet(env, hit.record.text, terms, snippet_bytes);
    result->hits.push_back(std::move(hit));
  }
  if (count_all) result->matched = passed;
  return Status::OK();
}

}  // namespace mnemo::internal
