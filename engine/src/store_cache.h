// Copyright (c) mnemo authors.
//
// The engine side of the hot cache: the chunk pool with the `vista` and `kv`
// block pools, the HotCache over them, and the spill sink that keeps
// evicted (and written-through) entries in the `spill` column family.

#ifndef MNEMO_ENGINE_STORE_CACHE_H_
#define MNEMO_ENGINE_STORE_CACHE_H_

#include <memory>
#include <string>

#include "mnemo/cache.h"
#include "mnemo/gpu/chunk_pool.h"
#include "mnemo/gpu/spill.h"

namespace mnemo::internal {

class RecordTable;  // record_table.h

// SpillSink over the store's spill family. Thread-safe (RocksDB is).
class RocksSpillSink final : public gpu::SpillSink {
 public:
  explicit RocksSpillSink(const RecordTable* table) : table_(table) {}
  Status Put(std::string_view key, std::string_view value) override;
  Status Get(std::string_view key, std::string* value) override;
  Status Erase(std::string_view key) override;

 private:
  const RecordTable* const table_;
};

struct StoreCache {
  std::string backend_reason;
  std::unique_ptr<RocksSpillSink> sink;
  std::unique_ptr<gpu::ChunkPool> chunks;  // destroyed after `cache`
  std::unique_ptr<gpu::HotCache> cache;
  gpu::BlockPool* vista = nullptr;
  gpu::BlockPool* kv = nullptr;

  ~StoreCache() { cache.reset(); }
  // `table` must outlive the cache.
  static Status Open(const CacheConfig& config, const RecordTable* table,
                     std::unique_ptr<StoreCache>* out);
};

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_STORE_CACHE_H_
