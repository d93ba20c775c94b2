// Copyright (c) mnemo authors.
//
// The refinements of RankingOptions over plain BM25, all at query time so
// stores of any age get them without reindexing:
//
// - pseudo-relevance feedback: terms of the best hits join the query;
// - a pool of the best candidates is read (Store::Get, no access counted)
//   and rescored: neighbour context (the BM25 scores of the records on
//   either side, when they are of the same agent and session), session
//   evidence (the best score among the candidates of the record's
//   session), the speaker field (query words naming the record's role)
//   and time phrases (a record in a period the query names is boosted).
//
// Candidates enter the pool by an upper bound of their neighbour score
// (neighbours taken as same-session), so a record that matches only
// through its neighbours can enter it.

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "search_analyzer.h"
#include "search_internal.h"
#include "search_time.h"

namespace mnemo::internal {
namespace {

using ScoreMap = std::unordered_map<RecordId, double>;

double ScoreOf(const ScoreMap& scores, RecordId id) {
  auto it = scores.find(id);
  return it == scores.end() ? 0.0 : it->second;
}

// What rescoring needs of a record; found false when Get does not find it
// for the tenant.
struct Seen {
  bool found = false;
  Record record;
};

class PoolReader {
 public:
  PoolReader(const SearchEnv& env, const SearchFilter& filter)
      : env_(env), filter_(filter) {
    ro_.count_access = false;
  }
  // The record `id` (read once), or null when it is not the tenant's.
  Status Read(RecordId id, const Record** out) {
    auto [it, added] = seen_.try_emplace(id);
    if (added) {
      Status s = env_.store->Get(ro_, filter_.tenant, id, &it->second.record);
      if (!s.ok() && !s.IsNotFound()) return s;
      it->second.found = s.ok();
    }
    *out = it->second.found ? &it->second.record : nullptr;
    return Status::OK();
  }

 private:
  const SearchEnv& env_;
  const SearchFilter& filter_;
  ReadOptions ro_;
  std::unordered_map<RecordId, Seen> seen_;
};

bool SameSession(const Record& a, const Record& b) {
  return a.ns.agent == b.ns.agent && a.ns.session == b.ns.session;
}

// Pseudo-relevance feedback: the query terms plus the best `prf_terms`
// terms of the top `prf_docs` records (each term weighted by its share of
// each record, times the record's share of the top scores).
Status ExpandQuery(const SearchEnv& env, const SearchOptions& o,
                   const std::vector<Scored>& first,
                   std::vector<std::string>* terms,
                   std::vector<double>* weights) {
  const RankingOptions& r = o.ranking;
  std::unordered_set<std::string> original(terms->begin(), terms->end());
  std::unordered_map<std::string, double> mass;
  PoolReader reader(env, o.filter);
  double total = 0;
  for (size_t i = 0; i < first.size() && i < r.prf_docs; ++i) total += first[i].score;
  std::vector<std::string> doc_terms;
  for (size_t i = 0; i < first.size() && i < r.prf_docs && total > 0; ++i) {
    const Record* rec = nullptr;
    MNEMO_RETURN_IF_ERROR(reader.Read(first[i].id, &rec));
    if (rec == nullptr) continue;
    doc_terms.clear();
    ThreadAnalyzer(env.language).Terms(rec->text, &doc_terms);
    double share = first[i].score / total / std::max<size_t>(1, doc_terms.size());
    for (const std::string& t : doc_terms) {
      if (original.count(t) == 0) mass[t] += share;
    }
  }
  std::vector<std::pair<double, std::string>> best;
  for (auto& [t, m] : mass) best.emplace_back(m, t);
  size_t n = std::min(best.size(), r.prf_terms);
  std::partial_sort(best.begin(), best.begin() + n, best.end(),
                    [](const auto& a, const auto& b) {
                      return a.first != b.first ? a.first > b.first : a.second < b.second;
                    });
  weights->assign(terms->size(), 1.0);
  double top = n > 0 ? best[0].first : 1.0;
  for (size_t i = 0; i < n; ++i) {
    terms->push_back(best[i].second);
    weights->push_back(r.prf_weight * best[i].first / top);
  }
  return Status::OK();
}

struct Rescore {
  const SearchEnv& env;
  const SearchOptions& o;
  const std::vector<std::string>& terms;
  const std::vector<double>& idf;
  std::vector<TimePeriod> periods;
};

// Speaker field: idf of the query terms that are terms of the role.
double RoleBonus(const Rescore& c, const Record& rec) {
  if (c.o.ranking.role_weight == 0 || rec.role.empty()) return 0;
  std::vector<std::string> role_terms;
  ThreadAnalyzer(c.env.language).Terms(rec.role, &role_terms);
  double bonus = 0;
  for (size_t t = 0; t < c.terms.size(); ++t) {
    if (std::find(role_terms.begin(), role_terms.end(), c.terms[t]) !=
        role_terms.end()) {
      bonus += c.idf[t];
    }
  }
  return c.o.ranking.role_weight * bonus;
}

// Rescores the pool in place, keeping the records of the tenant that pass
// the filter and score; *by_neighbour counts those kept only for their
// neighbours.
Status RescorePool(const Rescore& c, const ScoreMap& bm25,
                   std::vector<Scored>* pool, size_t* by_neighbour) {
  const RankingOptions& r = c.o.ranking;
  PoolReader reader(c.env, c.o.filter);
  std::vector<Scored> kept;
  std::vector<const Record*> records;
  std::unordered_map<std::string, double> session_best;
  for (const Scored& cand : *pool) {
    const Record* rec = nullptr;
    MNEMO_RETURN_IF_ERROR(reader.Read(cand.id, &rec));
    if (rec == nullptr || !PassesFilter(*rec, c.o.filter)) continue;
    double own = ScoreOf(bm25, cand.id), score = own;
    for (RecordId n : {cand.id - 1, cand.id + 1}) {
      double ns = r.neighbour_weight > 0 ? ScoreOf(bm25, n) : 0;
      if (ns == 0) continue;
      const Record* nrec = nullptr;
      MNEMO_RETURN_IF_ERROR(reader.Read(n, &nrec));
      if (nrec != nullptr && SameSession(*rec, *nrec)) score += r.neighbour_weight * ns;
    }
    if (score == 0) continue;  // matches neither itself nor by neighbours
    *by_neighbour += own == 0;
    std::string key = rec->ns.agent + '\0' + rec->ns.session;
    double& best = session_best[key];
    best = std::max(best, score);
    kept.push_back({cand.id, score});
    records.push_back(rec);
  }
  for (size_t i = 0; i < kept.size(); ++i) {
    const Record& rec = *records[i];
    double& score = kept[i].score;
    score += r.session_weight *
             session_best[rec.ns.agent + '\0' + rec.ns.session];
    score += RoleBonus(c, rec);
    if (!c.periods.empty() && InPeriods(rec.event_time, c.periods)) {
      score *= 1.0 + r.time_boost;
    }
  }
  SortRanking(&kept);
  pool->swap(kept);
  return Status::OK();
}

}  // namespace

Status RankText(const SearchEnv& env, const SearchOptions& o,
                const std::vector<std::string>& query_terms,
                std::vector<Scored>* ranking, size_t* matched) {
  const RankingOptions& r = o.ranking;
  std::vector<std::string> terms = query_terms;
  std::vector<double> weights, idf;
  MNEMO_RETURN_IF_ERROR(RankBm25(env, o.filter, terms, o.bm25, ranking, nullptr, &idf));
  if (r.prf_docs > 0 && r.prf_terms > 0 && r.prf_weight > 0 && !ranking->empty()) {
    MNEMO_RETURN_IF_ERROR(ExpandQuery(env, o, *ranking, &terms, &weights));
    std::vector<double> all_idf;
    MNEMO_RETURN_IF_ERROR(
        RankBm25(env, o.filter, terms, o.bm25, ranking, &weights, &all_idf));
  }
  *matched = ranking->size();
  if (r.rerank_pool == 0 || ranking->empty()) return Status::OK();
  ScoreMap bm25;
  bm25.reserve(ranking->size() * 2);
  for (const Scored& s : *ranking) bm25.emplace(s.id, s.score);
  // Upper bounds: neighbours counted as if of the same session.
  ScoreMap bound;
  bound.reserve(ranking->size() * 3);
  for (const Scored& s : *ranking) {
    bound[s.id] += s.score;
    if (r.neighbour_weight <= 0) continue;
    if (s.id > 1) bound[s.id - 1] += r.neighbour_weight * s.score;
    bound[s.id + 1] += r.neighbour_weight * s.score;
  }
  std::vector<Scored> order;
  order.reserve(bound.size());
  for (const auto& [id, score] : bound) order.push_back({id, score});
  SortRanking(&order);
  size_t pool_size = std::min(order.size(), std::max(r.rerank_pool, o.offset + o.k));
  std::vector<Scored> pool(order.begin(), order.begin() + pool_size);
  Rescore c{env, o, query_terms, idf, ParseTimePhrases(o.query)};
  size_t by_neighbour = 0;
  MNEMO_RETURN_IF_ERROR(RescorePool(c, bm25, &pool, &by_neighbour));
  *matched += by_neighbour;
  // Below the pool: the rest in bound order (records that match only
  // through a neighbour are left out there: unverified).
  for (size_t i = pool_size; i < order.size(); ++i) {
    if (bm25.count(order[i].id) != 0) pool.push_back(order[i]);
  }
  ranking->swap(pool);
  return Status::OK();
}

}  // namespace mnemo::internal
