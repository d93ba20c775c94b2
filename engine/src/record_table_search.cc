// Copyright (c) mnemo authors.
//
// RecordTable on the format 1 layout: the postings family (posting lists,
// search statistics, embeddings and their dimension; keys built by
// search_postings.h). The search side reads and writes it only here.

#include "keys.h"
#include "record_table.h"
#include "rocks_glue.h"
#include "rocks_iter.h"
#include "search_postings.h"

namespace mnemo::internal {

Status RecordTable::GetSearchValue(const rocksdb::ReadOptions& ro,
                                   std::string_view key, std::string* value,
                                   bool* found) const {
  rocksdb::Status s = db_->Get(ro, handles_[kPostings], key, value);
  *found = s.ok();
  if (s.IsNotFound()) return Status::OK();
  return FromRocks(s, "reading the search index");
}

Status RecordTable::ForEachSearchValue(
    const rocksdb::ReadOptions& read, std::string_view prefix,
    const std::function<bool(std::string_view, std::string_view)>& fn) const {
  std::string lower(prefix), upper;
  rocksdb::Slice upper_slice;
  rocksdb::ReadOptions ro = read;
  if (!lower.empty()) {
    upper = PrefixSuccessor(lower);
    upper_slice = rocksdb::Slice(upper);
    ro.iterate_upper_bound = &upper_slice;
  }
  std::unique_ptr<rocksdb::Iterator> it(
      NewIterator(db_, ro, handles_[kPostings]));
  for (it->Seek(lower); it->Valid(); it->Next()) {
    if (!fn({it->key().data(), it->key().size()},
            {it->value().data(), it->value().size()})) {
      break;
    }
  }
  return FromRocks(it->status(), "reading the search index");
}

void RecordTable::PutSearchValue(std::string_view key, std::string_view value,
                                 rocksdb::WriteBatch* batch) const {
  (void)batch->Put(handles_[kPostings], key, value);
}

void RecordTable::MergeSearchValue(std::string_view key,
                                   std::string_view operand,
                                   rocksdb::WriteBatch* batch) const {
  (void)batch->Merge(handles_[kPostings], key, operand);
}

void RecordTable::DeleteAgentSearch(std::string_view tenant,
                                    std::string_view agent, bool embeddings,
                                    rocksdb::WriteBatch* batch) const {
  std::vector<std::string> prefixes{PostingPrefix(tenant, agent)};
  if (embeddings) {
    prefixes.push_back(EmbeddingPrefix(tenant, agent));
    prefixes.push_back(PageVectorPrefix(tenant, agent));
  }
  for (const std::string& prefix : prefixes) {
    (void)batch->DeleteRange(handles_[kPostings], prefix,
                             PrefixSuccessor(prefix));
  }
  (void)batch->Delete(handles_[kPostings], SearchStatsKey(tenant, agent));
  if (embeddings) {
    (void)batch->Delete(handles_[kPostings], EmbeddingDimKey(tenant, agent));
  }
}

}  // namespace mnemo::internal
