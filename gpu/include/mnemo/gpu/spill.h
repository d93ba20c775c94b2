// Copyright (c) mnemo authors.
//
// SpillSink: where the hot cache puts entries it evicts from the host tier
// (the last tier before the data is gone). The engine implements it over a
// RocksDB column family; gpu/ never sees RocksDB. Keys are opaque byte
// strings built by EncodeSpillKey (pool name, id, content hash), so they
// stay meaningful across restarts; values are the entry's exact bytes.
//
// Thread safety: implementations must accept concurrent calls.

#ifndef MNEMO_GPU_SPILL_H_
#define MNEMO_GPU_SPILL_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include <mnemo/status.h>

namespace mnemo::gpu {

class SpillSink {
 public:
  virtual ~SpillSink() = default;
  // Stores `value` under `key`, replacing any previous value.
  virtual Status Put(std::string_view key, std::string_view value) = 0;
  // NotFound when absent; *value is replaced on success.
  virtual Status Get(std::string_view key, std::string* value) = 0;
  // OK also when absent.
  virtual Status Erase(std::string_view key) = 0;
};

// "<pool>\0" + big-endian id + big-endian content hash: sorts by pool then
// id, so a store can range-delete one pool's entries.
std::string EncodeSpillKey(std::string_view pool, std::uint64_t id,
                           std::uint64_t content_hash);

// An in-memory sink for tests and demos (and a reference for the engine's).
class MemorySpillSink final : public SpillSink {
 public:
  Status Put(std::string_view key, std::string_view value) override;
  Status Get(std::string_view key, std::string* value) override;
  Status Erase(std::string_view key) override;
  std::size_t size() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string, std::less<>> kv_;
};

}  // namespace mnemo::gpu

#endif  // MNEMO_GPU_SPILL_H_
