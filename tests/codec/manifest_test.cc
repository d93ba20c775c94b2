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
  m.lines.resize(1);  // version 2: one box per line
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


// A manifest with every field away from its default: large ids (past 2^53),
// negative coordinates, continuation flags, escapes in the text.
PageManifest UnusualManifest() {
  PageManifest m = SampleManifest();
  m.page_index = 7;
  m.text += "\ttab \"quoted\" \\ back\x1f";
  m.items[0].id = 18446744073709551615ull;
  m.items[0].x = -3;
  m.items[0].continued = true;
  m.items.back().continues = true;
  m.items.back().id = (uint64_t{1} << 60) + 1;
  m.params.layout_version = 4000000000u;
  return m;
}

TEST(ManifestTest, JsonParsesBackExactly) {
  for (const PageManifest& m : {SampleManifest(), UnusualManifest()}) {
    std::string json = ManifestToJson(m);
    PageManifest back;
    Status s = ManifestFromJson(json, &back);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ExpectEqual(m, back);
    EXPECT_EQ(back.items[0].x, m.items[0].x);
    EXPECT_EQ(back.items[0].continued, m.items[0].continued);
    EXPECT_EQ(back.params.layout_version, m.params.layout_version);
    EXPECT_EQ(ManifestToJson(back), json);
    std::string a, b;
    ASSERT_TRUE(SerializeManifest(m, &a).ok());
    ASSERT_TRUE(SerializeManifest(back, &b).ok());
    EXPECT_EQ(a, b);
  }
}

// Replaces the first occurrence of `from` in the manifest's JSON.
std::string Edited(const std::string& from, const std::string& to) {
  std::string json = ManifestToJson(SampleManifest());
  size_t at = json.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? json : json.replace(at, from.size(), to);
}

TEST(ManifestTest, JsonRejectsBadFieldsNamingThem) {
  struct Case {
    std::string json, needle;
  } cases[] = {
      {"not json", "not valid JSON"},
      {"[1,2]", "not a JSON object"},
      {"{}", "version: missing"},
      {Edited("\"page_index\":0", "\"page_index\":-1"), "page_index: must be an integer in 0..4294967295"},
      {Edited("\"page_index\":0", "\"page_index\":4294967296"), "page_index"},
      {Edited("\"page_index\":0", "\"page_index\":0.5"), "page_index"},
      {Edited("\"page_index\":0", "\"page_index\":1e999"), "not valid JSON"},
      {Edited("\"page_index\":0", "\"page_index\":-1e400"), "not valid JSON"},
      {Edited("\"profile\":\"tiny\"", "\"profile\":3"), "profile: must be a string"},
      {Edited("\"page_px\":[", "\"page_px\":[1,"), "page_px: must be [width, height]"},
      {Edited("\"items\":[{\"id\":1,", "\"items\":[{\"id\":\"1\","), "items[0].id"},
      {Edited("\"first_line\":0,", "\"first_line\":100000,"), "items[0].span.line_count: runs past"},
      {Edited("\"continued\":false", "\"continued\":0"), "items[0].span.continued: must be true or false"},
      {Edited("\"source_begin\":0", "\"source_begin\":999999"), "items[0].span.source_begin: is after source_end"},
      {Edited("\"fonts\":[{", "\"fonts\":[7,{"), "render.fonts[0]: must be an object"},
      {Edited("\"pixel_size_64\":", "\"pixel_size_64\":\"x\",\"y\":"), "render.pixel_size_64: must be an integer"},
      {Edited("\"items\":[", "\"items\":{\"a\":["), "not valid JSON"},
      {Edited("\"items\":[", "\"items\":7,\"x\":["), "items: must be an array"},
  };
  for (const Case& c : cases) {
    PageManifest out;
    Status s = ManifestFromJson(c.json, &out);
    EXPECT_TRUE(s.IsInvalidArgument()) << c.needle << ": " << s.ToString();
    EXPECT_NE(s.ToString().find(c.needle), std::string::npos) << s.ToString();
  }
  PageManifest out;
  EXPECT_TRUE(ManifestFromJson(Edited("\"version\":2", "\"version\":3"), &out)
                  .IsNotSupported());
  // Derived fields are recomputed, not trusted.
  ASSERT_TRUE(ManifestFromJson(Edited("\"chars\":", "\"chars\":1,\"x\":"), &out).ok());
}

TEST(ManifestTest, JsonLimitsHoldOnHostileInput) {
  PageManifest out;
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_TRUE(ManifestFromJson(deep, &out).IsResourceExhausted());
  std::string nested = Edited("\"items\":[", "\"deep\":" + std::string(9, '[') +
                                                 std::string(9, ']') + ",\"items\":[");
  EXPECT_TRUE(ManifestFromJson(nested, &out).IsResourceExhausted());
  std::string wide = "{\"x\":[";
  for (int i = 0; i < (1 << 22); ++i) wide += "0,";
  wide += "0]}";
  EXPECT_TRUE(ManifestFromJson(wide, &out).IsResourceExhausted());
  EXPECT_TRUE(ManifestFromJson(std::string(kMaxManifestJsonBytes + 1, ' '), &out)
                  .IsResourceExhausted());
  // Random edits of a real manifest: an error or a manifest, never a crash.
  std::string json = ManifestToJson(SampleManifest());
  const std::string noise = "{}[]\",:0-9e \\x";
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string bad = json;
    for (int k = 0; k < 3; ++k) bad[rng() % bad.size()] = noise[rng() % noise.size()];
    (void)ManifestFromJson(bad, &out);
  }
}

}  // namespace
}  // namespace mnemo::codec
