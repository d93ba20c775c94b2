// Copyright (c) mnemo authors.
//
// Every kind of bad input gets a clear Status naming the problem, and
// nothing already stored is touched.

#include "store_test_util.h"

namespace mnemo::test {
namespace {

class BadInputTest : public StoreTest {
 protected:
  void SetUp() override {
    options_.max_record_bytes = 1024;
    StoreTest::SetUp();
    keep_ = PutText("a", "s", "existing");
  }

  // Puts `r`, expects InvalidArgument mentioning `needle`, and checks the
  // existing record is still there.
  void ExpectRejected(const Record& r, const std::string& needle) {
    RecordId id = 0;
    Status s = store_->Put(WriteOptions(), r, &id);
    EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
    EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
    EXPECT_EQ(id, 0u);
    Record out;
    ASSERT_TRUE(store_->Get(ReadOptions(), "t1", keep_, &out).ok());
    EXPECT_EQ(out.text, "existing");
  }

  RecordId keep_ = 0;
};

TEST_F(BadInputTest, InvalidUtf8Text) {
  ExpectRejected(MakeRecord("t1", "a", "s", "bad \xff byte"), "UTF-8");
  ExpectRejected(MakeRecord("t1", "a", "s", "overlong \xc0\xaf"), "UTF-8");
  ExpectRejected(MakeRecord("t1", "a", "s", "surrogate \xed\xa0\x80"), "UTF-8");
  ExpectRejected(MakeRecord("t1", "a", "s", "cut \xe2\x82"), "UTF-8");
}

TEST_F(BadInputTest, ValidMultibyteTextIsAccepted) {
  RecordId id = PutText("a", "s", "caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80");
  EXPECT_NE(id, 0u);
}

TEST_F(BadInputTest, EmptyNamespaceParts) {
  ExpectRejected(MakeRecord("", "a", "s", "x"), "tenant is empty");
  ExpectRejected(MakeRecord("t1", "", "s", "x"), "agent is empty");
  ExpectRejected(MakeRecord("t1", "a", "", "x"), "session is empty");
}

TEST_F(BadInputTest, OversizeNamespaceParts) {
  ExpectRejected(MakeRecord(std::string(257, 't'), "a", "s", "x"),
                 "the limit is 256");
  ExpectRejected(MakeRecord("t1", std::string(300, 'a'), "s", "x"), "agent");
}

TEST_F(BadInputTest, ControlCharactersInNamespace) {
  ExpectRejected(MakeRecord("t1", std::string("a\0b", 3), "s", "x"),
                 "control character");
  ExpectRejected(MakeRecord("t1", "a", "s\n", "x"), "control character");
}

TEST_F(BadInputTest, OversizeRecord) {
  ExpectRejected(MakeRecord("t1", "a", "s", std::string(2000, 'x')),
                 "the limit is 1024");
}

TEST_F(BadInputTest, BadLabelsAndImportance) {
  Record r = MakeRecord("t1", "a", "s", "x");
  r.role = "";
  ExpectRejected(r, "role is empty");
  r.role = std::string(65, 'r');
  ExpectRejected(r, "role");
  r = MakeRecord("t1", "a", "s", "x");
  r.kind = "k\x01";
  ExpectRejected(r, "kind");
  r = MakeRecord("t1", "a", "s", "x");
  r.importance = 1.5f;
  ExpectRejected(r, "importance");
  r.importance = std::numeric_limits<float>::quiet_NaN();
  ExpectRejected(r, "importance");
}

TEST_F(BadInputTest, BadMetadata) {
  Record r = MakeRecord("t1", "a", "s", "x");
  r.metadata.Set("", "v");
  ExpectRejected(r, "metadata");
  r.metadata.clear();
  r.metadata.Set("k", "\xff");
  ExpectRejected(r, "metadata");
  r.metadata.clear();
  for (int i = 0; i < 65; ++i) r.metadata.Set("k" + std::to_string(i), "v");
  ExpectRejected(r, "metadata");
}

TEST_F(BadInputTest, UnknownIdsAreNotFoundEverywhere) {
  RecordId unknown = keep_ + 1000;
  Record out;
  EXPECT_TRUE(store_->Get(ReadOptions(), "t1", unknown, &out).IsNotFound());
  RecordUpdate up;
  up.text = "x";
  EXPECT_TRUE(
      store_->Update(WriteOptions(), "t1", unknown, up, nullptr).IsNotFound());
  EXPECT_TRUE(store_->Delete(WriteOptions(), "t1", unknown).IsNotFound());
  std::vector<Record> versions;
  EXPECT_TRUE(
      store_->History(ReadOptions(), "t1", unknown, &versions).IsNotFound());
}

TEST_F(BadInputTest, UnknownNamespacesAreEmptyNotErrors) {
  ScanOptions scan;
  scan.tenant = "nobody";
  scan.agent = "none";
  ScanResult result;
  ASSERT_TRUE(store_->Scan(ReadOptions(), scan, &result).ok());
  EXPECT_TRUE(result.records.empty());
  uint64_t deleted = 7;
  ASSERT_TRUE(
      store_->DeleteSession(WriteOptions(), "nobody", "none", "s", &deleted)
          .ok());
  EXPECT_EQ(deleted, 0u);
  scan.tenant = "";
  EXPECT_TRUE(store_->Scan(ReadOptions(), scan, &result).IsInvalidArgument());
}

TEST_F(BadInputTest, NegativeExpiryIsRejected) {
  Record r = MakeRecord("t1", "a", "s", "x");
  r.expires_at = -1;
  ExpectRejected(r, "expires_at");
}

TEST(TierNameTest, RoundTripsAndRejectsUnknown) {
  for (Tier t : {Tier::kHot, Tier::kWarm, Tier::kPixels, Tier::kDecayed}) {
    Tier parsed;
    ASSERT_TRUE(ParseTier(TierName(t), &parsed).ok());
    EXPECT_EQ(parsed, t);
  }
  Tier parsed;
  Status s = ParseTier("lukewarm", &parsed);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("lukewarm"), std::string::npos);
}

}  // namespace
}  // namespace mnemo::test
