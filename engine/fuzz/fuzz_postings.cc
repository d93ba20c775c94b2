// Copyright (c) mnemo authors.
// libFuzzer target: the full-text index values of the `postings` column
// family (search_postings.h): posting lists, their merge operands and the
// agent statistics, through DecodePostings and the merge operator that
// RocksDB runs on them (FullMergeV2, PartialMergeMulti).
//
// Input: byte 0 picks the key ('s' statistics when bit 0 is set, else a
// posting list 'w'; bit 1: the first chunk is the existing value), then
// chunks, each one length byte and that many bytes (the last one takes
// what is left). Every chunk is decoded on its own; the merges must fail
// exactly when some chunk is malformed, and otherwise equal a model:
// postings folded in write order (the last posting of an id wins; a full
// merge drops removals, a partial one keeps them), statistics summed.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "search_postings.h"

namespace {

using mnemo::internal::DecodePostings;
using mnemo::internal::DecodeSearchStats;
using mnemo::internal::EncodePostings;
using mnemo::internal::Posting;
using mnemo::internal::SearchStats;

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "postings fuzzer: %s\n", what);
  std::abort();
}

bool Same(const std::vector<Posting>& a, const std::vector<Posting>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].id != b[i].id || a[i].tf != b[i].tf || a[i].dl != b[i].dl) {
      return false;
    }
  }
  return true;
}

// Decodes one value; on success checks the documented form (ids strictly
// increasing, no dl on a removal) and that it re-encodes to an equal list.
bool DecodeChecked(std::string_view value, std::vector<Posting>* out) {
  out->clear();
  if (!DecodePostings(value, out)) return false;
  for (size_t i = 0; i < out->size(); ++i) {
    if (i > 0 && (*out)[i].id <= (*out)[i - 1].id) {
      Fail("decoded ids do not strictly increase");
    }
    if ((*out)[i].tf == 0 && (*out)[i].dl != 0) Fail("removal with a length");
  }
  std::string again;
  EncodePostings(*out, &again);
  std::vector<Posting> back;
  if (!DecodePostings(again, &back) || !Same(back, *out)) {
    Fail("posting list does not round-trip");
  }
  // Decoding appends: a second decode into the same vector keeps the first.
  std::vector<Posting> twice = *out;
  if (!DecodePostings(value, &twice) || twice.size() != 2 * out->size() ||
      !Same(std::vector<Posting>(twice.begin(), twice.begin() + out->size()),
            *out)) {
    Fail("decode into a non-empty list");
  }
  return true;
}

// The fold the merge operator must compute.
std::vector<Posting> Model(const std::vector<std::vector<Posting>>& lists,
                           bool drop_removals) {
  std::map<mnemo::RecordId, Posting> last;
  for (const auto& list : lists) {
    for (const Posting& p : list) last[p.id] = p;
  }
  std::vector<Posting> out;
  for (const auto& [id, p] : last) {
    if (drop_removals && p.tf == 0) continue;
    out.push_back(p);
  }
  return out;
}

bool FullMerge(const rocksdb::MergeOperator& op, const rocksdb::Slice& key,
               const std::optional<std::string_view>& existing,
               const std::vector<rocksdb::Slice>& operands, std::string* out) {
  rocksdb::Slice existing_slice;
  if (existing) existing_slice = rocksdb::Slice(existing->data(), existing->size());
  std::string buffer = "stale bytes RocksDB may leave in the buffer";
  rocksdb::Slice existing_operand(nullptr, 0);  // as RocksDB passes it
  rocksdb::MergeOperator::MergeOperationInput in(
      key, existing ? &existing_slice : nullptr, operands, nullptr);
  rocksdb::MergeOperator::MergeOperationOutput result(buffer, existing_operand);
  if (!op.FullMergeV2(in, &result)) return false;
  if (existing_operand.data() != nullptr) {
    buffer.assign(existing_operand.data(), existing_operand.size());
  }
  *out = std::move(buffer);
  return true;
}

void CheckPostingMerges(const rocksdb::MergeOperator& op,
                        const rocksdb::Slice& key,
                        const std::optional<std::string_view>& existing,
                        const std::vector<std::string_view>& chunks) {
  bool all_ok = true;
  std::vector<std::vector<Posting>> lists;
  if (existing) {
    lists.emplace_back();
    all_ok = DecodeChecked(*existing, &lists.back());
  }
  std::vector<rocksdb::Slice> operands;
  std::deque<rocksdb::Slice> partial_operands;
  std::vector<std::vector<Posting>> operand_lists;
  bool operands_ok = true;
  for (std::string_view c : chunks) {
    operands.emplace_back(c.data(), c.size());
    partial_operands.emplace_back(c.data(), c.size());
    operand_lists.emplace_back();
    if (!DecodeChecked(c, &operand_lists.back())) operands_ok = false;
    lists.push_back(operand_lists.back());
  }
  all_ok = all_ok && operands_ok;

  std::string merged;
  bool full_ok = FullMerge(op, key, existing, operands, &merged);
  if (full_ok != all_ok) Fail("full merge disagrees with the decoder");
  if (full_ok) {
    std::vector<Posting> got;
    if (!DecodeChecked(merged, &got)) Fail("full merge wrote a malformed list");
    if (!Same(got, Model(lists, /*drop_removals=*/true))) {
      Fail("full merge differs from the model");
    }
  }

  std::string partial;
  bool partial_ok = op.PartialMergeMulti(key, partial_operands, &partial, nullptr);
  if (partial_ok != operands_ok) Fail("partial merge disagrees with the decoder");
  if (!partial_ok) return;
  std::vector<Posting> got;
  if (!DecodeChecked(partial, &got)) Fail("partial merge wrote a malformed list");
  if (!Same(got, Model(operand_lists, /*drop_removals=*/false))) {
    Fail("partial merge differs from the model");
  }
  // A partial merge folded into a full one gives what the full merge of
  // every operand gives.
  std::string refolded;
  std::vector<rocksdb::Slice> one = {rocksdb::Slice(partial)};
  bool refolded_ok = FullMerge(op, key, existing, one, &refolded);
  if (refolded_ok != full_ok || (full_ok && refolded != merged)) {
    Fail("partial then full merge differs from the full merge");
  }
}

void CheckStatsMerges(const rocksdb::MergeOperator& op,
                      const rocksdb::Slice& key,
                      const std::optional<std::string_view>& existing,
                      const std::vector<std::string_view>& chunks) {
  // Sums in 128 bits: a sum that leaves int64 cannot come from real
  // operands and must fail the merge (Corruption on read), not wrap.
  __int128 docs = 0, length = 0;
  bool all_ok = true, fits = true;
  auto add = [&](std::string_view v) {
    SearchStats s;
    if (!DecodeSearchStats(v, &s)) {
      all_ok = false;
      return;
    }
    if (v.size() != 16) Fail("statistics of the wrong size decoded");
    docs += s.docs;
    length += s.total_length;
    fits = fits && docs >= INT64_MIN && docs <= INT64_MAX &&
           length >= INT64_MIN && length <= INT64_MAX;
  };
  if (existing) add(*existing);
  std::vector<rocksdb::Slice> operands;
  for (std::string_view c : chunks) {
    operands.emplace_back(c.data(), c.size());
    add(c);
  }
  std::string merged;
  bool ok = FullMerge(op, key, existing, operands, &merged);
  if (ok != (all_ok && fits)) Fail("statistics merge disagrees with the model");
  if (ok) {
    SearchStats s;
    if (!DecodeSearchStats(merged, &s) || s.docs != docs ||
        s.total_length != length) {
      Fail("statistics merge differs from the model");
    }
  }
  // The operands alone, as a partial merge folds them.
  docs = length = 0;
  all_ok = fits = true;
  std::deque<rocksdb::Slice> partial_operands;
  for (std::string_view c : chunks) {
    partial_operands.emplace_back(c.data(), c.size());
    add(c);
  }
  std::string partial;
  ok = op.PartialMergeMulti(key, partial_operands, &partial, nullptr);
  if (ok != (all_ok && fits)) Fail("statistics partial merge disagrees");
  if (ok) {
    SearchStats s;
    if (!DecodeSearchStats(partial, &s) || s.docs != docs ||
        s.total_length != length) {
      Fail("statistics partial merge differs from the model");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto op = mnemo::internal::NewPostingsMergeOperator();
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);

  // The whole remainder as one value, as a read of a list decodes it.
  std::vector<Posting> whole;
  (void)DecodeChecked(rest, &whole);

  std::vector<std::string_view> chunks;
  while (!rest.empty() && chunks.size() < 64) {
    size_t n = static_cast<uint8_t>(rest[0]);
    rest.remove_prefix(1);
    if (n > rest.size() || chunks.size() == 63) n = rest.size();
    chunks.push_back(rest.substr(0, n));
    rest.remove_prefix(n);
  }
  std::optional<std::string_view> existing;
  if ((mode & 2) != 0 && !chunks.empty()) {
    existing = chunks.front();
    chunks.erase(chunks.begin());
  }
  if (chunks.empty()) return 0;  // RocksDB never merges without an operand
  if ((mode & 1) != 0) {
    static const std::string key =
        mnemo::internal::SearchStatsKey("tenant", "agent");
    CheckStatsMerges(*op, rocksdb::Slice(key), existing, chunks);
  } else {
    static const std::string key =
        mnemo::internal::PostingPrefix("tenant", "agent") + "term";
    CheckPostingMerges(*op, rocksdb::Slice(key), existing, chunks);
  }
  return 0;
}
