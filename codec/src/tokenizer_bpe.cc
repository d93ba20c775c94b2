// Copyright (c) mnemo authors.

#include "tokenizer_bpe.h"

#include <cstring>
#include <functional>
#include <queue>
#include <tuple>

namespace mnemo::codec::internal {
namespace {

uint64_t HashBytes(std::string_view s) {
  // FNV-1a over 8-byte words, then a final mix: vocabulary entries are short
  // and lookups are the inner loop of the merge.
  uint64_t h = 0xcbf29ce484222325ull ^ s.size();
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0x100000001b3ull;
    h ^= h >> 29;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  h = (h ^ tail) * 0x9e3779b97f4a7c15ull;
  return h ^ (h >> 32);
}

// The part boundaries of a merged piece: bounds[0] = 0 < ... < size.
using Bounds = std::vector<uint32_t>;

// tiktoken's own loop: rescans the pair ranks after each merge. Quadratic,
// and the fastest for the short pieces that are nearly all of them.
void MergeShort(const RankTable& ranks, std::string_view p, Bounds* b) {
  const size_t n = p.size();
  struct Part {
    uint32_t start;
    uint32_t rank;  // rank of the pair starting here
  };
  thread_local std::vector<Part> parts;
  parts.clear();
  for (size_t i = 0; i + 1 < n; ++i) {
    parts.push_back({static_cast<uint32_t>(i), ranks.Find(p.substr(i, 2))});
  }
  parts.push_back({static_cast<uint32_t>(n - 1), kNoRank});
  parts.push_back({static_cast<uint32_t>(n), kNoRank});
  auto pair_rank = [&](size_t i) {
    if (i + 3 >= parts.size()) return kNoRank;
    return ranks.Find(
        p.substr(parts[i].start, parts[i + 3].start - parts[i].start));
  };
  for (;;) {
    uint32_t best = kNoRank;
    size_t at = 0;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      if (parts[i].rank < best) best = parts[i].rank, at = i;
    }
    if (best == kNoRank) break;
    if (at > 0) parts[at - 1].rank = pair_rank(at - 1);
    parts[at].rank = pair_rank(at);
    parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(at) + 1);
  }
  b->clear();
  for (const Part& part : parts) b->push_back(part.start);
}

// The same merge order with a heap and a linked list: O(n log n), for long
// pieces (runs of symbols or blanks) where the rescan would be quadratic.
// Heap entries are ordered by (rank, start), which is tiktoken's "lowest
// rank, leftmost first"; stale entries are skipped by a generation check.
void MergeLong(const RankTable& ranks, std::string_view p, Bounds* b) {
  const uint32_t n = static_cast<uint32_t>(p.size());
  std::vector<uint32_t> next(n), prev(n), gen(n, 0);
  for (uint32_t i = 0; i < n; ++i) next[i] = i + 1, prev[i] = i - 1;
  using Item = std::tuple<uint32_t, uint32_t, uint32_t>;  // rank, start, gen
  std::priority_queue<Item, std::vector<Item>, std::greater<>> heap;
  auto push = [&](uint32_t i) {
    if (next[i] >= n) return;
    const uint32_t end = next[next[i]];
    const uint32_t r = ranks.Find(p.substr(i, end - i));
    if (r != kNoRank) heap.emplace(r, i, gen[i]);
  };
  for (uint32_t i = 0; i + 1 < n; ++i) push(i);
  while (!heap.empty()) {
    const auto [r, i, g] = heap.top();
    heap.pop();
    if (g != gen[i] || next[i] >= n) continue;
    const uint32_t gone = next[i];
    next[i] = next[gone];
    if (next[i] < n) prev[next[i]] = i;
    gen[gone] = UINT32_MAX;  // never valid again
    ++gen[i];
    push(i);
    if (i > 0) {
      ++gen[prev[i]];
      push(prev[i]);
    }
  }
  b->clear();
  for (uint32_t i = 0; i < n; i = next[i]) b->push_back(i);
  b->push_back(n);
}

constexpr size_t kShortPiece = 48;

void Merge(const RankTable& ranks, std::string_view p, Bounds* b) {
  if (p.size() <= kShortPiece) {
    MergeShort(ranks, p, b);
  } else {
    MergeLong(ranks, p, b);
  }
}

}  // namespace

void RankTable::Add(std::string_view bytes, uint32_t rank) {
  entries_.push_back({static_cast<uint32_t>(arena_.size()),
                      static_cast<uint32_t>(bytes.size()), rank});
  arena_.append(bytes);
}

bool RankTable::Finalize(std::string* dup) {
  size_t cap = 16;
  while (cap < entries_.size() * 2) cap <<= 1;
  slots_.assign(cap, 0);
  mask_ = cap - 1;
  for (size_t e = 0; e < entries_.size(); ++e) {
    const std::string_view bytes = Bytes(entries_[e]);
    size_t s = HashBytes(bytes) & mask_;
    while (slots_[s] != 0) {
      if (Bytes(entries_[slots_[s] - 1]) == bytes) {
        *dup = std::string(bytes);
        return false;
      }
      s = (s + 1) & mask_;
    }
    slots_[s] = static_cast<uint32_t>(e + 1);
  }
  return true;
}

uint32_t RankTable::Find(std::string_view bytes) const {
  if (slots_.empty()) return kNoRank;
  size_t s = HashBytes(bytes) & mask_;
  while (slots_[s] != 0) {
    const Entry& e = entries_[slots_[s] - 1];
    if (e.length == bytes.size() &&
        std::memcmp(arena_.data() + e.offset, bytes.data(), e.length) == 0) {
      return e.rank;
    }
    s = (s + 1) & mask_;
  }
  return kNoRank;
}

std::vector<uint32_t> RankTable::RankToId(const RankTable& ids) const {
  std::vector<uint32_t> map;
  for (const Entry& e : entries_) {
    if (e.rank >= map.size()) map.resize(e.rank + 1, kNoRank);
    map[e.rank] = ids.Find(Bytes(e));
  }
  return map;
}

void BytePairEncode(const RankTable& ranks, std::string_view piece,
                    std::vector<uint32_t>* out) {
  const uint32_t whole = ranks.Find(piece);
  if (whole != kNoRank) {
    out->push_back(whole);
    return;
  }
  thread_local Bounds b;
  Merge(ranks, piece, &b);
  for (size_t i = 0; i + 1 < b.size(); ++i) {
    out->push_back(ranks.Find(piece.substr(b[i], b[i + 1] - b[i])));
  }
}

size_t BytePairCount(const RankTable& ranks, std::string_view piece) {
  if (ranks.Find(piece) != kNoRank) return 1;
  thread_local Bounds b;
  Merge(ranks, piece, &b);
  return b.size() - 1;
}

}  // namespace mnemo::codec::internal
