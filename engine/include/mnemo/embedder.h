// Copyright (c) mnemo authors.
//
// The encoder feed: a host's multimodal embedder (a VISTA-style model that
// embeds text and page images into one space), registered with the store
// through Options::embedder. The store calls it behind ingest, never on the
// Put path:
//   - texts: every record is embedded once, in id order behind a persisted
//     watermark (like the full-text indexer); a record that already has an
//     embedding (Store::PutEmbedding) keeps the host's;
//   - pages: every page the compaction renders, re-renders or decays is
//     queued durably in the same batch that writes it, pinned in the cache's
//     `vista` pool and handed to EmbedPages as PinnedPage leases (8-bit gray,
//     height x width, row-major; gpu::ExportDLPack gives a zero-copy tensor).
//     A page's vector is stored in the `kv` pool under kind
//     "embedding:<name>" (the bare float32 values, host byte order; written
//     through to the `spill` family, Cache::GetKv reads it) and indexed, so
//     a kVector or kHybrid Search with one query vector ranks hot and warm
//     records by their text vectors and pixel-tier records by their pages'
//     vectors too (a record's score is the best of its own vector and its
//     pages'; records whose text decay forgot have only their pages').
//     A page that loses a record (deleted, updated, or expired and removed
//     by compaction) loses its vector and payload in the same batch, like
//     every payload derived from its pixels, and is queued again.
// The work resumes after a crash (both queues are durable) and never blocks
// writers; FlushEmbeddings (mnemo/admin.h) waits until it has caught up.
// Not covered: a record updated after it was embedded keeps the vector of
// its first text, and a record imported (Restore) with an id below the
// text watermark is not embedded (Store::PutEmbedding covers both).

#ifndef MNEMO_EMBEDDER_H_
#define MNEMO_EMBEDDER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mnemo/cache.h"
#include "mnemo/status.h"

namespace mnemo {

// Implemented by the host. Calls come from the store's feed thread, from
// FlushEmbeddings' caller and from Search's caller (the query text of a
// kVector/kHybrid search without a vector), one at a time on one store
// (never concurrently), outside every store lock, so an implementation may
// take as long as its model needs (a search waits for a feed call in
// progress). No call is made once Store's destructor has returned. A
// non-OK Status leaves the batch queued: it is retried (with back-off)
// until it succeeds, except InvalidArgument, which marks just that text or
// page as failed (the store splits the batch to find it; counted in
// EmbedStats::failed; retried when the store reopens). A vector holding a
// NaN or an infinity counts as refused.
class Embedder {
 public:
  virtual ~Embedder() = default;

  // Names the model and its weights (e.g. "vbge-base-v1"). The store keeps
  // the name and dimension of the embedder that filled it; opening it with
  // another name or dimension is InvalidArgument naming both.
  virtual std::string name() const = 0;

  // Length of every vector (1..4096); texts and pages share one space.
  virtual size_t dimension() const = 0;

  // Most texts (pages) passed to one EmbedTexts (EmbedPages) call.
  // Default: 32 texts, 8 pages
  virtual size_t max_text_batch() const { return 32; }
  virtual size_t max_page_batch() const { return 8; }

  // Writes the vector of texts[i] (UTF-8) to
  // out[i * dimension(), (i + 1) * dimension()). `out` holds
  // texts.size() * dimension() floats, owned by the caller.
  virtual Status EmbedTexts(const std::vector<std::string_view>& texts,
                            float* out) = 0;

  // As EmbedTexts, for pages pinned in the vista pool. The leases stay
  // valid during the call only (a DLPack tensor exported from one holds its
  // own pin and may live longer).
  virtual Status EmbedPages(const std::vector<const PinnedPage*>& pages,
                            float* out) = 0;
};

// What the encoder feed has done since the store opened, and what it has
// left (admin GetStats; `mnemo stats`).
struct EmbedStats {
  std::string model;            // Embedder::name(), empty when none
  size_t dimension = 0;
  uint64_t texts_embedded = 0;
  uint64_t pages_embedded = 0;
  uint64_t texts_pending = 0;   // records above the text watermark, and
                                // updated records queued again
  uint64_t pages_pending = 0;   // pages queued
  uint64_t failed = 0;          // texts and pages the embedder refused
  double embed_seconds = 0;     // time inside Embedder calls
};

}  // namespace mnemo

#endif  // MNEMO_EMBEDDER_H_
