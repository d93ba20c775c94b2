// Copyright (c) mnemo authors.
//
// VectorTable (record_table_vectors.h): vector values and the encoder
// feed's keys. Also RecordTable's intents of index changes and its binding
// of a format-7 index (record_table.h).

#include "record_table_vectors.h"

#include "coding.h"
#include "keys.h"
#include "record_table.h"
#include "record_table_search.h"
#include "rocks_glue.h"
#include "rocks_iter.h"
#include "search_postings.h"

namespace mnemo::internal {

void VectorTable::Bind(rocksdb::DB* db,
                       rocksdb::ColumnFamilyHandle* default_family,
                       rocksdb::ColumnFamilyHandle* postings) {
  db_ = db;
  default_ = default_family;
  postings_ = postings;
}

Status VectorTable::GetModel(const rocksdb::ReadOptions& ro, std::string* name,
                             uint32_t* dimension, bool* found) const {
  *found = false;
  std::string value;
  rocksdb::Status s = db_->Get(ro, default_, kEmbedModelKey, &value);
  if (s.IsNotFound()) return Status::OK();
  MNEMO_RETURN_IF_ERROR(FromRocks(s, "reading the embedder model"));
  if (value.size() < 5) {
    return Status::Corruption(std::string("bad ") + kEmbedModelKey +
                              " value (" + std::to_string(value.size()) +
                              " bytes)");
  }
  *dimension = DecodeFixed32(value.data());
  name->assign(value, 4);
  *found = true;
  return Status::OK();
}

Status VectorTable::PutModel(std::string_view name, uint32_t dimension,
                             rocksdb::WriteBatch* batch) const {
  std::string value;
  PutFixed32(&value, dimension);
  value.append(name);
  (void)batch->Put(default_, kEmbedModelKey, value);
  return table_.ForEachPage(rocksdb::ReadOptions(),
                            [&](uint64_t page_id, std::string_view) {
                              QueuePage(page_id, batch);
                              return Status::OK();
                            });
}

namespace {

// The ids queued under `tag` ('q' pages, 'r' texts) after `after`.
Status ScanQueue(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family,
                 const rocksdb::ReadOptions& read, char tag, uint64_t after,
                 size_t limit, std::vector<uint64_t>* ids) {
  ids->clear();
  std::string prefix(1, tag);
  std::string upper = PrefixSuccessor(prefix);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro = read;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(NewIterator(db, ro, family));
  std::string start = prefix;
  PutBigEndian64(&start, after);
  for (it->Seek(start); it->Valid() && ids->size() < limit; it->Next()) {
    if (it->key().size() != 9) continue;  // not ours: left alone
    uint64_t id = DecodeBigEndian64(it->key().data() + 1);
    if (id > after) ids->push_back(id);
  }
  return FromRocks(it->status(), "reading the embedding queue");
}

}  // namespace

Status VectorTable::PendingTexts(const rocksdb::ReadOptions& ro, uint64_t after,
                                 size_t limit,
                                 std::vector<RecordId>* ids) const {
  return ScanQueue(db_, postings_, ro, kPendingTextTag, after, limit, ids);
}

Status VectorTable::CountPendingTexts(RecordId max, uint64_t* n) const {
  *n = 0;
  std::vector<RecordId> ids;
  RecordId after = 0;
  do {
    MNEMO_RETURN_IF_ERROR(
        PendingTexts(rocksdb::ReadOptions(), after, 4096, &ids));
    for (RecordId id : ids) *n += id <= max ? 1 : 0;
    if (!ids.empty()) after = ids.back();
  } while (ids.size() == 4096 && after < max);
  return Status::OK();
}

void VectorTable::QueueText(RecordId id, rocksdb::WriteBatch* batch) const {
  (void)batch->Put(postings_, PendingTextKey(id), "");
}

void VectorTable::DequeueText(RecordId id, rocksdb::WriteBatch* batch) const {
  (void)batch->Delete(postings_, PendingTextKey(id));
}

Status VectorTable::PendingPages(const rocksdb::ReadOptions& read,
                                 uint64_t after, size_t limit,
                                 std::vector<uint64_t>* pages) const {
  return ScanQueue(db_, postings_, read, kPendingPageTag, after, limit, pages);
}

Status VectorTable::CountPendingPages(uint64_t* n) const {
  *n = 0;
  std::vector<uint64_t> pages;
  uint64_t after = 0;
  do {
    MNEMO_RETURN_IF_ERROR(
        PendingPages(rocksdb::ReadOptions(), after, 4096, &pages));
    *n += pages.size();
    if (!pages.empty()) after = pages.back();
  } while (pages.size() == 4096);
  return Status::OK();
}

void VectorTable::QueuePage(uint64_t page_id,
                            rocksdb::WriteBatch* batch) const {
  (void)batch->Put(postings_, PendingPageKey(page_id), "");
}

void VectorTable::DequeuePage(uint64_t page_id,
                              rocksdb::WriteBatch* batch) const {
  (void)batch->Delete(postings_, PendingPageKey(page_id));
}

void VectorTable::PutPageVector(const Namespace& ns, uint64_t page_id,
                                std::string_view value,
                                rocksdb::WriteBatch* batch) const {
  (void)batch->Put(postings_, PageVectorKey(ns.tenant, ns.agent, page_id),
                   value);
  DequeuePage(page_id, batch);
}

void VectorTable::DeletePageVector(const Namespace& ns, uint64_t page_id,
                                   rocksdb::WriteBatch* batch) const {
  (void)batch->Delete(postings_, PageVectorKey(ns.tenant, ns.agent, page_id));
}

Status VectorTable::ForEachPageVector(
    const rocksdb::ReadOptions& ro, std::string_view tenant,
    std::string_view agent,
    const std::function<bool(uint64_t, std::string_view)>& fn) const {
  std::string prefix = PageVectorPrefix(tenant, agent);
  bool malformed = false;
  MNEMO_RETURN_IF_ERROR(
      ForEach(ro, prefix, [&](std::string_view key, std::string_view value) {
        if (key.size() != prefix.size() + 8) {
          malformed = true;
          return false;
        }
        return fn(DecodeBigEndian64(key.data() + prefix.size()), value);
      }));
  if (malformed) {
    return Status::Corruption("malformed page vector key of agent " +
                              std::string(tenant) + "/" + std::string(agent));
  }
  return Status::OK();
}

Status VectorTable::Get(const rocksdb::ReadOptions& ro, std::string_view key,
                        std::string* value, bool* found) const {
  return GetIfPresent(db_, ro, postings_, key, value, found,
                      "reading a vector value");
}

Status VectorTable::ForEach(
    const rocksdb::ReadOptions& ro, std::string_view prefix,
    const std::function<bool(std::string_view, std::string_view)>& fn) const {
  return FromRocks(ForEachWithPrefix(db_, ro, postings_, prefix, fn),
                   "reading vector values");
}

void VectorTable::Put(std::string_view key, std::string_view value,
                      rocksdb::WriteBatch* batch) const {
  (void)batch->Put(postings_, key, value);
}

// Each prefix is one range deletion starting exactly at it (rocks_glue.cc's
// insert hint for the family expects that).
void VectorTable::DeleteAgent(std::string_view tenant, std::string_view agent,
                              rocksdb::WriteBatch* batch) const {
  for (const std::string& prefix :
       {EmbeddingPrefix(tenant, agent), PageVectorPrefix(tenant, agent)}) {
    (void)batch->DeleteRange(postings_, prefix, PrefixSuccessor(prefix));
  }
  (void)batch->Delete(postings_, EmbeddingDimKey(tenant, agent));
}

void RecordTable::BindSearch(SearchTable* search) const {
  search->ShareDatabase(db_, handles_[kPostings], handles_[kDefault]);
}

// ---- RecordTable's index intents (record_table.h) --------------------------

void RecordTable::PutIndexIntent(std::string_view agent_key, uint64_t token,
                                 rocksdb::WriteBatch* batch) const {
  std::string value;
  PutFixed64(&value, token);
  (void)batch->Put(handles_[kDefault],
                   std::string(kIndexIntentPrefix) + std::string(agent_key),
                   value);
}

Status RecordTable::IndexIntents(
    std::map<std::string, uint64_t>* intents) const {
  return SearchTable::ReadTokens(db_, handles_[kDefault], kIndexIntentPrefix,
                                 "search index intents", intents);
}

}  // namespace mnemo::internal
