// Copyright (c) mnemo authors.
//
// Checks shared by the layout tests (gtest only; the bench does not use
// them): exact source coverage of the manifest, and a text's lines.

#ifndef MNEMO_TESTS_CODEC_LAYOUT_TEST_UTIL_H_
#define MNEMO_TESTS_CODEC_LAYOUT_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mnemo/codec/page.h"

namespace mnemo::codec::test {

// Every item's source ranges, over all pages, concatenate to its source;
// each span's text is its range of the page text.
inline void ExpectExactCoverage(const std::vector<Page>& pages,
                                const std::vector<PageItem>& items) {
  std::map<uint64_t, std::string> covered;
  std::map<uint64_t, uint32_t> next;
  for (const Page& p : pages) {
    const PageManifest& m = p.manifest;
    ASSERT_EQ(m.lines.size(), m.line_count);
    for (const ItemSpan& s : m.items) {
      const PageItem* item = nullptr;
      for (const PageItem& i : items) item = i.id == s.id ? &i : item;
      ASSERT_NE(item, nullptr);
      const std::string source = ItemSource(*item);
      EXPECT_EQ(s.source_begin, next[s.id]) << "item " << s.id;
      ASSERT_LE(s.source_end, source.size());
      covered[s.id] +=
          source.substr(s.source_begin, s.source_end - s.source_begin);
      next[s.id] = s.source_end;
      ASSERT_LE(s.text_end, m.text.size());
      EXPECT_EQ(m.text.substr(s.text_begin, s.text_end - s.text_begin),
                s.text);
    }
  }
  for (const PageItem& i : items) EXPECT_EQ(covered[i.id], ItemSource(i));
}

// The lines of `text` (split at '\n'; a trailing newline gives an empty
// last line).
inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  size_t b = 0;
  for (size_t e; (e = text.find('\n', b)) != std::string::npos; b = e + 1) {
    out.push_back(text.substr(b, e - b));
  }
  out.push_back(text.substr(b));
  return out;
}

// A fixture holding a renderer of the default profile.
class RendererTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Renderer::Create(DefaultProfile(), &renderer_).ok());
  }
  std::vector<Page> PackOk(const std::vector<PageItem>& items) {
    std::vector<Page> pages;
    Status s = renderer_->Pack(items, &pages);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return pages;
  }
  std::unique_ptr<Renderer> renderer_;
};

}  // namespace mnemo::codec::test

#endif  // MNEMO_TESTS_CODEC_LAYOUT_TEST_UTIL_H_
