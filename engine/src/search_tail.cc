// Copyright (c) mnemo authors.
//
// Searches over an indexing backlog. Below Options::search_catch_up_records
// unindexed records a search indexes them itself (read-your-writes, as the
// indexer would); above it, it leaves them to the background indexer and
// adds, at its own snapshot, the postings and statistics those records
// would have once indexed: the same analysis PostingsBuilder applies, so
// the ranking is the one an indexed store gives. Only the covered agents'
// records are read (UnindexedTail), so a search costs what its agents'
// backlog costs, not the whole backlog.

#include "search_tail.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <unordered_set>

#include "coding.h"
#include "envelope.h"
#include "keys.h"
#include "search_analyzer.h"
#include "search_internal.h"
#include "store_impl.h"

namespace mnemo::internal {

uint32_t UnindexedTail::AgentNumber(std::string_view tenant,
                                    std::string_view agent) {
  // Writers mostly note runs of one agent's records: skip the key and the
  // hash (the last key is tenant \0 agent, compared in place).
  if (last_agent_ != nullptr &&
      last_agent_->size() == tenant.size() + 1 + agent.size() &&
      std::string_view(*last_agent_).substr(0, tenant.size()) == tenant &&
      (*last_agent_)[tenant.size()] == '\0' &&
      std::string_view(*last_agent_).substr(tenant.size() + 1) == agent) {
    return last_number_;
  }
  key_.assign(tenant).push_back('\0');
  key_.append(agent);
  auto it = agents_.find(key_);
  if (it == agents_.end()) {
    it = agents_.emplace(key_, static_cast<uint32_t>(agents_.size())).first;
  }
  last_agent_ = &it->first;  // node-based map: stable while it lives
  last_number_ = it->second;
  return last_number_;
}

void UnindexedTail::Add(const Record* records, size_t n, RecordId first) {
  if (n == 0) return;
  Segment segment;
  segment.items.reserve(n);
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < n; ++i) {
    RecordId id = first != 0 ? first + i : records[i].id;
    segment.max_id = std::max(segment.max_id, id);
    segment.items.emplace_back(
        id, AgentNumber(records[i].ns.tenant, records[i].ns.agent));
  }
  size_ += n;
  segments_.push_back(std::move(segment));
}

// Segments arrive in commit order, which is nearly id order: one that
// finished late stays behind an older one until that is dropped (searches
// skip its ids by the watermark meanwhile).
void UnindexedTail::Drop(RecordId watermark) {
  std::lock_guard<std::mutex> lock(mu_);
  while (!segments_.empty() && segments_.front().max_id <= watermark) {
    size_ -= segments_.front().items.size();
    segments_.pop_front();
  }
}

void UnindexedTail::Collect(std::string_view tenant,
                            const std::vector<std::string>& agents,
                            RecordId watermark,
                            std::vector<RecordId>* ids) const {
  ids->clear();
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<char> wanted(agents_.size(), 0);
  std::string key;
  for (const std::string& agent : agents) {
    key.assign(tenant).push_back('\0');
    key.append(agent);
    auto it = agents_.find(key);
    if (it != agents_.end()) wanted[it->second] = 1;
  }
  for (const Segment& segment : segments_) {
    if (segment.max_id <= watermark) continue;
    for (const auto& [id, agent] : segment.items) {
      if (id > watermark && wanted[agent]) ids->push_back(id);
    }
  }
  std::sort(ids->begin(), ids->end());
  ids->erase(std::unique(ids->begin(), ids->end()), ids->end());
}

size_t UnindexedTail::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return size_;
}

namespace {

// Adds one unindexed record to *out as PostingsBuilder::Add would index it.
class TailScorer {
 public:
  TailScorer(const std::string& language, std::string_view tenant,
             const std::vector<std::string>& agents,
             const std::vector<std::string>& terms, TermLists* out)
      : language_(language), tenant_(tenant), terms_(terms), out_(out) {
    agents_.insert(agents.begin(), agents.end());
  }

  void Add(const Record& r) {
    if (r.text_forgotten || r.ns.tenant != tenant_ ||
        agents_.count(r.ns.agent) == 0) {
      return;
    }
    words_.clear();
    ThreadAnalyzer(language_).Terms(r.text, &words_);
    ++out_->stats.docs;
    out_->stats.total_length += static_cast<int64_t>(words_.size());
    if (words_.empty()) return;
    std::sort(words_.begin(), words_.end());
    uint32_t dl = static_cast<uint32_t>(words_.size());
    for (size_t t = 0; t < terms_.size(); ++t) {
      auto [lo, hi] = std::equal_range(words_.begin(), words_.end(), terms_[t]);
      if (lo == hi) continue;
      out_->lists[t].push_back({r.id, static_cast<uint32_t>(hi - lo), dl});
    }
  }

 private:
  const std::string& language_;
  std::string_view tenant_;
  std::unordered_set<std::string> agents_;
  const std::vector<std::string>& terms_;
  TermLists* out_;
  std::vector<std::string> words_;
};

}  // namespace

Status StoreImpl::CatchUpBeforeSearch(SearchEnv* env) {
  if (!options_.full_text_index) return Status::OK();
  if (!options_.read_only) MNEMO_RETURN_IF_ERROR(RepairStaleIndex());
  const RecordId target = LastAssignedId();
  const RecordId mark = search_watermark_.load();
  if (target <= mark) return Status::OK();
  auto scorer = [this](const rocksdb::ReadOptions& index_ro,
                       const rocksdb::ReadOptions& ro, std::string_view tenant,
                       const std::vector<std::string>& agents,
                       const std::vector<std::string>& terms, TermLists* out) {
    return AddUnindexedPostings(index_ro, ro, tenant, agents, terms, out);
  };
  if (options_.read_only) {
    // It cannot index: the records the writer had not indexed when this
    // instance opened (all of them in a restored store whose first open
    // this is) are scored as they are.
    env->unindexed = scorer;
    return Status::OK();
  }
  // Ids are sparse (clock-based): the backlog is counted in records.
  size_t backlog = tail_.size() + (mark < tail_floor_ ? tail_floor_count_ : 0);
  if (backlog <= options_.search_catch_up_records) {
    return CatchUpSearch(target, /*wait=*/true, nullptr);
  }
  // Read-your-writes: every insert handed an id before this search began
  // is written before the search takes its snapshot.
  while (SafeCommittedId() < target) {
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  env->unindexed = scorer;
  return Status::OK();
}

// Records left unindexed when the store opened (by a crash, or written
// while the index was off) are not in tail_: their count decides whether a
// search indexes them or scores them.
Status StoreImpl::CountTailBeforeOpen() {
  tail_floor_ = LastAssignedId();
  tail_floor_count_ = 0;
  if (!SearchIndexOn() || search_watermark_.load() >= tail_floor_) {
    return Status::OK();
  }
  return table_.ForEachIdRange(rocksdb::ReadOptions(), search_watermark_.load(),
                               tail_floor_,
                               [this](const KeyFields&, std::string_view) {
                                 ++tail_floor_count_;
                                 return true;
                               });
}

// Reads the watermark at the index snapshot: postings and the watermark
// are written in one batch, so the records above it have none there; the
// records snapshot, taken later, holds every record it counts as indexed.
Status StoreImpl::AddUnindexedPostings(const rocksdb::ReadOptions& index_ro,
                                       const rocksdb::ReadOptions& ro,
                                       std::string_view tenant,
                                       const std::vector<std::string>& agents,
                                       const std::vector<std::string>& terms,
                                       TermLists* out) {
  RecordId mark = 0;
  MNEMO_RETURN_IF_ERROR(
      search_.GetWatermark(index_ro, &mark).WithContext("store " + dir_));
  TailScorer scorer(options_.search_language, tenant, agents, terms, out);
  Record record;
  // Written before this open: not in tail_, read from the records family.
  if (mark < tail_floor_) {
    MNEMO_RETURN_IF_ERROR(table_.ForEachIdRange(
        ro, mark, tail_floor_, [&](const KeyFields& key, std::string_view v) {
          if (DecodeStored(v, key, &record, nullptr).ok()) scorer.Add(record);
          return true;
        }));
  }
  std::vector<RecordId> ids;
  tail_.Collect(tenant, agents, std::max(mark, tail_floor_), &ids);
  return ReadTail(ro, ids, [&](const Record& r) { scorer.Add(r); });
}

// Reads the records `ids` (sorted) at `ro` in sorted MultiGet batches;
// skips the ones gone since (deleted: absent, or access counts left) and
// the undecodable ones (the indexer leaves those out too).
Status StoreImpl::ReadTail(const rocksdb::ReadOptions& ro,
                           const std::vector<RecordId>& ids,
                           const std::function<void(const Record&)>& fn) {
  Record record;
  return table_.GetMany(ro, ids, [&](const KeyFields& key, std::string_view v) {
    if (DecodeStored(v, key, &record, nullptr).ok()) fn(record);
  });
}

}  // namespace mnemo::internal
