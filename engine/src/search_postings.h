// Copyright (c) mnemo authors.
//
// The full-text index in the `postings` column family:
//
//   'w' tenant 0 agent 0 term  -> posting list (merge operands append)
//   's' tenant 0 agent         -> agent statistics (docs, total length)
//   'e' tenant 0 agent 0 id(8) -> embedding (see search_vector.cc)
//   'd' tenant 0 agent         -> embedding dimension and type
//   'f' tenant 0 agent 0 page(8) -> a page's vector from the encoder feed
//                                 (same value format as 'e'; embed_feed.cc)
//   'q' page(8)                -> "" (page queued for the encoder feed)
//   'r' id(8)                  -> "" (record text queued for the encoder
//                                 feed again: updated, or changed while
//                                 being embedded; embed_feed.cc)
//
// A posting list (and every merge operand) is
//   varint32 count, then per posting, in increasing id order:
//   varint64 (id - previous id), varint32 tf, and when tf > 0 varint32 dl
// where tf is the term's count in the record and dl the record's length in
// terms (BM25 needs both; keeping dl here saves a read per candidate).
// tf 0 in an operand removes the id. The merge operator folds operands in
// order (a later posting for an id replaces an earlier one) and drops
// removals once nothing older can hold the id.
//
// The indexer writes one operand per distinct (agent, term) per chunk of
// new records and one statistics operand per agent, never reading:
// PostingsBuilder gathers a chunk's records and emits them.
//
// An agent's keys are contiguous, so deleting an agent deletes one range.

#ifndef MNEMO_ENGINE_SEARCH_POSTINGS_H_
#define MNEMO_ENGINE_SEARCH_POSTINGS_H_

#include <rocksdb/merge_operator.h>
#include <rocksdb/write_batch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mnemo/record.h"

namespace mnemo::internal {

inline constexpr char kPostingTag = 'w';
inline constexpr char kSearchStatsTag = 's';
inline constexpr char kEmbeddingTag = 'e';
inline constexpr char kEmbeddingDimTag = 'd';
inline constexpr char kPageVectorTag = 'f';
inline constexpr char kPendingPageTag = 'q';
inline constexpr char kPendingTextTag = 'r';
// Set in the type byte of an 'e' value the encoder feed wrote (the host's
// PutEmbedding values never have it): an Update that changes the text
// drops such a vector and queues the record again. Vectors the feed wrote
// before this bit existed read as the host's.
inline constexpr uint8_t kFeedMadeVectorBit = 0x80;

// Default-family key: every record with id <= this (fixed64) has its
// postings; none above it has any (see search_indexer.cc).
inline constexpr char kSearchWatermarkKey[] = "mnemo.search_watermark";
// Format 8 (record_table_search.h): per agent, the token of the last
// change of its index, as an intent in the store's default family and as
// the applied mark in the index's; the key is the prefix, the tenant, a
// zero byte and the agent; the value a fixed64 token.
inline constexpr char kIndexIntentPrefix[] = "mnemo.index_intent.";
inline constexpr char kIndexAppliedPrefix[] = "mnemo.index_applied.";

// 'w' tenant 0 agent 0: every posting key of the agent starts so.
std::string PostingPrefix(std::string_view tenant, std::string_view agent);
std::string SearchStatsKey(std::string_view tenant, std::string_view agent);
std::string EmbeddingPrefix(std::string_view tenant, std::string_view agent);
std::string EmbeddingKey(std::string_view tenant, std::string_view agent,
                         RecordId id);
std::string EmbeddingDimKey(std::string_view tenant, std::string_view agent);
std::string PageVectorPrefix(std::string_view tenant, std::string_view agent);
std::string PageVectorKey(std::string_view tenant, std::string_view agent,
                          uint64_t page_id);
std::string PendingPageKey(uint64_t page_id);
std::string PendingTextKey(uint64_t id);

// Default-family keys of the encoder feed (embed_feed.cc): every record
// with id <= the watermark (fixed64) was offered to the embedder; the
// model key holds dimension(4, LE) then the embedder's name.
inline constexpr char kEmbedWatermarkKey[] = "mnemo.embed_watermark";
inline constexpr char kEmbedModelKey[] = "mnemo.embed_model";

struct Posting {
  RecordId id = 0;
  uint32_t tf = 0;  // 0: removal (operands only)
  uint32_t dl = 0;
};

// Appends the encoding of `postings`. REQUIRES: ids strictly increasing.
void EncodePostings(const std::vector<Posting>& postings, std::string* out);
// Appends the postings of one list or operand to *out; false when the
// bytes are malformed (then *out holds what decoded before the error).
bool DecodePostings(std::string_view value, std::vector<Posting>* out);

// Statistics of an agent's indexed records.
struct SearchStats {
  int64_t docs = 0;
  int64_t total_length = 0;  // terms in all records
};
std::string SearchStatsOperand(int64_t docs, int64_t total_length);
bool DecodeSearchStats(std::string_view value, SearchStats* stats);

// Merge operator of the postings family: posting lists ('w') and
// statistics ('s'); other keys are never merged.
std::shared_ptr<rocksdb::MergeOperator> NewPostingsMergeOperator();

// Gathers the postings of one batch's records and writes them as merges.
// Not thread-safe; reusable after Drain.
class PostingsBuilder {
 public:
  // `enabled` false: every call is a no-op (Options::full_text_index off).
  PostingsBuilder(bool enabled, const std::string& language)
      : enabled_(enabled), language_(language) {}

  // Adds `record` (its id, namespace and text) to the index.
  void Add(const Record& record) { Collect(record, false); }
  // Removes `record`, analyzed from the text it was indexed with. A
  // record whose text was forgotten cannot be analyzed: its postings stay
  // and searches skip them once the record is gone.
  void Remove(const Record& record) { Collect(record, true); }
  // Hands each gathered merge operand to `merge` (key, operand) and clears
  // the builder (RecordTable::ApplyPostings adds them to a batch).
  void Drain(
      const std::function<void(std::string_view, std::string_view)>& merge);

 private:
  // One term's postings in one agent; `collect` is the Collect call that
  // last added to it, so a record's repeated term raises its tf in place.
  struct TermList {
    std::vector<Posting> postings;
    uint64_t collect = 0;
  };
  // An agent's lists by term (hashing the short term, not the whole key)
  // and its statistics.
  struct AgentLists {
    std::unordered_map<std::string, TermList> terms;
    SearchStats stats;
  };

  void Collect(const Record& record, bool remove);
  AgentLists& ListsOf(const Record& record);

  bool enabled_;
  std::string language_;
  std::unordered_map<std::string, AgentLists> agents_;  // tenant \0 agent
  AgentLists* last_agent_ = nullptr;  // of last_key_: runs of one agent
  std::string last_key_;
  uint64_t collects_ = 0;
  std::vector<std::string> terms_;  // scratch
  std::string key_;                 // scratch
};

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_SEARCH_POSTINGS_H_
