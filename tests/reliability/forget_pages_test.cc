// Copyright (c) mnemo authors.
//
// Data safety: a record deleted or updated after compaction put it on a
// page must leave every way of reading that page. Each case pages a few
// records with distinctive words, checks that Tesseract reads those words
// off the page first (so their absence later means something), removes a
// record, and then checks the page image (OCR), the manifest JSON, the hot
// cache's pinned pixels and payloads, the BuildContext parts, `mnemo page`
// and the `mnemo dump --include-pages` files, before and after a reopen;
// the other records on the page stay legible. Deep verify stays clean.
// A record whose TTL runs out after it was paged must leave the same ways:
// unreadable at once, removed from the page at the next compaction run,
// even when RocksDB's own compaction ran over the records first.

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>

#include "cli_test_util.h"
#include "codec_test_util.h"
#include "mnemo/codec/downscale.h"
#include "mnemo/codec/png.h"
#include "mnemo/search.h"
#include "reliability_util.h"
#include "rocks_glue.h"
#include "store_test_util.h"

namespace mnemo::test {
namespace {

// One record per line of thought; the words checked are unique to each.
const std::vector<std::string> kTexts = {
    "Remember the bakery opens at seven on weekdays.",
    "The garden hose is stored behind the blue shed.",
    "My secret locker combination is marzipan volcano.",
    "Dinner reservations are booked for Friday evening.",
    "The old wifi password was lighthouse pumpernickel.",
    "Call the plumber about the leaking kitchen faucet.",
};
constexpr size_t kDeleted = 2, kUpdated = 4;
const std::vector<std::string> kDeletedWords = {"marzipan", "volcano", "secret",
                                                "locker", "combination"};
const std::vector<std::string> kOldWords = {"lighthouse", "pumpernickel",
                                            "wifi", "password"};
const std::vector<std::string> kKeptWords = {"bakery", "garden", "dinner",
                                             "plumber"};

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return s;
}

bool Has(const std::string& haystack, const std::string& word) {
  return Lower(haystack).find(word) != std::string::npos;
}

codec::GrayImage Decode(const std::string& png) {
  codec::GrayImage image;
  Status s = codec::DecodePng(png, codec::DecodeLimits(), &image);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return image;
}

class DataSafety : public StoreTest {
 protected:
  void SetUp() override {
    options_.cache.enabled = true;
    options_.cache.use_gpu = false;
    StoreTest::SetUp();
  }

  // Pages the records (30 days old at `now` = kJan2024: pixels, not yet
  // decayed; older: decayed too); returns the page they share.
  uint64_t PageRecords(Micros age, std::vector<RecordId>* ids) {
    std::vector<Record> records;
    for (size_t i = 0; i < kTexts.size(); ++i) {
      Record r =
          MakeRecord("t1", "keeper", i == kDeleted ? "s2" : "s1", kTexts[i],
                     kJan2024 - age + static_cast<Micros>(i) * kSecond);
      r.role = "user";
      if (expiring_) {  // the neighbours expire later than the checked one
        // (the others far beyond the real clock, which the CLI runs on)
        r.expires_at =
            i == kDeleted ? kJan2024 + kDay : kJan2024 + 20000 * kDay;
      }
      records.push_back(std::move(r));
    }
    EXPECT_TRUE(store_->PutBatch(WriteOptions(), records, ids).ok());
    CompactOptions options;
    options.now = kJan2024;
    EXPECT_TRUE(store_->Compact(options, nullptr).ok());
    Record first;
    EXPECT_TRUE(store_->Get(ReadOptions(), "t1", (*ids)[0], &first).ok());
    for (RecordId id : *ids) {
      Record r;
      EXPECT_TRUE(store_->Get(ReadOptions(), "t1", id, &r).ok());
      EXPECT_EQ(r.page.page_id, first.page.page_id) << "records share one page";
    }
    return first.page.page_id;
  }

  // Lower-cased OCR of a page image; a decayed page is read at twice its
  // size (Tesseract wants ~10 px letters).
  std::string Ocr(const std::string& png, const std::string& name) {
    codec::GrayImage image = Decode(png), big;
    std::string file = png;
    if (image.width < 1024) {
      EXPECT_TRUE(
          codec::Resize(image, image.width * 2, image.height * 2, &big).ok());
      EXPECT_TRUE(codec::EncodePng(big, 8, &file).ok());
    }
    std::string path = dir_.Sub(name + ".png"), text;
    EXPECT_TRUE(WriteFile(path, file));
    EXPECT_TRUE(codec::test::RunTesseract(path, &text)) << name;
    return Lower(text);
  }

  // The words are on the page before the change: the manifest has them
  // all, OCR reads most (a decayed page blurs some), the cache holds the
  // pixels and a payload derived from them.
  void ExpectReadable(uint64_t page_id, const std::vector<std::string>& words) {
    PageData page;
    ASSERT_TRUE(store_->GetPage(ReadOptions(), "t1", page_id, &page).ok());
    std::string ocr = Ocr(page.png, "before");
    size_t read = 0;
    for (const auto& w : words) {
      read += Has(ocr, w) ? 1 : 0;
      EXPECT_TRUE(Has(page.manifest_json, w)) << w;
    }
    EXPECT_GE(read, words.size() / 2 + 1)
        << "OCR cannot read the record before:\n"
        << ocr;
    std::vector<PinnedPage> pinned;
    ASSERT_TRUE(store_->cache()->PinPages("t1", {page_id}, &pinned).ok());
    ASSERT_TRUE(store_->cache()
                    ->PutKv("t1", page_id, "vision", "features of " + words[0])
                    .ok());
  }

  // After the change: no path yields `gone`; the kept words stay legible.
  void ExpectForgotten(uint64_t page_id, const std::vector<std::string>& gone,
                       const std::string& where) {
    PageData page;
    ASSERT_TRUE(store_->GetPage(ReadOptions(), "t1", page_id, &page).ok())
        << where;
    std::string ocr = Ocr(page.png, where);
    codec::GrayImage pixels = Decode(page.png);
    for (const auto& w : gone) {
      EXPECT_FALSE(Has(ocr, w)) << where << ": OCR still reads '" << w << "':\n"
                                << ocr;
      EXPECT_FALSE(Has(page.manifest_json, w))
          << where << ": manifest holds " << w;
    }
    for (const auto& w : kKeptWords) {
      EXPECT_TRUE(Has(ocr, w)) << where << ": kept '" << w << "' illegible:\n"
                               << ocr;
      EXPECT_TRUE(Has(page.manifest_json, w))
          << where << ": manifest lost " << w;
    }
    ExpectCacheAgrees(page_id, pixels, where);
    ExpectContextAgrees(page_id, pixels, gone, where);
  }

  void ExpectCacheAgrees(uint64_t page_id, const codec::GrayImage& pixels,
                         const std::string& where) {
    std::vector<PinnedPage> pinned;
    ASSERT_TRUE(store_->cache()->PinPages("t1", {page_id}, &pinned).ok());
    std::vector<uint8_t> cached(pinned[0].lease.size());
    ASSERT_TRUE(pinned[0]
                    .lease.cache()
                    ->Read(pinned[0].lease, 0, cached.data(), cached.size())
                    .ok());
    EXPECT_TRUE(cached == pixels.pixels)
        << where << ": the cache pins stale pixels";
    std::string payload;
    Status s = store_->cache()->GetKv("t1", page_id, "vision", &payload);
    EXPECT_TRUE(s.IsNotFound())
        << where << ": payload of the old page: " << s.ToString();
  }

  // Every context part: text without the words, page images equal to the
  // (OCR-checked) page or a crop of it.
  void ExpectContextAgrees(uint64_t page_id, const codec::GrayImage& pixels,
                           const std::vector<std::string>& gone,
                           const std::string& where) {
    for (bool crop : {false, true}) {
      for (const std::string& query : {gone[0], kKeptWords[0], std::string()}) {
        ContextOptions o;
        o.filter.tenant = "t1";
        o.filter.agent = "keeper";
        o.query = query;
        o.crop_pages = crop;
        Context context;
        ASSERT_TRUE(store_->BuildContext(o, &context).ok()) << where;
        for (const ContextPart& part : context.parts) {
          for (const auto& w : gone)
            EXPECT_FALSE(Has(part.text, w)) << where << ": " << w;
          if (part.kind != ContextPart::Kind::kPage || part.page_id != page_id)
            continue;
          codec::GrayImage image = Decode(part.png);
          for (int y = 0; y < image.height; ++y) {
            ASSERT_TRUE(std::equal(image.Row(y), image.Row(y) + image.width,
                                   pixels.Row(part.y + y) + part.x))
                << where << ": context page part differs from the page (crop "
                << crop << ")";
          }
        }
      }
    }
  }

  // `mnemo page` and `mnemo dump --include-pages` (store closed).
  void ExpectCliAgrees(uint64_t page_id, const codec::GrayImage& pixels,
                       const std::vector<std::string>& gone) {
    std::string db = dir_.Sub("db"), pages = dir_.Sub("pages");
    std::string png = dir_.Sub("cli.png"), json = dir_.Sub("cli.json");
    CliResult r =
        Mnemo("page --db " + Q(db) + " --page " + std::to_string(page_id) +
              " --out " + Q(png) + " --manifest " + Q(json));
    ASSERT_EQ(r.code, 0) << r.err;
    r = Mnemo("dump --db " + Q(db) + " --include-pages " + Q(pages));
    ASSERT_EQ(r.code, 0) << r.err;
    for (const auto& w : gone)
      EXPECT_FALSE(Has(r.out, w)) << "dump still holds " << w;
    std::string dumped_png =
        pages + "/page-" + std::to_string(page_id) + ".png";
    std::string dumped_json =
        pages + "/page-" + std::to_string(page_id) + ".json";
    for (const std::string& file : {png, dumped_png}) {
      std::string bytes;
      ASSERT_TRUE(ReadFile(file, &bytes)) << file;
      EXPECT_TRUE(Decode(bytes).pixels == pixels.pixels) << file;
    }
    for (const std::string& file : {json, dumped_json}) {
      std::string text;
      ASSERT_TRUE(ReadFile(file, &text)) << file;
      for (const auto& w : gone)
        EXPECT_FALSE(Has(text, w)) << file << ": " << w;
      EXPECT_TRUE(Has(text, kKeptWords[0])) << file;
    }
  }

  // Opens the closed store's database as the store configures it (TTL
  // filters at the test clock), runs `work` on it, and reopens the store.
  void WithRawDb(const std::function<void(
                     rocksdb::DB*, std::vector<rocksdb::ColumnFamilyHandle*>&)>&
                     work) {
    store_.reset();
    internal::RocksConfig config = internal::MakeRocksConfig(options_, &clock_);
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(config.db, dir_.Sub("db"), config.families,
                                  &handles, &db)
                    .ok());
    work(db, handles);
    for (auto* handle : handles) {
      EXPECT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
    }
    EXPECT_TRUE(db->Close().ok());
    delete db;
    Reopen();
  }

  // Runs RocksDB's compaction over every family, as its background jobs
  // eventually would.
  void ForceRocksCompaction() {
    WithRawDb([](rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*>& cfs) {
      rocksdb::CompactRangeOptions range;
      range.bottommost_level_compaction =
          rocksdb::BottommostLevelCompaction::kForce;
      for (auto* handle : cfs) {
        EXPECT_TRUE(db->CompactRange(range, handle, nullptr, nullptr).ok());
      }
    });
  }

  // The record expires: record reads lose it at once and page reads blank
  // it; RocksDB compacts; the next compaction run removes it for good.
  void Expire(RecordId id, uint64_t page_id) {
    clock_.Set(kJan2024 + 2 * kDay);
    Record r;
    EXPECT_TRUE(store_->Get(ReadOptions(), "t1", id, &r).IsNotFound());
    PageData page;
    ASSERT_TRUE(store_->GetPage(ReadOptions(), "t1", page_id, &page).ok());
    for (const auto& w : kDeletedWords) {
      EXPECT_FALSE(Has(page.manifest_json, w)) << "before compaction: " << w;
    }
    ExpectContextAgrees(page_id, Decode(page.png), kDeletedWords,
                        "expired, not yet compacted");
    ForceRocksCompaction();
    CompactResult result;
    ASSERT_TRUE(store_->Compact(CompactOptions(), &result).ok());
    EXPECT_EQ(result.records_expired, 1u);
    ForceRocksCompaction();  // nothing left for the filter to lose
  }

  bool expiring_ = false;

  // The whole round: before, change, every path, reopen, every path, CLI.
  void CheckEveryPath(uint64_t page_id, const std::vector<std::string>& gone,
                      const std::function<void()>& change) {
    ExpectReadable(page_id, gone);
    change();
    ExpectForgotten(page_id, gone, "after");
    Reopen();
    ExpectForgotten(page_id, gone, "reopened");
    ExpectVerifyClean(store_.get(), "after forgetting");
    PageData page;
    ASSERT_TRUE(store_->GetPage(ReadOptions(), "t1", page_id, &page).ok());
    store_.reset();
    ExpectCliAgrees(page_id, Decode(page.png), gone);
  }
};

TEST_F(DataSafety, DeletedTextLeavesEveryPage) {
  if (!codec::test::HaveTesseract())
    GTEST_SKIP() << "tesseract is not installed";
  std::vector<RecordId> ids;
  uint64_t page_id = PageRecords(30 * kDay, &ids);
  CheckEveryPath(page_id, kDeletedWords, [&] {
    ASSERT_TRUE(store_->Delete(WriteOptions(), "t1", ids[kDeleted]).ok());
  });
}

TEST_F(DataSafety, UpdatedTextLeavesEveryPage) {
  if (!codec::test::HaveTesseract())
    GTEST_SKIP() << "tesseract is not installed";
  std::vector<RecordId> ids;
  uint64_t page_id = PageRecords(30 * kDay, &ids);
  CheckEveryPath(page_id, kOldWords, [&] {
    RecordUpdate up;
    up.text = "The network key was changed.";
    ASSERT_TRUE(
        store_->Update(WriteOptions(), "t1", ids[kUpdated], up, nullptr).ok());
  });
}

TEST_F(DataSafety, DecayedPageForgetsDeletedSession) {
  if (!codec::test::HaveTesseract())
    GTEST_SKIP() << "tesseract is not installed";
  std::vector<RecordId> ids;
  uint64_t page_id = PageRecords(200 * kDay, &ids);
  PageData page;
  ASSERT_TRUE(store_->GetPage(ReadOptions(), "t1", page_id, &page).ok());
  ASSERT_EQ(page.info.tier, Tier::kDecayed);
  ASSERT_LT(page.info.width, page.first_width);
  RecordLocation where;
  ASSERT_TRUE(store_->LocateRecord("t1", ids[kDeleted], &where).ok());
  CheckEveryPath(page_id, kDeletedWords, [&] {  // the record is session s2
    uint64_t deleted = 0;
    ASSERT_TRUE(
        store_->DeleteSession(WriteOptions(), "t1", "keeper", "s2", &deleted)
            .ok());
    ASSERT_EQ(deleted, 1u);
  });
  Reopen();
  ASSERT_TRUE(store_->GetPage(ReadOptions(), "t1", page_id, &page).ok());
  codec::GrayImage image = Decode(page.png);
  // Its line pieces, at the decayed scale (records flow: other records on
  // the same lines keep their ink).
  for (const auto& rect : where.rects) {
    for (int y = rect.y; y < rect.y + rect.h; ++y) {
      const uint8_t* row = image.Row(y);
      EXPECT_TRUE(std::all_of(row + rect.x, row + rect.x + rect.w,
                              [](uint8_t p) { return p == 255; }))
          << "row " << y
          << " of the decayed page keeps ink of the deleted record";
    }
  }
}

TEST_F(DataSafety, ExpiredPagedRecordLeavesItsPage) {
  if (!codec::test::HaveTesseract())
    GTEST_SKIP() << "tesseract is not installed";
  expiring_ = true;
  std::vector<RecordId> ids;
  uint64_t page_id = PageRecords(30 * kDay, &ids);
  CheckEveryPath(page_id, kDeletedWords, [&] { Expire(ids[kDeleted], page_id); });
  Reopen();
  for (size_t i = 0; i < ids.size(); ++i) {  // the neighbours stay, paged
    Record r;
    Status s = store_->Get(ReadOptions(), "t1", ids[i], &r);
    EXPECT_EQ(s.ok(), i != kDeleted) << i << ": " << s.ToString();
    if (s.ok()) {
      EXPECT_EQ(r.page.page_id, page_id);
    }
  }
}

TEST_F(DataSafety, ExpiredRecordLeavesDecayedPage) {
  if (!codec::test::HaveTesseract())
    GTEST_SKIP() << "tesseract is not installed";
  expiring_ = true;
  std::vector<RecordId> ids;
  uint64_t page_id = PageRecords(200 * kDay, &ids);
  PageData page;
  ASSERT_TRUE(store_->GetPage(ReadOptions(), "t1", page_id, &page).ok());
  ASSERT_EQ(page.info.tier, Tier::kDecayed);
  CheckEveryPath(page_id, kDeletedWords, [&] { Expire(ids[kDeleted], page_id); });
}

// A store written before the expiry index (none of its keys): verify does
// not check it, the next compaction run builds it, and then verify checks
// it and repairs a missing or a stray entry.
TEST_F(DataSafety, ExpiryIndexBuiltForOlderStore) {
  expiring_ = true;
  std::vector<RecordId> ids;
  uint64_t page_id = PageRecords(30 * kDay, &ids);
  auto drop_index = [](rocksdb::DB* db,
                       std::vector<rocksdb::ColumnFamilyHandle*>& cfs) {
    rocksdb::WriteBatch batch;
    // The expiry index: its 'x' and 'y' keys.
    std::string lo(1, 'x'), hi(1, 'z');
    ASSERT_TRUE(batch.DeleteRange(cfs[2], lo, hi).ok());  // index family
    ASSERT_TRUE(batch.Delete(cfs[0], "mnemo.expiry_index").ok());
    ASSERT_TRUE(db->Write(rocksdb::WriteOptions(), &batch).ok());
  };
  WithRawDb(drop_index);
  ExpectVerifyClean(store_.get(), "older store");
  clock_.Set(kJan2024 + 2 * kDay);
  ForceRocksCompaction();
  CompactResult result;
  ASSERT_TRUE(store_->Compact(CompactOptions(), &result).ok());
  EXPECT_EQ(result.records_expired, 1u) << "the first run built the index";
  PageData page;
  ASSERT_TRUE(store_->GetPage(ReadOptions(), "t1", page_id, &page).ok());
  EXPECT_FALSE(Has(page.manifest_json, kDeletedWords[0]));
  EXPECT_TRUE(Has(page.manifest_json, kKeptWords[0]));
  ExpectVerifyClean(store_.get(), "index built");

  WithRawDb([](rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*>& cfs) {
    rocksdb::ReadOptions ro;
    ro.total_order_seek = true;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cfs[2]));
    it->Seek("x");
    ASSERT_TRUE(it->Valid() && it->key()[0] == 'x') << "neighbours indexed";
    rocksdb::WriteBatch batch;
    ASSERT_TRUE(batch.Delete(cfs[2], it->key()).ok());
    std::string stray = it->key().ToString();
    stray.back() ^= 0x55;  // another record id
    ASSERT_TRUE(batch.Put(cfs[2], stray, it->value()).ok());
    ASSERT_TRUE(db->Write(rocksdb::WriteOptions(), &batch).ok());
  });
  ExpectVerifyFindsAndRepairs(store_.get(), 2);
}

TEST_F(DataSafety, ExpiredRecordNeverReachesAPage) {
  std::vector<Record> records;
  for (size_t i = 0; i < kTexts.size(); ++i) {
    records.push_back(
        MakeRecord("t1", "keeper", "s1", kTexts[i],
                   kJan2024 - 30 * kDay + static_cast<Micros>(i) * kSecond));
  }
  // Expires once it is warm text (the warm pass deletes expired hot
  // records; warm ones used to be paged as they were).
  records[kDeleted].expires_at = kJan2024 - 27 * kDay;
  std::vector<RecordId> ids;
  ASSERT_TRUE(store_->PutBatch(WriteOptions(), records, &ids).ok());
  CompactOptions options;
  options.now = kJan2024 - 28 * kDay;  // warm, not yet due for pages
  ASSERT_TRUE(store_->Compact(options, nullptr).ok());
  Record warm;
  ASSERT_TRUE(store_->Get(ReadOptions(), "t1", ids[0], &warm).ok());
  ASSERT_EQ(warm.tier, Tier::kWarm);
  options.now = kJan2024;
  ASSERT_TRUE(store_->Compact(options, nullptr).ok());
  std::vector<PageInfo> pages;
  ASSERT_TRUE(store_->ListPages(ReadOptions(), "t1", "keeper", &pages).ok());
  ASSERT_FALSE(pages.empty());
  for (const PageInfo& info : pages) {
    PageData page;
    ASSERT_TRUE(store_->GetPage(ReadOptions(), "t1", info.page_id, &page).ok());
    EXPECT_TRUE(Has(page.manifest_json, kKeptWords[0]));
    for (const auto& w : kDeletedWords) {
      EXPECT_FALSE(Has(page.manifest_json, w))
          << "an expired record was paged: " << w;
    }
  }
  ExpectVerifyClean(store_.get(), "after compaction");
}

}  // namespace
}  // namespace mnemo::test
