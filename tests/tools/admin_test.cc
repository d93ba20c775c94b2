// Copyright (c) mnemo authors.
//
// mnemo verify / stats / checkpoint / backup / restore, and RocksDB's own
// ldb on a demo store. Corruption is injected through the RocksDB API.

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/merge_operator.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <thread>
#include <nlohmann/json.hpp>

#include "cli_test_util.h"
#include "mnemo/compaction.h"
#include "mnemo/store.h"
#include "test_util.h"

namespace mnemo::test {
namespace {

// The ids family's blocks are written by Merge (format 3). Reading them
// back raw needs a merge operator; concatenation is the store's fold for
// blocks that batches filled in id order, as the demo store's are.
class ConcatOperator : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing,
             const rocksdb::Slice& value, std::string* out,
             rocksdb::Logger*) const override {
    out->assign(existing != nullptr ? existing->ToString() : std::string());
    out->append(value.data(), value.size());
    return true;
  }
  const char* Name() const override { return "test.Concat"; }
};

// Opens a store's RocksDB directly with every column family.
class RawDb {
 public:
  explicit RawDb(const std::string& dir) {
    std::vector<std::string> names;
    rocksdb::DBOptions options;
    EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(options, dir, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const auto& name : names) {
      rocksdb::ColumnFamilyOptions cf;
      if (name == "ids") cf.merge_operator = std::make_shared<ConcatOperator>();
      families.emplace_back(name, cf);
    }
    rocksdb::Status s = rocksdb::DB::Open(options, dir, families, &handles_, &db_);
    EXPECT_TRUE(s.ok()) << s.ToString();
    for (size_t i = 0; i < names.size(); ++i) by_name_[names[i]] = handles_[i];
  }
  ~RawDb() {
    for (auto* h : handles_) (void)db_->DestroyColumnFamilyHandle(h);
    delete db_;
  }
  rocksdb::DB* db() { return db_; }
  rocksdb::ColumnFamilyHandle* cf(const std::string& name) { return by_name_[name]; }
  // First key/value of a column family with `prefix`.
  bool First(const std::string& family, const std::string& prefix,
             std::string* key, std::string* value) {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), cf(family)));
    it->Seek(prefix);
    if (!it->Valid() || !it->key().starts_with(prefix)) return false;
    *key = it->key().ToString();
    *value = it->value().ToString();
    return true;
  }

 private:
  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> by_name_;
};

std::string DecimalId(const std::string& key8) {
  uint64_t id = 0;
  for (unsigned char c : key8.substr(key8.size() - 8)) id = id << 8 | c;
  return std::to_string(id);
}

TEST(Admin, VerifyIntactStore) {
  TempDir tmp;
  MakeDemoStore(tmp.Sub("db"));
  CliResult r = Mnemo("verify --db " + Q(tmp.Sub("db")) + " --deep");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("checked 44 records, 44 index entries"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(intact)"), std::string::npos);
  // The read-only instance checks the full-text index too.
  r = Mnemo("verify --json --db " + Q(tmp.Sub("db")));
  EXPECT_GT(nlohmann::json::parse(r.out)["postings_checked"].get<int>(), 0) << r.out;
}

TEST(Admin, VerifyCatchesCorruptRecordValue) {
  TempDir tmp;
  MakeDemoStore(tmp.Sub("db"));
  std::string key, value;
  {
    RawDb raw(tmp.Sub("db"));
    ASSERT_TRUE(raw.First("records", "", &key, &value));
    value[value.size() / 2] ^= 0x20;
    ASSERT_TRUE(raw.db()->Put({}, raw.cf("records"), key, value).ok());
  }
  CliResult r = Mnemo("verify --db " + Q(tmp.Sub("db")));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("corrupt-record record " + DecimalId(key)),
            std::string::npos) << r.out;
  EXPECT_NE(r.err.find("1 unrepaired problems"), std::string::npos) << r.err;
  // Repair cannot invent the record; it still reports it.
  EXPECT_EQ(Mnemo("verify --repair --db " + Q(tmp.Sub("db"))).code, 1);
  // get and dump name the corrupt record instead of returning garbage.
  r = Mnemo("get --db " + Q(tmp.Sub("db")) + " --id " + DecimalId(key));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("record " + DecimalId(key)), std::string::npos) << r.err;
  EXPECT_EQ(Mnemo("dump --db " + Q(tmp.Sub("db"))).code, 1);
}

TEST(Admin, VerifyCatchesAndRepairsDanglingAndMissingIndex) {
  TempDir tmp;
  MakeDemoStore(tmp.Sub("db"));
  std::string before = DumpOf(tmp.Sub("db"));
  std::string key, dangling;  // 8-byte big-endian ids, for DecimalId
  {
    // The ids family (format 3) maps 'b' block(8) (= id >> 6) to entries
    // offset(1) slot(4) time(8), one per id of the block.
    RawDb raw(tmp.Sub("db"));
    std::string block_key, value;
    ASSERT_TRUE(raw.First("ids", "", &block_key, &value));
    ASSERT_EQ(block_key.size(), 9u);
    ASSERT_GE(value.size(), 13u);
    ASSERT_EQ(value.size() % 13, 0u);
    auto id_of = [](const std::string& block, unsigned char offset) {
      uint64_t n = 0;
      for (unsigned char c : block.substr(1)) n = n << 8 | c;
      std::string id8;
      for (int i = 7; i >= 0; --i) id8.push_back(static_cast<char>(((n << 6) | offset) >> (8 * i)));
      return id8;
    };
    // Format 6: a new record's entry has the offset's top bit set.
    const unsigned char offset = static_cast<unsigned char>(value[0]) & 0x3f;
    key = id_of(block_key, offset);
    std::string dangling_block = block_key;
    dangling_block[dangling_block.size() - 2] ^= 0x55;  // ids no record has
    dangling = id_of(dangling_block, offset);
    std::string bad = value.substr(0, 13);
    bad[1] ^= 0x7f;  // a slot the store never allocated
    ASSERT_TRUE(raw.db()->Put({}, raw.cf("ids"), dangling_block, bad).ok());
    // The first id's entry dropped from its block.
    ASSERT_TRUE(raw.db()->Put({}, raw.cf("ids"), block_key, value.substr(13)).ok());
  }
  CliResult r = Mnemo("verify --db " + Q(tmp.Sub("db")) + " --json");
  EXPECT_EQ(r.code, 1);
  auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["problem_count"], 2);
  std::string kinds = report["problems"].dump();
  EXPECT_NE(kinds.find("\"dangling-index\""), std::string::npos) << kinds;
  EXPECT_NE(kinds.find(DecimalId(dangling)), std::string::npos) << kinds;
  EXPECT_NE(kinds.find("\"missing-index\""), std::string::npos) << kinds;
  EXPECT_NE(kinds.find(DecimalId(key)), std::string::npos) << kinds;
  r = Mnemo("verify --repair --db " + Q(tmp.Sub("db")));
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("2 problems, 2 repaired"), std::string::npos) << r.out;
  EXPECT_EQ(Mnemo("verify --db " + Q(tmp.Sub("db"))).code, 0);
  EXPECT_EQ(DumpOf(tmp.Sub("db")), before);
}

// Drops the fields compaction changes (tier, page) from each dump line.
std::string TextFields(const std::string& dump) {
  std::string out;
  size_t pos = 0;
  while (pos < dump.size()) {
    size_t end = dump.find('\n', pos);
    std::string line = dump.substr(pos, end - pos);
    out += line.substr(0, line.find(",\"access_count\"")) + "\n";
    pos = end + 1;
  }
  return out;
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A demo store aged by compaction (2030): records on pages.
void MakeCompactedStore(const std::string& dir) {
  MakeDemoStore(dir);
  CliResult r = Mnemo("compact --db " + Q(dir) + " --now 2030-01-01T00:00:00Z");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
}

// The 8-byte page id of a 'p' key of the pages family, as a decimal.
std::string PageIdOf(const std::string& key) { return DecimalId(key.substr(1, 8)); }

TEST(Admin, VerifyCatchesCorruptPageBlobAndRepairs) {
  TempDir tmp;
  MakeCompactedStore(tmp.Sub("db"));
  std::string db = Q(tmp.Sub("db")), original = DumpOf(tmp.Sub("db"));
  std::string before = TextFields(original);
  std::string key, value;
  {
    RawDb raw(tmp.Sub("db"));
    ASSERT_TRUE(raw.First("pages", "p", &key, &value));
    value[value.size() / 2] ^= 0x08;
    ASSERT_TRUE(raw.db()->Put({}, raw.cf("pages"), key, value).ok());
  }
  CliResult r = Mnemo("verify --db " + db);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("corrupt-page page " + PageIdOf(key) + ": page " +
                       PageIdOf(key) + ": checksum mismatch"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dangling-page-ref record "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("is on a corrupt page"), std::string::npos) << r.out;
  // Repair moves the page's records back to warm text; nothing is lost and
  // the next compaction renders them again.
  r = Mnemo("verify --repair --db " + db);
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("repaired corrupt-page page " + PageIdOf(key)),
            std::string::npos) << r.out;
  EXPECT_EQ(Mnemo("verify --deep --db " + db).code, 0);
  EXPECT_EQ(TextFields(DumpOf(tmp.Sub("db"))), before);
  ASSERT_EQ(Mnemo("compact --db " + db + " --now 2030-01-01T00:00:00Z").code, 0);
  r = Mnemo("verify --deep --db " + db);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(Count(DumpOf(tmp.Sub("db")), "\"tier\":\"warm\""),
            Count(original, "\"tier\":\"warm\""));
}

TEST(Admin, VerifyCatchesDanglingPageReference) {
  TempDir tmp;
  MakeCompactedStore(tmp.Sub("db"));
  std::string key, value;
  {
    RawDb raw(tmp.Sub("db"));
    ASSERT_TRUE(raw.First("pages", "p", &key, &value));
    ASSERT_TRUE(raw.db()->Delete({}, raw.cf("pages"), key).ok());
  }
  CliResult r = Mnemo("verify --json --db " + Q(tmp.Sub("db")));
  EXPECT_EQ(r.code, 1);
  auto report = nlohmann::json::parse(r.out);
  bool dangling = false, live = false;
  for (const auto& p : report["problems"]) {
    if (p["kind"] == "dangling-page-ref") {
      dangling = true;
      EXPECT_EQ(p["page"], PageIdOf(key)) << p.dump();
      EXPECT_NE(p["message"].get<std::string>().find("does not exist"),
                std::string::npos) << p.dump();
      EXPECT_FALSE(p["id"].is_null()) << p.dump();
    }
    live |= p["kind"] == "dangling-live-key";
  }
  EXPECT_TRUE(dangling) << r.out;
  EXPECT_TRUE(live) << r.out;  // the lost page's live set is left behind
  EXPECT_EQ(Mnemo("verify --repair --db " + Q(tmp.Sub("db"))).code, 0);
  EXPECT_EQ(Mnemo("verify --deep --db " + Q(tmp.Sub("db"))).code, 0);
}

TEST(Admin, DumpVerifyStatsAfterCompaction) {
  TempDir tmp;
  MakeDemoStore(tmp.Sub("db"));
  std::string before = DumpOf(tmp.Sub("db"));
  {
    std::unique_ptr<Store> store;
    ASSERT_TRUE(Store::Open(Options(), tmp.Sub("db"), &store).ok());
    CompactOptions options;
    options.now = 1893456000LL * 1000000;  // 2030-01-01
    CompactResult result;
    Status s = store->Compact(options, &result);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_GT(result.pages_written, 0u);
  }
  std::string after = DumpOf(tmp.Sub("db"));
  EXPECT_NE(after, before);
  EXPECT_EQ(TextFields(after), TextFields(before));  // exact text kept
  EXPECT_NE(after.find("\"page\":\""), std::string::npos);
  CliResult r = Mnemo("verify --deep --db " + Q(tmp.Sub("db")));
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  r = Mnemo("stats --json --db " + Q(tmp.Sub("db")));
  EXPECT_GT(nlohmann::json::parse(r.out)["pages"].get<int>(), 0);
}

TEST(Admin, CheckpointBackupRestoreDumpsEqual) {
  TempDir tmp;
  MakeDemoStore(tmp.Sub("db"));
  std::string db = Q(tmp.Sub("db")), original = DumpOf(tmp.Sub("db"));
  CliResult r = Mnemo("checkpoint --db " + db + " --out " + Q(tmp.Sub("ck")));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(DumpOf(tmp.Sub("ck")), original);
  EXPECT_EQ(Mnemo("checkpoint --db " + db + " --out " + Q(tmp.Sub("ck"))).code, 1);
  ASSERT_EQ(Mnemo("backup --db " + db + " --to " + Q(tmp.Sub("bk"))).code, 0);
  r = Mnemo("backup --db " + db + " --to " + Q(tmp.Sub("bk")));
  EXPECT_NE(r.out.find("backup 2 of"), std::string::npos) << r.out << r.err;
  r = Mnemo("restore --from " + Q(tmp.Sub("bk")) + " --db " + Q(tmp.Sub("rs")));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(DumpOf(tmp.Sub("rs")), original);
  EXPECT_EQ(Mnemo("verify --db " + Q(tmp.Sub("rs"))).code, 0);
  // restore never overwrites a store; a missing backup is an error.
  r = Mnemo("restore --from " + Q(tmp.Sub("bk")) + " --db " + db);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("not empty"), std::string::npos) << r.err;
  r = Mnemo("restore --from " + Q(tmp.Sub("none")) + " --db " + Q(tmp.Sub("x")));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("no backup"), std::string::npos) << r.err;
}

// Holder records in a dump: every batch must be whole (atomic batches of 5).
size_t WholeBatchesOf(const std::string& dump) {
  std::map<int, int> items;
  std::regex batch("\"text\":\"batch ([0-9]+) item");
  for (auto it = std::sregex_iterator(dump.begin(), dump.end(), batch);
       it != std::sregex_iterator(); ++it) {
    ++items[std::stoi((*it)[1])];
  }
  for (const auto& [n, count] : items) EXPECT_EQ(count, 5) << "batch " << n;
  return items.size();
}

// The lines of a dump that are not the holder's.
std::string WithoutHolder(const std::string& dump) {
  std::string out;
  std::istringstream lines(dump);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("\"tenant\":\"holder\"") == std::string::npos) out += line + "\n";
  }
  return out;
}

// checkpoint and backup while another process keeps writing: they copy
// through a read-only instance; the copies open, verify, hold every record
// written before and only whole batches of the writer's.
TEST(Admin, CheckpointAndBackupBesideAWriterProcess) {
  TempDir tmp;
  MakeDemoStore(tmp.Sub("db"));
  std::string db = Q(tmp.Sub("db")), original = DumpOf(tmp.Sub("db"));
  FILE* holder = popen((Q(BinDir() + "/store_lock_holder") + " " + db + " " +
                        Q(tmp.Sub("release")) + " write").c_str(), "r");
  ASSERT_NE(holder, nullptr);
  char line[256] = {0};
  ASSERT_NE(fgets(line, sizeof line, holder), nullptr);
  ASSERT_STREQ(line, "ready\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CliResult ck = Mnemo("checkpoint --db " + db + " --out " + Q(tmp.Sub("ck")));
  CliResult bk = Mnemo("backup --db " + db + " --to " + Q(tmp.Sub("bk")));
  ASSERT_TRUE(WriteFile(tmp.Sub("release"), ""));
  ASSERT_NE(fgets(line, sizeof line, holder), nullptr);
  EXPECT_EQ(pclose(holder), 0);
  ASSERT_EQ(ck.code, 0) << ck.err;
  EXPECT_NE(ck.out.find("copied read-only"), std::string::npos) << ck.out;
  ASSERT_EQ(bk.code, 0) << bk.err;
  EXPECT_NE(bk.out.find("copied read-only"), std::string::npos) << bk.out;
  for (const auto& entry : std::filesystem::directory_iterator(tmp.Sub("bk"))) {
    EXPECT_EQ(entry.path().filename().string().find(".mnemo-staging"),
              std::string::npos) << "staging copy left behind";
  }
  ASSERT_EQ(Mnemo("restore --from " + Q(tmp.Sub("bk")) + " --db " + Q(tmp.Sub("rs"))).code, 0);
  int written = 0;
  ASSERT_EQ(std::sscanf(line, "wrote %d batches", &written), 1) << line;
  for (const char* copy : {"ck", "rs"}) {
    CliResult r = Mnemo("verify --deep --db " + Q(tmp.Sub(copy)));
    EXPECT_EQ(r.code, 0) << copy << ": " << r.out << r.err;
    std::string dump = DumpOf(tmp.Sub(copy));
    EXPECT_EQ(WithoutHolder(dump), original) << copy;
    size_t batches = WholeBatchesOf(dump);
    EXPECT_GT(batches, 0u) << copy << " was copied before the writer wrote";
    EXPECT_LE(batches, static_cast<size_t>(written)) << copy;
  }
  EXPECT_EQ(WholeBatchesOf(DumpOf(tmp.Sub("db"))), static_cast<size_t>(written));
}

TEST(Admin, StatsFormats) {
  TempDir tmp;
  MakeDemoStore(tmp.Sub("db"));
  CliResult r = Mnemo("stats --json --db " + Q(tmp.Sub("db")));
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["records"], kDemoRecords);
  EXPECT_EQ(j["records_per_tier"]["hot"], kDemoRecords);
  EXPECT_EQ(j["records_per_tenant"]["demo"], kDemoRecords);
  EXPECT_EQ(j["namespaces"], 4);
  EXPECT_GE(j["column_families"].size(), 6u);
  r = Mnemo("stats --prometheus --db " + Q(tmp.Sub("db")));
  EXPECT_NE(r.out.find("mnemo_records 44\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("mnemo_agent_records{tenant=\"demo\",agent=\"coder\"} 22"),
            std::string::npos);
  EXPECT_NE(r.out.find("# TYPE mnemo_cf_sst_bytes gauge"), std::string::npos);
  r = Mnemo("stats --db " + Q(tmp.Sub("db")));
  EXPECT_NE(r.out.find("records      44 live"), std::string::npos) << r.out;
}

TEST(Admin, LdbListsColumnFamiliesOfADemoStore) {
  std::string out;
  if (RunCommand("command -v ldb", &out) != 0) {
    GTEST_SKIP() << "ldb (Debian package rocksdb-tools) is not installed";
  }
  TempDir tmp;
  MakeDemoStore(tmp.Sub("db"));
  ASSERT_EQ(RunCommand("ldb --db=" + Q(tmp.Sub("db")) + " list_column_families",
                       &out, true), 0) << out;
  for (const char* cf : {"default", "records", "index", "history"}) {
    EXPECT_NE(out.find(cf), std::string::npos) << out;
  }
}

}  // namespace
}  // namespace mnemo::test
