// Copyright (c) mnemo authors.
//
// The operator calls of mnemo/admin.h: each forwards to the StoreImpl
// behind the Store (store_admin.cc, store_iterate.cc, store_restore.cc,
// store_verify.cc, pages_read.cc) and refuses any other implementation.

#include "mnemo/admin.h"

#include "cluster_store.h"
#include "store_impl.h"

namespace mnemo {
namespace {

// The StoreImpl behind `store`, or null (with *s saying why) when `store`
// is null or another implementation of Store.
// A cluster store's calls here work on its local cache of owned agents
// (Import goes to the cluster: see Import).
internal::StoreImpl* Impl(Store* store, const char* call, Status* s) {
  if (auto* cs = dynamic_cast<internal::ClusterStoreBase*>(store)) {
    store = cs->local_cache();
  }
  auto* impl = dynamic_cast<internal::StoreImpl*>(store);
  if (impl == nullptr) {
    *s = Status::InvalidArgument(std::string(call) + ": " +
                                 (store == nullptr
                                      ? "no store given"
                                      : "not a store opened by Store::Open"));
  }
  return impl;
}

}  // namespace

Status Import(Store* store, const WriteOptions& options,
              const std::vector<Record>& records) {
  if (auto* cs = dynamic_cast<internal::ClusterStoreBase*>(store)) {
    return cs->ImportRecords(options, records, nullptr);
  }
  Status s;
  auto* impl = Impl(store, "import", &s);
  return impl == nullptr ? s : impl->Restore(options, records);
}

Status Import(Store* store, const WriteOptions& options,
              const std::vector<Record>& records,
              const std::vector<PageData>& pages) {
  if (auto* cs = dynamic_cast<internal::ClusterStoreBase*>(store)) {
    return cs->ImportRecords(options, records, &pages);
  }
  Status s;
  auto* impl = Impl(store, "import", &s);
  return impl == nullptr ? s : impl->RestoreWithPages(options, records, pages);
}

Status Validate(Store* store, const Record& record) {
  Status s;
  auto* impl = Impl(store, "validate", &s);
  return impl == nullptr ? s : impl->Validate(record);
}

Status LookupNamespace(Store* store, RecordId id, Namespace* ns) {
  Status s;
  auto* impl = Impl(store, "lookup namespace", &s);
  return impl == nullptr ? s : impl->LookupNamespace(id, ns);
}

Status NewRecordIterator(Store* store, const IterateOptions& options,
                         std::unique_ptr<RecordIterator>* it) {
  it->reset();
  Status s;
  auto* impl = Impl(store, "record iterator", &s);
  return impl == nullptr ? s : impl->NewRecordIterator(options, it);
}

Status GetStats(Store* store, StoreStats* stats) {
  Status s;
  auto* impl = Impl(store, "stats", &s);
  return impl == nullptr ? s : impl->GetStats(stats);
}

Status GetTierStats(Store* store, std::string_view tenant, TierStats* stats) {
  Status s;
  auto* impl = Impl(store, "tier stats", &s);
  return impl == nullptr ? s : impl->GetTierStats(tenant, stats);
}

Status FlushEmbeddings(Store* store) {
  Status s;
  auto* impl = Impl(store, "flush embeddings", &s);
  return impl == nullptr ? s : impl->FlushEmbeddings();
}

Status FlushAccessCounts(Store* store) {
  Status s;
  auto* impl = Impl(store, "flush access counts", &s);
  return impl == nullptr ? s : impl->FlushAccessCounts();
}

Status Verify(Store* store, const VerifyOptions& options,
              VerifyReport* report) {
  Status s;
  auto* impl = Impl(store, "verify", &s);
  return impl == nullptr ? s : impl->Verify(options, report);
}

Status Checkpoint(Store* store, const std::string& out_dir) {
  Status s;
  auto* impl = Impl(store, "checkpoint", &s);
  return impl == nullptr ? s : impl->Checkpoint(out_dir);
}

Status Backup(Store* store, const std::string& backup_dir, BackupInfo* info) {
  Status s;
  auto* impl = Impl(store, "backup", &s);
  return impl == nullptr ? s : impl->Backup(backup_dir, info);
}

}  // namespace mnemo
