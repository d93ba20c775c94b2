// Copyright (c) mnemo authors.
//
// Corruption: bits are flipped in stored record values, history versions,
// pages and time-index entries, written straight into the database through
// the RocksDB API. Reads of a corrupt record must return Corruption (never
// garbage), the rest of the store stays readable, and Verify names the ids.

#include <rocksdb/db.h>

#include "envelope.h"
#include "keys.h"
#include "mnemo/admin.h"
#include "page_store.h"
#include "record_table_ids.h"
#include "reliability_util.h"
#include "rocks_glue.h"
#include "search_postings.h"
#include "store_test_util.h"

namespace mnemo::test {
namespace {

using internal::ColumnFamilyNames;

// The database of a closed store, opened directly with RocksDB.
class RawDb {
 public:
  // The store's database at `dir`, or with `index` its search index's own
  // instance (families "default" and "postings").
  explicit RawDb(const std::string& dir, bool index = false)
      : config_(internal::MakeRocksConfig(Options(), Clock::System())) {
    std::vector<rocksdb::ColumnFamilyDescriptor> families = config_.families;
    if (index) {
      families = {config_.families[internal::kDefault],
                  config_.families[internal::kPostings]};
    }
    for (const auto& f : families) names_.push_back(f.name);
    rocksdb::Status s = rocksdb::DB::Open(
        config_.db, index ? dir + "/" + internal::kIndexDir : dir, families,
        &handles_, &db_);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  ~RawDb() {
    for (auto* h : handles_) (void)db_->DestroyColumnFamilyHandle(h);
    delete db_;
  }
  rocksdb::ColumnFamilyHandle* cf(const char* name) {
    for (size_t i = 0; i < names_.size(); ++i) {
      if (names_[i] == name) return handles_[i];
    }
    return nullptr;
  }
  // Flips one bit of the value of `key` at `pos` (from the end when
  // negative). Returns false when the key is missing.
  bool FlipBit(const char* family, const std::string& key, long pos) {
    std::string value;
    if (!db_->Get(rocksdb::ReadOptions(), cf(family), key, &value).ok()) {
      return false;
    }
    size_t at = pos >= 0 ? static_cast<size_t>(pos) % value.size()
                         : value.size() - static_cast<size_t>(-pos);
    value[at] ^= 0x10;
    return Set(family, key, value);
  }
  // Cuts the value of `key` to its first `size` bytes.
  bool Truncate(const char* family, const std::string& key, size_t size) {
    std::string value;
    if (!db_->Get(rocksdb::ReadOptions(), cf(family), key, &value).ok()) {
      return false;
    }
    return Set(family, key, value.substr(0, size));
  }
  bool Set(const char* family, const std::string& key,
           const std::string& value) {
    return db_->Put(rocksdb::WriteOptions(), cf(family), key, value).ok();
  }
  bool Get(const char* family, const std::string& key, std::string* value) {
    return db_->Get(rocksdb::ReadOptions(), cf(family), key, value).ok();
  }
  // The records key of `id` (format 3: its location in its ids block,
  // then the id); "" when it has no ids entry. *at: the byte offset of
  // the id's entry in the block value.
  std::string RecordKeyOf(RecordId id, size_t* at = nullptr) {
    std::string block;
    std::string_view location;
    size_t entry = 0;
    if (!Get(internal::kCfIds, internal::IdsBlockKey(id), &block) ||
        !internal::FindInIdsBlock(block, id, &location, &entry)) {
      return "";
    }
    if (at != nullptr) *at = entry;
    return std::string(location) + internal::RecordKey(id);
  }
  bool Delete(const char* family, const std::string& key) {
    return db_->Delete(rocksdb::WriteOptions(), cf(family), key).ok();
  }

 private:
  internal::RocksConfig config_;
  rocksdb::DB* db_ = nullptr;
  std::vector<std::string> names_;  // of handles_
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

class CorruptionTest : public StoreTest {
 protected:
  // 60 old records of agent a (compacted onto pages), 10 fresh ones of
  // agent b, one updated record (history).
  void Fill() {
    for (int i = 0; i < 60; ++i) {
      old_.push_back(PutText("a", "s", "old record " + std::to_string(i) +
                                           " about the harbour and the tide",
                             kJan2024 - 40 * kDay + i * kSecond));
    }
    CompactOptions compact;
    compact.now = kJan2024;
    CompactResult result;
    ASSERT_TRUE(store_->Compact(compact, &result).ok());
    ASSERT_GT(result.pages_written, 0u);
    for (int i = 0; i < 10; ++i) {
      fresh_.push_back(PutText("b", "s", "fresh record " + std::to_string(i)));
    }
    RecordUpdate update;
    update.text = "updated text";
    ASSERT_TRUE(store_->Update(WriteOptions(), "t1", fresh_[5], update,
                               nullptr).ok());
    Record r;
    ASSERT_TRUE(store_->Get(ReadOptions(), "t1", old_[0], &r).ok());
    ASSERT_TRUE(r.page.valid());
    page_ = r.page.page_id;
  }

  std::vector<RecordId> old_, fresh_;
  uint64_t page_ = 0;
};

bool Reports(const VerifyReport& report, VerifyProblem::Kind kind,
             RecordId id) {
  for (const VerifyProblem& p : report.problems) {
    if (p.kind == kind && p.id == id) return true;
  }
  return false;
}

TEST_F(CorruptionTest, FlippedBitsAreDetectedAndReportedWithIds) {
  Fill();
  Record hot;
  ASSERT_TRUE(store_->Get(ReadOptions(), "t1", fresh_[2], &hot).ok());
  store_.reset();
  {
    RawDb raw(dir_.Sub("db"));
    // Hot record (middle of its text), warm/paged record (its header),
    // a history version and the page image.
    ASSERT_TRUE(raw.FlipBit(internal::kCfRecords, raw.RecordKeyOf(fresh_[1]), -12));
    ASSERT_TRUE(raw.FlipBit(internal::kCfRecords, raw.RecordKeyOf(old_[30]), 20));
    ASSERT_TRUE(raw.FlipBit(internal::kCfHistory, internal::HistoryKey(fresh_[5], 1), 30));
    ASSERT_TRUE(raw.FlipBit(internal::kCfPages, internal::PageKey(page_), 500));
    // An ids entry: the last byte of the time in its location (after the
    // entry's offset byte).
    size_t entry = 0;
    ASSERT_FALSE(raw.RecordKeyOf(fresh_[2], &entry).empty());
    ASSERT_TRUE(raw.FlipBit(internal::kCfIds, internal::IdsBlockKey(fresh_[2]),
                            static_cast<long>(entry + 1 + 11)));
  }
  Reopen();
  ReadOptions quiet;
  quiet.count_access = false;
  for (RecordId bad : {fresh_[1], old_[30]}) {
    Record r;
    Status s = store_->Get(quiet, "t1", bad, &r);
    EXPECT_TRUE(s.IsCorruption()) << bad << ": " << s.ToString();
    EXPECT_NE(s.message().find(RecordIdToString(bad)), std::string::npos)
        << s.ToString();
  }
  std::vector<Record> versions;
  EXPECT_TRUE(store_->History(ReadOptions(), "t1", fresh_[5], &versions)
                  .IsCorruption());
  PageData page;
  Status s = store_->GetPage(ReadOptions(), "t1", page_, &page);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  // The rest stays readable, records of the corrupt page included (their
  // text is kept).
  for (RecordId id : old_) {
    if (id == old_[30]) continue;
    Record r;
    ASSERT_TRUE(store_->Get(quiet, "t1", id, &r).ok()) << id;
    EXPECT_EQ(r.text.rfind("old record ", 0), 0u);
  }
  for (RecordId id : fresh_) {
    if (id == fresh_[1]) continue;
    Record r;
    Status got = store_->Get(quiet, "t1", id, &r);
    // The ids entry of fresh_[2] points beside its record: not found by id
    // until verify repairs the entry (a scan still finds it).
    if (id == fresh_[2]) {
      EXPECT_TRUE(got.IsNotFound()) << got.ToString();
      continue;
    }
    ASSERT_TRUE(got.ok()) << id;
  }

  VerifyOptions options;
  options.deep = true;
  VerifyReport report;
  ASSERT_TRUE(mnemo::Verify(store_.get(), options, &report).ok());
  EXPECT_TRUE(Reports(report, VerifyProblem::Kind::kCorruptRecord, fresh_[1]));
  EXPECT_TRUE(Reports(report, VerifyProblem::Kind::kCorruptRecord, old_[30]));
  EXPECT_TRUE(Reports(report, VerifyProblem::Kind::kCorruptHistory, fresh_[5]));
  EXPECT_TRUE(Reports(report, VerifyProblem::Kind::kIndexMismatch, fresh_[2]));
  EXPECT_GT(report.pages_checked, 0u);
  bool page_reported = false;
  for (const VerifyProblem& p : report.problems) {
    page_reported |= p.kind == VerifyProblem::Kind::kCorruptPage &&
                     p.page_id == page_ &&
                     p.message.find(std::to_string(page_)) != std::string::npos;
  }
  EXPECT_TRUE(page_reported) << "verify missed corrupt page " << page_;
  // Every other record of that page names it as lost.
  EXPECT_TRUE(Reports(report, VerifyProblem::Kind::kDanglingPageRef, old_[0]));
}

TEST_F(CorruptionTest, ScanNeverReturnsGarbage) {
  Fill();
  store_.reset();
  {
    RawDb raw(dir_.Sub("db"));
    ASSERT_TRUE(raw.FlipBit(internal::kCfRecords, raw.RecordKeyOf(fresh_[3]), 40));
  }
  Reopen();
  ScanOptions scan;
  scan.tenant = "t1";
  scan.agent = "b";
  ScanResult result;
  Status s = store_->Scan(ReadOptions(), scan, &result);
  if (s.ok()) {
    for (const Record& r : result.records) {
      EXPECT_NE(r.id, fresh_[3]) << "a corrupt record was returned";
      EXPECT_TRUE(r.text.rfind("fresh record", 0) == 0 || r.text == "updated text");
    }
  } else {
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_NE(s.message().find(RecordIdToString(fresh_[3])), std::string::npos);
  }
  // Other agents' scans are untouched.
  scan.agent = "a";
  scan.limit = 1000;
  result = ScanResult();
  ASSERT_TRUE(store_->Scan(ReadOptions(), scan, &result).ok());
  EXPECT_EQ(result.records.size(), old_.size());
}

TEST_F(CorruptionTest, TruncatedAndEmptyValuesAreCorruptionNotCrashes) {
  Fill();
  store_.reset();
  {
    RawDb raw(dir_.Sub("db"));
    // Inside version 2's fixed header, just after it, and one byte short
    // of the smallest whole value: every cut truncates any record.
    size_t cuts[] = {0,
                     1,
                     5,
                     17,
                     internal::kV2FixedSize - 1,
                     internal::kV2FixedSize + 3,
                     internal::kMinV2Size - 1};
    for (size_t i = 0; i < std::size(cuts); ++i) {
      ASSERT_TRUE(raw.Truncate(internal::kCfRecords,
                               raw.RecordKeyOf(fresh_[i]), cuts[i]));
    }
    ASSERT_TRUE(raw.Truncate(internal::kCfPages, internal::PageKey(page_), 40));
  }
  Reopen();
  for (size_t i = 0; i < 7; ++i) {
    Record r;
    Status s = store_->Get(ReadOptions(), "t1", fresh_[i], &r);
    EXPECT_TRUE(s.IsCorruption() || (i == 0 && s.IsNotFound()))
        << "cut to " << i << ": " << s.ToString();
  }
  PageData page;
  EXPECT_TRUE(
      store_->GetPage(ReadOptions(), "t1", page_, &page).IsCorruption());
  VerifyOptions options;
  options.deep = true;
  VerifyReport report;
  ASSERT_TRUE(mnemo::Verify(store_.get(), options, &report).ok());
  for (size_t i = 0; i < 7; ++i) {
    if (i == 0) continue;  // an empty value may read as "no record"
    EXPECT_TRUE(Reports(report, VerifyProblem::Kind::kCorruptRecord, fresh_[i]))
        << "record " << fresh_[i] << " cut to " << i;
  }
}

// The page value keeps a valid checksum but its PNG is cut: the header
// still reads, so only --deep (which decodes the image) finds it.
TEST_F(CorruptionTest, DeepVerifyDecodesPageImages) {
  Fill();
  store_.reset();
  {
    RawDb raw(dir_.Sub("db"));
    std::string value;
    ASSERT_TRUE(raw.Get(internal::kCfPages, internal::PageKey(page_), &value));
    internal::StoredPage page;
    ASSERT_TRUE(internal::DecodePage(value, page_, &page).ok());
    page.png.resize(page.png.size() / 2);
    internal::EncodePage(page, &value);
    ASSERT_TRUE(raw.Set(internal::kCfPages, internal::PageKey(page_), value));
  }
  Reopen();
  VerifyOptions options;
  VerifyReport report;
  ASSERT_TRUE(mnemo::Verify(store_.get(), options, &report).ok());
  EXPECT_TRUE(report.ok()) << report.problems[0].message;
  options.deep = true;
  ASSERT_TRUE(mnemo::Verify(store_.get(), options, &report).ok());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problems.back().kind, VerifyProblem::Kind::kCorruptPage);
  EXPECT_EQ(report.problems.back().page_id, page_);
  EXPECT_NE(report.problems.back().message.find("image"), std::string::npos)
      << report.problems.back().message;
}

// A missing page, a live-set key of a record not on the page and a missing
// live-set key are found; repair moves the orphaned records back to warm
// text, and the next compaction renders them onto new pages.
TEST_F(CorruptionTest, RepairRebuildsPagesFromKeptText) {
  Fill();
  store_.reset();
  {
    RawDb raw(dir_.Sub("db"));
    ASSERT_TRUE(raw.Delete(internal::kCfPages, internal::PageKey(page_)));
    ASSERT_TRUE(raw.Set(internal::kCfPages, internal::LiveKey(page_ + 1, fresh_[0]), ""));
  }
  Reopen();
  VerifyOptions options;
  options.deep = true;
  VerifyReport report;
  ASSERT_TRUE(mnemo::Verify(store_.get(), options, &report).ok());
  EXPECT_TRUE(Reports(report, VerifyProblem::Kind::kDanglingPageRef, old_[0]));
  EXPECT_TRUE(Reports(report, VerifyProblem::Kind::kDanglingLiveKey, fresh_[0]));
  EXPECT_FALSE(report.ok());
  options.repair = true;
  ASSERT_TRUE(mnemo::Verify(store_.get(), options, &report).ok());
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.problem_count, report.repaired_count);
  options.repair = false;
  ASSERT_TRUE(mnemo::Verify(store_.get(), options, &report).ok());
  EXPECT_EQ(report.problem_count, 0u) << report.problems[0].message;
  ReadOptions quiet;
  quiet.count_access = false;
  Record r;
  ASSERT_TRUE(store_->Get(quiet, "t1", old_[0], &r).ok());
  EXPECT_EQ(r.tier, Tier::kWarm);
  EXPECT_FALSE(r.page.valid());
  EXPECT_EQ(r.text.rfind("old record 0 ", 0), 0u);
  CompactOptions compact;
  compact.now = kJan2024;
  CompactResult result;
  ASSERT_TRUE(store_->Compact(compact, &result).ok());
  EXPECT_GT(result.pages_written, 0u);
  ASSERT_TRUE(store_->Get(quiet, "t1", old_[0], &r).ok());
  EXPECT_TRUE(r.page.valid());
  ASSERT_TRUE(mnemo::Verify(store_.get(), options, &report).ok());
  EXPECT_EQ(report.problem_count, 0u) << report.problems[0].message;
}

// Searches agent b of t1 for `word`; the ids found.
std::vector<RecordId> SearchB(Store* store, const std::string& word) {
  SearchOptions search;
  search.filter.tenant = "t1";
  search.filter.agent = "b";
  search.query = word;
  search.ranking.rerank_pool = 0;  // plain BM25: only records holding it
  search.k = 100;
  SearchResult result;
  EXPECT_TRUE(store->Search(search, &result).ok());
  std::vector<RecordId> ids;
  for (const SearchHit& hit : result.hits) ids.push_back(hit.id);
  return ids;
}

bool ReportsKind(const VerifyReport& report, VerifyProblem::Kind kind) {
  for (const VerifyProblem& p : report.problems) {
    if (p.kind == kind) return true;
  }
  return false;
}

// Postings written straight into the index's instance: a malformed list,
// a list naming another agent's record, and (deep only) a missing list.
// Verify names them; repair rebuilds the agent's index so search is right
// again.
TEST_F(CorruptionTest, PostingsAreVerifiedAndRebuilt) {
  Fill();
  // Indexed (fresh_[5] was updated to other words).
  ASSERT_EQ(SearchB(store_.get(), "fresh").size(), fresh_.size() - 1);
  store_.reset();
  std::string key_fresh = internal::PostingPrefix("t1", "b") + "fresh";
  std::string key_record = internal::PostingPrefix("t1", "b") + "record";
  {
    RawDb raw(dir_.Sub("db"), /*index=*/true);
    std::string value;
    ASSERT_TRUE(raw.Get(internal::kCfPostings, key_fresh, &value));
    ASSERT_TRUE(raw.Set(internal::kCfPostings, key_fresh, "\x05\x01"));  // cut
    std::string stolen;  // agent a's record in agent b's list
    internal::EncodePostings({{old_[3], 1, 7}}, &stolen);
    ASSERT_TRUE(raw.Set(internal::kCfPostings,
                        internal::PostingPrefix("t1", "b") + "harbour", stolen));
  }
  Reopen();
  VerifyOptions options;
  VerifyReport report;
  ASSERT_TRUE(mnemo::Verify(store_.get(), options, &report).ok());
  EXPECT_GT(report.postings_checked, 0u);
  EXPECT_TRUE(ReportsKind(report, VerifyProblem::Kind::kCorruptPostings));
  EXPECT_TRUE(Reports(report, VerifyProblem::Kind::kDanglingPosting, old_[3]));
  options.repair = true;
  ASSERT_TRUE(mnemo::Verify(store_.get(), options, &report).ok());
  EXPECT_TRUE(report.ok());
  options.repair = false;
  options.deep = true;
  ASSERT_TRUE(mnemo::Verify(store_.get(), options, &report).ok());
  EXPECT_EQ(report.problem_count, 0u) << report.problems[0].message;
  EXPECT_EQ(SearchB(store_.get(), "fresh").size(), fresh_.size() - 1);
  EXPECT_TRUE(SearchB(store_.get(), "harbour").empty());

  // A lost list: only the deep check (text analyzed again) sees it.
  store_.reset();
  {
    RawDb raw(dir_.Sub("db"), /*index=*/true);
    ASSERT_TRUE(raw.Delete(internal::kCfPostings, key_record));
  }
  Reopen();
  options.deep = false;
  ASSERT_TRUE(mnemo::Verify(store_.get(), options, &report).ok());
  EXPECT_TRUE(report.ok());
  options.deep = true;
  ASSERT_TRUE(mnemo::Verify(store_.get(), options, &report).ok());
  EXPECT_TRUE(Reports(report, VerifyProblem::Kind::kPostingsMismatch, fresh_[0]));
  options.repair = true;
  ASSERT_TRUE(mnemo::Verify(store_.get(), options, &report).ok());
  options.repair = false;
  ASSERT_TRUE(mnemo::Verify(store_.get(), options, &report).ok());
  EXPECT_EQ(report.problem_count, 0u) << report.problems[0].message;
  EXPECT_EQ(SearchB(store_.get(), "record").size(), fresh_.size() - 1);
}

}  // namespace
}  // namespace mnemo::test
