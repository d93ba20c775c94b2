// Copyright (c) mnemo authors.
//
// VectorTable: the vector side of the record table's schema. Embeddings
// ('e'), their dimension ('d') and page vectors ('f'), and the encoder
// feed's keys (embed_feed.cc, embed_pages.cc): the recorded model in the
// default family; queued pages ('q') and queued texts ('r') in the
// postings family beside the vectors, so a bulk delete of an agent drops
// them together (search_postings.h). Like the table, it appends to the
// caller's WriteBatch and writes nothing itself.
//
// The table owns one (RecordTable::vectors()), binds it to the open
// database in Attach, and asks it to queue or dequeue a page when it
// writes or deletes one (PutPage, DeletePage) and to queue a text when an
// update drops a feed-made embedding (RequeueText).
// Implementation: record_table_vectors.cc.

#ifndef MNEMO_ENGINE_RECORD_TABLE_VECTORS_H_
#define MNEMO_ENGINE_RECORD_TABLE_VECTORS_H_

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mnemo/record.h"
#include "mnemo/status.h"

namespace mnemo::internal {

class RecordTable;

class VectorTable {
 public:
  // `table` (its owner) answers the page walk (PutModel).
  explicit VectorTable(const RecordTable& table) : table_(table) {}
  VectorTable(const VectorTable&) = delete;
  VectorTable& operator=(const VectorTable&) = delete;

  // The table's database and its default and postings families (Attach);
  // nullptr for all three on Detach.
  void Bind(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* default_family,
            rocksdb::ColumnFamilyHandle* postings);

  // Whether the table's PutPage queues pages. Set at open, before any
  // writer runs (a store with an embedder or a recorded model).
  void set_queues_pages(bool on) { queues_pages_.store(on); }
  bool queues_pages() const { return queues_pages_.load(); }

  // The recorded model (kEmbedModelKey): *found false when none; a
  // malformed value is Corruption.
  Status GetModel(const rocksdb::ReadOptions& ro, std::string* name,
                  uint32_t* dimension, bool* found) const;
  // Records the model and queues every stored page (the first open with an
  // embedder: pages rendered before it get their vectors too).
  Status PutModel(std::string_view name, uint32_t dimension,
                  rocksdb::WriteBatch* batch) const;

  // Queued pages in id order after `after`, up to `limit`.
  Status PendingPages(const rocksdb::ReadOptions& ro, uint64_t after,
                      size_t limit, std::vector<uint64_t>* pages) const;
  Status CountPendingPages(uint64_t* n) const;
  void QueuePage(uint64_t page_id, rocksdb::WriteBatch* batch) const;
  void DequeuePage(uint64_t page_id, rocksdb::WriteBatch* batch) const;

  // Records whose text is queued for the feed again ('r'), in id order
  // after `after`, up to `limit`; Update queues them (RequeueText).
  Status PendingTexts(const rocksdb::ReadOptions& ro, uint64_t after,
                      size_t limit, std::vector<RecordId>* ids) const;
  // The queued texts with ids <= `max` (those above the text watermark
  // are counted as pending already).
  Status CountPendingTexts(RecordId max, uint64_t* n) const;
  void QueueText(RecordId id, rocksdb::WriteBatch* batch) const;
  void DequeueText(RecordId id, rocksdb::WriteBatch* batch) const;

  // ---- Vector values: embeddings ('e'), their dimension ('d'), page
  // vectors ('f'); keys by search_postings.h. A host (PutEmbedding) or the
  // feed writes them; they are not derived from records.

  // One value; *found false when absent.
  Status Get(const rocksdb::ReadOptions& ro, std::string_view key,
             std::string* value, bool* found) const;
  // Values under `prefix` (not empty), in key order: fn(key, value) until
  // it returns false.
  Status ForEach(
      const rocksdb::ReadOptions& ro, std::string_view prefix,
      const std::function<bool(std::string_view, std::string_view)>& fn) const;
  void Put(std::string_view key, std::string_view value,
           rocksdb::WriteBatch* batch) const;
  // Deletes an agent's embeddings, page vectors and their dimension (bulk
  // delete of the agent).
  void DeleteAgent(std::string_view tenant, std::string_view agent,
                   rocksdb::WriteBatch* batch) const;

  // A page's vector (EncodeVector form), replacing any older one, and the
  // page dequeued in the same batch.
  void PutPageVector(const Namespace& ns, uint64_t page_id,
                     std::string_view value, rocksdb::WriteBatch* batch) const;
  void DeletePageVector(const Namespace& ns, uint64_t page_id,
                        rocksdb::WriteBatch* batch) const;
  // The agent's page vectors: fn(page id, value) until it returns false;
  // Corruption naming the agent for a malformed key.
  Status ForEachPageVector(
      const rocksdb::ReadOptions& ro, std::string_view tenant,
      std::string_view agent,
      const std::function<bool(uint64_t, std::string_view)>& fn) const;

 private:
  const RecordTable& table_;
  rocksdb::DB* db_ = nullptr;
  rocksdb::ColumnFamilyHandle* default_ = nullptr;
  rocksdb::ColumnFamilyHandle* postings_ = nullptr;
  std::atomic<bool> queues_pages_{false};
};

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_RECORD_TABLE_VECTORS_H_
