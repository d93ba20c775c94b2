// Copyright (c) mnemo authors.
//
// Hot cache: opening it, pinning decoded pages, per-page payloads.

#include "store_cache.h"

#include "keys.h"
#include "mnemo/codec/png.h"
#include "mnemo/quote.h"
#include "page_store.h"
#include "rocks_glue.h"
#include "store_impl.h"

namespace mnemo::internal {
namespace {

constexpr size_t kVistaBlock = 64 << 10;
constexpr size_t kKvBlock = 16 << 10;

Status ParsePolicy(const std::string& name, gpu::EvictionPolicy* policy) {
  if (name == "lru") *policy = gpu::EvictionPolicy::kLru;
  else if (name == "arc") *policy = gpu::EvictionPolicy::kArc;
  else if (name == "s3fifo") *policy = gpu::EvictionPolicy::kS3Fifo;
  else return Status::InvalidArgument("cache policy " + QuoteForMessage(name) + " (expected lru, arc or s3fifo)");
  return Status::OK();
}

// Identifies a payload of one kind on one page of one tenant.
uint64_t KvHash(std::string_view tenant, std::string_view kind) {
  std::string key(tenant);
  key.push_back('\0');
  key.append(kind);
  return ContentHash(key);
}

}  // namespace

Status RocksSpillSink::Put(std::string_view key, std::string_view value) {
  return table_->PutSpill(key, value);
}

Status RocksSpillSink::Get(std::string_view key, std::string* value) {
  return table_->GetSpill(key, value);
}

Status RocksSpillSink::Erase(std::string_view key) {
  return table_->EraseSpill(key);
}

Status StoreCache::Open(const CacheConfig& config, const RecordTable* table,
                        std::unique_ptr<StoreCache>* out) {
  auto c = std::make_unique<StoreCache>();
  gpu::CacheOptions cache_options;
  MNEMO_RETURN_IF_ERROR(ParsePolicy(config.policy, &cache_options.policy));
  std::unique_ptr<gpu::Backend> backend;
  if (config.use_gpu) {
    backend = gpu::NewBestBackend(&c->backend_reason);
  } else {
    backend = gpu::NewHostBackend();
    c->backend_reason = "GPU not requested (CacheConfig::use_gpu = false)";
  }
  gpu::ChunkPoolOptions pool_options;
  pool_options.budget_bytes = config.budget_bytes;
  MNEMO_RETURN_IF_ERROR(gpu::ChunkPool::Open(std::move(backend), pool_options, &c->chunks));
  gpu::BlockPoolOptions vista;
  vista.name = "vista";
  vista.block_bytes = kVistaBlock;
  vista.weight = 3.0;
  MNEMO_RETURN_IF_ERROR(c->chunks->AddPool(vista, &c->vista));
  gpu::BlockPoolOptions kv;
  kv.name = "kv";
  kv.block_bytes = kKvBlock;
  MNEMO_RETURN_IF_ERROR(c->chunks->AddPool(kv, &c->kv));
  c->sink = std::make_unique<RocksSpillSink>(table);
  cache_options.sink = c->sink.get();
  cache_options.host_tier_bytes = config.host_tier_bytes;
  MNEMO_RETURN_IF_ERROR(gpu::HotCache::Open(c->chunks.get(), cache_options, &c->cache));
  *out = std::move(c);
  return Status::OK();
}

Status StoreImpl::CheckCache() const {
  if (cache_ == nullptr) {
    return Status::FailedPrecondition("the hot cache is off (Options::cache.enabled)");
  }
  return Status::OK();
}

Status StoreImpl::PinPage(std::string_view tenant, uint64_t page_id,
                          PinnedPage* pinned) {
  std::string what = "page " + std::to_string(page_id);
  StoredPage page;
  MNEMO_RETURN_IF_ERROR(table_.GetPage(rocksdb::ReadOptions(), page_id, &page));
  if (page.info.ns.tenant != tenant) return Status::NotFound(what + " not found");
  MNEMO_RETURN_IF_ERROR(MaskExpiredOnRead(rocksdb::ReadOptions(),
                                          table_.expiry_view(clock_->NowMicros()),
                                          &page));
  // The key changes when the page does (decay shrinks it, a removed record
  // is blanked out of it), so stale pixels are never served.
  gpu::CacheKey key{static_cast<uint32_t>(cache_->vista->index()), page_id,
                    PixelsCacheHash(page)};
  pinned->page_id = page_id;
  pinned->revision = key.content_hash;
  pinned->width = page.info.width;
  pinned->height = page.info.height;
  Status s = cache_->cache->Lookup(key, &pinned->lease);
  if (!s.IsNotFound()) return s;
  codec::GrayImage image;
  MNEMO_RETURN_IF_ERROR(codec::DecodePng(page.png, codec::DecodeLimits(), &image));
  size_t bytes = static_cast<size_t>(image.width) * image.height;
  gpu::EntryOptions options;
  options.durability = gpu::Durability::kRebuildable;  // re-decoded from PNG
  s = cache_->cache->Allocate(key, bytes, options, &pinned->lease);
  if (s.IsAlreadyExists()) return cache_->cache->Lookup(key, &pinned->lease);
  MNEMO_RETURN_IF_ERROR(s);
  for (int y = 0; y < image.height; ++y) {
    MNEMO_RETURN_IF_ERROR(cache_->cache->Write(pinned->lease,
                                               static_cast<size_t>(y) * image.width,
                                               image.Row(y), image.width));
  }
  return cache_->cache->Publish(pinned->lease);
}

Status StoreImpl::PinPages(std::string_view tenant,
                           const std::vector<uint64_t>& page_ids,
                           std::vector<PinnedPage>* pages) {
  MNEMO_RETURN_IF_ERROR(CheckCache());
  std::vector<PinnedPage> pinned(page_ids.size());
  for (size_t i = 0; i < page_ids.size(); ++i) {
    MNEMO_RETURN_IF_ERROR(PinPage(tenant, page_ids[i], &pinned[i]));
  }
  for (auto& p : pinned) pages->push_back(std::move(p));
  return Status::OK();
}

Status StoreImpl::PinRange(const ScanOptions& range,
                           std::vector<PinnedPage>* pages) {
  MNEMO_RETURN_IF_ERROR(CheckCache());
  ScanResult result;
  MNEMO_RETURN_IF_ERROR(Scan(ReadOptions(), range, &result));
  std::vector<uint64_t> ids;
  for (const Record& r : result.records) {
    for (uint32_t k = 0; r.page.valid() && k < std::max(1u, r.page.page_count); ++k) {
      uint64_t id = r.page.page_id + k;
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
    }
  }
  return PinPages(range.tenant, ids, pages);
}

Status StoreImpl::PutKv(std::string_view tenant, uint64_t page_id,
                        std::string_view kind, std::string_view bytes) {
  return PutKvAt(tenant, page_id, nullptr, kind, bytes);
}

Status StoreImpl::PutKv(std::string_view tenant, const PinnedPage& pinned,
                        std::string_view kind, std::string_view bytes) {
  return PutKvAt(tenant, pinned.page_id, &pinned.revision, kind, bytes);
}

Status StoreImpl::PutKvAt(std::string_view tenant, uint64_t page_id,
                          const uint64_t* revision, std::string_view kind,
                          std::string_view bytes) {
  MNEMO_RETURN_IF_ERROR(CheckCache());
  MNEMO_RETURN_IF_ERROR(CheckWritable());
  if (kind.empty() || kind.size() > kMaxLabel) {
    return Status::InvalidArgument("payload kind must be 1.." + std::to_string(kMaxLabel) + " bytes");
  }
  // Delete, Update and expiry change the page and drop its payloads under
  // this lock: the check and the write below cannot straddle that.
  StripeLocks page_lock = LockPages({{page_id, {}}});
  uint64_t current = 0;
  MNEMO_RETURN_IF_ERROR(GetPageInfoOnly(tenant, page_id, &current));
  if (revision != nullptr && *revision != current) {
    return Status::Aborted("page " + std::to_string(page_id) +
                           " changed since it was pinned (a record on it was "
                           "removed or changed): pin it again and recompute "
                           "the '" + std::string(kind) + "' payload");
  }
  gpu::CacheKey key{static_cast<uint32_t>(cache_->kv->index()), page_id, KvHash(tenant, kind)};
  // Write through to the store first, so the payload outlives eviction and
  // restarts: one RocksDB write replaces any older payload, so a crash or
  // a failed write leaves the old payload or the new one, never neither
  // (erasing the old one first could lose both). Then drop the stale
  // copies from the pools and the host tier (before too, so none of them
  // is spilled back over the new bytes meanwhile) and cache the new ones.
  cache_->cache->Drop(key);
  MNEMO_RETURN_IF_ERROR(
      cache_->sink->Put(gpu::EncodeSpillKey("kv", key.id, key.content_hash), bytes));
  cache_->cache->Drop(key);
  gpu::EntryOptions options;
  options.durability = gpu::Durability::kRebuildable;  // the store has it
  options.contiguous = false;  // payloads may exceed a 2 MiB page
  gpu::Lease lease;
  Status s = cache_->cache->Insert(key, bytes.data(), bytes.size(), options, &lease);
  return s.IsResourceExhausted() ? Status::OK() : s;  // still in the store
}

Status StoreImpl::GetKv(std::string_view tenant, uint64_t page_id,
                        std::string_view kind, std::string* bytes) {
  MNEMO_RETURN_IF_ERROR(CheckCache());
  MNEMO_RETURN_IF_ERROR(GetPageInfoOnly(tenant, page_id));
  // A payload derives from the page's pixels, which still hold a record
  // that expired: it goes with them at the next compaction run.
  std::set<uint64_t> expired;
  MNEMO_RETURN_IF_ERROR(table_.ExpiredOnPage(
      rocksdb::ReadOptions(), clock_->NowMicros(), page_id, &expired));
  if (!expired.empty()) {
    return Status::NotFound("no '" + std::string(kind) + "' payload for page " +
                            std::to_string(page_id) +
                            " (a record on it expired)");
  }
  gpu::CacheKey key{static_cast<uint32_t>(cache_->kv->index()), page_id, KvHash(tenant, kind)};
  gpu::Lease lease;
  Status s = cache_->cache->Lookup(key, &lease);
  if (s.IsResourceExhausted()) {  // too big for the pools now: serve from the store
    s = cache_->sink->Get(gpu::EncodeSpillKey("kv", key.id, key.content_hash), bytes);
    if (s.ok()) return s;
  }
  if (s.IsNotFound()) {
    return Status::NotFound("no '" + std::string(kind) + "' payload for page " +
                            std::to_string(page_id));
  }
  MNEMO_RETURN_IF_ERROR(s);
  bytes->resize(lease.size());
  return cache_->cache->Read(lease, 0, bytes->data(), bytes->size());
}

Status StoreImpl::GetPageInfoOnly(std::string_view tenant, uint64_t page_id,
                                  uint64_t* revision) {
  std::string what = "page " + std::to_string(page_id);
  StoredPage page;
  MNEMO_RETURN_IF_ERROR(table_.GetPage(rocksdb::ReadOptions(), page_id, &page));
  if (page.info.ns.tenant != tenant) return Status::NotFound(what + " not found");
  if (revision != nullptr) {
    // The revision of the page as reads serve it (expired records blanked;
    // one index seek when none has expired), as PinPage computed it.
    MNEMO_RETURN_IF_ERROR(MaskExpiredOnRead(rocksdb::ReadOptions(),
                                            table_.expiry_view(clock_->NowMicros()),
                                            &page));
    *revision = PixelsCacheHash(page);
  }
  return Status::OK();  // GetKv checks for expired records (one index seek)
}

Status StoreImpl::GetCacheReport(CacheReport* report) {
  MNEMO_RETURN_IF_ERROR(CheckCache());
  report->pools = cache_->chunks->Stats();
  report->backend = report->pools.backend;
  report->backend_reason = cache_->backend_reason;
  report->cache = cache_->cache->Stats();
  return Status::OK();
}

}  // namespace mnemo::internal
