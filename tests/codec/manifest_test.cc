// Copyright (c) mnemo authors.
//
// Manifest serialization: round trip, checksum, bounds, fuzz, JSON.

#include <gtest/gtest.h>

#include <random>

#include "codec_test_util.h"
#include "mnemo/codec/manifest.h"

namespace mnemo::codec {
namespace {

PageManifest SampleManifest() {
  std::unique_ptr<Renderer> r;
  EXPECT_TRUE(Renderer::Create(*FindProfile("tiny"), &r).ok());
  std::vector<Page> pages;
  EXPECT_TRUE(r->Pack(test::ParagraphItems(test::ReadCodecData("dialogue.txt"),
                                           600, true), &pages).ok());
  return pages.at(0).manifest;
}

void ExpectEqual(const PageManifest& a, const PageManifest& b) {
  EXPECT_EQ(a.page_index, b.page_index);
  EXPECT_EQ(a.line_count, b.line_count);
  EXPECT_EQ(a.text, b.text);
  EXPECT_EQ(a.params.profile, b.params.profile);
  EXPECT_EQ(a.params.font_hashes, b.params.font_hashes);
  EXPECT_EQ(a.params.freetype_version, b.params.freetype_version);
  EXPECT_EQ(a.params.pixel_size_64, b.params.pixel_size_64);
  ASSERT_EQ(a.items.size(), b.items.size());
  for (size_t i = 0; i < a.items.size(); ++i) {
    EXPECT_EQ(a.items[i].id, b.items[i].id);
    EXPECT_EQ(a.items[i].text, b.items[i].text);
    EXPECT_EQ(a.items[i].source_end, b.items[i].source_end);
    EXPECT_EQ(a.items[i].w, b.items[i].w);
    EXPECT_EQ(a.items[i].continues, b.items[i].continues);
  }
}

TEST(ManifestTest, RoundTrips) {
  PageManifest m = SampleManifest();
  ASSERT_FALSE(m.items.empty());
  EXPECT_FALSE(m.params.font_hashes.empty());
  EXPECT_EQ(m.params.font_hashes[0].size(), 16u);
  std::string bytes;
  ASSERT_TRUE(SerializeManifest(m, &bytes).ok());
  PageManifest back;
  Status s = ParseManifest(bytes, &back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectEqual(m, back);
}

TEST(ManifestTest, DetectsEveryFlippedByteAndTruncation) {
  std::string bytes;
  ASSERT_TRUE(SerializeManifest(SampleManifest(), &bytes).ok());
  PageManifest out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] ^= 0x01;
    Status s = ParseManifest(bad, &out);
    EXPECT_FALSE(s.ok()) << i;
  }
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_TRUE(ParseManifest(std::string_view(bytes).substr(0, n), &out)
                    .IsCorruption()) << n;
  }
  std::string newer = bytes;
  newer[4] = 9;
  EXPECT_TRUE(ParseManifest(newer, &out).IsNotSupported());
}

TEST(ManifestTest, FuzzRandomBytesNeverCrash) {
  std::mt19937 rng(99);
  PageManifest out;
  for (int i = 0; i < 3000; ++i) {
    std::string data(rng() % 200, '\0');
    for (char& c : data) c = static_cast<char>(rng());
    if (i % 2) data.insert(0, "MNPM\x01");
    EXPECT_FALSE(ParseManifest(data, &out).ok());
  }
}

// Fuzzer finding (codec/fuzz/corpus/manifest/finding-short-span):
// ParseManifest bounded the item count by 12 bytes an item, but a span
// with small numbers and an empty text serializes to 11, so such a
// manifest serialized fine and then failed to parse.
TEST(ManifestTest, SmallestSpansRoundTrip) {
  PageManifest m;
  m.line_count = 1;
  for (uint64_t id : {1u, 2u, 3u}) {
    ItemSpan span;
    span.id = id;
    span.x = -64;  // still one byte (zigzag 127)
    span.first_line = 0;
    span.line_count = id == 1 ? 1 : 0;
    m.items.push_back(span);
  }
  std::string bytes;
  ASSERT_TRUE(SerializeManifest(m, &bytes).ok());
  PageManifest back;
  Status s = ParseManifest(bytes, &back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(back.items.size(), 3u);
  EXPECT_EQ(back.items[2].id, 3u);
  EXPECT_EQ(back.items[0].x, -64);
  std::string again;
  ASSERT_TRUE(SerializeManifest(back, &again).ok());
  EXPECT_EQ(again, bytes);
}

TEST(ManifestTest, JsonCarriesTextItemsAndSpans) {
  PageManifest m = SampleManifest();
  std::string json = ManifestToJson(m);
  EXPECT_EQ(json.front(), '{');
  EXPECT_EQ(json.back(), '}');
  EXPECT_NE(json.find("\"text\":"), std::string::npos);
  EXPECT_NE(json.find("\"items\":[{\"id\":1,"), std::string::npos);
  EXPECT_NE(json.find("\"span\":{\"first_line\":0,"), std::string::npos);
  EXPECT_NE(json.find("\"text_token_estimator\":\"chars/4\""), std::string::npos);
  EXPECT_EQ(JsonQuote("a\"b\\\n\x01\xff"), "\"a\\\"b\\\\\\n\\u0001\\ufffd\"");
}

}  // namespace
}  // namespace mnemo::codec
