// Copyright (c) mnemo authors.
//
// Vector and hybrid search: exact top-k against a brute-force reference,
// float16 storage, dimension checks, tenant isolation, deletes.

#include <algorithm>
#include <cmath>
#include <random>

#include "mnemo/search.h"
#include "store_test_util.h"

namespace mnemo::test {
namespace {

class VectorSearchTest : public StoreTest {
 protected:
  static std::vector<float> RandomVector(std::mt19937* rng, size_t dim) {
    std::normal_distribution<float> normal;
    std::vector<float> v(dim);
    for (float& x : v) x = normal(*rng);
    return v;
  }
  Status PutVec(RecordId id, const std::vector<float>& v,
                const std::string& tenant = "t1") {
    EmbeddingRef e{VectorType::kFloat32, v.data(), v.size()};
    return store_->PutEmbedding(WriteOptions(), tenant, id, e);
  }
  SearchResult Vsearch(const std::vector<float>& q, size_t k,
                       const std::string& tenant = "t1",
                       VectorMetric metric = VectorMetric::kCosine) {
    SearchOptions o;
    o.filter.tenant = tenant;
    o.k = k;
    o.mode = SearchMode::kVector;
    o.vector = VectorQuery{q, metric};
    SearchResult r;
    Status s = store_->Search(o, &r);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return r;
  }
};

double Cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    d += a[i] * b[i], na += a[i] * a[i], nb += b[i] * b[i];
  }
  return d / std::sqrt(na * nb);
}

TEST_F(VectorSearchTest, TopKEqualsBruteForce) {
  std::mt19937 rng(7);
  constexpr size_t kDim = 37;  // not a multiple of 8: exercises the tail
  std::vector<std::pair<RecordId, std::vector<float>>> all;
  for (int i = 0; i < 200; ++i) {
    RecordId id = PutText(i % 2 ? "a" : "b", "s", "doc " + std::to_string(i));
    all.emplace_back(id, RandomVector(&rng, kDim));
    ASSERT_TRUE(PutVec(id, all.back().second).ok());
  }
  for (int q = 0; q < 5; ++q) {
    std::vector<float> query = RandomVector(&rng, kDim);
    std::vector<std::pair<double, RecordId>> ref;
    for (const auto& [id, v] : all) ref.emplace_back(Cosine(query, v), id);
    std::sort(ref.rbegin(), ref.rend());
    SearchResult r = Vsearch(query, 10);
    ASSERT_EQ(r.hits.size(), 10u);
    for (size_t i = 0; i < 10; ++i) {
      EXPECT_EQ(r.hits[i].id, ref[i].second) << i;
      EXPECT_NEAR(r.hits[i].score, ref[i].first, 1e-5);
    }
  }
}

TEST_F(VectorSearchTest, DotProductAndFloat16) {
  RecordId a = PutText("a", "s", "a");
  RecordId b = PutText("a", "s", "b");
  ASSERT_TRUE(PutVec(a, {1, 0, 0, 0}).ok());
  // 0.5, 2.0, 0, 0 as IEEE binary16.
  std::vector<uint16_t> half = {0x3800, 0x4000, 0, 0};
  EmbeddingRef e{VectorType::kFloat16, half.data(), half.size()};
  ASSERT_TRUE(store_->PutEmbedding(WriteOptions(), "t1", b, e).ok());
  SearchResult r = Vsearch({1, 1, 0, 0}, 2, "t1", VectorMetric::kDot);
  ASSERT_EQ(r.hits.size(), 2u);
  EXPECT_EQ(r.hits[0].id, b);
  EXPECT_FLOAT_EQ(r.hits[0].score, 2.5);
  EXPECT_FLOAT_EQ(r.hits[1].score, 1.0);
}

TEST_F(VectorSearchTest, DimensionIsFixedPerAgent) {
  RecordId a = PutText("a", "s", "a");
  RecordId b = PutText("a", "s", "b");
  RecordId c = PutText("other", "s", "c");
  ASSERT_TRUE(PutVec(a, {1, 2, 3}).ok());
  EXPECT_TRUE(PutVec(b, {1, 2}).IsInvalidArgument());
  EXPECT_TRUE(PutVec(c, {1, 2}).ok());
  EXPECT_TRUE(PutVec(a, {}).IsInvalidArgument());
}

TEST_F(VectorSearchTest, TenantsAreIsolatedAndDeletesRemove) {
  RecordId mine = PutText("a", "s", "mine", 0, "t1");
  RecordId theirs = PutText("a", "s", "theirs", 0, "t2");
  ASSERT_TRUE(PutVec(mine, {1, 0}).ok());
  EXPECT_TRUE(PutVec(theirs, {1, 0}, "t1").IsNotFound());
  ASSERT_TRUE(PutVec(theirs, {1, 0}, "t2").ok());
  SearchResult r = Vsearch({1, 0}, 10, "t1");
  ASSERT_EQ(r.hits.size(), 1u);
  EXPECT_EQ(r.hits[0].id, mine);
  ASSERT_TRUE(store_->Delete(WriteOptions(), "t1", mine).ok());
  EXPECT_TRUE(Vsearch({1, 0}, 10, "t1").hits.empty());
  EXPECT_EQ(Vsearch({1, 0}, 10, "t2").hits.size(), 1u);
}

TEST_F(VectorSearchTest, HybridFusesBothRankings) {
  RecordId text_only = PutText("a", "s", "kubernetes rollout failed");
  RecordId vec_only = PutText("a", "s", "unrelated words");
  RecordId both = PutText("a", "s", "rollout of kubernetes");
  ASSERT_TRUE(PutVec(text_only, {0, 1}).ok());
  ASSERT_TRUE(PutVec(vec_only, {1, 0.1f}).ok());
  ASSERT_TRUE(PutVec(both, {1, 0}).ok());
  SearchOptions o;
  o.filter.tenant = "t1";
  o.query = "kubernetes rollout";
  o.ranking.rerank_pool = 0;  // plain BM25: no neighbour-found text hits
  o.mode = SearchMode::kHybrid;
  o.vector = VectorQuery{{1, 0}, VectorMetric::kCosine};
  SearchResult r;
  ASSERT_TRUE(store_->Search(o, &r).ok());
  ASSERT_EQ(r.hits.size(), 3u);
  EXPECT_EQ(r.hits[0].id, both);
  o.hybrid.vector_weight = 0;  // text only
  ASSERT_TRUE(store_->Search(o, &r).ok());
  EXPECT_EQ(r.hits.size(), 2u);
  o.hybrid = HybridOptions();
  o.hybrid.candidates = 5;  // fewer than offset + k
  EXPECT_TRUE(store_->Search(o, &r).IsInvalidArgument());
}

}  // namespace
}  // namespace mnemo::test
