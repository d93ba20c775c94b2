// Copyright (c) mnemo authors.
//
// RecordTable (format 2, keys.h): the record mutations, namespaces, record
// reads by id and agent, postings and access counts.

#include "record_table.h"

#include <algorithm>

#include "coding.h"
#include "envelope.h"
#include "keys.h"
#include "record_table_ids.h"
#include "mnemo/quote.h"
#include "rocks_glue.h"
#include "rocks_iter.h"
#include "search_postings.h"
#include "text_store.h"

namespace mnemo::internal {
namespace {

// A value of 16 bytes holds only access counts of a deleted record.
bool IsOrphanCounts(const rocksdb::Slice& value) { return value.size() == 16; }

// Calls fn(page_id) for each page of the span of `page` (none when unset).
template <typename Fn>
void ForEachSpanPage(const PageRef& page, Fn fn) {
  for (uint32_t k = 0; page.valid() && k < std::max(1u, page.page_count); ++k) {
    fn(page.page_id + k);
  }
}

}  // namespace

RecordTable::RecordTable(TextStore* text, size_t location_hint_bytes)
    : text_(text), hints_(location_hint_bytes) {}

void RecordTable::Attach(
    rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& handles) {
  static std::atomic<uint64_t> attachments{0};
  db_ = db;
  handles_ = handles;
  vectors_.Bind(db, handles[kDefault], handles[kPostings]);
  epoch_.store(attachments.fetch_add(1) + 1);
}

void RecordTable::Detach() {
  db_ = nullptr;
  handles_.clear();
  vectors_.Bind(nullptr, nullptr, nullptr);
}

namespace {

Status EncodeIn(TextStore& text, const Record& r, uint8_t flags,
                EnvelopeForm form, std::string* out) {
  out->clear();
  if (flags & kFlagTextForgotten) {
    EncodeEnvelope(r, flags, std::string_view(), out, form);
  } else if (flags & kFlagTextZstd) {
    std::string frame;
    MNEMO_RETURN_IF_ERROR(text.Compress(r.text, &frame));
    EncodeEnvelope(r, flags, frame, out, form);
  } else {
    EncodeEnvelope(r, flags, out, form);
  }
  return Status::OK();
}

}  // namespace

Status RecordTable::Encode(const Record& r, uint8_t flags,
                           std::string* out) const {
  return EncodeIn(*text_, r, flags, EnvelopeForm::kKeyed, out);
}

Status RecordTable::EncodeHistory(const Record& r, uint8_t flags,
                                  std::string* out) const {
  return EncodeIn(*text_, r, flags, EnvelopeForm::kSelfContained, out);
}

Status RecordTable::Decode(std::string_view value, const KeyFields& key,
                           Record* record, uint8_t* flags_out,
                           const EnvelopeHeader* peeked) const {
  uint8_t flags = 0;
  const RecordId id = key.id;
  // The record's name is built only for an error message: Get and scans
  // decode every record they return.
  if (!DecodeEnvelope(value, {}, record, &flags, peeked, &key).ok()) {
    return DecodeEnvelope(value, "record " + RecordIdToString(id), record,
                          &flags, peeked, &key);
  }
  if (flags_out) *flags_out = flags;
  if ((flags & kFlagTextForgotten) != 0) {
    record->text.clear();
  } else if ((flags & kFlagTextZstd) != 0) {
    std::string frame = std::move(record->text);
    MNEMO_RETURN_IF_ERROR(text_->Decompress(
        frame, "record " + RecordIdToString(id), &record->text));
  }
  return Status::OK();
}

uint8_t RecordTable::AgeBucket(const Record& r, uint8_t flags) {
  return (flags & kFlagKeptAsText) ? kKeptAsTextBucket
                                   : static_cast<uint8_t>(r.tier);
}

Status RecordTable::KeyOf(const Record& r, bool create,
                          std::string* key) const {
  uint32_t slot = 0;
  bool found = false;
  MNEMO_RETURN_IF_ERROR(SlotOf(r.ns.tenant, r.ns.agent, create, &slot, &found));
  if (!found) {
    return Status::Corruption("record " + RecordIdToString(r.id) +
                              ": agent " + QuoteForMessage(r.ns.agent) +
                              " has no slot");
  }
  key->clear();
  AppendLocation(slot, r.event_time, key);
  PutBigEndian64(key, r.id);
  return Status::OK();
}

// One point lookup of the id's block (format 3, record_table_ids.h), then
// the entries not written there yet (format 6, record_table_pending.h).
Status RecordTable::LocateId(const rocksdb::ReadOptions& ro, RecordId id,
                             std::string* key) const {
  for (;;) {
    const uint64_t generation = pending_.generation();
    bool found = false;
    MNEMO_RETURN_IF_ERROR(LocateInIds(ro, id, key, &found));
    if (!found && pending_.Find(id, key)) found = true;
    if (found) {
      PutBigEndian64(key, id);
      return Status::OK();
    }
    // Missed in both while a flush moved entries over: ask again.
    if (pending_.generation() == generation) break;
  }
  return Status::NotFound("record " + RecordIdToString(id) + " not found");
}

// The location (12 bytes) of the id's entry in the ids family into *key.
Status RecordTable::LocateInIds(const rocksdb::ReadOptions& ro, RecordId id,
                                std::string* key, bool* found) const {
  *found = false;
  thread_local std::string block_key;  // reused buffer
  block_key.clear();
  AppendIdsBlockKey(id, &block_key);
  rocksdb::PinnableSlice block;
  rocksdb::Status s = db_->Get(ro, handles_[kIds], block_key, &block);
  if (!s.ok() && !s.IsNotFound()) {
    return FromRocks(s, "locating record " + RecordIdToString(id));
  }
  std::string_view value(block.data(), s.ok() ? block.size() : 0);
  std::string_view location;
  if (!FindInIdsBlock(value, id, &location)) {
    if (!IdsBlockWellFormed(value)) {
      return Status::Corruption("ids block of record " + RecordIdToString(id) +
                                " is malformed (" +
                                std::to_string(value.size()) + " bytes)");
    }
    return Status::OK();
  }
  key->assign(location);
  *found = true;
  return Status::OK();
}

void RecordTable::MergeIds(RecordId id, std::string_view location,
                           rocksdb::WriteBatch* batch) const {
  IdsOperand one;
  one.Add(id, location);
  FlushIds(&one, batch);
}

void RecordTable::FlushIds(IdsOperand* ids, rocksdb::WriteBatch* batch) const {
  if (ids->empty()) return;
  thread_local std::string key;  // reused buffer
  key.clear();
  AppendIdsBlockKey(ids->first_id(), &key);
  (void)batch->Merge(handles_[kIds], key, ids->value());
  ids->Clear();
}

void RecordTable::PutNamespace(const Record& r,
                               const std::unordered_set<std::string>& known,
                               std::vector<std::string>* new_namespaces,
                               rocksdb::WriteBatch* batch) const {
  thread_local std::string token;  // reused buffer
  token.clear();
  AppendNamespaceKey(r.ns, &token);
  if (known.count(token) != 0 ||
      std::find(new_namespaces->begin(), new_namespaces->end(), token) !=
          new_namespaces->end()) {
    return;
  }
  (void)batch->Put(handles_[kIndex], token, "");
  new_namespaces->push_back(token);
}

Status RecordTable::Restore(const Record& r, uint8_t flags,
                            const std::unordered_set<std::string>& known,
                            std::vector<std::string>* new_namespaces,
                            PostingsBuilder* postings,
                            rocksdb::WriteBatch* batch) const {
  std::string value, key;
  MNEMO_RETURN_IF_ERROR(KeyOf(r, /*create=*/true, &key));
  MNEMO_RETURN_IF_ERROR(Encode(r, flags, &value));
  (void)batch->Put(handles_[kRecords], key, value);
  MergeIds(r.id, std::string_view(key.data(), kLocationSize), batch);
  // Counts a deleted record of this id left unfolded are not the import's.
  if (HasAccessFamily()) (void)batch->Delete(handles_[kAccess], RecordKey(r.id));
  PutNamespace(r, known, new_namespaces, batch);
  (void)batch->Put(handles_[kIndex],
                   AgeKey(AgeBucket(r, flags), r.event_time, r.id), "");
  ForEachSpanPage(r.page, [&](uint64_t page_id) {
    (void)batch->Put(handles_[kPages], LiveKey(page_id, r.id), "");
  });
  AppendExpiryPut(r, handles_[kIndex], batch);
  if (postings != nullptr) postings->Add(r);
  return Status::OK();
}

Status RecordTable::Update(const Record& old, uint8_t old_flags,
                           const Record& next, PostingsBuilder* postings,
                           rocksdb::WriteBatch* batch,
                           PageRemovals* pages) const {
  std::string old_value;
  MNEMO_RETURN_IF_ERROR(EncodeHistory(old, old_flags, &old_value));
  (void)batch->Put(handles_[kHistory], HistoryKey(old.id, old.version),
                   old_value);
  MNEMO_RETURN_IF_ERROR(Rewrite(old, old_flags, next, 0, batch, pages));
  if (postings != nullptr) {
    postings->Remove(old);
    postings->Add(next);
  }
  return RequeueText(old, next, batch);
}

// The caller holds the record's stripe, as the feed does when it writes a
// vector, so the vector read here is the one the batch replaces.
Status RecordTable::RequeueText(const Record& old, const Record& next,
                                rocksdb::WriteBatch* batch) const {
  if (old.text == next.text) return Status::OK();
  std::string key = EmbeddingKey(old.ns.tenant, old.ns.agent, old.id), value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), handles_[kPostings], key, &value);
  if (s.IsNotFound()) return Status::OK();
  MNEMO_RETURN_IF_ERROR(FromRocks(
      s, "reading the embedding of record " + RecordIdToString(old.id)));
  if (value.empty() ||
      (static_cast<uint8_t>(value[0]) & kFeedMadeVectorBit) == 0) {
    return Status::OK();  // the host's: kept (mnemo/store.h)
  }
  (void)batch->Delete(handles_[kPostings], key);
  if (!next.text.empty()) vectors_.QueueText(next.id, batch);
  return Status::OK();
}

// Deletes come before puts throughout, so a key both records have (same
// age bucket and time, same page) ends up present.
Status RecordTable::Rewrite(const Record& old, uint8_t old_flags,
                            const Record& next, uint8_t next_flags,
                            rocksdb::WriteBatch* batch,
                            PageRemovals* pages) const {
  std::string value, key, old_key;
  MNEMO_RETURN_IF_ERROR(KeyOf(next, /*create=*/true, &key));
  MNEMO_RETURN_IF_ERROR(Encode(next, next_flags, &value));
  if (old.event_time != next.event_time) {
    MNEMO_RETURN_IF_ERROR(KeyOf(old, /*create=*/true, &old_key));
    (void)batch->Delete(handles_[kRecords], old_key);
  }
  (void)batch->Put(handles_[kRecords], key, value);
  MergeIds(next.id, std::string_view(key.data(), kLocationSize), batch);
  hints_.Put(next.id, std::string_view(key.data(), kLocationSize));
  (void)batch->Delete(handles_[kIndex], AgeKey(AgeBucket(old, old_flags),
                                               old.event_time, old.id));
  (void)batch->Put(
      handles_[kIndex],
      AgeKey(AgeBucket(next, next_flags), next.event_time, next.id), "");
  std::set<uint64_t> kept;
  ForEachSpanPage(next.page, [&](uint64_t page_id) { kept.insert(page_id); });
  ForEachSpanPage(old.page, [&](uint64_t page_id) {
    (void)batch->Delete(handles_[kPages], LiveKey(page_id, old.id));
    if (pages != nullptr && kept.count(page_id) == 0) {
      (*pages)[page_id].insert(old.id);
    }
  });
  for (uint64_t page_id : kept) {
    (void)batch->Put(handles_[kPages], LiveKey(page_id, next.id), "");
  }
  AppendExpiryDelete(old, handles_[kIndex], batch);
  AppendExpiryPut(next, handles_[kIndex], batch);
  return Status::OK();
}

Status RecordTable::DetachFromPages(const Record& old, uint8_t flags,
                                    rocksdb::WriteBatch* batch,
                                    PageRemovals* pages) const {
  Record next = old;
  next.tier = Tier::kWarm;
  next.page = PageRef();
  return Rewrite(old, flags, next, flags, batch, pages);
}

void RecordTable::Delete(const Record& r, uint8_t flags,
                         PostingsBuilder* postings, rocksdb::WriteBatch* batch,
                         PageRemovals* pages) const {
  // A record read from the store has a slot (it was found under it).
  std::string key;
  if (KeyOf(r, /*create=*/false, &key).ok()) {
    (void)batch->Delete(handles_[kRecords], key);
  }
  MergeIds(r.id, std::string_view(), batch);  // deleted
  hints_.Erase(r.id);
  // Its unfolded access counts go with it (the store drops them from
  // memory at the next fold, which finds the record gone).
  if (HasAccessFamily()) (void)batch->Delete(handles_[kAccess], RecordKey(r.id));
  (void)batch->Delete(handles_[kIndex],
                      AgeKey(AgeBucket(r, flags), r.event_time, r.id));
  for (uint32_t v = 1; v < r.version; ++v) {
    (void)batch->Delete(handles_[kHistory], HistoryKey(r.id, v));
  }
  if (postings != nullptr) postings->Remove(r);
  (void)batch->Delete(handles_[kPostings],
                      EmbeddingKey(r.ns.tenant, r.ns.agent, r.id));
  // A queued text ('r') is left to the feed, which drops the key of a
  // record it does not find (no tombstone per delete here).
  AppendExpiryDelete(r, handles_[kIndex], batch);
  ForEachSpanPage(r.page, [&](uint64_t page_id) {
    (void)batch->Delete(handles_[kPages], LiveKey(page_id, r.id));
    if (pages != nullptr) (*pages)[page_id].insert(r.id);
  });
}

std::string RecordTable::NamespaceToken(const Namespace& ns) const {
  return NamespaceKey(ns);
}

std::vector<std::string> RecordTable::AgentTokens(
    std::string_view tenant, std::string_view agent,
    const std::unordered_set<std::string>& known) const {
  std::string prefix = NamespaceAgentPrefix(tenant, agent);
  std::vector<std::string> tokens;
  for (const auto& token : known) {
    if (token.compare(0, prefix.size(), prefix) == 0) tokens.push_back(token);
  }
  return tokens;
}

void RecordTable::DeleteNamespaces(const std::vector<std::string>& tokens,
                                   rocksdb::WriteBatch* batch) const {
  for (const auto& token : tokens) (void)batch->Delete(handles_[kIndex], token);
}

// "ids hit, records miss" is NotFound: the TTL filter drops expired
// records, not their ids entries.
Status RecordTable::Get(const rocksdb::ReadOptions& ro, RecordId id,
                        Record* record, uint8_t* flags) const {
  // Reused buffers: a value read from a memtable is copied into `buffer`
  // (one read of a block-cache value pins the block instead).
  thread_local std::string key, buffer;
  if (buffer.capacity() > kMaxKeptReadBuffer) std::string().swap(buffer);
  rocksdb::PinnableSlice value(&buffer);
  rocksdb::Status s;
  if (hints_.Find(id, &key)) {
    s = db_->Get(ro, handles_[kRecords], key, &value);
    if (s.ok() && !IsOrphanCounts(value)) {
      return Decode(std::string_view(value.data(), value.size()),
                    KeyFieldsOf(key), record, flags);
    }
    value.Reset();  // moved, gone or unreadable: ask ids
  }
  MNEMO_RETURN_IF_ERROR(LocateId(ro, id, &key));
  s = db_->Get(ro, handles_[kRecords], key, &value);
  if (s.ok()) hints_.Put(id, std::string_view(key.data(), kLocationSize));
  if (s.IsNotFound() || (s.ok() && IsOrphanCounts(value))) {
    return Status::NotFound("record " + RecordIdToString(id) + " not found");
  }
  if (!s.ok()) return FromRocks(s, "reading record " + RecordIdToString(id));
  return Decode(std::string_view(value.data(), value.size()), KeyFieldsOf(key),
                record, flags);
}

// One range read of the agent's slot; the session filter reads the
// envelope's labels only.
Status RecordTable::ForEachInAgent(
    std::string_view tenant, std::string_view agent,
    const std::optional<std::string_view>& session,
    const std::function<Status(const Record&, uint8_t)>& fn,
    rocksdb::WriteBatch* /*batch*/) const {
  uint32_t slot = 0;
  bool found = false;
  MNEMO_RETURN_IF_ERROR(SlotOf(tenant, agent, false, &slot, &found));
  if (!found) return Status::OK();
  std::string prefix = SlotPrefix(slot);
  std::string upper = PrefixSuccessor(prefix);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      NewIterator(db_, ro, handles_[kRecords]));
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    if (IsOrphanCounts(it->value())) continue;
    std::string_view key(it->key().data(), it->key().size());
    std::string_view value(it->value().data(), it->value().size());
    std::string_view labels[5];
    EnvelopeHeader header;
    const KeyFields fields = KeyFieldsOf(key);
    if (key.size() != kClusteredKeySize ||
        !PeekHeader(value, &header, &fields) ||
        !PeekLabels(value, header, labels)) {
      return Status::Corruption("record " +
                                RecordIdToString(RecordIdOfKey(key)) +
                                " of agent " + QuoteForMessage(agent) +
                                " is malformed");
    }
    if (session && labels[2] != *session) continue;
    Record r;
    uint8_t flags = 0;
    MNEMO_RETURN_IF_ERROR(Decode(value, KeyFieldsOf(key), &r, &flags));
    MNEMO_RETURN_IF_ERROR(fn(r, flags));
  }
  return FromRocks(it->status(), "scanning agent " + QuoteForMessage(agent));
}

}  // namespace mnemo::internal
