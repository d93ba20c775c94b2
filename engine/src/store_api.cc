// Copyright (c) mnemo authors.
//
// The parts of the public Store that only forward: snapshots, Search by
// mode, DeleteSession by name, and the Cache interface (Store::cache()).

#include <rocksdb/snapshot.h>

#include "store_impl.h"

namespace mnemo::internal {
namespace {

// A Store snapshot: a RocksDB snapshot of the store's database.
class SnapshotImpl final : public Snapshot {
 public:
  explicit SnapshotImpl(const rocksdb::Snapshot* rocks) : rocks_(rocks) {}
  ~SnapshotImpl() override = default;
  const rocksdb::Snapshot* rocks() const { return rocks_; }

 private:
  const rocksdb::Snapshot* const rocks_;
};

}  // namespace

const Snapshot* StoreImpl::GetSnapshot() {
  return new SnapshotImpl(db_->GetSnapshot());
}

void StoreImpl::ReleaseSnapshot(const Snapshot* snapshot) {
  if (snapshot == nullptr) return;
  const auto* impl = static_cast<const SnapshotImpl*>(snapshot);
  db_->ReleaseSnapshot(impl->rocks());
  delete impl;
}

rocksdb::ReadOptions StoreImpl::RocksRead(const ReadOptions& options) {
  rocksdb::ReadOptions ro;
  if (options.snapshot != nullptr) {
    ro.snapshot = static_cast<const SnapshotImpl*>(options.snapshot)->rocks();
  }
  return ro;
}

Status StoreImpl::Search(const SearchOptions& options, SearchResult* result) {
  VectorQuery embedded;  // the query text's vector, when none was given
  const VectorQuery* query = &options.vector;
  if (options.mode != SearchMode::kText && options.vector.vector.empty()) {
    result->hits.clear();
    result->matched = 0;
    embedded.metric = options.vector.metric;
    MNEMO_RETURN_IF_ERROR(EmbedQuery(options.query, &embedded.vector));
    query = &embedded;
  }
  switch (options.mode) {
    case SearchMode::kText:
      return TextSearch(options, result);
    case SearchMode::kVector:
      return VectorSearch(options, *query, result);
    case SearchMode::kHybrid:
      return HybridSearch(options, *query, options.hybrid, result);
  }
  return Status::InvalidArgument(
      "search mode " + std::to_string(static_cast<int>(options.mode)) +
      " is not text, vector or hybrid");
}

Status StoreImpl::DeleteSession(const WriteOptions& options,
                                std::string_view tenant, std::string_view agent,
                                std::string_view session, uint64_t* deleted) {
  return DeleteSession(
      options,
      Namespace{std::string(tenant), std::string(agent), std::string(session)},
      deleted);
}

Status StoreCacheCalls::PinPages(std::string_view tenant,
                                 const std::vector<uint64_t>& page_ids,
                                 std::vector<PinnedPage>* pages) {
  return store_->PinPages(tenant, page_ids, pages);
}

Status StoreCacheCalls::PinRange(const ScanOptions& range,
                                 std::vector<PinnedPage>* pages) {
  return store_->PinRange(range, pages);
}

Status StoreCacheCalls::PutKv(std::string_view tenant, uint64_t page_id,
                              std::string_view kind, std::string_view bytes) {
  return store_->PutKv(tenant, page_id, kind, bytes);
}

Status StoreCacheCalls::PutKv(std::string_view tenant, const PinnedPage& pinned,
                              std::string_view kind, std::string_view bytes) {
  return store_->PutKv(tenant, pinned, kind, bytes);
}

Status StoreCacheCalls::GetKv(std::string_view tenant, uint64_t page_id,
                              std::string_view kind, std::string* bytes) {
  return store_->GetKv(tenant, page_id, kind, bytes);
}

Status StoreCacheCalls::GetReport(CacheReport* report) {
  return store_->GetCacheReport(report);
}

}  // namespace mnemo::internal
