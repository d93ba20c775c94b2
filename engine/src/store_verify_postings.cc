// Copyright (c) mnemo authors.
//
// Store::Verify, third part: the full-text index (postings family). Every
// posting list and statistics value must decode; a posting must not name a
// record of another tenant or agent (it would leak that record into this
// agent's searches); all lists that hold a record must agree on its
// length. Postings of records that are gone are counted as stale (see
// VerifyReport::stale_postings), not as problems. With deep, every indexed
// record's text is analyzed again and must appear in exactly the lists of its
// terms, with its length.
//
// Repair rebuilds the index of each agent with a problem: one range delete
// of its postings and statistics, then the postings of its live records
// (those below the search watermark; the indexer adds the rest), in the
// same batch. Records whose text was forgotten cannot be analyzed and are
// not searchable by text after a rebuild.

#include <algorithm>

#include "coding.h"
#include "envelope.h"
#include "keys.h"
#include "search_analyzer.h"
#include "search_postings.h"
#include "store_verify.h"

namespace mnemo::internal {
namespace {

// "tenant/agent" of an agent key "tenant\0agent".
std::string AgentName(const std::string& agent_key) {
  std::string name = agent_key;
  std::replace(name.begin(), name.end(), '\0', '/');
  return name;
}

}  // namespace

void StoreVerifier::NoteIndexed(const Record& r, uint8_t flags) {
  IndexedRecord& info = indexed_[r.id];
  info.agent_key = r.ns.tenant + '\0' + r.ns.agent;
  info.forgotten = (flags & kFlagTextForgotten) != 0;
  if (!options_.deep || info.forgotten) return;
  std::vector<std::string> terms;
  ThreadAnalyzer(store_->options().search_language).Terms(r.text, &terms);
  info.length = static_cast<uint32_t>(terms.size());
  std::sort(terms.begin(), terms.end());
  info.distinct_terms = static_cast<uint32_t>(
      std::unique(terms.begin(), terms.end()) - terms.begin());
}

Status StoreVerifier::CheckPostings() {
  // Not SearchIndexOn(): that is false on a read-only instance, which
  // does not index but can still check the index.
  if (!store_->options().full_text_index) return Status::OK();
  uint64_t mark = 0;
  bool found = false;
  Status read = search_.GetWatermark(index_ro_, &mark, &found);
  RecordId watermark =
      read.ok() && found ? mark : store_->search_watermark();
  Status walk = search_.ForEach(
      index_ro_, "", [&](std::string_view key, std::string_view value) {
        CheckPostingValue(key, value);
        return true;
      });
  if (!walk.ok()) {
    // A corrupt merge operand fails the read of its key and ends the pass.
    Problem(Kind::kCorruptPostings, 0, 0,
            "postings family unreadable: " + walk.message(), false);
  }
  CheckIndexedRecords(watermark);
  return RebuildAgentIndexes(watermark);
}

// One key of the postings family: 'w' lists and 's' statistics.
void StoreVerifier::CheckPostingValue(std::string_view key,
                                      std::string_view value) {
  if (key.empty() || (key[0] != kPostingTag && key[0] != kSearchStatsTag)) {
    return;  // embeddings: checked by their reader
  }
  size_t tenant_end = key.find('\0', 1);
  size_t agent_end = tenant_end == std::string_view::npos
                         ? std::string_view::npos
                         : key.find('\0', tenant_end + 1);
  bool is_list = key[0] == kPostingTag;
  std::string agent_key(
      key.substr(1, is_list ? agent_end - 1 : std::string_view::npos));
  std::string who = "postings of " + AgentName(agent_key);
  if (tenant_end == std::string_view::npos ||
      (is_list && agent_end == std::string_view::npos)) {
    Problem(Kind::kCorruptPostings, 0, 0,
            "malformed key in the postings family", false);
    return;
  }
  if (!is_list) {
    SearchStats stats;
    if (!DecodeSearchStats(value, &stats))
      NotePostingsProblem(Kind::kCorruptPostings, agent_key, 0,
                          who + ": statistics are malformed");
    return;
  }
  std::string term(key.substr(agent_end + 1));
  std::vector<Posting> postings;
  if (!DecodePostings(value, &postings)) {
    NotePostingsProblem(Kind::kCorruptPostings, agent_key, 0,
                        who + ", term '" + term + "': list is malformed");
    return;
  }
  for (const Posting& p : postings) {
    ++report_->postings_checked;
    auto rec = indexed_.find(p.id);
    if (rec == indexed_.end()) {
      NoteStalePosting(key, p.id);
      continue;
    }
    if (rec->second.agent_key != agent_key) {
      NotePostingsProblem(Kind::kDanglingPosting, agent_key, p.id,
                          who + ", term '" + term + "': record " +
                              RecordIdToString(p.id) +
                              " belongs to another agent");
      continue;
    }
    IndexedRecord& r = rec->second;
    if (r.lists++ == 0)
      r.seen_length = p.dl;
    else if (r.seen_length != p.dl)
      r.length_conflict = true;
  }
}

void StoreVerifier::CheckIndexedRecords(RecordId watermark) {
  for (const auto& [id, r] : indexed_) {
    if (id > watermark || r.forgotten) continue;
    std::string who = "record " + RecordIdToString(id);
    if (r.length_conflict) {
      NotePostingsProblem(Kind::kPostingsMismatch, r.agent_key, id,
                          who + ": its posting lists disagree on its length");
    } else if (options_.deep && (r.lists != r.distinct_terms ||
                                 (r.lists > 0 && r.seen_length != r.length))) {
      NotePostingsProblem(Kind::kPostingsMismatch, r.agent_key, id,
                          who + " is in " + std::to_string(r.lists) +
                              " posting lists; its text has " +
                              std::to_string(r.distinct_terms) +
                              " distinct terms");
    }
  }
}

void StoreVerifier::NotePostingsProblem(Kind kind, const std::string& agent_key,
                                        RecordId id, std::string message) {
  Problem(kind, id, 0, std::move(message), options_.repair);
  rebuild_agents_.insert(agent_key);
}

// A posting of a record that is gone: left by deleting a record whose text
// was forgotten (nothing to unindex it with). Counted; repair removes it.
void StoreVerifier::NoteStalePosting(std::string_view key, RecordId id) {
  ++report_->stale_postings;
  if (!options_.repair) return;
  search_.RemovePosting(key, id, &batch_.index);
}

Status StoreVerifier::RebuildAgentIndexes(RecordId watermark) {
  if (!options_.repair || rebuild_agents_.empty()) return Status::OK();
  PostingsBuilder postings = search_.NewPostings();
  for (const std::string& agent_key : rebuild_agents_) {
    size_t split = agent_key.find('\0');
    std::string tenant = agent_key.substr(0, split),
                agent = agent_key.substr(split + 1);
    search_.DeleteAgent(tenant, agent, &batch_.index);
  }
  Status read = table_.ForEachIdRange(
      ro_, 0, kMaxRecordId, [&](const KeyFields& key, std::string_view value) {
        const RecordId id = key.id;
        auto info = indexed_.find(id);
        if (id > watermark || info == indexed_.end() ||
            rebuild_agents_.count(info->second.agent_key) == 0) {
          return true;
        }
        Record r;
        if (Decode(value, key, &r, nullptr).ok())
          postings.Add(r);  // skips forgotten text
        return true;
      });
  search_.ApplyPostings(&postings, &batch_.index);
  return read.WithContext("re-reading records to rebuild the index");
}

}  // namespace mnemo::internal
