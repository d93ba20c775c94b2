// Copyright (c) mnemo authors.
//
// Internals of the full-text index: the analyzer, the posting-list codec
// (round trips and malformed input), and the merge operator's folding.

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <utility>

#include "coding.h"
#include "search_analyzer.h"
#include "search_postings.h"

namespace mnemo::internal {
namespace {

std::vector<std::string> Terms(const std::string& text,
                               const std::string& language = "english") {
  std::vector<std::string> terms;
  ThreadAnalyzer(language).Terms(text, &terms);
  return terms;
}

TEST(AnalyzerTest, SplitsFoldsAndStems) {
  EXPECT_EQ(Terms("Caroline's adoption-agency, 2023!"),
            (std::vector<std::string>{"carolin", "adopt", "agenc", "2023"}));
  EXPECT_EQ(Terms("ΑΘΗΝΑ Αθήνα", "none"),
            (std::vector<std::string>{"αθηνα", "αθήνα"}));
  EXPECT_EQ(Terms("the and of", "english"), std::vector<std::string>{});
  EXPECT_EQ(Terms("the and", "none"),
            (std::vector<std::string>{"the", "and"}));
  EXPECT_EQ(Terms(std::string(100, 'a') + " ok"),
            std::vector<std::string>{"ok"});  // too long: skipped
  EXPECT_EQ(Terms("\xff\xfe bad"), std::vector<std::string>{"bad"});
}

TEST(AnalyzerTest, ReportsByteRanges) {
  std::vector<std::pair<size_t, size_t>> ranges;
  ThreadAnalyzer("english").ForEachTerm(
      "éa  Running", [&](std::string_view, size_t b, size_t e) {
        ranges.emplace_back(b, e);
      });
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0], std::make_pair(size_t{0}, size_t{3}));
  EXPECT_EQ(ranges[1], std::make_pair(size_t{5}, size_t{12}));
}

TEST(PostingsTest, RoundTripAndMalformedInput) {
  std::vector<Posting> in = {{5, 1, 10}, {6, 0, 0}, {1ull << 50, 3, 7}};
  std::string bytes;
  EncodePostings(in, &bytes);
  std::vector<Posting> out;
  ASSERT_TRUE(DecodePostings(bytes, &out));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2].id, 1ull << 50);
  EXPECT_EQ(out[1].tf, 0u);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    std::vector<Posting> partial;
    EXPECT_FALSE(DecodePostings(bytes.substr(0, cut), &partial)) << cut;
  }
  std::mt19937 rng(1);
  for (int i = 0; i < 2000; ++i) {  // random bytes never crash
    std::string junk(rng() % 24, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    std::vector<Posting> any;
    (void)DecodePostings(junk, &any);
  }
}

std::string Encode(std::vector<Posting> postings) {
  std::string out;
  EncodePostings(postings, &out);
  return out;
}

TEST(PostingsTest, MergeOperatorFoldsInOrder) {
  auto op = NewPostingsMergeOperator();
  rocksdb::Slice key("wt\0a\0term", 9);
  std::string base = Encode({{1, 1, 4}, {3, 2, 5}});
  std::vector<rocksdb::Slice> operands;
  std::string add = Encode({{2, 1, 3}, {9, 1, 2}});  // out of order vs base
  std::string remove = Encode({{3, 0, 0}});
  std::string readd = Encode({{9, 4, 8}});
  operands = {add, remove, readd};
  rocksdb::Slice base_slice(base);
  std::string merged;
  rocksdb::Slice existing;
  rocksdb::MergeOperator::MergeOperationInput in(key, &base_slice, operands,
                                                 nullptr);
  rocksdb::MergeOperator::MergeOperationOutput out(merged, existing);
  ASSERT_TRUE(op->FullMergeV2(in, &out));
  std::vector<Posting> result;
  ASSERT_TRUE(DecodePostings(merged, &result));
  ASSERT_EQ(result.size(), 3u);
  EXPECT_EQ(result[0].id, 1u);
  EXPECT_EQ(result[1].id, 2u);
  EXPECT_EQ(result[2].id, 9u);
  EXPECT_EQ(result[2].tf, 4u);
  // Partial merges keep removals (an older value may hold the id).
  std::deque<rocksdb::Slice> partial = {remove, add};
  std::string combined;
  ASSERT_TRUE(op->PartialMergeMulti(key, partial, &combined, nullptr));
  result.clear();
  ASSERT_TRUE(DecodePostings(combined, &result));
  ASSERT_EQ(result.size(), 3u);
  EXPECT_EQ(result[1].tf, 0u);  // id 3 removed
  // Corrupt operands fail the merge (RocksDB reports Corruption).
  std::vector<rocksdb::Slice> bad = {rocksdb::Slice("\x05\x01", 2)};
  rocksdb::MergeOperator::MergeOperationInput bad_in(key, nullptr, bad,
                                                     nullptr);
  EXPECT_FALSE(op->FullMergeV2(bad_in, &out));
}

TEST(PostingsTest, StatsMergeSums) {
  auto op = NewPostingsMergeOperator();
  rocksdb::Slice key("st\0a", 4);
  std::string a = SearchStatsOperand(3, 30), b = SearchStatsOperand(-1, -7);
  std::vector<rocksdb::Slice> operands = {a, b};
  std::string merged;
  rocksdb::Slice existing;
  rocksdb::MergeOperator::MergeOperationInput in(key, nullptr, operands,
                                                 nullptr);
  rocksdb::MergeOperator::MergeOperationOutput out(merged, existing);
  ASSERT_TRUE(op->FullMergeV2(in, &out));
  SearchStats stats;
  ASSERT_TRUE(DecodeSearchStats(merged, &stats));
  EXPECT_EQ(stats.docs, 2);
  EXPECT_EQ(stats.total_length, 23);
}

// Fuzzer finding (engine/fuzz/corpus/postings/finding-stats-overflow):
// statistics operands whose sum leaves int64 overflowed a signed add (UB).
// Such sums come only from corrupt bytes: the merge fails (Corruption on
// read) instead of wrapping.
TEST(PostingsTest, StatsMergeRejectsOverflow) {
  auto op = NewPostingsMergeOperator();
  rocksdb::Slice key("st\0a", 4);
  const int64_t kMax = std::numeric_limits<int64_t>::max();
  const int64_t kMin = std::numeric_limits<int64_t>::min();
  for (auto [a, b] : {std::pair{SearchStatsOperand(kMax, 1), SearchStatsOperand(1, 1)},
                      std::pair{SearchStatsOperand(1, kMax), SearchStatsOperand(1, 1)},
                      std::pair{SearchStatsOperand(kMin, 0), SearchStatsOperand(-1, 0)}}) {
    std::vector<rocksdb::Slice> operands = {a, b};
    std::string merged;
    rocksdb::Slice existing;
    rocksdb::MergeOperator::MergeOperationInput in(key, nullptr, operands,
                                                   nullptr);
    rocksdb::MergeOperator::MergeOperationOutput out(merged, existing);
    EXPECT_FALSE(op->FullMergeV2(in, &out));
    std::deque<rocksdb::Slice> partial = {a, b};
    std::string combined;
    EXPECT_FALSE(op->PartialMergeMulti(key, partial, &combined, nullptr));
  }
  // At the edge, still exact.
  std::string a = SearchStatsOperand(kMax - 1, 5), b = SearchStatsOperand(1, -5);
  std::vector<rocksdb::Slice> operands = {a, b};
  std::string merged;
  rocksdb::Slice existing;
  rocksdb::MergeOperator::MergeOperationInput in(key, nullptr, operands, nullptr);
  rocksdb::MergeOperator::MergeOperationOutput out(merged, existing);
  ASSERT_TRUE(op->FullMergeV2(in, &out));
  SearchStats stats;
  ASSERT_TRUE(DecodeSearchStats(merged, &stats));
  EXPECT_EQ(stats.docs, kMax);
  EXPECT_EQ(stats.total_length, 0);
}

// Fuzzer finding (engine/fuzz/corpus/postings/finding-id-wrap): an id
// delta that carried past 2^64 wrapped around, so a list decoded with ids
// going down although the format (and the decoder's check for a zero
// delta) promises strictly increasing ids. Such a list is malformed.
TEST(PostingsTest, DecodeRejectsIdsThatWrap) {
  std::string bytes;
  PutVarint32(&bytes, 2);
  PutVarint64(&bytes, 5);  // id 5
  PutVarint32(&bytes, 1);
  PutVarint32(&bytes, 1);
  PutVarint64(&bytes, std::numeric_limits<uint64_t>::max());  // 5 + 2^64 - 1
  PutVarint32(&bytes, 1);
  PutVarint32(&bytes, 1);
  std::vector<Posting> out;
  EXPECT_FALSE(DecodePostings(bytes, &out));
  // The largest id itself is fine.
  std::vector<Posting> edge = {{5, 1, 1}, {std::numeric_limits<uint64_t>::max(), 1, 1}};
  std::string ok;
  EncodePostings(edge, &ok);
  out.clear();
  ASSERT_TRUE(DecodePostings(ok, &out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].id, std::numeric_limits<uint64_t>::max());
}

}  // namespace
}  // namespace mnemo::internal
