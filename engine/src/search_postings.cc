// Copyright (c) mnemo authors.

#include "search_postings.h"

#include <algorithm>
#include <deque>

#include "coding.h"
#include "search_analyzer.h"

namespace mnemo::internal {
namespace {

std::string TaggedPrefix(char tag, std::string_view tenant,
                         std::string_view agent, bool trailing_nul) {
  std::string key;
  key.reserve(tenant.size() + agent.size() + 3);
  key.push_back(tag);
  key.append(tenant);
  key.push_back('\0');
  key.append(agent);
  if (trailing_nul) key.push_back('\0');
  return key;
}

// Folds postings gathered in write order into one list sorted by id: the
// last posting of an id wins; removals are dropped when `drop_removals`
// (nothing older can hold the id) and kept otherwise.
void Fold(std::vector<Posting>* postings, bool drop_removals) {
  auto by_id = [](const Posting& a, const Posting& b) { return a.id < b.id; };
  bool sorted = true, has_removal = false;
  for (size_t i = 0; i < postings->size(); ++i) {
    if (i > 0 && (*postings)[i].id <= (*postings)[i - 1].id) sorted = false;
    if ((*postings)[i].tf == 0) has_removal = true;
  }
  if (sorted && !(has_removal && drop_removals)) return;  // the common case
  std::stable_sort(postings->begin(), postings->end(), by_id);
  size_t out = 0;
  for (size_t i = 0; i < postings->size(); ++i) {
    bool last_of_id = i + 1 == postings->size() ||
                      (*postings)[i + 1].id != (*postings)[i].id;
    if (!last_of_id) continue;
    if (drop_removals && (*postings)[i].tf == 0) continue;
    (*postings)[out++] = (*postings)[i];
  }
  postings->resize(out);
}

class PostingsMergeOperator final : public rocksdb::MergeOperator {
 public:
  const char* Name() const override { return "mnemo.PostingsMerge"; }

  bool FullMergeV2(const MergeOperationInput& in,
                   MergeOperationOutput* out) const override {
    if (in.key.empty()) return false;
    if (in.key[0] == kSearchStatsTag) {
      SearchStats total;
      if (in.existing_value && !Add(*in.existing_value, &total)) return false;
      for (const auto& op : in.operand_list) {
        if (!Add(op, &total)) return false;
      }
      out->new_value = SearchStatsOperand(total.docs, total.total_length);
      return true;
    }
    std::vector<Posting> postings;
    if (in.existing_value &&
        !DecodePostings(View(*in.existing_value), &postings)) {
      return false;  // -> Corruption on read
    }
    for (const auto& op : in.operand_list) {
      if (!DecodePostings(View(op), &postings)) return false;
    }
    Fold(&postings, /*drop_removals=*/true);
    out->new_value.clear();  // RocksDB may hand over a used buffer
    EncodePostings(postings, &out->new_value);
    return true;
  }

  bool PartialMergeMulti(const rocksdb::Slice& key,
                         const std::deque<rocksdb::Slice>& operands,
                         std::string* new_value,
                         rocksdb::Logger* /*logger*/) const override {
    if (key.empty()) return false;
    if (key[0] == kSearchStatsTag) {
      SearchStats total;
      for (const auto& op : operands) {
        if (!Add(op, &total)) return false;
      }
      *new_value = SearchStatsOperand(total.docs, total.total_length);
      return true;
    }
    std::vector<Posting> postings;
    for (const auto& op : operands) {
      if (!DecodePostings(View(op), &postings)) return false;
    }
    Fold(&postings, /*drop_removals=*/false);
    new_value->clear();
    EncodePostings(postings, new_value);
    return true;
  }

 private:
  static std::string_view View(const rocksdb::Slice& s) {
    return std::string_view(s.data(), s.size());
  }
  static bool Add(const rocksdb::Slice& s, SearchStats* total) {
    SearchStats one;
    if (!DecodeSearchStats(View(s), &one)) return false;
    // Real sums stay far inside int64: one that leaves it comes from
    // corrupt operands and fails the merge (Corruption on read).
    return !__builtin_add_overflow(total->docs, one.docs, &total->docs) &&
           !__builtin_add_overflow(total->total_length, one.total_length,
                                   &total->total_length);
  }
};

}  // namespace

std::string PostingPrefix(std::string_view tenant, std::string_view agent) {
  return TaggedPrefix(kPostingTag, tenant, agent, true);
}
std::string SearchStatsKey(std::string_view tenant, std::string_view agent) {
  return TaggedPrefix(kSearchStatsTag, tenant, agent, false);
}
std::string EmbeddingPrefix(std::string_view tenant, std::string_view agent) {
  return TaggedPrefix(kEmbeddingTag, tenant, agent, true);
}
std::string EmbeddingKey(std::string_view tenant, std::string_view agent,
                         RecordId id) {
  std::string key = EmbeddingPrefix(tenant, agent);
  PutBigEndian64(&key, id);
  return key;
}
std::string EmbeddingDimKey(std::string_view tenant, std::string_view agent) {
  return TaggedPrefix(kEmbeddingDimTag, tenant, agent, false);
}
std::string PageVectorPrefix(std::string_view tenant, std::string_view agent) {
  return TaggedPrefix(kPageVectorTag, tenant, agent, true);
}
std::string PageVectorKey(std::string_view tenant, std::string_view agent,
                          uint64_t page_id) {
  std::string key = PageVectorPrefix(tenant, agent);
  PutBigEndian64(&key, page_id);
  return key;
}
std::string PendingPageKey(uint64_t page_id) {
  std::string key(1, kPendingPageTag);
  PutBigEndian64(&key, page_id);
  return key;
}

std::string PendingTextKey(uint64_t id) {
  std::string key(1, kPendingTextTag);
  PutBigEndian64(&key, id);
  return key;
}

void EncodePostings(const std::vector<Posting>& postings, std::string* out) {
  PutVarint32(out, static_cast<uint32_t>(postings.size()));
  RecordId prev = 0;
  for (const Posting& p : postings) {
    PutVarint64(out, p.id - prev);
    prev = p.id;
    PutVarint32(out, p.tf);
    if (p.tf != 0) PutVarint32(out, p.dl);
  }
}

bool DecodePostings(std::string_view value, std::vector<Posting>* out) {
  Reader in(value);
  uint32_t count = 0;
  if (!in.GetVarint32(&count)) return false;
  // Every posting takes at least two bytes: bound the reservation.
  if (count > in.remaining() / 2) return false;
  out->reserve(out->size() + count);
  RecordId id = 0;
  for (uint32_t i = 0; i < count; ++i) {
    uint64_t delta = 0;
    Posting p;
    if (!in.GetVarint64(&delta) || !in.GetVarint32(&p.tf)) return false;
    if (p.tf != 0 && !in.GetVarint32(&p.dl)) return false;
    // Ids strictly increase: no zero step, no step past the largest id.
    if ((i > 0 && delta == 0) || delta > UINT64_MAX - id) return false;
    id += delta;
    p.id = id;
    out->push_back(p);
  }
  return in.empty();
}

std::string SearchStatsOperand(int64_t docs, int64_t total_length) {
  std::string op;
  PutFixed64(&op, static_cast<uint64_t>(docs));
  PutFixed64(&op, static_cast<uint64_t>(total_length));
  return op;
}

bool DecodeSearchStats(std::string_view value, SearchStats* stats) {
  if (value.size() != 16) return false;
  stats->docs = static_cast<int64_t>(DecodeFixed64(value.data()));
  stats->total_length = static_cast<int64_t>(DecodeFixed64(value.data() + 8));
  return true;
}

std::shared_ptr<rocksdb::MergeOperator> NewPostingsMergeOperator() {
  return std::make_shared<PostingsMergeOperator>();
}

PostingsBuilder::AgentLists& PostingsBuilder::ListsOf(const Record& r) {
  key_.assign(r.ns.tenant).push_back('\0');
  key_.append(r.ns.agent);
  if (last_agent_ == nullptr || key_ != last_key_) {
    last_agent_ = &agents_[key_];  // node-based map: stable until Drain
    last_key_ = key_;
  }
  return *last_agent_;
}

void PostingsBuilder::Collect(const Record& r, bool remove) {
  if (!enabled_ || r.text_forgotten) return;
  terms_.clear();
  ThreadAnalyzer(language_).Terms(r.text, &terms_);
  AgentLists& agent = ListsOf(r);
  int64_t sign = remove ? -1 : 1;
  agent.stats.docs += sign;
  agent.stats.total_length += sign * static_cast<int64_t>(terms_.size());
  const uint32_t dl = static_cast<uint32_t>(terms_.size());
  const uint64_t collect = ++collects_;
  for (const std::string& term : terms_) {
    TermList& list = agent.terms[term];
    if (list.collect == collect) {  // the term again in this record
      if (!remove) ++list.postings.back().tf;
      continue;
    }
    list.collect = collect;
    list.postings.push_back(Posting{r.id, remove ? 0u : 1u, remove ? 0 : dl});
  }
}

void PostingsBuilder::Drain(
    const std::function<void(std::string_view, std::string_view)>& merge) {
  // In key order (agents by tenant \0 agent, then terms: the order of the
  // keys 'w' tenant \0 agent \0 term): a chunk's thousands of operands
  // then go into the postings memtable as one ascending run, each insert
  // next to the last, instead of a cache-missing skiplist search from the
  // top for each.
  std::vector<std::pair<const std::string*, AgentLists*>> agents;
  agents.reserve(agents_.size());
  for (auto& [key, lists] : agents_) agents.emplace_back(&key, &lists);
  auto by_key = [](const auto& a, const auto& b) { return *a.first < *b.first; };
  std::sort(agents.begin(), agents.end(), by_key);
  std::vector<std::pair<const std::string*, TermList*>> terms;
  std::string key, value;
  for (auto& [agent_key, lists] : agents) {
    terms.clear();
    for (auto& [term, list] : lists->terms) terms.emplace_back(&term, &list);
    std::sort(terms.begin(), terms.end(), by_key);
    key.assign(1, kPostingTag).append(*agent_key).push_back('\0');
    const size_t prefix = key.size();
    for (auto& [term, list] : terms) {
      Fold(&list->postings, /*drop_removals=*/false);
      value.clear();
      EncodePostings(list->postings, &value);
      key.resize(prefix);
      key.append(*term);
      merge(key, value);
    }
  }
  for (auto& [agent_key, lists] : agents) {
    const SearchStats& s = lists->stats;
    if (s.docs == 0 && s.total_length == 0) continue;
    key.assign(1, kSearchStatsTag).append(*agent_key);
    merge(key, SearchStatsOperand(s.docs, s.total_length));
  }
  agents_.clear();
  last_agent_ = nullptr;
}

}  // namespace mnemo::internal
