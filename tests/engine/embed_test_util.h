// Copyright (c) mnemo authors.
//
// A deterministic multimodal embedder for the encoder feed's tests
// (mnemo/embedder.h): texts by a hashed bag of words, pages by a fixed
// random projection of their pixels' darkness in 4x4-pixel cells, read from
// the pinned lease. Both are computed from the data handed over, so a
// vector equal to a page's comes only from that page's pixels. It keeps
// what it was given for the tests to check, can fail its next calls, and
// refuses (InvalidArgument) any text that holds a chosen word.

#ifndef MNEMO_TESTS_ENGINE_EMBED_TEST_UTIL_H_
#define MNEMO_TESTS_ENGINE_EMBED_TEST_UTIL_H_

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mnemo/embedder.h"

namespace mnemo::test {

class TestEmbedder final : public Embedder {
 public:
  struct SeenPage {
    int width = 0, height = 0;
    std::string pixels;
  };

  explicit TestEmbedder(std::string name = "bow-grid-v1", size_t dim = 32)
      : name_(std::move(name)), dim_(dim) {}

  std::string name() const override { return name_; }
  size_t dimension() const override { return dim_; }
  size_t max_text_batch() const override { return 8; }
  size_t max_page_batch() const override { return 3; }

  Status EmbedTexts(const std::vector<std::string_view>& texts,
                    float* out) override {
    MNEMO_RETURN_IF_ERROR(Enter());
    std::lock_guard<std::mutex> lock(mu_);
    for (std::string_view t : texts) {
      if (!refuse_.empty() && t.find(refuse_) != std::string_view::npos) {
        return Status::InvalidArgument("text holds '" + refuse_ + "'");
      }
    }
    for (size_t i = 0; i < texts.size(); ++i) {
      texts_seen_.emplace_back(texts[i]);
      TextVector(texts[i], dim_, out + i * dim_);
    }
    return Status::OK();
  }

  Status EmbedPages(const std::vector<const PinnedPage*>& pages,
                    float* out) override {
    MNEMO_RETURN_IF_ERROR(Enter());
    for (size_t i = 0; i < pages.size(); ++i) {
      const PinnedPage& p = *pages[i];
      SeenPage seen{p.width, p.height, std::string(p.lease.size(), '\0')};
      // Device or host memory: read through the cache that owns the lease.
      MNEMO_RETURN_IF_ERROR(p.lease.cache()->Read(p.lease, 0, seen.pixels.data(),
                                                  seen.pixels.size()));
      PixelVector(seen, dim_, out + i * dim_);
      std::lock_guard<std::mutex> lock(mu_);
      pages_seen_[p.page_id].push_back(std::move(seen));
    }
    return Status::OK();
  }

  static uint64_t Hash(std::string_view s, uint64_t seed = 1469598103934665603ull) {
    uint64_t h = seed;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h;
  }

  static void TextVector(std::string_view text, size_t dim, float* out) {
    std::fill(out, out + dim, 0.0f);
    std::string word;
    for (size_t i = 0; i <= text.size(); ++i) {
      char c = i < text.size() ? text[i] : ' ';
      if (std::isalnum(static_cast<unsigned char>(c))) {
        word.push_back(static_cast<char>(std::tolower(c)));
      } else if (!word.empty()) {
        uint64_t h = Hash(word);
        out[h % dim] += (h >> 32) & 1 ? 1.0f : -1.0f;
        word.clear();
      }
    }
  }

  // Darkness of 4x4-pixel cells, each cell added to every component with
  // a sign fixed by (cell, component): glyphs in other places give a
  // nearly orthogonal vector.
  static void PixelVector(const SeenPage& page, size_t dim, float* out) {
    constexpr int kCell = 4;
    const int columns = (page.width + kCell - 1) / kCell;
    const int rows = (page.height + kCell - 1) / kCell;
    std::vector<double> cells(static_cast<size_t>(columns) * rows, 0.0);
    for (int y = 0; y < page.height; ++y) {
      for (int x = 0; x < page.width; ++x) {
        auto v = static_cast<unsigned char>(
            page.pixels[static_cast<size_t>(y) * page.width + x]);
        cells[static_cast<size_t>(y / kCell) * columns + x / kCell] += 255 - v;
      }
    }
    std::fill(out, out + dim, 0.0f);
    for (size_t c = 0; c < cells.size(); ++c) {
      if (cells[c] == 0) continue;
      for (size_t j = 0; j < dim; ++j) {
        uint64_t h = (c * dim + j + 1) * 0x9e3779b97f4a7c15ull;
        h ^= h >> 31;
        out[j] += static_cast<float>((h & 1 ? 1e-4 : -1e-4) * cells[c]);
      }
    }
  }

  // The next `n` calls fail with IOError (a model server down).
  void FailNext(int n) { failures_.store(n); }
  void Refuse(std::string word) {
    std::lock_guard<std::mutex> lock(mu_);
    refuse_ = std::move(word);
  }
  // Each call sleeps this long (to widen races in tests).
  void SetDelay(std::chrono::milliseconds d) { delay_ms_.store(d.count()); }
  // Calls made after MarkClosed() (the store was closed): must stay 0.
  void MarkClosed() { closed_.store(true); }
  int calls_after_close() const { return after_close_.load(); }
  int calls() const { return calls_.load(); }
  std::vector<std::string> texts_seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return texts_seen_;
  }
  std::map<uint64_t, std::vector<SeenPage>> pages_seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return pages_seen_;
  }

 private:
  Status Enter() {
    if (closed_.load()) ++after_close_;
    ++calls_;
    if (delay_ms_.load() > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_.load()));
    }
    if (failures_.load() > 0) {
      --failures_;
      return Status::IOError("model server unavailable (test)");
    }
    return Status::OK();
  }

  const std::string name_;
  const size_t dim_;
  std::atomic<int> failures_{0}, calls_{0}, after_close_{0};
  std::atomic<bool> closed_{false};
  std::atomic<int64_t> delay_ms_{0};
  std::mutex mu_;
  std::string refuse_;
  std::vector<std::string> texts_seen_;
  std::map<uint64_t, std::vector<SeenPage>> pages_seen_;
};

}  // namespace mnemo::test

#endif  // MNEMO_TESTS_ENGINE_EMBED_TEST_UTIL_H_
