// Copyright (c) mnemo authors.
//
// Operator calls: GetStats, Checkpoint (backups: store_backup.cc).
//
// A checkpoint copies the RocksDB files; the MNEMO marker file is not a
// RocksDB file, so it is written next to them.

#include <fcntl.h>
#include <rocksdb/utilities/checkpoint.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "keys.h"
#include "store_impl.h"

namespace mnemo {
namespace internal {
namespace {

namespace fs = std::filesystem;

}  // namespace

std::string MarkerText() {
  return "mnemo store format " + std::to_string(kStoreFormatVersion) + "\n";
}

// Writes the MNEMO marker into `dir` (durably; via rename).
Status WriteMarkerInto(const std::string& dir, const std::string& text) {
  std::string tmp = dir + "/MNEMO.tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return Status::IOError("cannot write " + tmp);
  bool ok = ::write(fd, text.data(), text.size()) ==
                static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), (dir + "/" + kMarkerFile).c_str()) != 0) {
    return Status::IOError("cannot write " + dir + "/" + kMarkerFile);
  }
  return Status::OK();
}

Status StoreImpl::GetStats(StoreStats* stats) {
  *stats = StoreStats();
  // A read-only instance reports the index as it opened it (the writer's
  // indexer may have gone further since).
  const RecordId mark =
      options_.full_text_index ? search_watermark_.load() : kMaxRecordId;
  FillEmbedStats(&stats->embed);  // embed_feed.cc
  RecordId embed_mark = kMaxRecordId;  // records the feed has yet to offer
  if (!stats->embed.model.empty()) {
    embed_mark = embed_cursor_.load();
    if (embedder_ == nullptr || options_.read_only) {
      (void)table_.GetCounter(rocksdb::ReadOptions(), kEmbedWatermarkKey,
                              &embed_mark);
    }
    // Texts queued again (updated): those above the mark count below.
    uint64_t requeued = 0;
    MNEMO_RETURN_IF_ERROR(
        table_.vectors().CountPendingTexts(embed_mark, &requeued));
    stats->embed.texts_pending += requeued;
  }
  stats->text_token_counter = codec::TextTokenCounterName(tokenizer_.get());
  IterateOptions all;
  all.include_expired = true;
  std::unique_ptr<RecordIterator> it;
  MNEMO_RETURN_IF_ERROR(NewRecordIterator(all, &it));
  Micros now = clock_->NowMicros();
  for (; it->Valid(); it->Next()) {
    const Record& r = it->record();
    if (r.expires_at != 0 && r.expires_at <= now) {
      ++stats->expired_records;
      continue;
    }
    ++stats->records;
    if (r.id > mark) ++stats->search_backlog;
    if (r.id > embed_mark) ++stats->embed.texts_pending;
    stats->text_bytes += r.text.size();
    stats->text_tokens_estimate += TextTokens(r.text);
    ++stats->records_per_tier[static_cast<size_t>(r.tier) & 3];
    ++stats->records_per_tenant[r.ns.tenant];
    ++stats->records_per_agent[{r.ns.tenant, r.ns.agent}];
  }
  MNEMO_RETURN_IF_ERROR(it->status());
  it.reset();
  MNEMO_RETURN_IF_ERROR(table_.CountHistory(&stats->history_versions));
  MNEMO_RETURN_IF_ERROR(table_.CountNamespaces(&stats->namespaces));
  MNEMO_RETURN_IF_ERROR(table_.CountPages(&stats->pages));
  std::vector<RecordTable::FamilyStats> families = table_.FamilyProperties();
  for (RecordTable::FamilyStats& f : search_.FamilyProperties()) {
    families.push_back(std::move(f));
  }
  for (const RecordTable::FamilyStats& p : families) {
    StoreStats::Family f;
    f.name = p.name;
    f.estimated_keys = p.estimated_keys;
    f.sst_bytes = p.sst_bytes;
    f.memtable_bytes = p.memtable_bytes;
    stats->disk_bytes += f.sst_bytes;
    stats->families.push_back(std::move(f));
  }
  // A read-only instance runs no loops: it shows the writer's report.
  stats->background =
      options_.read_only ? ReadBackgroundReport() : BackgroundStats();
  return Status::OK();
}

Status StoreImpl::Checkpoint(const std::string& out_dir) {
  std::error_code ec;
  if (fs::exists(out_dir, ec)) {
    return Status::AlreadyExists("checkpoint directory " + out_dir +
                                 " already exists");
  }
  rocksdb::Checkpoint* raw = nullptr;
  MNEMO_RETURN_IF_ERROR(
      FromRocks(rocksdb::Checkpoint::Create(db_, &raw), "checkpoint"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // A read-only instance cannot flush: its memtable's source, the WAL,
  // is copied instead (the default flushes first and links only SSTs).
  uint64_t flush_unless_wal_above =
      options_.read_only ? std::numeric_limits<uint64_t>::max() : 0;
  // The index first (beside the copy, moved in after it): an index older
  // than the records is caught up by the indexer and, where a change of
  // both fell between the two copies, rebuilt by the copy's first open
  // (search_db.cc).
  const std::string index_copy = out_dir + ".search-tmp";
  if (search_.owns_database()) {
    fs::remove_all(index_copy, ec);
    MNEMO_RETURN_IF_ERROR(
        search_.Checkpoint(index_copy, flush_unless_wal_above));
  }
  Status s =
      FromRocks(checkpoint->CreateCheckpoint(out_dir, flush_unless_wal_above),
                "checkpoint to " + out_dir);
  if (s.ok() && search_.owns_database()) {
    fs::rename(index_copy, out_dir + "/" + kIndexDir, ec);
    if (ec) {
      s = Status::IOError("checkpoint to " + out_dir + ": cannot move " +
                          index_copy + " in: " + ec.message());
    }
  }
  if (!s.ok()) {
    fs::remove_all(index_copy, ec);
    return s;
  }
  // Beside a writer process, a log this instance's view needs may be
  // deleted while the copy is made: the copy would then miss what that log
  // held for some families. IOError: the caller retries on a fresh view.
  if (options_.read_only && WalViewIsStale()) {
    fs::remove_all(out_dir, ec);
    return Status::IOError(
        "checkpoint to " + out_dir + ": the writer process of store " + dir_ +
        " deleted a write-ahead log the copy needed");
  }
  // The format of what was copied (a read-only instance's store may be
  // older than this build).
  return WriteMarkerInto(
      out_dir, "mnemo store format " + std::to_string(stored_format_) + "\n");
}

}  // namespace internal
}  // namespace mnemo
