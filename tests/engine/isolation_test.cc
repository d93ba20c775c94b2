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
