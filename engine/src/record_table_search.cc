// Copyright (c) mnemo authors.
//
// SearchTable (record_table_search.h): posting lists, statistics, the
// search watermark and the applied marks. Keys are built by
// search_postings.h.

#include "record_table_search.h"

#include <algorithm>

#include "coding.h"
#include "keys.h"
#include "rocks_glue.h"
#include "rocks_iter.h"

namespace mnemo::internal {

PostingsBuilder SearchTable::NewPostings() const {
  return PostingsBuilder(full_text_index_, language_);
}

void SearchTable::ApplyPostings(PostingsBuilder* postings,
                                rocksdb::WriteBatch* batch) const {
  postings->Drain([&](std::string_view key, std::string_view operand) {
    (void)batch->Merge(postings_, key, operand);
  });
}

Status SearchTable::Get(const rocksdb::ReadOptions& ro, std::string_view key,
                        std::string* value, bool* found) const {
  return GetIfPresent(db_, ro, postings_, key, value, found,
                      "reading the search index");
}

// Lists ('w') and statistics ('s') only: the family's other keys are
// vectors and the feed's queue (VectorTable's, record_table_vectors.h).
Status SearchTable::ForEach(
    const rocksdb::ReadOptions& read, std::string_view prefix,
    const std::function<bool(std::string_view, std::string_view)>& fn) const {
  if (prefix.empty()) {
    for (char tag : {kPostingTag, kSearchStatsTag}) {
      bool stopped = false;
      MNEMO_RETURN_IF_ERROR(
          ForEach(read, std::string_view(&tag, 1),
                  [&](std::string_view key, std::string_view value) {
                    stopped = !fn(key, value);
                    return !stopped;
                  }));
      if (stopped) break;
    }
    return Status::OK();
  }
  return FromRocks(ForEachWithPrefix(db_, read, postings_, prefix, fn),
                   "reading the search index");
}

void SearchTable::Copy(std::string_view key, std::string_view value,
                       rocksdb::WriteBatch* batch) const {
  (void)batch->Put(postings_, key, value);
}

void SearchTable::RemovePosting(std::string_view key, RecordId id,
                                rocksdb::WriteBatch* batch) const {
  std::string removal;
  EncodePostings({Posting{id, 0, 0}}, &removal);
  (void)batch->Merge(postings_, key, removal);
}

// An agent's lists are contiguous: one range deletion (rocks_glue.cc's
// insert hint expects it to start exactly at the prefix).
void SearchTable::DeleteAgent(std::string_view tenant, std::string_view agent,
                              rocksdb::WriteBatch* batch) const {
  std::string prefix = PostingPrefix(tenant, agent);
  (void)batch->DeleteRange(postings_, prefix, PrefixSuccessor(prefix));
  (void)batch->Delete(postings_, SearchStatsKey(tenant, agent));
}

Status SearchTable::GetWatermark(const rocksdb::ReadOptions& ro, RecordId* mark,
                                 bool* found) const {
  *mark = 0;
  if (found != nullptr) *found = false;
  std::string stored;
  rocksdb::Status s = db_->Get(ro, counters_, kSearchWatermarkKey, &stored);
  if (s.IsNotFound()) return Status::OK();
  MNEMO_RETURN_IF_ERROR(
      FromRocks(s, "reading " + std::string(kSearchWatermarkKey)));
  if (stored.size() != 8) {
    return Status::Corruption("bad " + std::string(kSearchWatermarkKey) +
                              " value (" + std::to_string(stored.size()) +
                              " bytes)");
  }
  *mark = DecodeFixed64(stored.data());
  if (found != nullptr) *found = true;
  return Status::OK();
}

void SearchTable::PutWatermark(RecordId mark,
                               rocksdb::WriteBatch* batch) const {
  std::string value;
  PutFixed64(&value, mark);
  (void)batch->Put(counters_, kSearchWatermarkKey, value);
}

// Everything the index holds: the lists and statistics, and the default
// family's keys (watermark, applied marks) of an instance of its own.
void SearchTable::DeleteAll(rocksdb::WriteBatch* batch) const {
  for (char tag : {kPostingTag, kSearchStatsTag}) {
    std::string prefix(1, tag);
    (void)batch->DeleteRange(postings_, prefix, PrefixSuccessor(prefix));
  }
  (void)batch->Delete(counters_, kSearchWatermarkKey);
  std::string marks(kIndexAppliedPrefix);
  (void)batch->DeleteRange(counters_, marks, PrefixSuccessor(marks));
}

namespace {

// The agent key ("tenant \0 agent") of a list or statistics key, or "".
std::string AgentKeyOf(std::string_view key) {
  if (key.empty() || (key[0] != kPostingTag && key[0] != kSearchStatsTag)) {
    return {};
  }
  size_t tenant_end = key.find('\0', 1);
  if (tenant_end == std::string_view::npos) return {};
  size_t agent_end = key.find('\0', tenant_end + 1);
  if (key[0] == kSearchStatsTag) agent_end = key.size();
  if (agent_end == std::string_view::npos) return {};
  return std::string(key.substr(1, agent_end - 1));
}

class AgentCollector final : public rocksdb::WriteBatch::Handler {
 public:
  explicit AgentCollector(std::set<std::string>* agents) : agents_(agents) {}
  rocksdb::Status PutCF(uint32_t, const rocksdb::Slice& key,
                        const rocksdb::Slice&) override {
    return Note(key);
  }
  rocksdb::Status MergeCF(uint32_t, const rocksdb::Slice& key,
                          const rocksdb::Slice&) override {
    return Note(key);
  }
  rocksdb::Status DeleteCF(uint32_t, const rocksdb::Slice& key) override {
    return Note(key);
  }
  rocksdb::Status DeleteRangeCF(uint32_t, const rocksdb::Slice& begin,
                                const rocksdb::Slice&) override {
    return Note(begin);
  }

 private:
  rocksdb::Status Note(const rocksdb::Slice& key) {
    std::string agent = AgentKeyOf({key.data(), key.size()});
    if (!agent.empty()) agents_->insert(std::move(agent));
    return rocksdb::Status::OK();
  }
  std::set<std::string>* const agents_;
};

}  // namespace

void SearchTable::AgentsOf(const rocksdb::WriteBatch& batch,
                           std::set<std::string>* agents) {
  AgentCollector collector(agents);
  (void)batch.Iterate(&collector);
}

Status SearchTable::ReadTokens(rocksdb::DB* db,
                               rocksdb::ColumnFamilyHandle* family,
                               std::string_view prefix, std::string_view what,
                               std::map<std::string, uint64_t>* tokens) {
  tokens->clear();
  bool malformed = false;
  MNEMO_RETURN_IF_ERROR(FromRocks(
      ForEachWithPrefix(db, rocksdb::ReadOptions(), family, prefix,
                        [&](std::string_view key, std::string_view value) {
                          malformed = value.size() != 8;
                          if (malformed) return false;
                          (*tokens)[std::string(key.substr(prefix.size()))] =
                              DecodeFixed64(value.data());
                          return true;
                        }),
      "reading " + std::string(what)));
  if (malformed) return Status::Corruption("malformed " + std::string(what));
  return Status::OK();
}

Status SearchTable::AppliedMarks(std::map<std::string, uint64_t>* marks) const {
  return ReadTokens(db_, counters_, kIndexAppliedPrefix,
                    "applied marks of the search index", marks);
}

void SearchTable::PutApplied(std::string_view agent_key, uint64_t token,
                             rocksdb::WriteBatch* batch) const {
  std::string value;
  PutFixed64(&value, token);
  (void)batch->Put(counters_,
                   std::string(kIndexAppliedPrefix) + std::string(agent_key),
                   value);
}

void SearchTable::DeleteApplied(std::string_view agent_key,
                                rocksdb::WriteBatch* batch) const {
  (void)batch->Delete(
      counters_, std::string(kIndexAppliedPrefix) + std::string(agent_key));
}

}  // namespace mnemo::internal
