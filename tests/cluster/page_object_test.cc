// Copyright (c) mnemo authors.
//
// The page object of cluster mode (cluster_store_pages.cc): a page reads
// back exactly as written, and damage or a wrong tier is Corruption naming
// the object. Runs without a cluster.

#include <gtest/gtest.h>

#include <string>

#include "cluster_store_impl.h"

namespace mnemo::internal {
namespace {

PageData SamplePage() {
  PageData p;
  p.info.page_id = 0x0661edbde80e502eULL;
  p.info.ns = {"tc", "agent-1", "s0"};
  p.info.tier = Tier::kDecayed;
  p.info.profile = "base";
  p.info.width = 512;
  p.info.height = 700;
  p.info.vision_tokens = 258;
  p.info.live_records = 41;
  p.info.created_time = 1733450000000000;
  p.png = std::string("\x89PNG\r\n\x1a\n", 8) + std::string(3000, '\x07');
  p.manifest_json = R"({"text":"a b","items":[{"id":1}]})";
  p.scale = 0.5;
  p.first_width = 1024;
  return p;
}

TEST(PageObjectTest, RoundTripsEveryField) {
  const PageData in = SamplePage();
  std::string data;
  EncodePageObject(in, &data);
  PageData out;
  ASSERT_TRUE(DecodePageObject(data, "object p.x", &out).ok());
  EXPECT_EQ(out.info.page_id, in.info.page_id);
  EXPECT_EQ(out.info.ns.tenant, "tc");
  EXPECT_EQ(out.info.ns.agent, "agent-1");
  EXPECT_EQ(out.info.ns.session, "s0");
  EXPECT_EQ(out.info.tier, Tier::kDecayed);
  EXPECT_EQ(out.info.profile, "base");
  EXPECT_EQ(out.info.width, 512);
  EXPECT_EQ(out.info.height, 700);
  EXPECT_EQ(out.info.vision_tokens, 258);
  EXPECT_EQ(out.info.live_records, 41u);
  EXPECT_EQ(out.info.created_time, in.info.created_time);
  EXPECT_EQ(out.png, in.png);
  EXPECT_EQ(out.manifest_json, in.manifest_json);
  EXPECT_EQ(out.scale, 0.5);
  EXPECT_EQ(out.first_width, 1024);
}

TEST(PageObjectTest, DamageIsCorruptionNamingTheObject) {
  std::string data;
  EncodePageObject(SamplePage(), &data);
  for (size_t at : {size_t{5}, size_t{40}, data.size() / 2, data.size() - 1}) {
    std::string bad = data;
    bad[at] ^= 0x20;
    PageData out;
    Status s = DecodePageObject(bad, "object mnemo-meta/tc/p.1", &out);
    EXPECT_TRUE(s.IsCorruption()) << at << ": " << s.ToString();
    EXPECT_NE(s.message().find("mnemo-meta/tc/p.1"), std::string::npos);
  }
  PageData out;
  EXPECT_TRUE(DecodePageObject(data.substr(0, data.size() - 9), "p", &out)
                  .IsCorruption());
  EXPECT_TRUE(DecodePageObject("", "p", &out).IsCorruption());
}

TEST(PageObjectTest, OnlyPixelsAndDecayedPagesDecode) {
  PageData hot = SamplePage();
  hot.info.tier = Tier::kHot;
  std::string data;
  EncodePageObject(hot, &data);
  PageData out;
  Status s = DecodePageObject(data, "p", &out);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
}

TEST(PageObjectTest, NamesAndSpans) {
  EXPECT_EQ(PageOid(0x0661edbde80e502eULL), "p.0661edbde80e502e");
  PageRef ref;
  EXPECT_TRUE(PageSpan(ref).empty());
  ref.page_id = 10;
  EXPECT_EQ(PageSpan(ref), std::vector<uint64_t>({10}));  // count 0: one
  ref.page_count = 3;
  EXPECT_EQ(PageSpan(ref), std::vector<uint64_t>({10, 11, 12}));
}

}  // namespace
}  // namespace mnemo::internal
