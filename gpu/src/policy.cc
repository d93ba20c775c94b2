// Copyright (c) mnemo authors.
//
// LRU, ARC (Megiddo & Modha, counted in entries) and S3-FIFO (Yang et al.,
// SOSP'23: small FIFO of 10%, main FIFO with 2-bit frequency, ghost FIFO).

#include "policy.h"

#include <algorithm>
#include <list>
#include <unordered_map>
#include <vector>

namespace mnemo::gpu::internal {
namespace {

constexpr std::uint32_t kNil = ~0u;

// Doubly linked lists over slot numbers; a slot is in at most one list.
class SlotLists {
 public:
  explicit SlotLists(int lists) : head_(lists, kNil), tail_(lists, kNil), size_(lists, 0) {}

  void PushFront(int list, std::uint32_t s) {
    Grow(s);
    prev_[s] = kNil;
    next_[s] = head_[list];
    if (head_[list] != kNil) prev_[head_[list]] = s;
    head_[list] = s;
    if (tail_[list] == kNil) tail_[list] = s;
    owner_[s] = list;
    ++size_[list];
  }
  void Unlink(std::uint32_t s) {
    int l = owner_[s];
    if (l < 0) return;
    if (prev_[s] != kNil) next_[prev_[s]] = next_[s]; else head_[l] = next_[s];
    if (next_[s] != kNil) prev_[next_[s]] = prev_[s]; else tail_[l] = prev_[s];
    owner_[s] = -1;
    --size_[l];
  }
  std::uint32_t Back(int list) const { return tail_[list]; }
  std::uint32_t Prev(std::uint32_t s) const { return prev_[s]; }
  int ListOf(std::uint32_t s) const { return s < owner_.size() ? owner_[s] : -1; }
  std::size_t size(int list) const { return size_[list]; }

 private:
  void Grow(std::uint32_t s) {
    if (s < prev_.size()) return;
    std::size_t n = std::max<std::size_t>(s + 1, prev_.size() * 2);
    prev_.resize(n, kNil);
    next_.resize(n, kNil);
    owner_.resize(n, -1);
  }
  std::vector<std::uint32_t> prev_, next_;
  std::vector<int> owner_;
  std::vector<std::uint32_t> head_, tail_;
  std::vector<std::size_t> size_;
};

// FIFO of key hashes with O(1) membership and removal.
class Ghosts {
 public:
  void Add(std::uint64_t h, std::size_t cap) {
    if (index_.count(h)) return;
    order_.push_front(h);
    index_[h] = order_.begin();
    while (order_.size() > cap && !order_.empty()) {
      index_.erase(order_.back());
      order_.pop_back();
    }
  }
  bool Take(std::uint64_t h) {
    auto it = index_.find(h);
    if (it == index_.end()) return false;
    order_.erase(it->second);
    index_.erase(it);
    return true;
  }
  bool Contains(std::uint64_t h) const { return index_.count(h) != 0; }
  std::size_t size() const { return order_.size(); }

 private:
  std::list<std::uint64_t> order_;
  std::unordered_map<std::uint64_t, std::list<std::uint64_t>::iterator> index_;
};

class Lru final : public Policy {
 public:
  void Inserted(std::uint32_t s, std::uint64_t) override { lists_.PushFront(0, s); }
  void Touched(std::uint32_t s) override {
    lists_.Unlink(s);
    lists_.PushFront(0, s);
  }
  void Erased(std::uint32_t s) override { lists_.Unlink(s); }
  void Evicted(std::uint32_t s) override { lists_.Unlink(s); }
  bool Victim(const std::function<bool(std::uint32_t)>& ok,
              std::uint32_t* out) override {
    for (std::uint32_t s = lists_.Back(0); s != kNil; s = lists_.Prev(s)) {
      if (ok(s)) {
        *out = s;
        return true;
      }
    }
    return false;
  }

 private:
  SlotLists lists_{1};
};

class Arc final : public Policy {
 public:
  void Inserted(std::uint32_t s, std::uint64_t h) override {
    Remember(s, h);
    std::size_t c = Capacity();
    if (b1_.Take(h)) {
      p_ = std::min(c, p_ + std::max<std::size_t>(1, b2_.size() / std::max<std::size_t>(1, b1_.size())));
      lists_.PushFront(kT2, s);
    } else if (b2_.Take(h)) {
      std::size_t d = std::max<std::size_t>(1, b1_.size() / std::max<std::size_t>(1, b2_.size()));
      p_ = p_ > d ? p_ - d : 0;
      lists_.PushFront(kT2, s);
    } else {
      lists_.PushFront(kT1, s);
    }
  }
  void Touched(std::uint32_t s) override {
    lists_.Unlink(s);
    lists_.PushFront(kT2, s);
  }
  void Erased(std::uint32_t s) override { lists_.Unlink(s); }
  void Evicted(std::uint32_t s) override {
    std::size_t c = Capacity();
    (lists_.ListOf(s) == kT1 ? b1_ : b2_).Add(hash_[s], c);
    lists_.Unlink(s);
  }
  bool Victim(const std::function<bool(std::uint32_t)>& ok,
              std::uint32_t* out) override {
    bool t1_first = lists_.size(kT1) > 0 &&
                    (lists_.size(kT1) > p_ || lists_.size(kT2) == 0);
    int order[2] = {t1_first ? kT1 : kT2, t1_first ? kT2 : kT1};
    for (int l : order) {
      for (std::uint32_t s = lists_.Back(l); s != kNil; s = lists_.Prev(s)) {
        if (ok(s)) {
          *out = s;
          return true;
        }
      }
    }
    return false;
  }

 private:
  static constexpr int kT1 = 0, kT2 = 1;
  std::size_t Capacity() const {
    return std::max<std::size_t>(1, lists_.size(kT1) + lists_.size(kT2));
  }
  void Remember(std::uint32_t s, std::uint64_t h) {
    if (s >= hash_.size()) hash_.resize(std::max<std::size_t>(s + 1, hash_.size() * 2));
    hash_[s] = h;
  }
  SlotLists lists_{2};
  Ghosts b1_, b2_;
  std::size_t p_ = 0;  // target size of T1
  std::vector<std::uint64_t> hash_;
};

class S3Fifo final : public Policy {
 public:
  void Inserted(std::uint32_t s, std::uint64_t h) override {
    if (s >= hash_.size()) {
      std::size_t n = std::max<std::size_t>(s + 1, hash_.size() * 2);
      hash_.resize(n);
      freq_.resize(n);
    }
    hash_[s] = h;
    freq_[s] = 0;
    lists_.PushFront(ghost_.Take(h) ? kMain : kSmall, s);
  }
  void Touched(std::uint32_t s) override {
    if (freq_[s] < 3) ++freq_[s];
  }
  void Erased(std::uint32_t s) override { lists_.Unlink(s); }
  void Evicted(std::uint32_t s) override {
    if (lists_.ListOf(s) == kSmall) ghost_.Add(hash_[s], Resident());
    lists_.Unlink(s);
  }
  bool Victim(const std::function<bool(std::uint32_t)>& ok,
              std::uint32_t* out) override {
    // Each step moves one entry, and entries only cycle back after their
    // frequency drops: 4 passes over the resident set bound the search.
    for (std::size_t steps = 4 * Resident() + 4; steps > 0; --steps) {
      bool small = lists_.size(kSmall) > 0 &&
                   (lists_.size(kSmall) * 10 > Resident() || lists_.size(kMain) == 0);
      int l = small ? kSmall : kMain;
      std::uint32_t s = lists_.Back(l);
      if (s == kNil) return false;
      lists_.Unlink(s);
      if (small && freq_[s] > 0) {
        freq_[s] = 0;
        lists_.PushFront(kMain, s);
      } else if (!small && freq_[s] > 0) {
        --freq_[s];
        lists_.PushFront(kMain, s);
      } else if (!ok(s)) {
        lists_.PushFront(l, s);  // pinned: look past it
      } else {
        lists_.PushFront(l, s);  // back where Evicted expects it
        *out = s;
        return true;
      }
    }
    return false;
  }

 private:
  static constexpr int kSmall = 0, kMain = 1;
  std::size_t Resident() const { return lists_.size(kSmall) + lists_.size(kMain); }
  SlotLists lists_{2};
  Ghosts ghost_;
  std::vector<std::uint64_t> hash_;
  std::vector<std::uint8_t> freq_;
};

}  // namespace

std::unique_ptr<Policy> NewPolicy(EvictionPolicy policy) {
  switch (policy) {
    case EvictionPolicy::kArc: return std::make_unique<Arc>();
    case EvictionPolicy::kS3Fifo: return std::make_unique<S3Fifo>();
    case EvictionPolicy::kLru: break;
  }
  return std::make_unique<Lru>();
}

}  // namespace mnemo::gpu::internal
