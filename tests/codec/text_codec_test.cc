// Copyright (c) mnemo authors.
//
// zstd text codec: round trips with and without a dictionary, bounds,
// checksums, fuzz.

#include <gtest/gtest.h>

#include <random>

#include "codec_test_util.h"
#include "mnemo/codec/text_codec.h"

namespace mnemo::codec {
namespace {

std::vector<std::string> Records() {
  std::vector<std::string> out;
  for (const PageItem& item : test::ParagraphItems(
           test::ReadCodecData("prose.txt") + "\n\n" +
               test::ReadCodecData("dialogue.txt"), 200000, true)) {
    out.push_back(ItemSource(item));
  }
  for (const PageItem& item : test::IdentifierItems(100000)) out.push_back(item.body);
  return out;
}

TEST(TextCodecTest, RoundTripsWithoutDictionary) {
  std::unique_ptr<TextCompressor> c;
  ASSERT_TRUE(TextCompressor::Create(TextCodecOptions(), &c).ok());
  for (const std::string& text : {std::string(), std::string("hello"), Records()[0]}) {
    std::string frame, back;
    ASSERT_TRUE(c->Compress(text, &frame).ok());
    ASSERT_TRUE(c->Decompress(frame, &back).ok());
    EXPECT_EQ(back, text);
    EXPECT_EQ(FrameDictionaryId(frame), 0u);
  }
}

TEST(TextCodecTest, DictionaryHelpsSmallRecords) {
  std::vector<std::string> records = Records();
  std::string dict;
  Status s = TrainDictionary(records, 16 << 10, &dict);
  ASSERT_TRUE(s.ok()) << s.ToString();
  TextCodecOptions with;
  with.dictionary = dict;
  std::unique_ptr<TextCompressor> plain, dicted;
  ASSERT_TRUE(TextCompressor::Create(TextCodecOptions(), &plain).ok());
  ASSERT_TRUE(TextCompressor::Create(with, &dicted).ok());
  EXPECT_NE(dicted->dictionary_id(), 0u);
  size_t plain_bytes = 0, dict_bytes = 0;
  for (const std::string& r : records) {
    std::string f1, f2, back;
    ASSERT_TRUE(plain->Compress(r, &f1).ok());
    ASSERT_TRUE(dicted->Compress(r, &f2).ok());
    ASSERT_TRUE(dicted->Decompress(f2, &back).ok());
    ASSERT_EQ(back, r);
    plain_bytes += f1.size();
    dict_bytes += f2.size();
  }
  EXPECT_LT(dict_bytes, plain_bytes);
  // A frame made with a dictionary cannot be read without it.
  std::string frame, back;
  ASSERT_TRUE(dicted->Compress(records[0], &frame).ok());
  EXPECT_TRUE(plain->Decompress(frame, &back).IsInvalidArgument());
}

TEST(TextCodecTest, RejectsFramesOverTheLimitAndTrailingBytes) {
  TextCodecOptions o;
  o.max_decompressed_bytes = 1000;
  std::unique_ptr<TextCompressor> c;
  ASSERT_TRUE(TextCompressor::Create(o, &c).ok());
  std::string frame, back;
  ASSERT_TRUE(c->Compress(std::string(1001, 'x'), &frame).ok());
  EXPECT_TRUE(c->Decompress(frame, &back).IsResourceExhausted());
  ASSERT_TRUE(c->Compress("small", &frame).ok());
  EXPECT_TRUE(c->Decompress(frame + "x", &back).IsCorruption());
}

TEST(TextCodecTest, ChecksumCatchesFlippedBits) {
  std::unique_ptr<TextCompressor> c;
  ASSERT_TRUE(TextCompressor::Create(TextCodecOptions(), &c).ok());
  std::string frame, back;
  const std::string text = Records()[1];
  ASSERT_TRUE(c->Compress(text, &frame).ok());
  int detected = 0;
  for (size_t i = 0; i < frame.size(); ++i) {
    std::string bad = frame;
    bad[i] ^= 0x10;
    Status s = c->Decompress(bad, &back);
    if (!s.ok()) ++detected;
    else EXPECT_EQ(back, text) << i;  // only if the flip was harmless
  }
  // A few header bits (e.g. the window descriptor) may flip harmlessly;
  // every flip that changes the content is caught.
  EXPECT_GT(detected, static_cast<int>(frame.size() * 9 / 10));
}

TEST(TextCodecTest, FuzzTruncatedAndRandomFrames) {
  std::unique_ptr<TextCompressor> c;
  ASSERT_TRUE(TextCompressor::Create(TextCodecOptions(), &c).ok());
  std::string frame, back;
  ASSERT_TRUE(c->Compress(Records()[2], &frame).ok());
  for (size_t n = 0; n < frame.size(); ++n) {
    EXPECT_FALSE(c->Decompress(std::string_view(frame).substr(0, n), &back).ok());
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) {
    std::string data(rng() % 64, '\0');
    for (char& ch : data) ch = static_cast<char>(rng());
    if (i % 2) data.insert(0, frame.substr(0, 6));
    (void)c->Decompress(data, &back);
  }
}

TEST(TextCodecTest, BadOptionsAndTraining) {
  std::unique_ptr<TextCompressor> c;
  TextCodecOptions o;
  o.level = 0;
  EXPECT_TRUE(TextCompressor::Create(o, &c).IsInvalidArgument());
  std::string dict;
  EXPECT_TRUE(TrainDictionary({}, 4096, &dict).IsInvalidArgument());
  EXPECT_TRUE(TrainDictionary({"a", "b"}, 4096, &dict).IsInvalidArgument());
}

}  // namespace
}  // namespace mnemo::codec
