// Copyright (c) mnemo authors.
//
// SearchTable (engine/src/record_table_search.h): the full-text index's
// keys, apart from the vector values VectorTable keeps in the same family,
// on a real RocksDB.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "keys.h"
#include "record_table_fixture.h"
#include "record_table_search.h"
#include "search_postings.h"

namespace mnemo::internal {
namespace {

// The index bound to the table's database, as a format-7 store keeps it.
class SearchTableTest : public RecordTableFixture {
 protected:
  void SetUp() override {
    RecordTableFixture::SetUp();
    table_.BindSearch(&search_);
  }
  void TearDown() override {
    search_.Close();
    RecordTableFixture::TearDown();
  }
  static Record Sample(RecordId id, std::string agent, std::string text) {
    Record r;
    r.id = id;
    r.ns = {"t", std::move(agent), "s1"};
    r.text = std::move(text);
    return r;
  }
  // Indexes `records` and gives each agent an embedding and a dimension.
  void IndexAndEmbed(const std::vector<Record>& records) {
    rocksdb::WriteBatch batch;
    PostingsBuilder postings = search_.NewPostings();
    for (const Record& r : records) {
      postings.Add(r);
      table_.vectors().Put(EmbeddingKey("t", r.ns.agent, r.id), "vec", &batch);
      table_.vectors().Put(EmbeddingDimKey("t", r.ns.agent), "dim", &batch);
    }
    search_.ApplyPostings(&postings, &batch);
    Write(&batch);
  }
  std::vector<std::string> IndexKeys() {
    std::vector<std::string> keys;
    EXPECT_TRUE(search_
                    .ForEach(rocksdb::ReadOptions(), "",
                             [&](std::string_view key, std::string_view) {
                               keys.emplace_back(key);
                               return true;
                             })
                    .ok());
    return keys;
  }
  std::vector<RecordId> ListIds(const std::string& agent,
                                const std::string& term) {
    std::string value;
    bool found = false;
    EXPECT_TRUE(search_
                    .Get(rocksdb::ReadOptions(),
                         PostingPrefix("t", agent) + term, &value, &found)
                    .ok());
    std::vector<Posting> postings;
    if (found) {
      EXPECT_TRUE(DecodePostings(value, &postings));
    }
    std::vector<RecordId> ids;
    for (const Posting& p : postings) ids.push_back(p.id);
    return ids;
  }
  bool HasVector(const std::string& key) {
    std::string value;
    bool found = false;
    EXPECT_TRUE(
        table_.vectors().Get(rocksdb::ReadOptions(), key, &value, &found).ok());
    return found;
  }

  SearchTable search_{true, "english"};
};

// The index's walk yields lists and statistics only, never the vector
// values beside them; the vector walk yields only its prefix.
TEST_F(SearchTableTest, IndexAndVectorValuesAreWalkedApart) {
  IndexAndEmbed({Sample(1, "a", "harbour crane"), Sample(2, "b", "crane")});
  std::vector<std::string> keys = IndexKeys();
  ASSERT_EQ(keys.size(), 5u);  // a: 2 lists + stats; b: 1 list + stats
  for (const std::string& key : keys) {
    EXPECT_TRUE(key[0] == kPostingTag || key[0] == kSearchStatsTag) << key;
  }
  EXPECT_EQ(ListIds("a", "crane"), std::vector<RecordId>{1});
  std::vector<std::string> vectors;
  ASSERT_TRUE(table_.vectors()
                  .ForEach(rocksdb::ReadOptions(), EmbeddingPrefix("t", "a"),
                           [&](std::string_view key, std::string_view) {
                             vectors.emplace_back(key);
                             return true;
                           })
                  .ok());
  EXPECT_EQ(vectors, std::vector<std::string>{EmbeddingKey("t", "a", 1)});
}

// Deleting an agent's index leaves its vectors and the other agents'
// lists; deleting its vectors leaves its lists.
TEST_F(SearchTableTest, AgentDeletionsTouchOnlyTheirOwnKeys) {
  IndexAndEmbed({Sample(1, "a", "harbour crane"), Sample(2, "b", "crane")});
  rocksdb::WriteBatch batch;
  search_.DeleteAgent("t", "a", &batch);
  Write(&batch);
  EXPECT_TRUE(ListIds("a", "crane").empty());
  EXPECT_EQ(ListIds("b", "crane"), std::vector<RecordId>{2});
  EXPECT_EQ(IndexKeys().size(), 2u);
  EXPECT_TRUE(HasVector(EmbeddingKey("t", "a", 1)));
  EXPECT_TRUE(HasVector(EmbeddingDimKey("t", "a")));

  batch.Clear();
  table_.vectors().DeleteAgent("t", "b", &batch);
  Write(&batch);
  EXPECT_FALSE(HasVector(EmbeddingKey("t", "b", 2)));
  EXPECT_FALSE(HasVector(EmbeddingDimKey("t", "b")));
  EXPECT_TRUE(HasVector(EmbeddingKey("t", "a", 1)));
  EXPECT_EQ(ListIds("b", "crane"), std::vector<RecordId>{2});
}

TEST_F(SearchTableTest, RemovePostingDropsOneIdFromItsList) {
  IndexAndEmbed({Sample(1, "a", "crane"), Sample(2, "a", "crane")});
  ASSERT_EQ(ListIds("a", "crane"), (std::vector<RecordId>{1, 2}));
  rocksdb::WriteBatch batch;
  search_.RemovePosting(PostingPrefix("t", "a") + "crane", 1, &batch);
  Write(&batch);
  EXPECT_EQ(ListIds("a", "crane"), std::vector<RecordId>{2});
}

TEST_F(SearchTableTest, WatermarkRoundTripsAndRefusesAMalformedValue) {
  RecordId mark = 7;
  bool found = true;
  ASSERT_TRUE(search_.GetWatermark(rocksdb::ReadOptions(), &mark, &found).ok());
  EXPECT_EQ(mark, 0u);
  EXPECT_FALSE(found);
  rocksdb::WriteBatch batch;
  search_.PutWatermark(41, &batch);
  Write(&batch);
  ASSERT_TRUE(search_.GetWatermark(rocksdb::ReadOptions(), &mark, &found).ok());
  EXPECT_EQ(mark, 41u);
  EXPECT_TRUE(found);

  ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), handles_[kDefault],
                       kSearchWatermarkKey, "abc")
                  .ok());
  Status s = search_.GetWatermark(rocksdb::ReadOptions(), &mark, &found);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find(kSearchWatermarkKey), std::string::npos);
}

}  // namespace
}  // namespace mnemo::internal
