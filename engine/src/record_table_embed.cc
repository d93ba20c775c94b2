// Copyright (c) mnemo authors.
//
// RecordTable: the encoder feed's keys (embed_feed.cc). The model record
// and the text watermark live in the default family; queued pages ('q')
// and page vectors ('f') in the postings family beside the records'
// embeddings ('e'), so a bulk delete of an agent drops them with the rest
// of its search keys (search_postings.h).

#include "coding.h"
#include "keys.h"
#include "record_table.h"
#include "rocks_glue.h"
#include "rocks_iter.h"
#include "search_postings.h"

namespace mnemo::internal {

Status RecordTable::GetEmbedModel(const rocksdb::ReadOptions& ro,
                                  std::string* name, uint32_t* dimension,
                                  bool* found) const {
  *found = false;
  std::string value;
  rocksdb::Status s = db_->Get(ro, handles_[kDefault], kEmbedModelKey, &value);
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

Status RecordTable::PutEmbedModel(std::string_view name, uint32_t dimension,
                                  rocksdb::WriteBatch* batch) const {
  std::string value;
  PutFixed32(&value, dimension);
  value.append(name);
  (void)batch->Put(handles_[kDefault], kEmbedModelKey, value);
  return ForEachPage(rocksdb::ReadOptions(),
                     [&](uint64_t page_id, std::string_view) {
                       (void)batch->Put(handles_[kPostings],
                                        PendingPageKey(page_id), "");
                       return Status::OK();
                     });
}

Status RecordTable::PendingPages(const rocksdb::ReadOptions& read,
                                 uint64_t after, size_t limit,
                                 std::vector<uint64_t>* pages) const {
  pages->clear();
  std::string prefix(1, kPendingPageTag);
  std::string upper = PrefixSuccessor(prefix);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro = read;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      NewIterator(db_, ro, handles_[kPostings]));
  for (it->Seek(PendingPageKey(after)); it->Valid() && pages->size() < limit;
       it->Next()) {
    if (it->key().size() != 9) continue;  // not ours: left alone
    uint64_t page_id = DecodeBigEndian64(it->key().data() + 1);
    if (page_id > after) pages->push_back(page_id);
  }
  return FromRocks(it->status(), "reading the page embedding queue");
}

Status RecordTable::CountPendingPages(uint64_t* n) const {
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

void RecordTable::DequeuePage(uint64_t page_id,
                              rocksdb::WriteBatch* batch) const {
  (void)batch->Delete(handles_[kPostings], PendingPageKey(page_id));
}

void RecordTable::PutPageVector(const Namespace& ns, uint64_t page_id,
                                std::string_view value,
                                rocksdb::WriteBatch* batch) const {
  (void)batch->Put(handles_[kPostings],
                   PageVectorKey(ns.tenant, ns.agent, page_id), value);
  DequeuePage(page_id, batch);
}

void RecordTable::DeletePageVector(const Namespace& ns, uint64_t page_id,
                                   rocksdb::WriteBatch* batch) const {
  (void)batch->Delete(handles_[kPostings],
                      PageVectorKey(ns.tenant, ns.agent, page_id));
}

Status RecordTable::ForEachPageVector(
    const rocksdb::ReadOptions& ro, std::string_view tenant,
    std::string_view agent,
    const std::function<bool(uint64_t, std::string_view)>& fn) const {
  std::string prefix = PageVectorPrefix(tenant, agent);
  bool malformed = false;
  MNEMO_RETURN_IF_ERROR(ForEachSearchValue(
      ro, prefix, [&](std::string_view key, std::string_view value) {
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

}  // namespace mnemo::internal
