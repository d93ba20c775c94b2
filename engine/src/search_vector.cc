// Copyright (c) mnemo authors.
//
// Embeddings supplied by the host (or the encoder feed, embed_feed.cc),
// exact vector search, and hybrid fusion.
//
// An embedding is stored under 'e' tenant 0 agent 0 id as
//   type(1) dim(4, LE) values (float32 or float16, little-endian)
// and the agent's dimension under 'd' tenant 0 agent. A page's vector
// from the encoder feed has the same form under 'f' tenant 0 agent 0 page.
// Search scans the agents' embeddings in one pass (exact, no
// approximation) with a kernel the compiler vectorizes for AVX2 where the
// CPU has it. A record's score is the best of its own vector and the
// vectors of the pages it lies on (records in the pixel tiers; those whose
// text decay forgot have only their pages').

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include "coding.h"
#include "keys.h"
#include "rocks_glue.h"
#include "search_internal.h"
#include "search_postings.h"
#include "store_impl.h"

namespace mnemo::internal {
namespace {

constexpr size_t kMaxDim = 4096;

float HalfToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1F, mant = h & 0x3FF, bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalize
      exp = 127 - 15 + 1;
      while ((mant & 0x400) == 0) mant <<= 1, --exp;
      bits = sign | (exp << 23) | ((mant & 0x3FF) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7F800000 | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// dot(a, b) and |b|^2 in one pass; eight lanes so it vectorizes without
// -ffast-math. Compiled twice (AVX2 and baseline) and picked at first use:
// not with target_clones, whose ifunc resolver runs before sanitizer
// runtimes start and crashes TSAN builds.
inline __attribute__((always_inline)) void DotAndNormBody(
    const float* a, const float* b, size_t n, float* dot, float* norm) {
  float d[8] = {0}, m[8] = {0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; ++j) {
      d[j] += a[i + j] * b[i + j];
      m[j] += b[i + j] * b[i + j];
    }
  }
  float ds = 0, ms = 0;
  for (int j = 0; j < 8; ++j) ds += d[j], ms += m[j];
  for (; i < n; ++i) ds += a[i] * b[i], ms += b[i] * b[i];
  *dot = ds;
  *norm = ms;
}

__attribute__((target("avx2"))) void DotAndNormAvx2(
    const float* a, const float* b, size_t n, float* dot, float* norm) {
  DotAndNormBody(a, b, n, dot, norm);
}

void DotAndNormBaseline(const float* a, const float* b, size_t n, float* dot,
                        float* norm) {
  DotAndNormBody(a, b, n, dot, norm);
}

void DotAndNorm(const float* a, const float* b, size_t n, float* dot,
                float* norm) {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  (avx2 ? DotAndNormAvx2 : DotAndNormBaseline)(a, b, n, dot, norm);
}

// Decodes a stored embedding into floats; false when malformed.
bool DecodeEmbedding(std::string_view value, std::vector<float>* out) {
  if (value.size() < 5) return false;
  auto type = static_cast<VectorType>(static_cast<uint8_t>(value[0]) &
                                     ~kFeedMadeVectorBit);
  uint32_t dim = DecodeFixed32(value.data() + 1);
  size_t width = type == VectorType::kFloat16 ? 2 : 4;
  if (dim == 0 || dim > kMaxDim || value.size() != 5 + dim * width) {
    return false;
  }
  out->resize(dim);
  const char* p = value.data() + 5;
  if (type == VectorType::kFloat32) {
    std::memcpy(out->data(), p, dim * 4);
    return true;
  }
  if (type != VectorType::kFloat16) return false;
  for (uint32_t i = 0; i < dim; ++i) {
    uint16_t h;
    std::memcpy(&h, p + 2 * i, 2);
    (*out)[i] = HalfToFloat(h);
  }
  return true;
}

Status CheckEmbedding(const EmbeddingRef& e) {
  if (e.data == nullptr || e.dim == 0 || e.dim > kMaxDim) {
    return Status::InvalidArgument("embedding: dimension must be 1..4096");
  }
  if (e.type != VectorType::kFloat32 && e.type != VectorType::kFloat16) {
    return Status::InvalidArgument("embedding: unknown vector type");
  }
  return Status::OK();
}

double Similarity(const VectorQuery& query, float query_norm,
                  const std::vector<float>& v) {
  float dot = 0, norm = 0;
  DotAndNorm(query.vector.data(), v.data(), v.size(), &dot, &norm);
  if (query.metric != VectorMetric::kCosine) return dot;
  return norm > 0 && query_norm > 0
             ? dot / (std::sqrt(norm) * std::sqrt(query_norm))
             : 0.0;
}

// Scores the agent's page vectors; every live record of a page gets its
// page's score.
Status ScanPages(const SearchEnv& env, std::string_view tenant,
                 const std::string& agent, const VectorQuery& query,
                 float query_norm, std::vector<Scored>* ranking) {
  std::vector<float> v;
  std::vector<std::pair<uint64_t, double>> pages;
  bool malformed = false;
  MNEMO_RETURN_IF_ERROR(env.table->vectors().ForEachPageVector(
      rocksdb::ReadOptions(), tenant, agent,
      [&](uint64_t page_id, std::string_view value) {
        if (!DecodeEmbedding(value, &v)) {
          malformed = true;
          return false;
        }
        if (v.size() == query.vector.size()) {
          pages.emplace_back(page_id, Similarity(query, query_norm, v));
        }
        return true;
      }));
  if (malformed) {
    return Status::Corruption("malformed page vector of agent " +
                              std::string(tenant) + "/" + agent);
  }
  std::vector<RecordId> live;
  for (const auto& [page_id, score] : pages) {
    MNEMO_RETURN_IF_ERROR(
        env.table->LiveSet(rocksdb::ReadOptions(), page_id, &live));
    for (RecordId id : live) ranking->push_back({id, score});
  }
  return Status::OK();
}

// One entry per record: its best score.
void KeepBestPerRecord(std::vector<Scored>* ranking) {
  std::sort(ranking->begin(), ranking->end(),
            [](const Scored& a, const Scored& b) {
              return a.id != b.id ? a.id < b.id : a.score > b.score;
            });
  ranking->erase(std::unique(ranking->begin(), ranking->end(),
                             [](const Scored& a, const Scored& b) {
                               return a.id == b.id;
                             }),
                 ranking->end());
}

// Scores every embedding under `prefix` against `query`.
Status ScanAgent(const SearchEnv& env, const std::string& prefix,
                 const VectorQuery& query, float query_norm,
                 std::vector<Scored>* ranking) {
  std::vector<float> v;
  bool malformed = false;
  MNEMO_RETURN_IF_ERROR(
      env.table->vectors()
          .ForEach(
              rocksdb::ReadOptions(), prefix,
              [&](std::string_view key, std::string_view value) {
                if (key.size() != prefix.size() + 8 ||
                    !DecodeEmbedding(value, &v)) {
                  malformed = true;
                  return false;
                }
                if (v.size() != query.vector.size())
                  return true;  // dimension changed
                double score = Similarity(query, query_norm, v);
                RecordId id = DecodeBigEndian64(key.data() + prefix.size());
                ranking->push_back({id, score});
                return true;
              })
          .WithContext("scanning embeddings"));
  if (malformed) {
    return Status::Corruption("malformed embedding under " +
                              prefix.substr(1, prefix.size() - 2));
  }
  return Status::OK();
}

Status RankVectors(const SearchEnv& env, const SearchFilter& filter,
                   const VectorQuery& query, std::vector<Scored>* ranking) {
  ranking->clear();
  if (query.vector.empty() || query.vector.size() > kMaxDim) {
    return Status::InvalidArgument("vector search: dimension must be 1..4096");
  }
  std::vector<std::string> agents;
  MNEMO_RETURN_IF_ERROR(FilterAgents(env, filter, &agents));
  float query_norm = 0, ignored = 0;
  DotAndNorm(query.vector.data(), query.vector.data(), query.vector.size(),
             &ignored, &query_norm);
  for (const std::string& agent : agents) {
    MNEMO_RETURN_IF_ERROR(ScanAgent(env, EmbeddingPrefix(filter.tenant, agent),
                                    query, query_norm, ranking));
    MNEMO_RETURN_IF_ERROR(
        ScanPages(env, filter.tenant, agent, query, query_norm, ranking));
  }
  KeepBestPerRecord(ranking);
  SortRanking(ranking);
  return Status::OK();
}

// Fuses filtered rankings by reciprocal rank.
std::vector<Scored> Fuse(const SearchResult& text, const SearchResult& vec,
                         const HybridOptions& h) {
  std::unordered_map<RecordId, double> fused;  // weight 0: list left out
  for (size_t i = 0; h.text_weight != 0 && i < text.hits.size(); ++i) {
    fused[text.hits[i].id] += h.text_weight / (h.rrf_k + i + 1);
  }
  for (size_t i = 0; h.vector_weight != 0 && i < vec.hits.size(); ++i) {
    fused[vec.hits[i].id] += h.vector_weight / (h.rrf_k + i + 1);
  }
  std::vector<Scored> ranking;
  for (const auto& [id, score] : fused) ranking.push_back({id, score});
  SortRanking(&ranking);
  return ranking;
}

}  // namespace

std::string EncodeFloatVector(const float* values, size_t dim,
                              bool feed_made) {
  uint8_t type = static_cast<uint8_t>(VectorType::kFloat32);
  if (feed_made) type |= kFeedMadeVectorBit;
  std::string value(1, static_cast<char>(type));
  PutFixed32(&value, static_cast<uint32_t>(dim));
  value.append(reinterpret_cast<const char*>(values), dim * sizeof(float));
  return value;
}

std::mutex& EmbeddingDimMutex() {
  static std::mutex* mu = new std::mutex();  // never destroyed
  return *mu;
}

Status StoreImpl::PutEmbedding(const WriteOptions& options,
                               std::string_view tenant, RecordId id,
                               const EmbeddingRef& e) {
  MNEMO_RETURN_IF_ERROR(CheckWritable());
  MNEMO_RETURN_IF_ERROR(CheckEmbedding(e));
  std::lock_guard<std::mutex> lock(LockFor(id));  // against Delete
  Record r;
  ReadOptions ro;
  ro.count_access = false;
  MNEMO_RETURN_IF_ERROR(Get(ro, tenant, id, &r));
  // The first embedding of an agent fixes the dimension.
  std::lock_guard<std::mutex> dim_lock(EmbeddingDimMutex());
  std::string dim_key = EmbeddingDimKey(r.ns.tenant, r.ns.agent), dim_value;
  bool found = false;
  MNEMO_RETURN_IF_ERROR(
      table_.vectors()
          .Get(rocksdb::ReadOptions(), dim_key, &dim_value, &found)
          .WithContext("reading dimension"));
  rocksdb::WriteBatch batch;
  if (found) {
    uint32_t dim = dim_value.size() == 4 ? DecodeFixed32(dim_value.data()) : 0;
    if (dim != e.dim) {
      return Status::InvalidArgument(
          "embedding has dimension " + std::to_string(e.dim) + "; agent '" +
          r.ns.agent + "' uses " + std::to_string(dim));
    }
  } else {
    std::string v;
    PutFixed32(&v, static_cast<uint32_t>(e.dim));
    table_.vectors().Put(dim_key, v, &batch);
  }
  std::string value(1, static_cast<char>(e.type));
  PutFixed32(&value, static_cast<uint32_t>(e.dim));
  size_t width = e.type == VectorType::kFloat16 ? 2 : 4;
  value.append(static_cast<const char*>(e.data), e.dim * width);
  table_.vectors().Put(EmbeddingKey(r.ns.tenant, r.ns.agent, id), value,
                       &batch);
  return Commit(options, &batch, "writing embedding");
}

Status StoreImpl::VectorSearch(const SearchOptions& options,
                               const VectorQuery& query,
                               SearchResult* result) {
  result->hits.clear();
  result->matched = 0;
  MNEMO_RETURN_IF_ERROR(ValidateSearchOptions(options));
  SearchEnv env{this, db_, &table_, &search_, options_.search_language, {}};
  std::vector<Scored> ranking;
  MNEMO_RETURN_IF_ERROR(RankVectors(env, options.filter, query, &ranking));
  result->matched = ranking.size();
  return CollectHits(env, options.filter, ranking, options.offset, options.k,
                     {}, options.snippet_bytes, result, options.exact_count);
}

Status StoreImpl::HybridSearch(const SearchOptions& options,
                               const VectorQuery& query,
                               const HybridOptions& hybrid,
                               SearchResult* result) {
  result->hits.clear();
  result->matched = 0;
  MNEMO_RETURN_IF_ERROR(ValidateSearchOptions(options));
  if (hybrid.candidates < options.offset + options.k || hybrid.rrf_k < 0) {
    return Status::InvalidArgument(
        "hybrid search: candidates must be >= offset + k, rrf_k >= 0");
  }
  SearchEnv env{this, db_, &table_, &search_, options_.search_language, {}};
  MNEMO_RETURN_IF_ERROR(CatchUpBeforeSearch(&env));
  std::vector<std::string> terms = QueryTerms(env, options.query);
  std::vector<Scored> text_rank, vector_rank;
  size_t text_matched = 0;
  MNEMO_RETURN_IF_ERROR(
      RankText(env, options, terms, &text_rank, &text_matched));
  MNEMO_RETURN_IF_ERROR(RankVectors(env, options.filter, query, &vector_rank));
  SearchResult text, vec;  // filtered, so ranks count only eligible records
  MNEMO_RETURN_IF_ERROR(CollectHits(env, options.filter, text_rank, 0,
                                    hybrid.candidates, {}, 0, &text));
  MNEMO_RETURN_IF_ERROR(CollectHits(env, options.filter, vector_rank, 0,
                                    hybrid.candidates, {}, 0, &vec));
  std::vector<Scored> fused = Fuse(text, vec, hybrid);
  result->matched = fused.size();
  return CollectHits(env, options.filter, fused, options.offset, options.k,
                     terms, options.snippet_bytes, result, options.exact_count);
}

}  // namespace mnemo::internal
