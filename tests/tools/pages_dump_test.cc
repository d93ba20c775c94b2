// Copyright (c) mnemo authors.
//
// mnemo dump --include-pages / mnemo import --pages: a compacted store
// (warm, pixels and decayed records, a record spanning pages) goes through
// dump -> import -> dump byte for byte, pages included; without the pages
// records come back as warm text; bad page files are refused by name.

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_test_util.h"
#include "mnemo/store.h"
#include "test_util.h"
#include "workload/page_files.h"

namespace mnemo::test {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr char kNow[] = "2024-06-01T00:00:00Z";
constexpr Micros kNowMicros = 1717200000LL * 1000000;

// New records (no ids) of tenant `tenant`, agent `agent`, `count` per age.
std::string Lines(const std::string& tenant, const std::string& agent, int count) {
  std::string out;
  const std::pair<const char*, const char*> ages[] = {
      {"2023-11-14T00:00:00", "decayed"}, {"2024-05-12T00:00:00", "pixels"},
      {"2024-05-29T00:00:00", "warm"}, {"2024-05-31T23:00:00", "hot"}};
  for (const auto& [day, tier] : ages) {
    for (int i = 0; i < count; ++i) {
      Json j = {{"tenant", tenant}, {"agent", agent}, {"session", "s1"},
                {"role", i % 2 ? "assistant" : "user"},
                {"text", std::string(tier) + " memory " + std::to_string(i) +
                             ": \"quoted\", tab\tand ünïcode"},
                {"event_time", std::string(day) + "." + std::to_string(100000 + i) + "Z"},
                {"importance", 0}};
      out += j.dump() + "\n";
    }
  }
  return out;
}

// A long tool output, 20 days old: it spans several pages.
std::string LongLine() {
  std::string text;
  for (int i = 0; text.size() < 30000; ++i) {
    text += "line " + std::to_string(i) + " of a long tool output. ";
  }
  Json j = {{"tenant", "demo"}, {"agent", "coder"}, {"session", "s2"},
            {"role", "tool"}, {"text", text},
            {"event_time", "2024-05-12T00:00:00.500000Z"}, {"importance", 0}};
  return j.dump() + "\n";
}

// Builds and compacts the source store; dumps it with its pages.
class PagesDumpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(WriteFile(tmp_.Sub("new.jsonl"), Lines("demo", "coder", 12) +
                                                     LongLine() +
                                                     Lines("demo", "researcher", 5) +
                                                     Lines("other", "bot", 3)));
    CliResult r = Mnemo("import --db " + Q(Src()) + " " + Q(tmp_.Sub("new.jsonl")));
    ASSERT_EQ(r.code, 0) << r.err;
    r = Mnemo("compact --db " + Q(Src()) + " --now " + kNow);
    ASSERT_EQ(r.code, 0) << r.err;
    r = Mnemo("dump --db " + Q(Src()) + " --include-pages " + Q(Pages()) +
              " --out " + Q(DumpFile()));
    ASSERT_EQ(r.code, 0) << r.err;
    ASSERT_NE(r.out.find(" pages to "), std::string::npos) << r.out;
    ASSERT_TRUE(ReadFile(DumpFile(), &dump_));
  }

  std::string Src() const { return tmp_.Sub("src"); }
  std::string Pages() const { return tmp_.Sub("pages"); }
  std::string DumpFile() const { return tmp_.Sub("dump.jsonl"); }

  // The dump's lines, parsed.
  std::vector<Json> DumpLines() const {
    std::vector<Json> out;
    std::istringstream in(dump_);
    for (std::string line; std::getline(in, line);) out.push_back(Json::parse(line));
    return out;
  }
  // A record (line) on a page with other records; *page: its page id.
  Json SharedPageRecord(std::string* page) const {
    std::map<std::string, int> per_page;
    for (const Json& j : DumpLines()) {
      if (!j["page"].is_null()) per_page[j["page"].get<std::string>()]++;
    }
    for (const Json& j : DumpLines()) {
      if (!j["page"].is_null() && per_page[j["page"].get<std::string>()] > 1 &&
          j["tenant"] == "demo") {
        *page = j["page"].get<std::string>();
        return j;
      }
    }
    ADD_FAILURE() << "no shared page";
    return Json();
  }
  // A copy of the page files in `name`.
  std::string CopyOfPages(const std::string& name) const {
    fs::copy(Pages(), tmp_.Sub(name), fs::copy_options::recursive);
    return tmp_.Sub(name);
  }
  CliResult Import(const std::string& db, const std::string& pages,
                   const std::string& file, const std::string& flags = "") {
    return Mnemo("import --db " + Q(db) + (pages.empty() ? "" : " --pages " + Q(pages)) +
                 " " + flags + " " + Q(file));
  }

  TempDir tmp_;
  std::string dump_;
};

std::map<std::string, std::string> FilesOf(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string bytes;
    EXPECT_TRUE(ReadFile(entry.path().string(), &bytes));
    files[entry.path().filename().string()] = bytes;
  }
  return files;
}

TEST_F(PagesDumpTest, DumpImportDumpIsByteIdenticalWithPages) {
  std::map<std::string, int> tiers;
  for (const Json& j : DumpLines()) tiers[j["tier"].get<std::string>()]++;
  ASSERT_GT(tiers["warm"], 0);
  ASSERT_GT(tiers["pixels"], 0);
  ASSERT_GT(tiers["decayed"], 0);
  ASSERT_GT(tiers["hot"], 0);
  std::map<std::string, std::string> pages = FilesOf(Pages());
  ASSERT_GT(pages.size(), 6u);
  Json meta = Json::parse(pages.begin()->first.ends_with(".json")
                              ? pages.begin()->second
                              : std::next(pages.begin())->second);
  for (const char* key : {"page_id", "tenant", "agent", "session", "tier", "profile", "width",
                          "height", "first_width", "vision_tokens", "created_time", "manifest"}) {
    EXPECT_TRUE(meta.contains(key)) << key;
  }
  EXPECT_EQ(meta["created_time"], kNow);

  CliResult r = Import(tmp_.Sub("copy"), Pages(), DumpFile());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err.find("lost their page"), std::string::npos) << r.err;
  r = Mnemo("dump --db " + Q(tmp_.Sub("copy")) + " --include-pages " + Q(tmp_.Sub("pages2")));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, dump_);
  EXPECT_EQ(FilesOf(tmp_.Sub("pages2")), pages);

  std::unique_ptr<Store> src, copy;
  ASSERT_TRUE(Store::Open(Options(), Src(), &src).ok());
  ASSERT_TRUE(Store::Open(Options(), tmp_.Sub("copy"), &copy).ok());
  std::vector<PageInfo> listed;
  ASSERT_TRUE(src->ListPages(ReadOptions(), "", "", &listed).ok());
  for (const PageInfo& info : listed) {
    PageData a, b;
    ASSERT_TRUE(
        src->GetPage(ReadOptions(), info.ns.tenant, info.page_id, &a).ok());
    ASSERT_TRUE(
        copy->GetPage(ReadOptions(), info.ns.tenant, info.page_id, &b).ok());
    EXPECT_EQ(a.png, b.png);
    EXPECT_EQ(a.info.live_records, b.info.live_records);
  }
  for (const Json& j : DumpLines()) {
    RecordId id = std::stoull(j["id"].get<std::string>());
    std::string tenant = j["tenant"].get<std::string>();
    Record got;
    ReadOptions quiet;
    quiet.count_access = false;
    ASSERT_TRUE(copy->Get(quiet, tenant, id, &got).ok());
    EXPECT_EQ(got.text, j["text"].get<std::string>());
    if (j["page"].is_null()) continue;
    RecordLocation a, b;
    ASSERT_TRUE(src->LocateRecord(tenant, id, &a).ok());
    ASSERT_TRUE(copy->LocateRecord(tenant, id, &b).ok());
    ASSERT_EQ(a.rects.size(), b.rects.size());
    EXPECT_EQ(a.rects.front().y, b.rects.front().y);
  }
  CompactOptions again;
  again.now = kNowMicros;
  CompactResult result;
  ASSERT_TRUE(copy->Compact(again, &result).ok());
  EXPECT_FALSE(result.changed());
  copy.reset();
  EXPECT_EQ(DumpOf(tmp_.Sub("copy")), dump_);
  r = Mnemo("verify --deep --db " + Q(tmp_.Sub("copy")));
  EXPECT_EQ(r.code, 0) << r.out << r.err;
}

TEST_F(PagesDumpTest, WithoutPagesRecordsComeBackAsWarmText) {
  size_t paged = 0;
  for (const Json& j : DumpLines()) paged += !j["page"].is_null();
  CliResult r = Import(tmp_.Sub("copy"), "", DumpFile());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find(std::to_string(paged) + " records lost their page reference"),
            std::string::npos) << r.err;
  EXPECT_NE(r.err.find("dump --include-pages"), std::string::npos) << r.err;
  std::istringstream in(DumpOf(tmp_.Sub("copy")));
  std::vector<Json> before = DumpLines();
  size_t i = 0;
  for (std::string line; std::getline(in, line); ++i) {
    Json after = Json::parse(line);
    ASSERT_LT(i, before.size());
    EXPECT_EQ(after["text"].get<std::string>(), before[i]["text"].get<std::string>());
    EXPECT_TRUE(after["page"].is_null());
    std::string tier = before[i]["tier"].get<std::string>();
    EXPECT_EQ(after["tier"].get<std::string>(), tier == "hot" ? "hot" : "warm");
  }
  EXPECT_EQ(i, before.size());
}

TEST_F(PagesDumpTest, DumpNeverOverwritesAPageFile) {
  CliResult r = Mnemo("dump --db " + Q(Src()) + " --include-pages " + Q(Pages()));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("already exists (not overwritten)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(Pages() + "/page-"), std::string::npos) << r.err;
}

TEST_F(PagesDumpTest, MissingOrCorruptPageFilesRejectTheImport) {
  std::string page;
  Json record = SharedPageRecord(&page);
  std::string png = "page-" + page + ".png";
  struct Case {
    std::string what, needle;
    std::function<void(const std::string& dir)> damage;
  } cases[] = {
      {"missing", png, [&](const std::string& dir) { fs::remove(dir + "/" + png); }},
      {"corrupt png", png,
       [&](const std::string& dir) { ASSERT_TRUE(WriteFile(dir + "/" + png, "\x89PNG garbage")); }},
      {"not listed", "does not list record " + record["id"].get<std::string>(),
       [&](const std::string& dir) {
         std::string file = dir + "/page-" + page + ".json", text;
         ASSERT_TRUE(ReadFile(file, &text));
         std::string id = "\"id\":" + record["id"].get<std::string>() + ",";
         ASSERT_NE(text.find(id), std::string::npos);
         ASSERT_TRUE(WriteFile(file, text.replace(text.find(id), id.size(), "\"id\":7,")));
       }},
  };
  for (const Case& c : cases) {
    std::string dir = CopyOfPages(c.what);
    c.damage(dir);
    std::string db = tmp_.Sub("db-" + c.what);
    CliResult r = Import(db, dir, DumpFile());
    EXPECT_EQ(r.code, 1) << c.what;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.what << ": " << r.err;
    EXPECT_NE(r.err.find("page " + page), std::string::npos) << c.what << ": " << r.err;
    EXPECT_NE(r.err.find("nothing imported"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(db)) << c.what;  // a store it created is removed
    // --skip-bad: those records come back as warm text, the rest on pages.
    r = Import(db, dir, DumpFile(), "--skip-bad");
    ASSERT_EQ(r.code, 0) << c.what << ": " << r.err;
    EXPECT_NE(r.err.find("record " + record["id"].get<std::string>() +
                         " restored as warm text"), std::string::npos) << r.err;
    std::istringstream in(DumpOf(db));
    size_t found = 0;
    for (std::string line; std::getline(in, line);) {
      Json j = Json::parse(line);
      if (j["id"] != record["id"]) continue;
      ++found;
      EXPECT_EQ(j["tier"].get<std::string>(), "warm");
      EXPECT_TRUE(j["page"].is_null());
      EXPECT_EQ(j["text"].get<std::string>(), record["text"].get<std::string>());
    }
    EXPECT_EQ(found, 1u) << c.what;
  }
}

TEST_F(PagesDumpTest, PageOfAnotherTenantIsRefused) {
  std::string page, other_page;
  Json record = SharedPageRecord(&page);
  for (const Json& j : DumpLines()) {
    if (j["tenant"] == "other" && !j["page"].is_null()) {
      other_page = j["page"].get<std::string>();
    }
  }
  ASSERT_FALSE(other_page.empty());
  record["page"] = other_page;
  ASSERT_TRUE(WriteFile(tmp_.Sub("one.jsonl"), record.dump() + "\n"));
  CliResult r = Import(tmp_.Sub("db"), Pages(), tmp_.Sub("one.jsonl"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("page " + other_page), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("tenant/agent differs from record " +
                       record["id"].get<std::string>()), std::string::npos) << r.err;
}

TEST_F(PagesDumpTest, PageIdInUseIsRefused) {
  CliResult r = Import(tmp_.Sub("copy"), Pages(), DumpFile());
  ASSERT_EQ(r.code, 0) << r.err;
  std::string page;
  Json record = SharedPageRecord(&page);
  std::string id = record["id"].get<std::string>();
  r = Mnemo("delete --db " + Q(tmp_.Sub("copy")) + " --id " + id);
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_TRUE(WriteFile(tmp_.Sub("one.jsonl"), record.dump() + "\n"));
  // A page file that differs from the stored page with that id is refused.
  std::string pages = CopyOfPages("changed");
  std::string json_path = pages + "/" + workload::PageJsonName(std::stoull(page));
  std::string json;
  ASSERT_TRUE(ReadFile(json_path, &json));
  Json changed = Json::parse(json);
  changed["vision_tokens"] = changed["vision_tokens"].get<int>() + 1;
  ASSERT_TRUE(WriteFile(json_path, changed.dump()));
  r = Import(tmp_.Sub("copy"), pages, tmp_.Sub("one.jsonl"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("nothing imported: page " + page + " already exists"),
            std::string::npos) << r.err;
  r = Mnemo("get --db " + Q(tmp_.Sub("copy")) + " --id " + id);
  EXPECT_EQ(r.code, 1);  // nothing written
  // The page as dumped is refused too: the delete blanked the record out of
  // the stored page, and restoring the old page under that id would bring
  // the deleted text back. (A page stored exactly as supplied is accepted:
  // DataSafety.ImportStreamsPastTheBatchLimit restores pages shared by
  // records of several batches.)
  r = Import(tmp_.Sub("copy"), Pages(), tmp_.Sub("one.jsonl"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("page " + page + " already exists"), std::string::npos)
      << r.err;
  r = Mnemo("get --db " + Q(tmp_.Sub("copy")) + " --id " + id);
  EXPECT_EQ(r.code, 1);
  r = Mnemo("verify --db " + Q(tmp_.Sub("copy")));
  EXPECT_EQ(r.code, 0) << r.out << r.err;
}

TEST_F(PagesDumpTest, PagesNeedADump) {
  CliResult r = Import(tmp_.Sub("db"), Pages(), tmp_.Sub("new.jsonl"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--pages applies to a dump"), std::string::npos) << r.err;
  r = Import(tmp_.Sub("db"), tmp_.Sub("nowhere"), DumpFile());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("not a directory"), std::string::npos) << r.err;
}

TEST(PageFiles, JsonRoundTripsAndRejectsBadFields) {
  PageData page;
  page.info.page_id = 18446744073709551615ull;
  page.info.ns = {"t", "a", "s"};
  page.info.tier = Tier::kDecayed;
  page.info.profile = "small";
  page.info.width = 512;
  page.info.height = 512;
  page.first_width = 1024;
  page.info.vision_tokens = 64;
  page.info.created_time = kNowMicros + 5;
  page.manifest_json = "{\"version\":1}";
  std::string json = workload::PageToJson(page);
  EXPECT_EQ(json.rfind("{\"page_id\":\"18446744073709551615\",\"tenant\":\"t\"", 0), 0u) << json;
  PageData back;
  Status s = workload::PageFromJson(json, &back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(back.info.page_id, page.info.page_id);
  EXPECT_EQ(back.info.created_time, page.info.created_time);
  EXPECT_EQ(back.first_width, 1024);
  EXPECT_EQ(back.manifest_json, page.manifest_json);
  EXPECT_EQ(workload::PageToJson(back), json);
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"\"page_id\":\"18446744073709551615\"", "\"page_id\":\"18446744073709551616\""},
           {"\"page_id\":\"18446744073709551615\"", "\"page_id\":7"},
           {"\"tier\":\"decayed\"", "\"tier\":\"frozen\""},
           {"\"width\":512", "\"width\":-1"},
           {"\"width\":512", "\"width\":1e999"},
           {"\"version\":1", "\"version\":-1e400"},
           {"\"created_time\":\"", "\"created_time\":\"x"},
           {"\"manifest\":{", "\"manifest\":[{"}}) {
    std::string bad = json;
    bad.replace(bad.find(from), from.size(), to);
    EXPECT_FALSE(workload::PageFromJson(bad, &back).ok()) << to;
  }
  EXPECT_FALSE(workload::PageFromJson(std::string(100000, '['), &back).ok());
}

}  // namespace
}  // namespace mnemo::test
