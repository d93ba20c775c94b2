// Copyright (c) mnemo authors.
//
// Metadata: a record's string keys and values, sorted by key, each key at
// most once, packed in one buffer.
//
// A record usually carries a few short entries (a dialogue id, a tool call
// id). A node-based map allocated one node per entry on every decode and
// freed them with the record: a 100-record scan spent more on its records'
// metadata than on their text. Packed, the entries of a typical record fit
// the buffer's inline capacity, decoding is one copy of the stored bytes
// (they are stored in this same form), and equality is a byte comparison.
//
// Keys and values are views into the buffer: a view is valid until the
// next change to this Metadata (Set, Insert, Erase, clear, assignment).

#ifndef MNEMO_METADATA_H_
#define MNEMO_METADATA_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace mnemo {

class Metadata {
 public:
  using Entry = std::pair<std::string_view, std::string_view>;  // key, value

  // Reads the entries in key order.
  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Entry;
    using difference_type = std::ptrdiff_t;
    using pointer = const Entry*;
    using reference = const Entry&;

    const_iterator() = default;
    reference operator*() const { return entry_; }
    pointer operator->() const { return &entry_; }
    const_iterator& operator++();
    const_iterator operator++(int) {
      const_iterator old = *this;
      ++*this;
      return old;
    }
    bool operator==(const const_iterator& o) const { return at_ == o.at_; }
    bool operator!=(const const_iterator& o) const { return at_ != o.at_; }

   private:
    friend class Metadata;
    const_iterator(const char* at, const char* end);
    const char* at_ = nullptr;    // the entry's first byte; end_ at the end
    const char* next_ = nullptr;  // the next entry's first byte
    const char* end_ = nullptr;
    Entry entry_;
  };
  using iterator = const_iterator;

  Metadata() = default;
  // The entries given; of equal keys the first is kept (as a map's
  // initializer list does).
  Metadata(std::initializer_list<Entry> entries);
  Metadata& operator=(std::initializer_list<Entry> entries);

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  void clear() {
    packed_.clear();
    count_ = 0;
  }
  const_iterator begin() const;
  const_iterator end() const;

  // The value of `key`, or nullopt when it has none.
  std::optional<std::string_view> Get(std::string_view key) const;
  bool Contains(std::string_view key) const { return Get(key).has_value(); }
  // Sets `key` to `value`, replacing any value it had.
  void Set(std::string_view key, std::string_view value);
  // Adds `key` with `value` unless it has a value; true when added.
  bool Insert(std::string_view key, std::string_view value);
  // Removes `key`; true when it had a value.
  bool Erase(std::string_view key);

  bool operator==(const Metadata& o) const {
    return count_ == o.count_ && packed_ == o.packed_;
  }
  bool operator!=(const Metadata& o) const { return !(*this == o); }

  // The packed form: per entry in key order, the key's length (a LEB128
  // varint), the key, the value's length, the value. It is the form a
  // record's stored envelope holds.
  std::string_view packed() const { return packed_; }
  // Takes `packed` when it is well formed, in strictly increasing key
  // order, with `count` entries; otherwise returns false and keeps the
  // old entries.
  bool AssignPacked(std::string_view packed, size_t count);

 private:
  // Where `key`'s entry is or would go: its offset in packed_; when it is
  // there, *found is set and *entry_end is the offset after it.
  size_t Find(std::string_view key, bool* found, size_t* entry_end) const;

  std::string packed_;
  uint32_t count_ = 0;
};

}  // namespace mnemo

#endif  // MNEMO_METADATA_H_
