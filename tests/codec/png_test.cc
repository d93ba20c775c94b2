// Copyright (c) mnemo authors.
//
// PNG round trips at every bit depth, limits, and fuzz-style decoding of
// random and truncated bytes.

#include <gtest/gtest.h>

#include <random>

#include "mnemo/codec/page.h"
#include "mnemo/codec/png.h"

namespace mnemo::codec {
namespace {

GrayImage Gradient(int w, int h) {
  GrayImage img;
  img.Reset(w, h, 0);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) img.Row(y)[x] = static_cast<uint8_t>((x * 7 + y * 3) & 255);
  }
  return img;
}

// The gray level a pixel has after quantization to `bits` and expansion.
uint8_t Quantized(uint8_t v, int bits) {
  if (bits == 8) return v;
  if (bits == 1) return v >= 128 ? 255 : 0;
  const int max = (1 << bits) - 1;
  const int q = (v * max + 127) / 255;
  return static_cast<uint8_t>(q * 255 / max);
}

class PngDepthTest : public ::testing::TestWithParam<int> {};

TEST_P(PngDepthTest, RoundTripsQuantizedPixels) {
  const int bits = GetParam();
  GrayImage img = Gradient(37, 19);  // odd sizes exercise row padding
  std::string png;
  ASSERT_TRUE(EncodePng(img, bits, &png).ok());
  int w, h, depth;
  ASSERT_TRUE(PeekPng(png, &w, &h, &depth).ok());
  EXPECT_EQ(w, 37);
  EXPECT_EQ(h, 19);
  EXPECT_EQ(depth, bits);
  GrayImage back;
  Status s = DecodePng(png, DecodeLimits(), &back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(back.width, 37);
  ASSERT_EQ(back.height, 19);
  for (int y = 0; y < 19; ++y) {
    for (int x = 0; x < 37; ++x) {
      ASSERT_EQ(back.Row(y)[x], Quantized(img.Row(y)[x], bits)) << x << "," << y;
    }
  }
}

// Page-wide rows: every gray level in every position of the 32-pixel blocks
// the 4-bit packer works in, then a ragged tail.
TEST_P(PngDepthTest, WideRowsKeepEveryGrayLevel) {
  const int bits = GetParam();
  GrayImage img;
  img.Reset(1024 + 13, 33, 255);
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) {
      img.Row(y)[x] = static_cast<uint8_t>((x * 33 + y * 7) & 255);
    }
  }
  std::string png;
  ASSERT_TRUE(EncodePng(img, bits, &png).ok());
  GrayImage back;
  ASSERT_TRUE(DecodePng(png, DecodeLimits(), &back).ok());
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) {
      ASSERT_EQ(back.Row(y)[x], Quantized(img.Row(y)[x], bits)) << x << "," << y;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllDepths, PngDepthTest, ::testing::Values(1, 2, 4, 8));

TEST(PngTest, RejectsBadOptionsAndEmptyImages) {
  std::string png;
  EXPECT_TRUE(EncodePng(Gradient(4, 4), 3, &png).IsInvalidArgument());
  EXPECT_TRUE(EncodePng(GrayImage(), 8, &png).IsInvalidArgument());
  PngOptions o;
  o.zlib_level = 12;
  EXPECT_TRUE(EncodePng(Gradient(4, 4), o, &png).IsInvalidArgument());
}

TEST(PngTest, LimitsAreCheckedBeforeDecoding) {
  std::string png;
  ASSERT_TRUE(EncodePng(Gradient(300, 200), 8, &png).ok());
  GrayImage out;
  DecodeLimits limits;
  limits.max_width = 299;
  EXPECT_TRUE(DecodePng(png, limits, &out).IsResourceExhausted());
  limits = DecodeLimits();
  limits.max_pixels = 300 * 200 - 1;
  EXPECT_TRUE(DecodePng(png, limits, &out).IsResourceExhausted());
  limits = DecodeLimits();
  limits.max_input_bytes = png.size() - 1;
  EXPECT_TRUE(DecodePng(png, limits, &out).IsResourceExhausted());
}

TEST(PngTest, TruncatedAndCorruptDataGiveCorruption) {
  GrayImage img = Gradient(64, 64);
  std::string png;
  ASSERT_TRUE(EncodePng(img, 4, &png).ok());
  GrayImage out;
  for (size_t n = 0; n < png.size(); n += 7) {
    Status s = DecodePng(std::string_view(png).substr(0, n), DecodeLimits(), &out);
    EXPECT_TRUE(s.IsCorruption()) << n << ": " << s.ToString();
  }
  std::string flipped = png;
  flipped[png.size() / 2] ^= 0x5a;  // inside IDAT: CRC or zlib error
  Status s = DecodePng(flipped, DecodeLimits(), &out);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("PNG"), std::string::npos);
}

TEST(PngTest, FuzzRandomAndMutatedBytesNeverCrash) {
  std::mt19937 rng(1234);
  std::string png;
  ASSERT_TRUE(EncodePng(Gradient(48, 40), 8, &png).ok());
  GrayImage out;
  DecodeLimits limits;
  limits.max_pixels = 1 << 20;
  for (int i = 0; i < 2000; ++i) {
    std::string data;
    if (i % 2 == 0) {
      data = png;
      const int flips = 1 + rng() % 4;
      for (int k = 0; k < flips; ++k) data[rng() % data.size()] = static_cast<char>(rng());
      data.resize(rng() % (data.size() + 1));
    } else {
      data.assign(rng() % 256, '\0');
      for (char& c : data) c = static_cast<char>(rng());
      if (i % 4 == 1) data.insert(0, png.substr(0, 33));  // valid header
    }
    Status s = DecodePng(data, limits, &out);
    if (s.ok()) {
      EXPECT_EQ(out.pixels.size(), static_cast<size_t>(out.width) * out.height);
    }
  }
}

TEST(PngTest, RenderedPageRoundTripsAtFourBits) {
  std::unique_ptr<Renderer> r;
  ASSERT_TRUE(Renderer::Create(*FindProfile("tiny"), &r).ok());
  std::vector<Page> pages;
  ASSERT_TRUE(r->Pack({{1, "hdr", "Some text on a page."}}, &pages).ok());
  std::string png;
  ASSERT_TRUE(EncodePng(pages[0].image, 4, &png).ok());
  GrayImage back;
  ASSERT_TRUE(DecodePng(png, DecodeLimits(), &back).ok());
  EXPECT_EQ(back.width, 512);
  int dark = 0;
  for (uint8_t v : back.pixels) dark += v < 128;
  EXPECT_GT(dark, 20);
}

}  // namespace
}  // namespace mnemo::codec
