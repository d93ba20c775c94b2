// Copyright (c) mnemo authors.
//
// The full-text index's own RocksDB instance (record_table_search.h), seen
// from the store: opening it, moving a format-7 store's index into it,
// writing changes that touch records and index, and rebuilding an agent's
// index after a crash between those two writes.
//
// A change of indexed records (ChangeBatch) writes the records' batch and
// then the index's. Under index_commit_mu_ it takes a fresh token and puts
// it as the intent of every agent whose index it changes (in the records'
// batch) and as their applied mark (in the index's). Those commits run one
// at a time, so for each agent the last intent and the last applied mark
// come from the same change exactly when every change reached both
// instances. A writer's open compares them and rebuilds each agent where
// they differ (a kill between the two writes; or, after a power loss, an
// index whose log kept more than the records' did). A running writer
// whose index write failed after the records' (an I/O error) rebuilds
// those agents itself, before its next search and in the indexer's runs
// (RepairStaleIndex), so it does not serve their old postings meanwhile.
//
// The indexer's chunks touch only the index (postings and watermark in one
// batch): it reads records that are already written, so the index can be
// behind the records but never ahead of them, except after a power loss
// lost the records' last writes. A watermark above every id the records
// hold is that case (or a store whose id counter once wrapped): the open
// empties the index and the indexer rebuilds it.

#include <chrono>
#include <filesystem>
#include <thread>

#include "keys.h"
#include "mnemo/quote.h"
#include "store_impl.h"

namespace mnemo::internal {
namespace {

namespace fs = std::filesystem;

// Copy batches of the format-7 index.
constexpr size_t kMoveBatchBytes = 4 << 20;

}  // namespace

Status StoreImpl::OpenIndex() {
  if (options_.read_only) return OpenIndexReadOnly();
  bool created = false;
  return search_
      .Open(config_.db, dir_ + "/" + kIndexDir,
            config_.families[kDefault].options,
            config_.families[kPostings].options,
            /*read_only=*/false, &created)
      .WithContext("store " + dir_);
}

// Formats 7 and older keep the index in the store's database. A format-8
// store without its index (a restored backup not yet opened by a writer)
// reads as one with an empty index. Beside a writer, files can vanish
// while the instance opens (its flushes): retried as the store's own open.
Status StoreImpl::OpenIndexReadOnly() {
  if (stored_format_ < 8 || !fs::exists(dir_ + "/" + kIndexDir + "/CURRENT")) {
    table_.BindSearch(&search_);
    return Status::OK();
  }
  Status s;
  for (int attempt = 0; attempt < 50; ++attempt) {
    bool created = false;
    s = search_.Open(config_.db, dir_ + "/" + kIndexDir,
                     config_.families[kDefault].options,
                     config_.families[kPostings].options,
                     /*read_only=*/true, &created);
    if (s.ok() || s.ToString().find("No such file") == std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return s.WithContext("store " + dir_);
}

// Starts from an empty index (an earlier, interrupted move may have
// copied part), copies the lists and statistics, then the watermark, and
// flushes: the marker that follows says the copy is complete. A store
// without a watermark (written before the indexer existed) indexed every
// record at ingest: its mark is its newest record.
Status StoreImpl::MoveIndexOut() {
  rocksdb::WriteBatch batch;
  search_.DeleteAll(&batch);
  MNEMO_RETURN_IF_ERROR(search_.Write(rocksdb::WriteOptions(), &batch,
                                      "emptying the search index"));
  batch.Clear();
  SearchTable old(options_.full_text_index, options_.search_language);
  table_.BindSearch(&old);
  RecordId mark = 0;
  bool found = false;
  MNEMO_RETURN_IF_ERROR(
      old.GetWatermark(rocksdb::ReadOptions(), &mark, &found));
  if (!found) MNEMO_RETURN_IF_ERROR(table_.LastId(&mark));
  Status written;
  MNEMO_RETURN_IF_ERROR(
      old.ForEach(rocksdb::ReadOptions(), "",
                  [&](std::string_view key, std::string_view value) {
                    search_.Copy(key, value, &batch);
                    if (batch.GetDataSize() < kMoveBatchBytes) return true;
                    written = search_.Write(rocksdb::WriteOptions(), &batch,
                                            "copying the search index");
                    batch.Clear();
                    return written.ok();
                  }));
  MNEMO_RETURN_IF_ERROR(written);
  search_.PutWatermark(mark, &batch);
  MNEMO_RETURN_IF_ERROR(search_.Write(rocksdb::WriteOptions(), &batch,
                                      "copying the search index"));
  return search_.Flush();
}

// After the move's marker, or left by a kill between the two.
Status StoreImpl::RemoveOldIndex() {
  SearchTable old(options_.full_text_index, options_.search_language);
  table_.BindSearch(&old);
  bool any = false;
  MNEMO_RETURN_IF_ERROR(old.ForEach(rocksdb::ReadOptions(), "",
                                    [&](std::string_view, std::string_view) {
                                      any = true;
                                      return false;
                                    }));
  RecordId mark = 0;
  bool marked = false;
  MNEMO_RETURN_IF_ERROR(
      old.GetWatermark(rocksdb::ReadOptions(), &mark, &marked));
  if (!any && !marked) return Status::OK();
  rocksdb::WriteBatch batch;
  old.DeleteAll(&batch);
  return table_.Write(rocksdb::WriteOptions(), &batch,
                      "removing the moved search index");
}

Status StoreImpl::ReconcileIndex() {
  if (options_.read_only || !search_.owns_database()) return Status::OK();
  std::map<std::string, uint64_t> intents, applied;
  MNEMO_RETURN_IF_ERROR(table_.IndexIntents(&intents));
  MNEMO_RETURN_IF_ERROR(search_.AppliedMarks(&applied));
  uint64_t top = 0;
  for (const auto& [agent, token] : intents) top = std::max(top, token);
  for (const auto& [agent, token] : applied) top = std::max(top, token);
  {
    port::MutexLock lock(&index_commit_mu_);
    index_token_ = top;
  }
  size_t rebuilt = 0;
  for (const auto& [agent, token] : intents) {
    auto mark = applied.find(agent);
    if (mark != applied.end() && mark->second == token) continue;
    MNEMO_RETURN_IF_ERROR(RebuildAgentIndex(agent, &token));
    ++rebuilt;
  }
  for (const auto& [agent, token] : applied) {
    if (intents.count(agent) != 0) continue;
    MNEMO_RETURN_IF_ERROR(RebuildAgentIndex(agent, nullptr));
    ++rebuilt;
  }
  if (rebuilt > 0 && config_.db.info_log) {
    rocksdb::Log(rocksdb::InfoLogLevel::WARN_LEVEL, config_.db.info_log,
                 "rebuilt the search index of %zu agents", rebuilt);
  }
  return Status::OK();
}

Status StoreImpl::RebuildAgentIndex(const std::string& agent_key,
                                    const uint64_t* token) {
  const size_t split = agent_key.find('\0');
  if (split == std::string::npos) {
    return Status::Corruption("store " + dir_ +
                              ": malformed agent in the search index's marks");
  }
  const std::string tenant = agent_key.substr(0, split);
  const std::string agent = agent_key.substr(split + 1);
  const RecordId mark = search_watermark_.load();
  rocksdb::WriteBatch batch;
  search_.DeleteAgent(tenant, agent, &batch);
  PostingsBuilder postings = search_.NewPostings();
  MNEMO_RETURN_IF_ERROR(table_.ForEachInAgent(
      tenant, agent, std::nullopt,
      [&](const Record& r, uint8_t) {
        if (r.id <= mark) postings.Add(r);  // skips forgotten text
        return Status::OK();
      },
      nullptr));
  search_.ApplyPostings(&postings, &batch);
  if (token != nullptr) {
    search_.PutApplied(agent_key, *token, &batch);
  } else {
    search_.DeleteApplied(agent_key, &batch);
  }
  return CommitIndex(
      WriteOptions(), &batch,
      "rebuilding the search index of agent " + QuoteForMessage(agent));
}

Status StoreImpl::ClearIndex() {
  rocksdb::WriteBatch batch;
  search_.DeleteAll(&batch);
  search_.PutWatermark(0, &batch);
  WriteOptions sync;
  sync.sync = true;
  return CommitIndex(sync, &batch, "emptying the search index");
}

// As Commit's: a failed write leaves RocksDB refusing writes until
// Resume succeeds. Any failure asks for it (a full disk arrives here as
// ResourceExhausted; Resume of an instance without an error is a no-op).
Status StoreImpl::CommitIndex(const WriteOptions& options,
                              rocksdb::WriteBatch* batch,
                              std::string_view what) {
  if (config_.wal_failures->failed()) return WalFailed(what);
  rocksdb::WriteOptions wo;
  wo.sync = options.sync;
  Status s;
  if (index_write_failed_.load()) s = search_.Resume();
  if (s.ok() || s.IsBusy()) s = search_.Write(wo, batch, what);
  index_write_failed_.store(!s.ok());
  return s.WithContext("store " + dir_);
}

Status StoreImpl::Commit(const WriteOptions& options, ChangeBatch* batch,
                         std::string_view what) {
  rocksdb::WriteBatch* records = batch;
  if (batch->index.Count() == 0) return Commit(options, records, what);
  std::set<std::string> agents;
  SearchTable::AgentsOf(batch->index, &agents);
  port::MutexLock lock(&index_commit_mu_);
  const uint64_t token = ++index_token_;
  for (const std::string& agent : agents) {
    table_.PutIndexIntent(agent, token, records);
    search_.PutApplied(agent, token, &batch->index);
  }
  MNEMO_RETURN_IF_ERROR(Commit(options, records, what));
  if (index_commits_dropped_) return Status::OK();  // tests only
  // The records are written. An agent whose index already missed a change
  // stays stale (this change's postings are deltas on top of it); its
  // repair's applied mark must match this newer intent.
  Status s = CommitIndex(options, &batch->index, what);
  for (const std::string& agent : agents) {
    auto stale = stale_index_.find(agent);
    if (stale != stale_index_.end())
      stale->second = token;
    else if (!s.ok())
      stale_index_.emplace(agent, token);
  }
  stale_index_count_.store(stale_index_.size());
  if (!s.ok()) {
    return s.WithContext(
        "the records were written; their search index is rebuilt before the "
        "next search (or when the store is next opened)");
  }
  return s;
}

// Holds search_mu_ so that no indexer chunk writes postings of these
// agents meanwhile, and index_commit_mu_ so that no change of records and
// index does: the rebuild reads the agents' records as they stand. A
// failure keeps the agents for the next try (and the next open rebuilds
// them anyway: their intents and applied marks differ).
Status StoreImpl::RepairStaleIndex() {
  if (stale_index_count_.load() == 0) return Status::OK();
  port::MutexLock search_lock(&search_mu_);
  port::MutexLock lock(&index_commit_mu_);
  Status s;
  for (auto it = stale_index_.begin(); it != stale_index_.end() && s.ok();) {
    s = RebuildAgentIndex(it->first, &it->second);
    if (s.ok()) it = stale_index_.erase(it);
  }
  stale_index_count_.store(stale_index_.size());
  return s;
}

void StoreImpl::TakeSnapshots(const rocksdb::Snapshot** index,
                              const rocksdb::Snapshot** records) {
  port::MutexLock lock(&index_commit_mu_);
  *index = search_.GetSnapshot();
  *records = table_.GetSnapshot();
}

}  // namespace mnemo::internal
