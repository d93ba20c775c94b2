// Copyright (c) mnemo authors.

#include <mnemo/gpu/spill.h>

namespace mnemo::gpu {
namespace {

void PutBigEndian(std::uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

}  // namespace

std::string EncodeSpillKey(std::string_view pool, std::uint64_t id,
                           std::uint64_t content_hash) {
  std::string key(pool);
  key.push_back('\0');
  PutBigEndian(id, &key);
  PutBigEndian(content_hash, &key);
  return key;
}

Status MemorySpillSink::Put(std::string_view key, std::string_view value) {
  std::lock_guard<std::mutex> lock(mu_);
  kv_.insert_or_assign(std::string(key), std::string(value));
  return Status::OK();
}

Status MemorySpillSink::Get(std::string_view key, std::string* value) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = kv_.find(key);
  if (it == kv_.end()) return Status::NotFound("spill key");
  *value = it->second;
  return Status::OK();
}

Status MemorySpillSink::Erase(std::string_view key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = kv_.find(key);
  if (it != kv_.end()) kv_.erase(it);
  return Status::OK();
}

std::size_t MemorySpillSink::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return kv_.size();
}

}  // namespace mnemo::gpu
