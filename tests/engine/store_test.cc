// Copyright (c) mnemo authors.
//
// Unit tests of the Store API: put/get/update/history/delete and open.

#include <filesystem>

#include "mnemo/admin.h"
#include "store_test_util.h"

namespace mnemo::test {
namespace {

TEST_F(StoreTest, PutThenGetReturnsEveryField) {
  Record in = MakeRecord("t1", "agent", "s1", "hello world", kJan2024 - kDay);
  in.role = "assistant";
  in.kind = "tool_call";
  in.metadata = {{"dia_id", "D1:3"}, {"tool", "search"}};
  in.importance = 0.9f;
  RecordId id = 0;
  ASSERT_TRUE(store_->Put(WriteOptions(), in, &id).ok());
  ASSERT_NE(id, 0u);
  Record out;
  ASSERT_TRUE(store_->Get(ReadOptions(), "t1", id, &out).ok());
  EXPECT_EQ(out.id, id);
  EXPECT_EQ(out.ns, in.ns);
  EXPECT_EQ(out.text, "hello world");
  EXPECT_EQ(out.role, "assistant");
  EXPECT_EQ(out.kind, "tool_call");
  EXPECT_EQ(out.metadata, in.metadata);
  EXPECT_EQ(out.event_time, kJan2024 - kDay);
  EXPECT_EQ(out.created_time, kJan2024);
  EXPECT_FLOAT_EQ(out.importance, 0.9f);
  EXPECT_EQ(out.tier, Tier::kHot);
  EXPECT_EQ(out.version, 1u);
  EXPECT_EQ(out.content_hash, ContentHash("hello world"));
  EXPECT_FALSE(out.page.valid());
}

TEST_F(StoreTest, EventTimeDefaultsToCreatedTime) {
  RecordId id = PutText("a", "s", "x");
  Record out;
  ASSERT_TRUE(store_->Get(ReadOptions(), "t1", id, &out).ok());
  EXPECT_EQ(out.event_time, kJan2024);
}

TEST_F(StoreTest, IdsIncreaseAndSurviveReopen) {
  RecordId a = PutText("a", "s", "one");
  RecordId b = PutText("a", "s", "two");
  EXPECT_LT(a, b);
  ASSERT_TRUE(store_->Delete(WriteOptions(), "t1", b).ok());
  Reopen();  // same clock: ids must still not be reused
  RecordId c = PutText("a", "s", "three");
  EXPECT_GT(c, b);
  Record out;
  ASSERT_TRUE(store_->Get(ReadOptions(), "t1", a, &out).ok());
  EXPECT_EQ(out.text, "one");
}

TEST_F(StoreTest, PutBatchReturnsIdsInOrder) {
  std::vector<Record> batch;
  for (int i = 0; i < 10; ++i) {
    batch.push_back(MakeRecord("t1", "a", "s", "msg " + std::to_string(i)));
  }
  std::vector<RecordId> ids;
  ASSERT_TRUE(store_->PutBatch(WriteOptions(), batch, &ids).ok());
  ASSERT_EQ(ids.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    Record out;
    ASSERT_TRUE(store_->Get(ReadOptions(), "t1", ids[i], &out).ok());
    EXPECT_EQ(out.text, "msg " + std::to_string(i));
  }
}

TEST_F(StoreTest, PutBatchWithOneBadRecordWritesNothing) {
  std::vector<Record> batch = {MakeRecord("t1", "a", "s", "good"),
                               MakeRecord("t1", "a", "s", "bad \xff")};
  std::vector<RecordId> ids;
  Status s = store_->PutBatch(WriteOptions(), batch, &ids);
  ASSERT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("batch item 1"), std::string::npos) << s.message();
  ScanOptions scan;
  scan.tenant = "t1";
  scan.agent = "a";
  ScanResult result;
  ASSERT_TRUE(store_->Scan(ReadOptions(), scan, &result).ok());
  EXPECT_TRUE(result.records.empty());
}

TEST_F(StoreTest, SyncWritesAreReadable) {
  WriteOptions wo;
  wo.sync = true;
  RecordId id;
  ASSERT_TRUE(store_->Put(wo, MakeRecord("t1", "a", "s", "durable"), &id).ok());
  Reopen();
  Record out;
  ASSERT_TRUE(store_->Get(ReadOptions(), "t1", id, &out).ok());
  EXPECT_EQ(out.text, "durable");
}

TEST_F(StoreTest, GetUnknownIdIsNotFound) {
  Record out;
  Status s = store_->Get(ReadOptions(), "t1", 12345, &out);
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_NE(s.message().find("12345"), std::string::npos);
}

TEST_F(StoreTest, UpdateKeepsHistory) {
  RecordId id = PutText("a", "s", "v1");
  clock_.Advance(kSecond);
  RecordUpdate up;
  up.text = "v2";
  up.importance = 0.1f;
  Record updated;
  ASSERT_TRUE(store_->Update(WriteOptions(), "t1", id, up, &updated).ok());
  EXPECT_EQ(updated.version, 2u);
  EXPECT_EQ(updated.updated_time, kJan2024 + kSecond);
  up = RecordUpdate();
  up.text = "v3";
  ASSERT_TRUE(store_->Update(WriteOptions(), "t1", id, up, nullptr).ok());
  std::vector<Record> versions;
  ASSERT_TRUE(store_->History(ReadOptions(), "t1", id, &versions).ok());
  ASSERT_EQ(versions.size(), 3u);
  EXPECT_EQ(versions[0].text, "v1");
  EXPECT_EQ(versions[0].version, 1u);
  EXPECT_EQ(versions[1].text, "v2");
  EXPECT_FLOAT_EQ(versions[1].importance, 0.1f);
  EXPECT_EQ(versions[2].text, "v3");
  EXPECT_EQ(versions[2].version, 3u);
  Record out;
  ASSERT_TRUE(store_->Get(ReadOptions(), "t1", id, &out).ok());
  EXPECT_EQ(out.text, "v3");
  EXPECT_EQ(out.content_hash, ContentHash("v3"));
}

TEST_F(StoreTest, UpdateOfEventTimeMovesRecordInScanOrder) {
  RecordId a = PutText("a", "s", "first", kJan2024 - 2 * kDay);
  RecordId b = PutText("a", "s", "second", kJan2024 - kDay);
  RecordUpdate up;
  up.event_time = kJan2024 - 3 * kDay;
  ASSERT_TRUE(store_->Update(WriteOptions(), "t1", b, up, nullptr).ok());
  ScanOptions scan;
  scan.tenant = "t1";
  scan.agent = "a";
  ScanResult result;
  ASSERT_TRUE(store_->Scan(ReadOptions(), scan, &result).ok());
  ASSERT_EQ(result.records.size(), 2u);  // old index entry is gone
  EXPECT_EQ(result.records[0].id, b);
  EXPECT_EQ(result.records[1].id, a);
}

TEST_F(StoreTest, UpdateWithInvalidTextChangesNothing) {
  RecordId id = PutText("a", "s", "keep me");
  RecordUpdate up;
  up.text = std::string("bad \xc3\x28");
  EXPECT_TRUE(store_->Update(WriteOptions(), "t1", id, up, nullptr)
                  .IsInvalidArgument());
  Record out;
  ASSERT_TRUE(store_->Get(ReadOptions(), "t1", id, &out).ok());
  EXPECT_EQ(out.text, "keep me");
  EXPECT_EQ(out.version, 1u);
}

TEST_F(StoreTest, UpdateUnknownIdIsNotFound) {
  RecordUpdate up;
  up.text = "x";
  EXPECT_TRUE(
      store_->Update(WriteOptions(), "t1", 999, up, nullptr).IsNotFound());
}

TEST_F(StoreTest, DeleteRemovesRecordAndHistory) {
  RecordId id = PutText("a", "s", "v1");
  RecordUpdate up;
  up.text = "v2";
  ASSERT_TRUE(store_->Update(WriteOptions(), "t1", id, up, nullptr).ok());
  ASSERT_TRUE(store_->Delete(WriteOptions(), "t1", id).ok());
  Record out;
  EXPECT_TRUE(store_->Get(ReadOptions(), "t1", id, &out).IsNotFound());
  std::vector<Record> versions;
  EXPECT_TRUE(store_->History(ReadOptions(), "t1", id, &versions).IsNotFound());
  EXPECT_TRUE(store_->Delete(WriteOptions(), "t1", id).IsNotFound());
}

TEST_F(StoreTest, DeleteSessionRemovesOnlyThatSession) {
  for (int i = 0; i < 5; ++i) PutText("a", "s1", "one " + std::to_string(i));
  RecordId keep = PutText("a", "s2", "two");
  uint64_t deleted = 0;
  ASSERT_TRUE(
      store_->DeleteSession(WriteOptions(), "t1", "a", "s1", &deleted).ok());
  EXPECT_EQ(deleted, 5u);
  std::vector<Namespace> namespaces;
  ASSERT_TRUE(store_->ListNamespaces("t1", &namespaces).ok());
  ASSERT_EQ(namespaces.size(), 1u);
  EXPECT_EQ(namespaces[0].session, "s2");
  Record out;
  EXPECT_TRUE(store_->Get(ReadOptions(), "t1", keep, &out).ok());
  // A session can be written again after being deleted.
  PutText("a", "s1", "again");
  ASSERT_TRUE(store_->ListNamespaces("t1", &namespaces).ok());
  EXPECT_EQ(namespaces.size(), 2u);
}

// A writing thread remembers the last session it found stored (so its
// next Puts skip the lookup): deleting that session must make the next Put
// of it store the session again.
TEST_F(StoreTest, SessionPutRightAfterItsDeletionIsListedAgain) {
  PutText("a", "s1", "one");
  PutText("a", "s1", "two");  // s1 is a stored session by now
  uint64_t deleted = 0;
  ASSERT_TRUE(
      store_->DeleteSession(WriteOptions(), "t1", "a", "s1", &deleted).ok());
  PutText("a", "s1", "three");
  std::vector<Namespace> namespaces;
  ASSERT_TRUE(store_->ListNamespaces("t1", &namespaces).ok());
  ASSERT_EQ(namespaces.size(), 1u);
  EXPECT_EQ(namespaces[0].session, "s1");
  ASSERT_TRUE(store_->DeleteAgent(WriteOptions(), "t1", "a", &deleted).ok());
  PutText("a", "s1", "four");
  Reopen();
  ASSERT_TRUE(store_->ListNamespaces("t1", &namespaces).ok());
  ASSERT_EQ(namespaces.size(), 1u);
  EXPECT_EQ(namespaces[0].session, "s1");
}

TEST_F(StoreTest, DeleteAgentRemovesEverySession) {
  PutText("a", "s1", "x");
  PutText("a", "s2", "y");
  RecordId other = PutText("b", "s1", "z");
  uint64_t deleted = 0;
  ASSERT_TRUE(store_->DeleteAgent(WriteOptions(), "t1", "a", &deleted).ok());
  EXPECT_EQ(deleted, 2u);
  std::vector<Namespace> namespaces;
  ASSERT_TRUE(store_->ListNamespaces("t1", &namespaces).ok());
  ASSERT_EQ(namespaces.size(), 1u);
  EXPECT_EQ(namespaces[0].agent, "b");
  Record out;
  EXPECT_TRUE(store_->Get(ReadOptions(), "t1", other, &out).ok());
  Reopen();
  ASSERT_TRUE(store_->ListNamespaces("t1", &namespaces).ok());
  EXPECT_EQ(namespaces.size(), 1u);
}

TEST_F(StoreTest, ListNamespacesIsSortedAndFiltersByTenant) {
  PutText("b", "s2", "x", 0, "t1");
  PutText("a", "s1", "x", 0, "t1");
  PutText("a", "s1", "x", 0, "t2");
  std::vector<Namespace> all, t1;
  ASSERT_TRUE(store_->ListNamespaces("", &all).ok());
  ASSERT_TRUE(store_->ListNamespaces("t1", &t1).ok());
  ASSERT_EQ(all.size(), 3u);
  ASSERT_EQ(t1.size(), 2u);
  EXPECT_EQ(t1[0].agent, "a");
  EXPECT_EQ(t1[1].agent, "b");
  EXPECT_EQ(all[2].tenant, "t2");
}

TEST_F(StoreTest, LookupNamespaceFindsOwner) {
  RecordId id = PutText("a", "s", "x", 0, "tenantX");
  Namespace ns;
  ASSERT_TRUE(mnemo::LookupNamespace(store_.get(), id, &ns).ok());
  EXPECT_EQ(ns.tenant, "tenantX");
  EXPECT_TRUE(mnemo::LookupNamespace(store_.get(), id + 1, &ns).IsNotFound());
}

TEST_F(StoreTest, AccessCountsAreMergedIntoRecords) {
  RecordId id = PutText("a", "s", "read me");
  Record out;
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(kSecond);
    ASSERT_TRUE(store_->Get(ReadOptions(), "t1", id, &out).ok());
  }
  ReadOptions quiet;
  quiet.count_access = false;
  ASSERT_TRUE(store_->Get(quiet, "t1", id, &out).ok());
  ASSERT_TRUE(mnemo::FlushAccessCounts(store_.get()).ok());
  ASSERT_TRUE(store_->Get(quiet, "t1", id, &out).ok());
  EXPECT_EQ(out.access_count, 3u);
  EXPECT_EQ(out.last_access, kJan2024 + 3 * kSecond);
  ASSERT_TRUE(store_->Get(ReadOptions(), "t1", id, &out).ok());
  Reopen();  // close flushes the pending count
  ASSERT_TRUE(store_->Get(quiet, "t1", id, &out).ok());
  EXPECT_EQ(out.access_count, 4u);
}

TEST_F(StoreTest, AccessCountsOfDeletedRecordDoNotRevive) {
  RecordId id = PutText("a", "s", "gone soon");
  Record out;
  ASSERT_TRUE(store_->Get(ReadOptions(), "t1", id, &out).ok());
  ASSERT_TRUE(store_->Delete(WriteOptions(), "t1", id).ok());
  ASSERT_TRUE(mnemo::FlushAccessCounts(store_.get()).ok());
  EXPECT_TRUE(store_->Get(ReadOptions(), "t1", id, &out).IsNotFound());
  Namespace ns;
  EXPECT_TRUE(mnemo::LookupNamespace(store_.get(), id, &ns).IsNotFound());
}

TEST_F(StoreTest, ExpiredRecordsAreInvisibleAtOnce) {
  Record r = MakeRecord("t1", "a", "s", "short-lived");
  r.expires_at = kJan2024 + 10 * kSecond;
  RecordId id;
  ASSERT_TRUE(store_->Put(WriteOptions(), r, &id).ok());
  RecordId forever = PutText("a", "s", "forever");
  Record out;
  ASSERT_TRUE(store_->Get(ReadOptions(), "t1", id, &out).ok());
  clock_.Advance(10 * kSecond);
  EXPECT_TRUE(store_->Get(ReadOptions(), "t1", id, &out).IsNotFound());
  ScanOptions scan;
  scan.tenant = "t1";
  scan.agent = "a";
  ScanResult result;
  ASSERT_TRUE(store_->Scan(ReadOptions(), scan, &result).ok());
  ASSERT_EQ(result.records.size(), 1u);
  EXPECT_EQ(result.records[0].id, forever);
}

TEST_F(StoreTest, OpenReadOnlyRefusesWrites) {
  RecordId id = PutText("a", "s", "x");
  store_.reset();
  Options ro = options_;
  ro.read_only = true;
  std::unique_ptr<Store> reader;
  ASSERT_TRUE(Store::Open(ro, dir_.Sub("db"), &reader).ok());
  Record out;
  ASSERT_TRUE(reader->Get(ReadOptions(), "t1", id, &out).ok());
  RecordId id2;
  EXPECT_TRUE(reader->Put(WriteOptions(), MakeRecord("t1", "a", "s", "y"), &id2)
                  .IsFailedPrecondition());
}

TEST_F(StoreTest, RestoreKeepsIdsAndFields) {
  Record r = MakeRecord("t1", "a", "s", "restored", kJan2024 - kDay);
  r.id = 42;
  r.created_time = kJan2024 - kDay;
  r.updated_time = kJan2024 - kDay;
  r.access_count = 7;
  r.version = 3;
  ASSERT_TRUE(mnemo::Import(store_.get(), WriteOptions(), {r}).ok());
  Record out;
  ReadOptions quiet;
  quiet.count_access = false;
  ASSERT_TRUE(store_->Get(quiet, "t1", 42, &out).ok());
  EXPECT_EQ(out.access_count, 7u);
  EXPECT_EQ(out.version, 3u);
  EXPECT_EQ(out.created_time, kJan2024 - kDay);
  EXPECT_TRUE(mnemo::Import(store_.get(), WriteOptions(), {r}).IsAlreadyExists());
}

TEST(StoreOpenTest, CreatesMarkerAndRefusesForeignDirectory) {
  TempDir dir;
  std::filesystem::create_directories(dir.Sub("foreign"));
  ASSERT_TRUE(WriteFile(dir.Sub("foreign/notes.txt"), "hello"));
  std::unique_ptr<Store> store;
  Status s = Store::Open(Options(), dir.Sub("foreign"), &store);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("not a mnemo store"), std::string::npos);
  std::string notes;
  ASSERT_TRUE(ReadFile(dir.Sub("foreign/notes.txt"), &notes));
  EXPECT_EQ(notes, "hello");  // untouched
}

TEST(StoreOpenTest, MissingStoreWithoutCreateIsNotFound) {
  TempDir dir;
  Options options;
  options.create_if_missing = false;
  std::unique_ptr<Store> store;
  EXPECT_TRUE(Store::Open(options, dir.Sub("nope"), &store).IsNotFound());
  EXPECT_EQ(store, nullptr);
}

TEST(StoreOpenTest, NewerFormatIsRefused) {
  TempDir dir;
  {
    std::unique_ptr<Store> store;
    ASSERT_TRUE(Store::Open(Options(), dir.Sub("db"), &store).ok());
  }
  ASSERT_TRUE(WriteFile(dir.Sub("db/MNEMO"), "mnemo store format 99\n"));
  std::unique_ptr<Store> store;
  Status s = Store::Open(Options(), dir.Sub("db"), &store);
  EXPECT_TRUE(s.IsNotSupported()) << s.ToString();
  EXPECT_NE(s.message().find("newer"), std::string::npos);
}

TEST(StoreOpenTest, SecondWriterInSameProcessIsBusy) {
  TempDir dir;
  std::unique_ptr<Store> first, second;
  ASSERT_TRUE(Store::Open(Options(), dir.Sub("db"), &first).ok());
  Status s = Store::Open(Options(), dir.Sub("db"), &second);
  EXPECT_TRUE(s.IsBusy()) << s.ToString();
  EXPECT_NE(s.message().find(dir.Sub("db")), std::string::npos);
}

TEST(StoreOpenTest, PathThatIsAFileIsRejected) {
  TempDir dir;
  ASSERT_TRUE(WriteFile(dir.Sub("file"), "x"));
  std::unique_ptr<Store> store;
  EXPECT_TRUE(Store::Open(Options(), dir.Sub("file"), &store).IsInvalidArgument());
}

}  // namespace
}  // namespace mnemo::test
