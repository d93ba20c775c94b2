// Copyright (c) mnemo authors.
//
// LevelBitset: a three-level bitset over up to 2^18 slots with O(1)
// FindFirst/FindNext. Used by the block pools to find the lowest chunk with a
// free block (first fit keeps chunks dense, so empty chunks can be returned).
// Not thread-safe: the owner locks.

#ifndef MNEMO_GPU_SRC_LEVEL_BITSET_H_
#define MNEMO_GPU_SRC_LEVEL_BITSET_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace mnemo::gpu::internal {

class LevelBitset {
 public:
  static constexpr std::size_t kMaxBits = std::size_t{1} << 18;
  static constexpr std::size_t kNone = ~std::size_t{0};

  explicit LevelBitset(std::size_t bits)
      : l0_((bits + 63) / 64), l1_((l0_.size() + 63) / 64) {}

  void Set(std::size_t i) {
    std::size_t w = i >> 6, w1 = w >> 6;
    l0_[w] |= Bit(i);
    l1_[w1] |= Bit(w);
    l2_ |= Bit(w1);
  }
  void Clear(std::size_t i) {
    std::size_t w = i >> 6, w1 = w >> 6;
    l0_[w] &= ~Bit(i);
    if (l0_[w] != 0) return;
    l1_[w1] &= ~Bit(w);
    if (l1_[w1] == 0) l2_ &= ~Bit(w1);
  }
  bool Test(std::size_t i) const { return (l0_[i >> 6] & Bit(i)) != 0; }

  std::size_t FindFirst() const { return FindNext(0); }

  // Lowest set index >= from, or kNone.
  std::size_t FindNext(std::size_t from) const {
    std::size_t w = from >> 6;
    if (w >= l0_.size()) return kNone;
    std::uint64_t m = l0_[w] & (~std::uint64_t{0} << (from & 63));
    if (m != 0) return (w << 6) | std::countr_zero(m);
    // Next non-empty l0 word after w.
    std::size_t w1 = w >> 6;
    std::uint64_t m1 = (w & 63) == 63 ? 0 : l1_[w1] & (~std::uint64_t{0} << ((w & 63) + 1));
    if (m1 == 0) {
      std::uint64_t m2 = (w1 & 63) == 63 ? 0 : l2_ & (~std::uint64_t{0} << (w1 + 1));
      if (m2 == 0) return kNone;
      w1 = std::countr_zero(m2);
      m1 = l1_[w1];
    }
    std::size_t nw = (w1 << 6) | std::countr_zero(m1);
    return (nw << 6) | std::countr_zero(l0_[nw]);
  }

 private:
  static std::uint64_t Bit(std::size_t i) { return std::uint64_t{1} << (i & 63); }
  std::vector<std::uint64_t> l0_, l1_;
  std::uint64_t l2_ = 0;
};

}  // namespace mnemo::gpu::internal

#endif  // MNEMO_GPU_SRC_LEVEL_BITSET_H_
