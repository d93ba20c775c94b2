// Copyright (c) mnemo authors.
//
// Compaction run, the age index and the warm (zstd) phase.

#include "compaction.h"

#include <cmath>
#include <thread>

#include "coding.h"
#include "envelope.h"

namespace mnemo::internal {
namespace {

constexpr size_t kWarmChunk = 256;
constexpr size_t kIndexBatch = 1000;

}  // namespace

Status StoreImpl::Compact(const CompactOptions& options,
                          CompactResult* result) {
  MNEMO_RETURN_IF_ERROR(CheckWritable());
  MNEMO_RETURN_IF_ERROR(options.policy.Validate());
  if (options.threads < 1 || options.threads > 64) {
    return Status::InvalidArgument("compaction threads must be 1..64");
  }
  if (options.max_records_per_pass == 0) {
    return Status::InvalidArgument(
        "compaction max_records_per_pass must be at least 1");
  }
  CompactResult local;
  if (result == nullptr) result = &local;
  *result = CompactResult();
  port::MutexLock lock(&compaction_mu_);
  Micros now = options.now != 0 ? options.now : clock_->NowMicros();
  try {
    return Compaction(this, options, now, result).Run();
  } catch (const std::exception& e) {  // e.g. std::bad_alloc in a codec
    return Status::IOError(std::string("compaction failed: ") + e.what());
  }
}

Status StoreImpl::CompactionRun() {
  CompactOptions options;
  options.policy = options_.compaction_policy;
  options.threads = std::max(1, options_.compaction_threads);
  options.cancel = &background_cancel_;
  options.max_duty = options_.compaction_max_duty;  // paced per page group
  CompactResult result;
  return Compact(options, &result);
}

Compaction::Compaction(StoreImpl* store, const CompactOptions& options,
                       Micros now, CompactResult* result)
    : store_(store),
      options_(options),
      policy_(options.policy),
      now_(now),
      result_(result),
      start_(std::chrono::steady_clock::now()) {}

Status Compaction::Run() {
  MNEMO_RETURN_IF_ERROR(IndexNewRecords());
  MNEMO_RETURN_IF_ERROR(ExpirePass());
  // The dictionary first: both passes after it compress text. Pixels
  // before warm: a hot record due for pixels goes to its page straight
  // (its text compressed, its keys rewritten once), and the warm pass then
  // walks only the hot records that stay text.
  MNEMO_RETURN_IF_ERROR(TrainDictionary());
  MNEMO_RETURN_IF_ERROR(PixelPass());
  MNEMO_RETURN_IF_ERROR(WarmPass());
  MNEMO_RETURN_IF_ERROR(DecayPass());
  result_->seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
          .count();
  if (result_->seconds > 0) {
    result_->pages_per_second = result_->pages_written / result_->seconds;
  }
  return Status::OK();
}

void Compaction::Pace(std::chrono::steady_clock::duration work) const {
  double duty = options_.max_duty;
  if (!(duty > 0.0 && duty < 1.0) || Cancelled()) return;
  duty = std::max(duty, 0.05);
  std::this_thread::sleep_for(work * ((1.0 - duty) / duty));
}

bool Compaction::Cancelled() const {
  return options_.cancel != nullptr && options_.cancel->load();
}

void Compaction::Report(const char* phase, uint64_t done, uint64_t total) {
  if (!options_.progress) return;
  CompactProgress p;
  p.phase = phase;
  p.done = done;
  p.total = total;
  {
    std::lock_guard<std::mutex> lock(result_mu_);
    p.pages_written = result_->pages_written;
    p.page_bytes = result_->page_bytes;
  }
  options_.progress(p);
}

Status Compaction::Write(rocksdb::WriteBatch* batch, std::string_view what) {
  if (batch->Count() == 0) return Status::OK();
  rocksdb::WriteOptions wo;
  return store_->table().Write(wo, batch, what);
}

// Expired records leave the index too: the records' batch, then the
// index's (StoreImpl::Commit).
Status Compaction::Write(ChangeBatch* batch, std::string_view what) {
  if (batch->index.Count() == 0) {
    return Write(static_cast<rocksdb::WriteBatch*>(batch), what);
  }
  return store_->Commit(WriteOptions(), batch, what);
}

bool Compaction::IsDue(const Record& r, Micros threshold) const {
  double factor = 1.0 + policy_.importance_weight * r.importance +
                  policy_.access_weight *
                      std::log2(1.0 + static_cast<double>(
                                          r.access_count +
                                          store_->UnfoldedAccessCount(r.id)));
  double age = static_cast<double>(now_ - r.event_time);
  return age / factor >= static_cast<double>(threshold);
}

bool Compaction::PixelDue(const Record& r, uint8_t flags) const {
  if ((r.tier != Tier::kHot && r.tier != Tier::kWarm) ||
      (flags & kFlagKeptAsText) || store_->Expired(r) ||
      (r.expires_at != 0 && r.expires_at <= now_)) {
    return false;
  }
  const TierThresholds& t = policy_.ThresholdsFor(r.ns.tenant, r.ns.agent);
  return IsDue(r, t.warm_after) && IsDue(r, t.pixels_after);
}

Micros Compaction::MinThreshold(Micros TierThresholds::*field) const {
  Micros min = policy_.thresholds.*field;
  for (const auto& o : policy_.overrides) min = std::min(min, o.thresholds.*field);
  return min;
}

// Records with ids above the watermark were written since the last run:
// enter them into the age index. Ids below SafeAgeWatermark are committed
// (or failed), so advancing the watermark to it never skips a record.
Status Compaction::IndexNewRecords() {
  const RecordTable& table = store_->table();
  RecordId watermark = 0;
  Status s = table.GetCounter(rocksdb::ReadOptions(), kAgeWatermarkKey,
                              &watermark);
  // A malformed watermark only costs indexing every record again (a
  // record's age key follows from its value alone).
  if (s.IsCorruption()) watermark = 0;
  else MNEMO_RETURN_IF_ERROR(s);
  RecordId safe = store_->SafeAgeWatermark();
  if (safe <= watermark) return Status::OK();
  rocksdb::WriteBatch batch;
  auto flush = [&](RecordId mark) {
    table.PutCounter(kAgeWatermarkKey, mark, &batch);
    Status w = Write(&batch, "indexing new records");
    batch.Clear();
    return w;
  };
  Status flushed;
  const Micros pixels_after = MinThreshold(&TierThresholds::pixels_after);
  MNEMO_RETURN_IF_ERROR(table.ForEachIdRange(
      rocksdb::ReadOptions(), watermark, safe,
      [&](const KeyFields& key, std::string_view value) {
        table.PutAgeEntry(key, value, &batch);
        KeepIfOld(key, value, pixels_after);
        if (++result_->records_indexed % kIndexBatch == 0) {
          flushed = flush(key.id);
          if (flushed.ok()) Report("index", result_->records_indexed, 0);
        }
        return flushed.ok();
      }));
  MNEMO_RETURN_IF_ERROR(flushed);
  return flush(safe);
}

// A new record already old enough for pixels (memory imported from the
// past): the dictionary and pixel passes of this run read it next, so its
// decoded copy is kept for them. Age is a necessary condition only (IsDue
// divides it by a factor of at least 1), checked on the fixed header.
void Compaction::KeepIfOld(const KeyFields& key, std::string_view value,
                           Micros pixels_after) {
  EnvelopeHeader h;
  if (ready_.bytes >= kKeptRecordBytes || !PeekHeader(value, &h, &key)) {
    return;
  }
  if ((h.flags & kFlagKeptAsText) != 0 ||
      h.tier != static_cast<uint8_t>(Tier::kHot) ||
      now_ - h.event_time < pixels_after) {
    return;
  }
  Record r;
  uint8_t stored_flags = 0;
  if (store_->DecodeStored(value, key, &r, &stored_flags).ok()) {
    KeepReady(std::move(r), stored_flags);
  }
}

Status Compaction::WalkDue(uint8_t bucket, Micros min_threshold,
                           const Visit& visit, std::string_view after) {
  return store_->table().AgeWalk(
      bucket, now_ - min_threshold, after,
      [&](std::string_view key, Micros time, RecordId id) {
        MNEMO_RETURN_IF_ERROR(visit(key, time, id));
        return Cancelled() ? Status::Aborted("compaction cancelled")
                           : Status::OK();
      });
}

bool Compaction::Reconcile(std::string_view key, uint8_t bucket, Micros time,
                           Status read, const Record& r, uint8_t flags,
                           ChangeBatch* batch, StoreImpl::PageRemovals* pages) {
  if (!read.ok() || StoreImpl::AgeBucket(r, flags) != bucket ||
      r.event_time != time) {
    // Gone, or moved by an update: the entry is stale (the record has, or
    // will get, its own entry).
    store_->table().DropAgeEntry(key, batch);
    return true;
  }
  if (policy_.delete_expired && r.expires_at != 0 && r.expires_at <= now_) {
    store_->AppendDelete(r, flags, batch, pages);
    result_->records_expired++;
    return true;
  }
  return false;
}

Status Compaction::TrainDictionary() {
  if (store_->text_store()->current_dictionary() != 0) return Status::OK();
  std::vector<std::string> samples;
  size_t bytes = 0;
  Status s = WalkDue(static_cast<uint8_t>(Tier::kHot),
                     MinThreshold(&TierThresholds::warm_after),
                     [&](std::string_view, Micros, RecordId id) {
                       auto kept = ready_.by_id.find(id);
                       if (kept != ready_.by_id.end()) {
                         bytes += kept->second.first.text.size();
                         samples.push_back(kept->second.first.text);
                         return Status::OK();
                       }
                       Record r;
                       uint8_t flags = 0;
                       if (store_->ReadRecord(rocksdb::ReadOptions(), id, &r, &flags).ok()) {
                         bytes += r.text.size();
                         samples.push_back(r.text);
                         // The pixel pass's walk of the hot bucket, next,
                         // would read it again.
                         KeepReady(std::move(r), flags);
                       }
                       return samples.size() >= 4000 || bytes > (4 << 20)
                                  ? Status::Aborted("enough samples")
                                  : Status::OK();
                     });
  if (!s.ok() && !s.IsAborted()) return s;
  return store_->text_store()->MaybeTrain(samples);
}

Status Compaction::WarmPass() {
  std::vector<std::pair<std::string, RecordId>> chunk;
  uint64_t seen = 0;
  MNEMO_RETURN_IF_ERROR(WalkDue(
      static_cast<uint8_t>(Tier::kHot), MinThreshold(&TierThresholds::warm_after),
      [&](std::string_view key, Micros, RecordId id) {
        chunk.emplace_back(std::string(key), id);
        if (chunk.size() < kWarmChunk) return Status::OK();
        auto started = std::chrono::steady_clock::now();
        Status s = WarmChunk(chunk);
        Pace(std::chrono::steady_clock::now() - started);
        seen += chunk.size();
        chunk.clear();
        Report("warm", seen, 0);
        return s;
      }));
  return WarmChunk(chunk);
}

void Compaction::KeepReady(Record&& r, uint8_t flags) {
  const size_t bytes = KeptBytes(r);
  if (ready_.bytes + bytes > kKeptRecordBytes) return;
  ready_.bytes += bytes;
  const RecordId id = r.id;
  ready_.by_id.insert_or_assign(id, std::make_pair(std::move(r), flags));
}

Status Compaction::WarmChunk(
    const std::vector<std::pair<std::string, RecordId>>& chunk) {
  if (chunk.empty()) return Status::OK();
  std::vector<RecordId> ids;
  for (const auto& [key, id] : chunk) ids.push_back(id);
  auto locks = store_->LockRecords(ids);
  ChangeBatch batch;
  StoreImpl::PageRemovals pages;
  for (const auto& [key, id] : chunk) {
    Record r;
    uint8_t flags = 0;
    uint8_t bucket;
    Micros time;
    RecordId ignored;
    ParseAgeKey(key, &bucket, &time, &ignored);
    Status read = store_->ReadRecord(rocksdb::ReadOptions(), id, &r, &flags);
    if (!read.ok() && !read.IsNotFound()) return read;
    if (Reconcile(key, bucket, time, read, r, flags, &batch, &pages)) continue;
    const TierThresholds& t = policy_.ThresholdsFor(r.ns.tenant, r.ns.agent);
    if (!IsDue(r, t.warm_after)) continue;
    // Due for pixels too: the pixel pass, which ran before this one, left
    // it (changed meanwhile): the next run pages it straight from hot.
    if (PixelDue(r, flags)) continue;
    // Reconcile found the walked age key to be r's own: MoveTier moves it.
    Record warm = r;
    warm.tier = Tier::kWarm;
    MNEMO_RETURN_IF_ERROR(
        store_->table().MoveTier(r, flags, warm, flags | kFlagTextZstd, &batch));
    result_->records_warmed++;
  }
  auto page_locks = store_->LockPages(pages);
  StoreImpl::StaleCache stale;
  MNEMO_RETURN_IF_ERROR(store_->AppendPageGc(pages, &batch, &stale));
  MNEMO_RETURN_IF_ERROR(Write(&batch, "writing warm records"));
  store_->DropStaleCache(stale);
  return Status::OK();
}

}  // namespace mnemo::internal
