// Copyright (c) mnemo authors.
//
// Decay downscale: exact area averages, determinism, profiles.

#include <gtest/gtest.h>

#include "mnemo/codec/downscale.h"
#include "mnemo/codec/page.h"

namespace mnemo::codec {
namespace {

TEST(DownscaleTest, HalvingAveragesTwoByTwoBlocks) {
  GrayImage in;
  in.Reset(4, 2, 0);
  const uint8_t v[8] = {0, 255, 100, 100, 255, 0, 100, 101};
  std::copy(v, v + 8, in.pixels.begin());
  GrayImage out;
  ASSERT_TRUE(Resize(in, 2, 1, &out).ok());
  EXPECT_EQ(out.Row(0)[0], 128);  // (0+255+255+0)/4 = 127.5 -> 128
  EXPECT_EQ(out.Row(0)[1], 100);  // 100.25
}

TEST(DownscaleTest, ConstantImageStaysConstantAtAnyRatio) {
  GrayImage in;
  in.Reset(1024, 1024, 77);
  GrayImage out;
  for (const char* name : {"small", "tiny"}) {
    ASSERT_TRUE(Downscale(in, *FindProfile(name), &out).ok());
    EXPECT_EQ(out.width, FindProfile(name)->width);
    for (uint8_t p : out.pixels) ASSERT_EQ(p, 77);
  }
}

TEST(DownscaleTest, PreservesMeanInkOfARenderedPage) {
  std::unique_ptr<Renderer> r;
  ASSERT_TRUE(Renderer::Create(DefaultProfile(), &r).ok());
  std::vector<Page> pages;
  ASSERT_TRUE(r->Pack({{1, "", std::string(3000, 'x')}}, &pages).ok());
  GrayImage small, again;
  ASSERT_TRUE(Downscale(pages[0].image, *FindProfile("small"), &small).ok());
  ASSERT_TRUE(Downscale(pages[0].image, *FindProfile("small"), &again).ok());
  EXPECT_EQ(small.pixels, again.pixels);
  auto mean = [](const GrayImage& g) {
    double s = 0;
    for (uint8_t p : g.pixels) s += p;
    return s / g.pixels.size();
  };
  EXPECT_NEAR(mean(small), mean(pages[0].image), 0.5);
}

TEST(DownscaleTest, RejectsEmptyInput) {
  GrayImage out;
  EXPECT_TRUE(Resize(GrayImage(), 10, 10, &out).IsInvalidArgument());
  GrayImage in;
  in.Reset(3, 3, 0);
  EXPECT_TRUE(Resize(in, 0, 10, &out).IsInvalidArgument());
}

}  // namespace
}  // namespace mnemo::codec
