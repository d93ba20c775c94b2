// Copyright (c) mnemo authors.
//
// The feed: how a model host reads pinned entries without copies.
//
// BlockTable gathers a batch of leases (all from one block pool) into flat
// arrays a kernel or a Python host can walk: one pointer per block (stride
// = block_bytes; blocks of entry i are block_ptrs[entry_offsets[i] ..
// entry_offsets[i+1])), plus per-entry ids, content hashes and byte sizes.
// It does not own the leases: the view is valid while they stay alive.
//
// ExportDLPack hands one contiguous entry out as a DLPack tensor (the
// DLManagedTensor ABI of dlpack.h, v0.6+): a PyTorch/JAX/CuPy host wraps it
// with from_dlpack zero-copy. The tensor holds its own pin on the entry,
// released by the tensor's deleter, so it may outlive the lease it came
// from (but not the HotCache).

#ifndef MNEMO_GPU_FEED_H_
#define MNEMO_GPU_FEED_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <mnemo/gpu/hot_cache.h>
#include <mnemo/status.h>

struct DLManagedTensor;  // <dlpack/dlpack.h>; kept out of this header

namespace mnemo::gpu {

// Plain C-compatible view over a BlockTable's arrays.
struct BlockTableView {
  std::uint32_t num_entries = 0;
  std::uint32_t num_blocks = 0;
  std::uint64_t block_bytes = 0;           // stride between blocks
  int device_type = 0;                     // DLPack device type
  int device_id = 0;
  const std::uint64_t* block_ptrs = nullptr;     // num_blocks
  const std::uint32_t* entry_offsets = nullptr;  // num_entries + 1
  const std::uint64_t* entry_ids = nullptr;      // num_entries
  const std::uint64_t* content_hashes = nullptr; // num_entries
  const std::uint64_t* entry_bytes = nullptr;    // num_entries
};

class BlockTable {
 public:
  // Rebuilds the table for `leases` (in order). InvalidArgument when a
  // lease is invalid or the leases come from different pools.
  Status Build(std::span<const Lease* const> leases);
  BlockTableView view() const;

 private:
  BlockTableView meta_;
  std::vector<std::uint64_t> block_ptrs_, ids_, hashes_, bytes_;
  std::vector<std::uint32_t> offsets_;
};

struct DLPackOptions {
  // Element type: unsigned integers of this many bits (8, 16, 32) or
  // float (16 or 32 with is_float). The entry size must be a multiple.
  int bits = 8;
  bool is_float = false;
  // Shape; empty means 1-D over the whole entry. Its product times bits/8
  // must equal the entry size.
  std::vector<std::int64_t> shape;
};

// Exports the leased entry (REQUIRES: lease.contiguous()). On success
// *out is owned by the caller, who must call (*out)->deleter(*out) once.
Status ExportDLPack(const Lease& lease, const DLPackOptions& options,
                    DLManagedTensor** out);

}  // namespace mnemo::gpu

#endif  // MNEMO_GPU_FEED_H_
