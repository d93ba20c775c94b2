// Copyright (c) mnemo authors.
//
// The encoder feed (mnemo/embedder.h): the host's embedder fills the
// vector index behind ingest, like the full-text indexer
// (search_indexer.cc) fills the postings.
//
// Texts. A cursor over record ids: every record with id <= it was offered
// to the embedder. Ids only grow and SafeCommittedId() bounds the ids whose
// inserts are done, so the records above the cursor are the ones left. A
// chunk takes up to max_text_batch() records above it that have text and
// no embedding yet ('e', e.g. the host's PutEmbedding), calls EmbedTexts
// with no store lock held, then takes the chunk's record stripes and
// writes, in one batch, the vectors of the records still there at the
// version embedded and still without an embedding (a record deleted or
// updated meanwhile gets none: no stale vector comes back) and the new
// persisted watermark (kEmbedWatermarkKey). A crash before that batch
// loses only the embedder's work; the chunk is redone at the next open.
// Records the embedder refuses (InvalidArgument) hold the persisted
// watermark below them, so a reopen offers them again (records above them
// that have vectors by then are skipped as embedded).
//
// Pages: embed_pages.cc. Every embedder call is made under embed_call_mu_
// (feed and query embeddings), so the embedder never sees two at once;
// the feed itself runs under embed_mu_, on the "embed" background task or
// in FlushEmbeddings. Errors other than InvalidArgument leave the chunk
// for later: the task backs off (kMinBackoff doubling to kMaxBackoff).

#include <algorithm>
#include <cmath>
#include <thread>
#include <unordered_map>

#include "coding.h"
#include "envelope.h"
#include "search_internal.h"
#include "search_postings.h"
#include "store_impl.h"

namespace mnemo::internal {
namespace {

constexpr size_t kMaxDimension = 4096;
constexpr size_t kMaxTextBatch = 1024;
constexpr size_t kTextChunk = 256;  // records per read and write
constexpr auto kMinBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::milliseconds(30000);
constexpr int kFlushTries = 4;

bool AllFinite(const float* v, size_t n) {
  return std::all_of(v, v + n, [](float x) { return std::isfinite(x); });
}

std::string ModelName(const std::string& name, size_t dim) {
  return "'" + name + "' (dimension " + std::to_string(dim) + ")";
}

}  // namespace

// One chunk of the text feed: the records offered, their vectors and
// whether the embedder took each.
struct TextChunk {
  std::vector<RecordId> ids;
  std::vector<uint32_t> versions;
  std::vector<std::string> texts;
  RecordId end = 0;  // the cursor once the chunk is written
  std::vector<float> vectors;
  std::vector<bool> ok;
  mutable uint64_t written = 0;
};

Status StoreImpl::OpenEmbedFeed() {
  std::string stored;
  uint32_t stored_dim = 0;
  bool found = false;
  MNEMO_RETURN_IF_ERROR(
      table_.vectors()
          .GetModel(rocksdb::ReadOptions(), &stored, &stored_dim, &found)
          .WithContext("store " + dir_));
  // A store that has a model keeps queueing its pages even when opened
  // without the embedder, so the next open with it embeds them.
  table_.vectors().set_queues_pages(!options_.read_only &&
                                    (found || options_.embedder != nullptr));
  if (options_.embedder == nullptr) return Status::OK();
  MNEMO_RETURN_IF_ERROR(CheckEmbedder(found ? &stored : nullptr, stored_dim));
  embedder_ = options_.embedder;
  if (options_.read_only) return Status::OK();
  if (!found) {
    rocksdb::WriteBatch batch;
    MNEMO_RETURN_IF_ERROR(table_.vectors().PutModel(
        embedder_->name(), static_cast<uint32_t>(embedder_->dimension()),
        &batch));
    MNEMO_RETURN_IF_ERROR(
        Commit(WriteOptions(), &batch, "recording the embedder"));
  }
  RecordId mark = 0;
  MNEMO_RETURN_IF_ERROR(
      table_.GetCounter(rocksdb::ReadOptions(), kEmbedWatermarkKey, &mark));
  embed_cursor_.store(std::min(mark, LastAssignedId()));
  return Status::OK();
}

Status StoreImpl::CheckEmbedder(const std::string* stored,
                                uint32_t stored_dim) const {
  if (!options_.read_only && !options_.cache.enabled) {
    return Status::InvalidArgument(
        "Options::embedder needs Options::cache.enabled (pages are fed to it "
        "from the cache's vista pool)");
  }
  std::string name = options_.embedder->name();
  size_t dim = options_.embedder->dimension();
  if (name.empty() || name.size() > 256 || dim == 0 || dim > kMaxDimension) {
    return Status::InvalidArgument(
        "embedder " + ModelName(name, dim) +
        ": the name must be 1..256 bytes and the dimension 1..4096");
  }
  if (stored != nullptr && (*stored != name || stored_dim != dim)) {
    return Status::InvalidArgument(
        "store " + dir_ + " holds the vectors of embedder " +
        ModelName(*stored, stored_dim) + "; Options::embedder is " +
        ModelName(name, dim));
  }
  return Status::OK();
}

Status StoreImpl::EmbedSplit(
    size_t n, size_t max_batch,
    const std::function<Status(size_t, size_t, float*)>& call,
    const std::atomic<bool>* cancel, std::vector<float>* out,
    std::vector<bool>* ok) {
  const size_t dim = embedder_->dimension();
  out->assign(n * dim, 0.0f);
  ok->assign(n, true);
  std::vector<std::pair<size_t, size_t>> todo;  // last first
  for (size_t end = n; end > 0; end -= std::min(end, max_batch)) {
    todo.emplace_back(end - std::min(end, max_batch), end);
  }
  while (!todo.empty()) {
    if (cancel != nullptr && cancel->load()) {
      return Status::Aborted("the store is closing");
    }
    // Plain locals, not a structured binding: clang 14 (the fuzz stage)
    // cannot capture bindings in the lambda below.
    const size_t begin = todo.back().first;
    const size_t end = todo.back().second;
    todo.pop_back();
    Status s = TimedEmbedderCall([&] {
      return call(begin, end, out->data() + begin * dim);
    });
    if (s.ok()) continue;
    if (!s.IsInvalidArgument()) return s;
    if (end - begin > 1) {  // halve until the refused items are alone
      size_t mid = begin + (end - begin) / 2;
      todo.emplace_back(mid, end);
      todo.emplace_back(begin, mid);
      continue;
    }
    (*ok)[begin] = false;
  }
  // A vector with NaN or infinity would poison every ranking it is in.
  for (size_t i = 0; i < n; ++i) {
    if ((*ok)[i] && !AllFinite(out->data() + i * dim, dim)) (*ok)[i] = false;
  }
  embed_failed_ += std::count(ok->begin(), ok->end(), false);
  return Status::OK();
}

Status StoreImpl::TimedEmbedderCall(const std::function<Status()>& call) {
  port::MutexLock lock(&embed_call_mu_);
  auto started = std::chrono::steady_clock::now();
  Status s = call();
  embed_nanos_ += std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  return s;
}

// The records above the cursor, up to `safe`, that have text and no
// embedding yet: at most `limit`.
// Fills chunk->vectors and chunk->ok from the embedder, `batch` texts a
// call (EmbedSplit isolates the ones it refuses).
Status StoreImpl::EmbedChunkTexts(size_t batch,
                                  const std::atomic<bool>* cancel,
                                  TextChunk* chunk) {
  return EmbedSplit(
      chunk->ids.size(), batch,
      [&](size_t begin, size_t stop, float* out) {
        std::vector<std::string_view> some(chunk->texts.begin() + begin,
                                           chunk->texts.begin() + stop);
        return embedder_->EmbedTexts(some, out);
      },
      cancel, &chunk->vectors, &chunk->ok);
}

Status StoreImpl::NextTexts(RecordId safe, size_t limit, TextChunk* chunk) {
  Status inner;
  rocksdb::ReadOptions ro;
  MNEMO_RETURN_IF_ERROR(table_.ForEachIdRange(
      ro, embed_cursor_.load(), safe,
      [&](const KeyFields& key, std::string_view value) {
        const RecordId id = key.id;
        Record r;
        uint8_t flags = 0;
        // A record that does not decode is left out (Verify reports it).
        if (!DecodeStored(value, key, &r, &flags).ok() || r.text.empty() ||
            (flags & kFlagTextForgotten) != 0) {
          return true;
        }
        std::string stored;
        bool has = false;
        inner = table_.vectors().Get(
            ro, EmbeddingKey(r.ns.tenant, r.ns.agent, id), &stored, &has);
        if (!inner.ok()) return false;
        if (has) return true;  // the host's (or ours, after a reopen)
        chunk->ids.push_back(id);
        chunk->versions.push_back(r.version);
        chunk->texts.push_back(std::move(r.text));
        return chunk->ids.size() < limit;
      }));
  return inner;
}

// The next chunk above the cursor, up to `safe`: several embedder batches
// under one read of the records and one write (a chunk of one batch
// spends most of its time reading and committing, not embedding).
// REQUIRES: every id <= safe is committed or dropped.
Status StoreImpl::EmbedTextChunk(RecordId safe,
                                 const std::atomic<bool>* cancel) {
  const size_t batch =
      std::clamp<size_t>(embedder_->max_text_batch(), 1, kMaxTextBatch);
  const size_t limit = std::max(batch, kTextChunk);
  TextChunk chunk;
  MNEMO_RETURN_IF_ERROR(NextTexts(safe, limit, &chunk));
  chunk.end = chunk.ids.size() == limit ? chunk.ids.back() : safe;
  MNEMO_RETURN_IF_ERROR(EmbedChunkTexts(batch, cancel, &chunk));
  return WriteTextVectors(chunk);
}

// REQUIRES: the record stripes of `chunk` and EmbeddingDimMutex() held.
Status StoreImpl::PutTextVector(const TextChunk& chunk, size_t i,
                                const Record& r, DimFits* fits,
                                rocksdb::WriteBatch* batch) {
  const size_t dim = embedder_->dimension();
  rocksdb::ReadOptions ro;
  std::string key = EmbeddingKey(r.ns.tenant, r.ns.agent, r.id), stored;
  bool has = false;
  MNEMO_RETURN_IF_ERROR(table_.vectors().Get(ro, key, &stored, &has));
  if (has) return Status::OK();  // the host's came first
  std::string agent = r.ns.tenant + '\0' + r.ns.agent;
  auto fit = fits->find(agent);
  if (fit == fits->end()) {  // the agent's dimension, fixed by its first
    std::string dim_key = EmbeddingDimKey(r.ns.tenant, r.ns.agent), d;
    MNEMO_RETURN_IF_ERROR(table_.vectors().Get(ro, dim_key, &d, &has));
    bool same = !has || (d.size() == 4 && DecodeFixed32(d.data()) == dim);
    if (!has) {
      PutFixed32(&d, static_cast<uint32_t>(dim));
      table_.vectors().Put(dim_key, d, batch);
    }
    fit = fits->emplace(agent, same).first;
  }
  if (!fit->second) {  // the host's embeddings have another size
    ++embed_failed_;
    return Status::OK();
  }
  table_.vectors().Put(
      key, EncodeFloatVector(chunk.vectors.data() + i * dim, dim, true), batch);
  ++chunk.written;
  return Status::OK();
}

Status StoreImpl::WriteTextVectors(const TextChunk& chunk) {
  std::unordered_map<RecordId, size_t> index;
  for (size_t i = 0; i < chunk.ids.size(); ++i) {
    index[chunk.ids[i]] = i;
    if (!chunk.ok[i]) failed_texts_.insert(chunk.ids[i]);
  }
  StripeLocks locks = LockRecords(chunk.ids);  // against Update, Delete
  std::lock_guard<std::mutex> dim_lock(EmbeddingDimMutex());
  DimFits fits;
  rocksdb::WriteBatch batch;
  Status inner;
  MNEMO_RETURN_IF_ERROR(table_.GetMany(
      rocksdb::ReadOptions(), chunk.ids,
      [&](const KeyFields& key, std::string_view value) {
        const RecordId id = key.id;
        size_t i = index[id];
        Record r;
        if (!inner.ok() || !DecodeStored(value, key, &r, nullptr).ok()) return;
        if (r.version != chunk.versions[i]) {  // updated meanwhile
          // Embedded again, for the new text.
          table_.vectors().QueueText(id, &batch);
        } else if (chunk.ok[i]) {
          inner = PutTextVector(chunk, i, r, &fits, &batch);
        }
      }));
  MNEMO_RETURN_IF_ERROR(inner);
  RecordId mark = chunk.end;
  if (!failed_texts_.empty()) mark = std::min(mark, *failed_texts_.begin() - 1);
  table_.PutCounter(kEmbedWatermarkKey, mark, &batch);
  MNEMO_RETURN_IF_ERROR(
      Commit(WriteOptions(), &batch, "writing text embeddings"));
  embed_cursor_.store(chunk.end);
  texts_embedded_ += chunk.written;
  return Status::OK();
}

// The queued records (RecordTable::RequeueText, or updated while the
// walk embedded them) that still need a vector: read without locks,
// embedded, then re-checked under their stripes (WriteQueuedTexts).
Status StoreImpl::EmbedQueuedTexts(const std::atomic<bool>* cancel,
                                    bool* left) {
  const size_t batch =
      std::clamp<size_t>(embedder_->max_text_batch(), 1, kMaxTextBatch);
  std::vector<RecordId> queued;
  MNEMO_RETURN_IF_ERROR(table_.vectors().PendingTexts(
      rocksdb::ReadOptions(), 0, kTextChunk + failed_queued_.size(), &queued));
  // A plain loop, not a lambda: the thread-safety analysis does not see
  // that a lambda runs under embed_mu_.
  std::vector<RecordId> offered;
  for (RecordId id : queued) {
    if (failed_queued_.count(id) == 0) offered.push_back(id);
  }
  queued.swap(offered);
  *left = !queued.empty();
  if (queued.empty()) return Status::OK();
  TextChunk chunk;
  rocksdb::ReadOptions ro;
  Status inner;
  MNEMO_RETURN_IF_ERROR(table_.GetMany(
      ro, queued, [&](const KeyFields& key, std::string_view value) {
        const RecordId id = key.id;
        Record r;
        uint8_t flags = 0;
        std::string stored;
        bool has = false;
        if (!inner.ok() || !DecodeStored(value, key, &r, &flags).ok() ||
            r.text.empty() || (flags & kFlagTextForgotten) != 0) {
          return;  // dropped from the queue under the stripe
        }
        inner = table_.vectors().Get(
            ro, EmbeddingKey(r.ns.tenant, r.ns.agent, id), &stored, &has);
        if (!inner.ok() || has) return;
        chunk.ids.push_back(id);
        chunk.versions.push_back(r.version);
        chunk.texts.push_back(std::move(r.text));
      }));
  MNEMO_RETURN_IF_ERROR(inner);
  MNEMO_RETURN_IF_ERROR(EmbedChunkTexts(batch, cancel, &chunk));
  return WriteQueuedTexts(chunk, queued);
}

// Per queued record, under its stripe: gone, without text (forgotten) or
// with a vector (the host's, or the walk's after the update) -> dequeued;
// embedded at its current version -> vector + dequeue in one batch;
// updated since the read -> left queued for the next chunk.
Status StoreImpl::WriteQueuedTexts(const TextChunk& chunk,
                                   const std::vector<RecordId>& queued) {
  std::unordered_map<RecordId, size_t> index;
  for (size_t i = 0; i < chunk.ids.size(); ++i) {
    index[chunk.ids[i]] = i;
    if (!chunk.ok[i]) failed_queued_.insert(chunk.ids[i]);
  }
  StripeLocks locks = LockRecords(queued);
  std::lock_guard<std::mutex> dim_lock(EmbeddingDimMutex());
  DimFits fits;
  rocksdb::WriteBatch batch;
  rocksdb::ReadOptions ro;
  std::set<RecordId> found;
  std::vector<RecordId> undecodable;  // into failed_queued_ below
  Status inner;
  MNEMO_RETURN_IF_ERROR(table_.GetMany(
      ro, queued, [&](const KeyFields& key, std::string_view value) {
        const RecordId id = key.id;
        found.insert(id);
        Record r;
        uint8_t flags = 0;
        if (!inner.ok()) return;
        if (!DecodeStored(value, key, &r, &flags).ok()) {
          undecodable.push_back(id);  // Verify reports it
          return;
        }
        std::string stored;
        bool has = false;
        if (!r.text.empty() && (flags & kFlagTextForgotten) == 0) {
          inner = table_.vectors().Get(
              ro, EmbeddingKey(r.ns.tenant, r.ns.agent, id), &stored, &has);
          if (!inner.ok()) return;
          auto it = index.find(id);
          if (!has) {
            if (it == index.end() || !chunk.ok[it->second] ||
                chunk.versions[it->second] != r.version) {
              return;  // changed since the read (or refused): stays
            }
            inner = PutTextVector(chunk, it->second, r, &fits, &batch);
          }
        }
        table_.vectors().DequeueText(id, &batch);
      }));
  failed_queued_.insert(undecodable.begin(), undecodable.end());
  MNEMO_RETURN_IF_ERROR(inner);
  for (RecordId id : queued) {
    if (found.count(id) == 0) {  // deleted
      table_.vectors().DequeueText(id, &batch);
    }
  }
  MNEMO_RETURN_IF_ERROR(
      Commit(WriteOptions(), &batch, "writing text embeddings"));
  texts_embedded_ += chunk.written;
  return Status::OK();
}

Status StoreImpl::EmbedPass(RecordId target, const std::atomic<bool>* cancel) {
  bool pages_left = true, queued_left = true;
  while (embed_cursor_.load() < target || pages_left || queued_left) {
    if (cancel != nullptr && cancel->load()) return Status::OK();
    RecordId from = embed_cursor_.load();
    RecordId safe = std::min(SafeCommittedId(), target);
    Status s;
    if (safe > from) s = EmbedTextChunk(safe, cancel);
    if (s.ok() && queued_left) s = EmbedQueuedTexts(cancel, &queued_left);
    if (s.ok() && pages_left) s = EmbedPageChunk(cancel, &pages_left);
    if (cancel != nullptr && cancel->load()) return Status::OK();  // closing
    MNEMO_RETURN_IF_ERROR(s);
    if (safe <= from && !pages_left && !queued_left &&
        embed_cursor_.load() < target) {
      if (cancel != nullptr) return Status::OK();  // the next run goes on
      // An insert below `target` is still being written: it finishes soon.
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }
  return Status::OK();
}

Status StoreImpl::EmbedRun() {
  port::MutexLock lock(&embed_mu_);
  auto now = std::chrono::steady_clock::now();
  if (now < embed_retry_at_) return Status::OK();  // backing off
  Status s = EmbedPass(LastAssignedId(), &background_cancel_);
  if (s.ok()) {
    embed_backoff_ = std::chrono::milliseconds(0);
  } else {
    embed_backoff_ = std::clamp(embed_backoff_ * 2,
                                std::chrono::milliseconds(kMinBackoff),
                                std::chrono::milliseconds(kMaxBackoff));
    embed_retry_at_ = now + embed_backoff_;
  }
  return s.WithContext("embedder " + ModelName(embedder_->name(),
                                               embedder_->dimension()));
}

Status StoreImpl::FlushEmbeddings() {
  if (embedder_ == nullptr) {
    return Status::FailedPrecondition(
        "no embedder is registered (Options::embedder)");
  }
  MNEMO_RETURN_IF_ERROR(CheckWritable());
  port::MutexLock lock(&embed_mu_);
  RecordId target = LastAssignedId();
  Status s;
  for (int attempt = 0; attempt < kFlushTries; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(kMinBackoff * attempt);
    s = EmbedPass(target, nullptr);
    if (s.ok()) return s;
  }
  return s.WithContext("flushing embeddings");
}

Status StoreImpl::EmbedQuery(std::string_view text, std::vector<float>* out) {
  if (embedder_ == nullptr) {
    return Status::InvalidArgument(
        "vector search: SearchOptions::vector is empty and the store has no "
        "Options::embedder to embed the query text");
  }
  if (text.empty()) {
    return Status::InvalidArgument(
        "vector search: no query vector and no query text to embed");
  }
  const size_t dim = embedder_->dimension();
  out->assign(dim, 0.0f);
  Status s = TimedEmbedderCall(
      [&] { return embedder_->EmbedTexts({text}, out->data()); });
  if (s.ok() && !AllFinite(out->data(), dim)) {
    s = Status::InvalidArgument("the query vector is not finite");
  }
  return s.WithContext("embedding the query with embedder " +
                       ModelName(embedder_->name(), dim));
}

void StoreImpl::FillEmbedStats(EmbedStats* stats) {
  stats->texts_embedded = texts_embedded_.load();
  stats->pages_embedded = pages_embedded_.load();
  stats->failed = embed_failed_.load();
  stats->embed_seconds = embed_nanos_.load() * 1e-9;
  std::string name;
  uint32_t dim = 0;
  bool found = false;
  if (table_.vectors()
          .GetModel(rocksdb::ReadOptions(), &name, &dim, &found)
          .ok() &&
      found) {
    stats->model = name;
    stats->dimension = dim;
  }
  if (found) {
    (void)table_.vectors().CountPendingPages(&stats->pages_pending);
  }
}

}  // namespace mnemo::internal
