// Copyright (c) mnemo authors.
//
// RecordTable::Insert (format 3): the keys of a new record, with a
// per-thread memo of the writer's last agent slot and stored namespace so
// a run of one agent's records skips those lookups (the Put/PutBatch path).

#include <algorithm>

#include "coding.h"
#include "envelope.h"
#include "keys.h"
#include "mnemo/quote.h"
#include "record_table.h"

namespace mnemo::internal {

// A thread's last slot and stored namespace token (RecordTable::Insert).
struct RecordTable::InsertMemo {
  uint64_t epoch = 0;       // the table attachment the memo belongs to
  std::string agent;        // tenant \0 agent of `slot`
  uint32_t slot = 0;        // 0: none
  uint64_t generation = 0;  // of `known` when `token` was found in it
  std::string token;        // empty: none
  Namespace token_ns;       // the namespace `token` names
  bool use_token = false;   // the caller counts removals from `known`

  bool SameAgent(const Namespace& ns) const {
    return slot != 0 && agent.size() == ns.tenant.size() + 1 + ns.agent.size() &&
           agent.compare(0, ns.tenant.size(), ns.tenant) == 0 &&
           agent[ns.tenant.size()] == '\0' &&
           agent.compare(ns.tenant.size() + 1, std::string::npos, ns.agent) == 0;
  }
};

Status RecordTable::Insert(const Record& r,
                           const std::unordered_set<std::string>& known,
                           std::vector<std::string>* new_namespaces,
                           rocksdb::WriteBatch* batch) const {
  InsertMemo memo;  // none kept
  IdsOperand ids;
  MNEMO_RETURN_IF_ERROR(
      InsertWith(r, nullptr, known, &memo, new_namespaces, &ids, batch));
  FlushIds(&ids, batch);
  return Status::OK();
}

Status RecordTable::Insert(const Record& r, const NewRecordStamp& stamp,
                           const std::unordered_set<std::string>& known,
                           uint64_t known_generation,
                           std::vector<std::string>* new_namespaces,
                           IdsOperand* new_ids,
                           rocksdb::WriteBatch* batch) const {
  thread_local InsertMemo memo;
  const uint64_t epoch = epoch_.load(std::memory_order_relaxed);
  if (memo.epoch != epoch) {
    memo = InsertMemo();
    memo.epoch = epoch;
  }
  if (memo.generation != known_generation) memo.token.clear();
  memo.generation = known_generation;
  memo.use_token = true;
  return InsertWith(r, &stamp, known, &memo, new_namespaces, new_ids, batch);
}

void RecordTable::FinishInserts(IdsOperand* new_ids,
                                rocksdb::WriteBatch* batch) const {
  FlushIds(new_ids, batch);
}

// Sets memo->slot to the slot of r's agent (allocated when new). Slots are
// never taken back while the table is attached, so the memo stays right.
Status RecordTable::MemoSlot(const Record& r, RecordId id,
                             InsertMemo* memo) const {
  if (memo->SameAgent(r.ns)) return Status::OK();
  uint32_t slot = 0;
  bool found = false;
  MNEMO_RETURN_IF_ERROR(
      SlotOf(r.ns.tenant, r.ns.agent, /*create=*/true, &slot, &found));
  if (!found) {
    return Status::Corruption("record " + RecordIdToString(id) + ": agent " +
                              QuoteForMessage(r.ns.agent) + " has no slot");
  }
  memo->slot = slot;
  memo->agent.assign(r.ns.tenant).push_back('\0');
  memo->agent.append(r.ns.agent);
  return Status::OK();
}

// PutNamespace, skipping the lookups when the token is the memo's.
void RecordTable::PutNamespaceOnce(const Record& r,
                                   const std::unordered_set<std::string>& known,
                                   InsertMemo* memo,
                                   std::vector<std::string>* new_namespaces,
                                   rocksdb::WriteBatch* batch) const {
  // A run of one session's records compares names, without the key.
  if (!memo->token.empty() && memo->token_ns.session == r.ns.session &&
      memo->token_ns.agent == r.ns.agent &&
      memo->token_ns.tenant == r.ns.tenant) {
    return;
  }
  thread_local std::string token;  // reused buffer
  token.clear();
  AppendNamespaceKey(r.ns, &token);
  if (known.count(token) != 0) {
    // Only a committed token is remembered: one a failed batch added is
    // not in `known`, so the next batch writes its key again.
    if (memo->use_token) {
      memo->token = token;
      memo->token_ns = r.ns;
    }
    return;
  }
  if (std::find(new_namespaces->begin(), new_namespaces->end(), token) ==
      new_namespaces->end()) {
    (void)batch->Put(handles_[kIndex], token, "");
    new_namespaces->push_back(token);
  }
}

// `stamp` (nullable): the fields that complete `r`.
Status RecordTable::InsertWith(const Record& r, const NewRecordStamp* stamp,
                               const std::unordered_set<std::string>& known,
                               InsertMemo* memo,
                               std::vector<std::string>* new_namespaces,
                               IdsOperand* new_ids,
                               rocksdb::WriteBatch* batch) const {
  thread_local std::string value, key;  // reused buffers
  const RecordId id = stamp != nullptr ? stamp->id : r.id;
  // The hint's bucket is a cache miss (the table is up to
  // Options::location_hint_bytes): it loads while the envelope is encoded.
  hints_.Prefetch(id);
  MNEMO_RETURN_IF_ERROR(MemoSlot(r, id, memo));
  key.clear();
  AppendLocation(memo->slot,
                 stamp != nullptr ? stamp->event_time : r.event_time, &key);
  PutBigEndian64(&key, id);
  value.clear();
  if (stamp != nullptr) {
    EncodeNewEnvelope(r, *stamp, &value, EnvelopeForm::kKeyed);
  } else {
    EncodeEnvelope(r, 0, &value, EnvelopeForm::kKeyed);
  }
  (void)batch->Put(handles_[kRecords], key, value);
  const std::string_view location(key.data(), kLocationSize);
  if (stamp != nullptr && new_ids->deferred()) {
    // A new record's ids entry is written by a later batch, with others of
    // its block (record_table_pending.h); added before this write.
    pending_.Add(id, location);
  } else if (!new_ids->Add(id, location)) {
    // The batch's ids are consecutive: one operand per block they touch.
    FlushIds(new_ids, batch);
    new_ids->Add(id, location);
  }
  hints_.Put(id, std::string_view(key.data(), kLocationSize));
  PutNamespaceOnce(r, known, memo, new_namespaces, batch);
  return Status::OK();
}

}  // namespace mnemo::internal
