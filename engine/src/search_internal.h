// Copyright (c) mnemo authors.
//
// Pieces shared by the search calls (search_text.cc, search_vector.cc,
// context_builder.cc): rankings, filters, and turning a ranking into hits.
// They read through the public Store calls and the postings family only.

#ifndef MNEMO_ENGINE_SEARCH_INTERNAL_H_
#define MNEMO_ENGINE_SEARCH_INTERNAL_H_

#include <rocksdb/db.h>

#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "mnemo/search.h"
#include "mnemo/store.h"
#include "search_postings.h"

namespace mnemo::internal {

class RecordTable;  // record_table.h
class SearchTable;  // record_table_search.h

// Posting lists of every query term over some agents, and their statistics.
struct TermLists {
  std::vector<std::vector<Posting>> lists;  // per term, all agents
  SearchStats stats;                        // summed over agents
};

// Adds to *out the postings and statistics that the tenant's `agents`'
// records not yet indexed at the index snapshot of `index_ro` will have
// once indexed (the records read at `ro`, a later snapshot).
using UnindexedFn = std::function<Status(
    const rocksdb::ReadOptions& index_ro, const rocksdb::ReadOptions& ro,
    std::string_view tenant, const std::vector<std::string>& agents,
    const std::vector<std::string>& terms, TermLists* out)>;

// What a search reads: the store (records, namespaces) and its postings
// (through the table; `db` gives the snapshot a search reads at).
// Embeddings ('e', 'f'; search_vector.cc): a vector's stored form
// (float32), and the mutex under which the first embedding of an agent
// fixes its dimension ('d'); held after the record's stripe.
// `feed_made`: an encoder feed text vector (kFeedMadeVectorBit).
std::string EncodeFloatVector(const float* values, size_t dim,
                              bool feed_made = false);
std::mutex& EmbeddingDimMutex();

struct SearchEnv {
  Store* store = nullptr;
  rocksdb::DB* db = nullptr;
  const RecordTable* table = nullptr;
  // The postings and their statistics (snapshots of their own, taken
  // before `db`'s).
  const SearchTable* index = nullptr;
  std::string language;
  // Set when records lie above the index's watermark and the search scores
  // them itself (search_tail.cc); empty: the postings cover every record.
  UnindexedFn unindexed;
};

struct Scored {
  RecordId id = 0;
  double score = 0;
};

// Best first; equal scores: newer (larger id) first.
void SortRanking(std::vector<Scored>* ranking);

// InvalidArgument unless the tenant is set and, when set, the agent is a
// valid namespace part.
Status ValidateFilter(const SearchFilter& filter);
// InvalidArgument unless 1 <= k <= 1000 and the BM25 parameters are valid.
Status ValidateSearchOptions(const SearchOptions& options);

// The agents a filter covers: its agent, or every agent of its tenant.
Status FilterAgents(const SearchEnv& env, const SearchFilter& filter,
                    std::vector<std::string>* agents);

// True when `record` passes the session/role/kind/time filters (tenant
// and expiry are checked by Store::Get).
bool PassesFilter(const Record& record, const SearchFilter& filter);

// The distinct terms of `query` under the store's analysis.
std::vector<std::string> QueryTerms(const SearchEnv& env,
                                    std::string_view query);

// BM25 ranking of every record holding a term, best first. `weights`
// (one per term, or null for 1) scale each term's share; `idf` (when not
// null) receives each term's idf.
Status RankBm25(const SearchEnv& env, const SearchFilter& filter,
                const std::vector<std::string>& terms, const Bm25Params& bm25,
                std::vector<Scored>* ranking,
                const std::vector<double>* weights = nullptr,
                std::vector<double>* idf = nullptr);

// The full-text ranking of a search: BM25 with the refinements of
// options.ranking (search_rank.cc), best first: the best candidates
// rescored (at least offset + k of them), then the other records holding
// a query word in BM25 order. *matched: records holding a query word
// (before the filter) plus those ranked for their neighbours alone, an
// upper bound of the hits.
Status RankText(const SearchEnv& env, const SearchOptions& options,
                const std::vector<std::string>& terms,
                std::vector<Scored>* ranking, size_t* matched);

// Reads the records of a sorted ranking in order, keeps those that still
// exist for the tenant and pass the filter, and fills result->hits with
// the ones at positions [offset, offset + k). `terms` place the snippet
// (empty: the start of the text). With `count_all` it reads the whole
// ranking and sets result->matched to the number of records kept.
Status CollectHits(const SearchEnv& env, const SearchFilter& filter,
                   const std::vector<Scored>& ranking, size_t offset,
                   size_t k, const std::vector<std::string>& terms,
                   size_t snippet_bytes, SearchResult* result,
                   bool count_all = false);

// A window of about `bytes` bytes of `text` around the first word whose
// term is in `terms` (or from the start), cut at UTF-8 boundaries, with
// "…" where it was cut.
std::string MakeSnippet(const SearchEnv& env, std::string_view text,
                        const std::vector<std::string>& terms, size_t bytes);

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_SEARCH_INTERNAL_H_
