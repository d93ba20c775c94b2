// Copyright (c) mnemo authors.
//
// Tenant isolation: no call made for tenant A ever returns, changes or
// deletes tenant B's data, even with B's record ids in hand.

#include "store_test_util.h"

namespace mnemo::test {
namespace {

class IsolationTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    // Same agent and session names in both tenants.
    a_ = PutText("agent", "s", "secret of A", kJan2024, "A");
    b_ = PutText("agent", "s", "secret of B", kJan2024, "B");
  }
  void ExpectBIntact() {
    Record out;
    ASSERT_TRUE(store_->Get(ReadOptions(), "B", b_, &out).ok());
    EXPECT_EQ(out.text, "secret of B");
    EXPECT_EQ(out.version, 1u);
  }
  RecordId a_ = 0, b_ = 0;
};

TEST_F(IsolationTest, GetWithOtherTenantIsNotFound) {
  Record out;
  Status s = store_->Get(ReadOptions(), "A", b_, &out);
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_EQ(s.message().find("secret"), std::string::npos);
  EXPECT_TRUE(out.text.empty());
}

// Get decodes into a scratch record and swaps it with the caller's: a
// struct reused across Gets gets exactly each record read, and a read
// refused for the tenant leaves the last good one as it was.
TEST_F(IsolationTest, ReusedRecordStructGetsExactlyEachRecord) {
  Record rich = MakeRecord("A", "agent", "s", std::string(500, 'r'), kJan2024);
  rich.metadata = {{"a", "1"}, {"b", std::string(100, 'b')}, {"c", "3"}};
  RecordId rich_id = 0;
  ASSERT_TRUE(store_->Put(WriteOptions(), rich, &rich_id).ok());
  Record out;
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(store_->Get(ReadOptions(), "A", rich_id, &out).ok());
    EXPECT_EQ(out.text, rich.text);
    EXPECT_EQ(out.metadata, rich.metadata);
    ASSERT_TRUE(store_->Get(ReadOptions(), "A", a_, &out).ok());
    EXPECT_EQ(out.text, "secret of A");
    EXPECT_TRUE(out.metadata.empty());
    EXPECT_EQ(out.id, a_);
    EXPECT_TRUE(store_->Get(ReadOptions(), "A", b_, &out).IsNotFound());
    EXPECT_EQ(out.text, "secret of A");
    EXPECT_EQ(out.id, a_);
    EXPECT_EQ(out.ns.tenant, "A");
  }
  ExpectBIntact();
}

TEST_F(IsolationTest, UpdateDeleteHistoryAcrossTenantsFail) {
  RecordUpdate up;
  up.text = "overwritten by A";
  EXPECT_TRUE(store_->Update(WriteOptions(), "A", b_, up, nullptr).IsNotFound());
  EXPECT_TRUE(store_->Delete(WriteOptions(), "A", b_).IsNotFound());
  std::vector<Record> versions;
  EXPECT_TRUE(store_->History(ReadOptions(), "A", b_, &versions).IsNotFound());
  EXPECT_TRUE(versions.empty());
  ExpectBIntact();
}

TEST_F(IsolationTest, ScanSeesOnlyOwnTenant) {
  ScanOptions scan;
  scan.tenant = "A";
  scan.agent = "agent";
  ScanResult result;
  ASSERT_TRUE(store_->Scan(ReadOptions(), scan, &result).ok());
  ASSERT_EQ(result.records.size(), 1u);
  EXPECT_EQ(result.records[0].text, "secret of A");
}

TEST_F(IsolationTest, TenantNamesThatArePrefixesDoNotLeak) {
  RecordId ab = PutText("agent", "s", "secret of AB", kJan2024, "AB");
  ScanOptions scan;
  scan.tenant = "A";
  scan.agent = "agent";
  ScanResult result;
  ASSERT_TRUE(store_->Scan(ReadOptions(), scan, &result).ok());
  ASSERT_EQ(result.records.size(), 1u);
  std::vector<Namespace> namespaces;
  ASSERT_TRUE(store_->ListNamespaces("A", &namespaces).ok());
  ASSERT_EQ(namespaces.size(), 1u);
  EXPECT_EQ(namespaces[0].tenant, "A");
  Record out;
  EXPECT_TRUE(store_->Get(ReadOptions(), "A", ab, &out).IsNotFound());
}

TEST_F(IsolationTest, BulkDeletesStayInsideTenant) {
  uint64_t deleted = 0;
  ASSERT_TRUE(
      store_->DeleteSession(WriteOptions(), "A", "agent", "s", &deleted).ok());
  EXPECT_EQ(deleted, 1u);
  ExpectBIntact();
  ASSERT_TRUE(store_->DeleteAgent(WriteOptions(), "A", "agent", &deleted).ok());
  ExpectBIntact();
  std::vector<Namespace> namespaces;
  ASSERT_TRUE(store_->ListNamespaces("B", &namespaces).ok());
  EXPECT_EQ(namespaces.size(), 1u);
}

}  // namespace
}  // namespace mnemo::test
