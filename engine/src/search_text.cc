// Copyright (c) mnemo authors.
//
// BM25 full-text search. Statistics (N, average length, document
// frequency) cover the agents the filter names (all of the tenant's when it
// names none), never another tenant's, so scores do not leak across tenants.

#include <rocksdb/snapshot.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <unordered_map>

#include "mnemo/quote.h"
#include "rocks_glue.h"
#include "search_analyzer.h"
#include "search_internal.h"
#include "search_postings.h"
#include "store_impl.h"

namespace mnemo::internal {
namespace {

// Reads one postings-family value; *found false when absent.
Status ReadPostingsValue(const SearchEnv& env, const rocksdb::ReadOptions& ro,
                         const std::string& key, std::string* value,
                         bool* found) {
  return env.index->Get(ro, key, value, found);
}

// Posting lists of every term over `agents`, and their statistics, at
// the index snapshot of `index_ro`: the indexed records' and (read at the
// later snapshot of `ro`) the others' alike.
Status ReadTermLists(const SearchEnv& env, const rocksdb::ReadOptions& index_ro,
                     const rocksdb::ReadOptions& ro,
                     const std::vector<std::string>& agents,
                     const SearchFilter& filter,
                     const std::vector<std::string>& terms, TermLists* out) {
  out->lists.assign(terms.size(), {});
  std::string value;
  bool found = false;
  for (const std::string& agent : agents) {
    MNEMO_RETURN_IF_ERROR(ReadPostingsValue(
        env, index_ro, SearchStatsKey(filter.tenant, agent), &value, &found));
    SearchStats one;
    if (found && DecodeSearchStats(value, &one)) {
      out->stats.docs += one.docs;
      out->stats.total_length += one.total_length;
    }
    std::string prefix = PostingPrefix(filter.tenant, agent);
    for (size_t t = 0; t < terms.size(); ++t) {
      MNEMO_RETURN_IF_ERROR(
          ReadPostingsValue(env, index_ro, prefix + terms[t], &value, &found));
      if (found && !DecodePostings(value, &out->lists[t])) {
        return Status::Corruption("posting list of " + QuoteForMessage(terms[t]) +
                                  " under agent " + QuoteForMessage(agent) +
                                  " is malformed");
      }
    }
  }
  if (env.unindexed) {
    return env.unindexed(index_ro, ro, filter.tenant, agents, terms, out);
  }
  return Status::OK();
}

}  // namespace

void SortRanking(std::vector<Scored>* ranking) {
  std::sort(ranking->begin(), ranking->end(),
            [](const Scored& a, const Scored& b) {
              if (a.score != b.score) return a.score > b.score;
              return a.id > b.id;
            });
}

Status ValidateFilter(const SearchFilter& filter) {
  if (filter.tenant.empty()) {
    return Status::InvalidArgument("search: tenant is required");
  }
  Namespace ns{filter.tenant, filter.agent.empty() ? "-" : filter.agent, "-"};
  return ValidateNamespace(ns).WithContext("search");
}

Status ValidateSearchOptions(const SearchOptions& o) {
  MNEMO_RETURN_IF_ERROR(ValidateFilter(o.filter));
  if (o.k == 0 || o.k > 1000) {
    return Status::InvalidArgument("search: k must be 1..1000");
  }
  if (!(o.bm25.k1 >= 0 && o.bm25.k1 < 100) ||
      !(o.bm25.b >= 0 && o.bm25.b <= 1)) {
    return Status::InvalidArgument(
        "search: BM25 needs 0 <= k1 < 100 and 0 <= b <= 1");
  }
  const RankingOptions& r = o.ranking;
  for (double w : {r.neighbour_weight, r.session_weight, r.role_weight,
                   r.time_boost, r.prf_weight}) {
    if (!(w >= 0 && w <= 1000)) {
      return Status::InvalidArgument(
          "search: ranking weights and the time boost must be 0..1000");
    }
  }
  if (r.prf_docs > 1000 || r.prf_terms > 1000 || r.rerank_pool > 10000) {
    return Status::InvalidArgument(
        "search: prf_docs and prf_terms must be <= 1000, rerank_pool <= "
        "10000");
  }
  return Status::OK();
}

Status FilterAgents(const SearchEnv& env, const SearchFilter& filter,
                    std::vector<std::string>* agents) {
  agents->clear();
  if (!filter.agent.empty()) {
    agents->push_back(filter.agent);
    return Status::OK();
  }
  std::vector<Namespace> namespaces;
  MNEMO_RETURN_IF_ERROR(env.store->ListNamespaces(filter.tenant, &namespaces));
  std::set<std::string> distinct;
  for (const Namespace& ns : namespaces) {
    if (ns.tenant == filter.tenant) distinct.insert(ns.agent);
  }
  agents->assign(distinct.begin(), distinct.end());
  return Status::OK();
}

bool PassesFilter(const Record& r, const SearchFilter& f) {
  if (!f.agent.empty() && r.ns.agent != f.agent) return false;
  if (f.session && r.ns.session != *f.session) return false;
  if (f.role && r.role != *f.role) return false;
  if (f.kind && r.kind != *f.kind) return false;
  if (f.start_time && r.event_time < *f.start_time) return false;
  if (f.end_time && r.event_time >= *f.end_time) return false;
  return true;
}

std::vector<std::string> QueryTerms(const SearchEnv& env,
                                    std::string_view query) {
  std::vector<std::string> terms;
  ThreadAnalyzer(env.language).Terms(query, &terms);
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  return terms;
}

Status RankBm25(const SearchEnv& env, const SearchFilter& filter,
                const std::vector<std::string>& terms, const Bm25Params& bm25,
                std::vector<Scored>* ranking,
                const std::vector<double>* weights, std::vector<double>* idf) {
  ranking->clear();
  if (idf != nullptr) idf->assign(terms.size(), 0.0);
  if (terms.empty()) return Status::OK();
  std::vector<std::string> agents;
  MNEMO_RETURN_IF_ERROR(FilterAgents(env, filter, &agents));
  // The index first: every record it indexes is in the records' snapshot.
  rocksdb::ReadOptions index_ro, ro;
  index_ro.snapshot = env.index->GetSnapshot();
  ro.snapshot = env.db->GetSnapshot();
  TermLists lists;
  Status s = ReadTermLists(env, index_ro, ro, agents, filter, terms, &lists);
  env.db->ReleaseSnapshot(ro.snapshot);
  env.index->ReleaseSnapshot(index_ro.snapshot);
  MNEMO_RETURN_IF_ERROR(s);
  size_t max_df = 0;
  for (const auto& list : lists.lists) max_df = std::max(max_df, list.size());
  // Statistics lag only when records were indexed without them (never in
  // this build) or deleted after forgetting text; keep them sane.
  double n = std::max<double>(static_cast<double>(lists.stats.docs),
                              static_cast<double>(max_df));
  double avgdl = n > 0 ? std::max(1.0, lists.stats.total_length / n) : 1.0;
  std::unordered_map<RecordId, double> scores;
  for (size_t t = 0; t < terms.size(); ++t) {
    const auto& list = lists.lists[t];
    double df = static_cast<double>(list.size());
    double term_idf = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
    if (idf != nullptr) (*idf)[t] = term_idf;
    double weight = term_idf * (weights != nullptr ? (*weights)[t] : 1.0);
    for (const Posting& p : list) {
      double tf = p.tf;
      double norm = bm25.k1 * (1.0 - bm25.b + bm25.b * p.dl / avgdl);
      scores[p.id] += weight * tf * (bm25.k1 + 1.0) / (tf + norm);
    }
  }
  ranking->reserve(scores.size());
  for (const auto& [id, score] : scores) ranking->push_back({id, score});
  SortRanking(ranking);
  return Status::OK();
}

Status StoreImpl::TextSearch(const SearchOptions& options,
                             SearchResult* result) {
  result->hits.clear();
  result->matched = 0;
  MNEMO_RETURN_IF_ERROR(ValidateSearchOptions(options));
  SearchEnv env{this, db_, &table_, &search_, options_.search_language, {}};
  MNEMO_RETURN_IF_ERROR(CatchUpBeforeSearch(&env));
  std::vector<std::string> terms = QueryTerms(env, options.query);
  std::vector<Scored> ranking;
  MNEMO_RETURN_IF_ERROR(
      RankText(env, options, terms, &ranking, &result->matched));
  return CollectHits(env, options.filter, ranking, options.offset, options.k,
                     terms, options.snippet_bytes, result,
                     options.exact_count);
}

}  // namespace mnemo::internal
