// Copyright (c) mnemo authors.

#include "mnemo/metadata.h"

#include "coding.h"

namespace mnemo {
namespace {

// A LEB128 varint of at most 5 bytes (a uint32_t) from [*p, end), in its
// shortest form only: equal entries then always pack to equal bytes.
bool TakeLength(const char** p, const char* end, uint32_t* v) {
  uint32_t result = 0;
  for (int shift = 0; shift <= 28 && *p < end; shift += 7) {
    const uint32_t byte = static_cast<uint8_t>(**p);
    ++*p;
    result |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      if (byte == 0 && shift > 0) return false;  // a longer form than needed
      if (shift == 28 && byte > 0x0f) return false;  // past 32 bits
      *v = result;
      return true;
    }
  }
  return false;
}

bool TakeView(const char** p, const char* end, std::string_view* out) {
  uint32_t len = 0;
  if (!TakeLength(p, end, &len) || static_cast<size_t>(end - *p) < len) {
    return false;
  }
  *out = std::string_view(*p, len);
  *p += len;
  return true;
}

// The entry at *p (advanced past it), when well formed.
bool TakeEntry(const char** p, const char* end, Metadata::Entry* entry) {
  return TakeView(p, end, &entry->first) && TakeView(p, end, &entry->second);
}

std::string PackEntry(std::string_view key, std::string_view value) {
  std::string entry;
  entry.reserve(key.size() + value.size() + 4);
  internal::PutLengthPrefixed(&entry, key);
  internal::PutLengthPrefixed(&entry, value);
  return entry;
}

}  // namespace

// packed_ is only ever well formed (AssignPacked checks what it takes), so
// the iterator does not check again.
Metadata::const_iterator::const_iterator(const char* at, const char* end)
    : at_(at), next_(at), end_(end) {
  if (at_ != end_) (void)TakeEntry(&next_, end_, &entry_);
}

Metadata::const_iterator& Metadata::const_iterator::operator++() {
  at_ = next_;
  if (at_ != end_) (void)TakeEntry(&next_, end_, &entry_);
  return *this;
}

Metadata::Metadata(std::initializer_list<Entry> entries) { *this = entries; }

Metadata& Metadata::operator=(std::initializer_list<Entry> entries) {
  clear();
  for (const Entry& e : entries) Insert(e.first, e.second);
  return *this;
}

Metadata::const_iterator Metadata::begin() const {
  return const_iterator(packed_.data(), packed_.data() + packed_.size());
}

Metadata::const_iterator Metadata::end() const {
  const char* end = packed_.data() + packed_.size();
  return const_iterator(end, end);
}

size_t Metadata::Find(std::string_view key, bool* found,
                      size_t* entry_end) const {
  *found = false;
  const char* const base = packed_.data();
  const char* const end = base + packed_.size();
  const char* p = base;
  while (p != end) {
    const char* start = p;
    Entry e;
    (void)TakeEntry(&p, end, &e);
    const int order = e.first.compare(key);
    if (order >= 0) {
      *found = order == 0;
      *entry_end = static_cast<size_t>(p - base);
      return static_cast<size_t>(start - base);
    }
  }
  return packed_.size();
}

std::optional<std::string_view> Metadata::Get(std::string_view key) const {
  for (const Entry& e : *this) {
    const int order = e.first.compare(key);
    if (order == 0) return e.second;
    if (order > 0) break;
  }
  return std::nullopt;
}

void Metadata::Set(std::string_view key, std::string_view value) {
  bool found = false;
  size_t entry_end = 0;
  const size_t at = Find(key, &found, &entry_end);
  // Packed first: key and value may be views into packed_ itself.
  const std::string entry = PackEntry(key, value);
  if (found) {
    packed_.replace(at, entry_end - at, entry);
  } else {
    packed_.insert(at, entry);
    ++count_;
  }
}

bool Metadata::Insert(std::string_view key, std::string_view value) {
  bool found = false;
  size_t entry_end = 0;
  const size_t at = Find(key, &found, &entry_end);
  if (found) return false;
  const std::string entry = PackEntry(key, value);
  packed_.insert(at, entry);
  ++count_;
  return true;
}

bool Metadata::Erase(std::string_view key) {
  bool found = false;
  size_t entry_end = 0;
  const size_t at = Find(key, &found, &entry_end);
  if (!found) return false;
  packed_.erase(at, entry_end - at);
  --count_;
  return true;
}

bool Metadata::AssignPacked(std::string_view packed, size_t count) {
  const char* p = packed.data();
  const char* const end = p + packed.size();
  size_t n = 0;
  std::string_view last;
  for (; p != end; ++n) {
    Entry e;
    if (!TakeEntry(&p, end, &e) || (n > 0 && e.first <= last)) return false;
    last = e.first;
  }
  if (n != count || n > UINT32_MAX) return false;
  packed_.assign(packed);
  count_ = static_cast<uint32_t>(n);
  return true;
}

}  // namespace mnemo
