// Copyright (c) mnemo authors.

#include <mnemo/gpu/feed.h>

#include <dlpack/dlpack.h>

#include <numeric>

namespace mnemo::gpu {

Status BlockTable::Build(std::span<const Lease* const> leases) {
  meta_ = BlockTableView();
  block_ptrs_.clear();
  ids_.clear();
  hashes_.clear();
  bytes_.clear();
  offsets_.assign(1, 0);
  BlockPool* pool = nullptr;
  for (const Lease* l : leases) {
    if (l == nullptr || !l->valid()) {
      return Status::InvalidArgument("block table: invalid lease");
    }
    if (pool != nullptr && l->pool() != pool) {
      return Status::InvalidArgument("block table: leases from several pools");
    }
    pool = l->pool();
    for (const Extent& e : l->extents()) {
      for (std::uint32_t i = 0; i < e.count; ++i) {
        block_ptrs_.push_back(
            reinterpret_cast<std::uintptr_t>(pool->BlockAddress(e.first + i)));
      }
    }
    offsets_.push_back(static_cast<std::uint32_t>(block_ptrs_.size()));
    ids_.push_back(l->key().id);
    hashes_.push_back(l->key().content_hash);
    bytes_.push_back(l->size());
  }
  meta_.num_entries = static_cast<std::uint32_t>(ids_.size());
  meta_.num_blocks = static_cast<std::uint32_t>(block_ptrs_.size());
  if (pool != nullptr) {
    meta_.block_bytes = pool->block_bytes();
    meta_.device_type = pool->chunk_pool()->backend()->dlpack_device_type();
    meta_.device_id = pool->chunk_pool()->backend()->device_id();
  }
  return Status::OK();
}

BlockTableView BlockTable::view() const {
  BlockTableView v = meta_;
  v.block_ptrs = block_ptrs_.data();
  v.entry_offsets = offsets_.data();
  v.entry_ids = ids_.data();
  v.content_hashes = hashes_.data();
  v.entry_bytes = bytes_.data();
  return v;
}

namespace {

// Owns the tensor's shape and a pin on the entry.
struct DLPackContext {
  DLManagedTensor tensor;
  std::vector<std::int64_t> shape;
  Lease lease;
};

void DeleteTensor(DLManagedTensor* t) {
  delete static_cast<DLPackContext*>(t->manager_ctx);
}

}  // namespace

Status ExportDLPack(const Lease& lease, const DLPackOptions& options,
                    DLManagedTensor** out) {
  if (!lease.valid() || !lease.contiguous()) {
    return Status::FailedPrecondition("DLPack export needs a contiguous lease");
  }
  if (options.bits != 8 && options.bits != 16 && options.bits != 32) {
    return Status::InvalidArgument("DLPack bits must be 8, 16 or 32");
  }
  std::size_t elem = options.bits / 8;
  std::vector<std::int64_t> shape = options.shape;
  if (shape.empty()) shape.push_back(static_cast<std::int64_t>(lease.size() / elem));
  std::int64_t count = std::accumulate(shape.begin(), shape.end(), std::int64_t{1},
                                       std::multiplies<>());
  if (count < 0 || static_cast<std::size_t>(count) * elem != lease.size()) {
    return Status::InvalidArgument("DLPack shape does not match the entry size");
  }
  auto ctx = std::make_unique<DLPackContext>();
  MNEMO_RETURN_IF_ERROR(lease.cache()->Pin(lease.ref(), &ctx->lease));
  ctx->shape = std::move(shape);
  Backend* b = lease.pool()->chunk_pool()->backend();
  DLTensor& t = ctx->tensor.dl_tensor;
  t.data = lease.data();
  t.device = {static_cast<DLDeviceType>(b->dlpack_device_type()), b->device_id()};
  t.ndim = static_cast<std::int32_t>(ctx->shape.size());
  t.dtype = {static_cast<std::uint8_t>(options.is_float ? kDLFloat : kDLUInt),
             static_cast<std::uint8_t>(options.bits), 1};
  t.shape = ctx->shape.data();
  t.strides = nullptr;  // compact row-major
  t.byte_offset = 0;
  ctx->tensor.manager_ctx = ctx.get();
  ctx->tensor.deleter = DeleteTensor;
  *out = &ctx.release()->tensor;
  return Status::OK();
}

}  // namespace mnemo::gpu
