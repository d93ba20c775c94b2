// Copyright (c) mnemo authors.
//
// Store::Verify, first half: records, the time index, namespace keys and
// history (see store_verify.h; pages are in store_verify_pages.cc).

#include "store_verify.h"

#include "envelope.h"
#include "keys.h"
#include "mnemo/quote.h"

namespace mnemo {

const char* VerifyProblemKindName(VerifyProblem::Kind kind) {
  switch (kind) {
    case VerifyProblem::Kind::kCorruptRecord:
      return "corrupt-record";
    case VerifyProblem::Kind::kIdMismatch:
      return "id-mismatch";
    case VerifyProblem::Kind::kMissingIndex:
      return "missing-index";
    case VerifyProblem::Kind::kDanglingIndex:
      return "dangling-index";
    case VerifyProblem::Kind::kIndexMismatch:
      return "index-mismatch";
    case VerifyProblem::Kind::kMissingNamespace:
      return "missing-namespace";
    case VerifyProblem::Kind::kCorruptHistory:
      return "corrupt-history";
    case VerifyProblem::Kind::kCorruptPage:
      return "corrupt-page";
    case VerifyProblem::Kind::kDanglingPageRef:
      return "dangling-page-ref";
    case VerifyProblem::Kind::kPageItemMismatch:
      return "page-item-mismatch";
    case VerifyProblem::Kind::kDanglingLiveKey:
      return "dangling-live-key";
    case VerifyProblem::Kind::kMissingLiveKey:
      return "missing-live-key";
    case VerifyProblem::Kind::kCorruptPostings:
      return "corrupt-postings";
    case VerifyProblem::Kind::kDanglingPosting:
      return "dangling-posting";
    case VerifyProblem::Kind::kPostingsMismatch:
      return "postings-mismatch";
  }
  return "unknown";
}

namespace internal {

StoreVerifier::StoreVerifier(StoreImpl* store, const VerifyOptions& options,
                             VerifyReport* report)
    : store_(store),
      table_(store->table()),
      search_(store->search_table()),
      options_(options),
      report_(report) {
  store->TakeSnapshots(&index_snapshot_, &snapshot_);
  ro_.snapshot = snapshot_;
  ro_.total_order_seek = true;
  ro_.fill_cache = false;
  index_ro_ = ro_;
  index_ro_.snapshot = index_snapshot_;
}

StoreVerifier::~StoreVerifier() {
  table_.ReleaseSnapshot(snapshot_);
  search_.ReleaseSnapshot(index_snapshot_);
}

Status StoreVerifier::Run() {
  MNEMO_RETURN_IF_ERROR(CheckRecords());
  MNEMO_RETURN_IF_ERROR(CheckIndex());
  MNEMO_RETURN_IF_ERROR(CheckHistory());
  MNEMO_RETURN_IF_ERROR(CheckExpiryIndex());  // before CheckPages' repairs
  MNEMO_RETURN_IF_ERROR(CheckPages());
  MNEMO_RETURN_IF_ERROR(CheckPostings());
  if (!options_.repair || (batch_.Count() == 0 && batch_.index.Count() == 0)) {
    return Status::OK();
  }
  return store_->Commit(WriteOptions(), &batch_, "writing repairs");
}

void StoreVerifier::Problem(Kind kind, RecordId id, uint64_t page_id,
                            std::string message, bool repaired) {
  ++report_->problem_count;
  if (repaired) ++report_->repaired_count;
  if (report_->problems.size() < options_.max_problems) {
    VerifyProblem p{kind, id, page_id, std::move(message), repaired};
    report_->problems.push_back(std::move(p));
  }
}

Status StoreVerifier::Decode(std::string_view value, const KeyFields& key,
                             Record* r, uint8_t* flags) {
  return table_.Decode(value, key, r, flags);
}

Status StoreVerifier::CheckRecords() {
  Status s = table_.ForEachStoredRecord(
      ro_,
      [&](const KeyFields& key, std::string_view value) {
        if ((++report_->records_checked & 1023) == 0 && options_.progress) {
          options_.progress(report_->records_checked);
        }
        return CheckRecord(key, value);
      },
      [&] {
        Problem(Kind::kCorruptRecord, 0, 0, "record key of wrong size", false);
      });
  if (options_.progress) options_.progress(report_->records_checked);
  return s.WithContext("verifying records");
}

// V1: the value decodes and holds the envelope of its own id; then the
// checks of what the record implies (V2, V3, pages, postings).
Status StoreVerifier::CheckRecord(const KeyFields& key,
                                  std::string_view value) {
  const RecordId id = key.id;
  Record r;
  uint8_t flags = 0;
  Status s = Decode(value, key, &r, &flags);
  if (!s.ok()) {
    corrupt_records_.insert(id);
    Problem(Kind::kCorruptRecord, id, 0, s.message(), false);
    return Status::OK();
  }
  if (r.id != id) {
    Problem(Kind::kIdMismatch, id, 0,
            "record " + RecordIdToString(id) + " holds the envelope of " +
                RecordIdToString(r.id),
            false);
    return Status::OK();
  }
  NoteIndexed(r, flags);
  if (r.page.valid()) {
    paged_.push_back(
        {id, r.page, (flags & kFlagTextForgotten) != 0, r.expires_at});
  }
  MNEMO_RETURN_IF_ERROR(CheckIndexOf(r));
  return CheckNamespaceOf(r);
}

Status StoreVerifier::CheckIndexOf(const Record& r) {
  RecordTable::IndexState state;
  MNEMO_RETURN_IF_ERROR(table_.CheckIndexOf(
      ro_, r, &state, options_.repair ? &batch_ : nullptr));
  std::string who = "record " + RecordIdToString(r.id);
  if (state == RecordTable::IndexState::kMissing) {
    Problem(Kind::kMissingIndex, r.id, 0, who + " has no time-index entry",
            options_.repair);
  } else if (state == RecordTable::IndexState::kMismatch) {
    Problem(Kind::kIndexMismatch, r.id, 0,
            who + ": time-index entry disagrees with the record",
            options_.repair);
  }
  return Status::OK();
}

Status StoreVerifier::CheckNamespaceOf(const Record& r) {
  if (!seen_namespaces_.insert(table_.NamespaceToken(r.ns)).second) {
    return Status::OK();
  }
  bool present = false;
  MNEMO_RETURN_IF_ERROR(table_.CheckNamespaceOf(
      ro_, r, &present, options_.repair ? &batch_ : nullptr));
  if (present) return Status::OK();
  Problem(Kind::kMissingNamespace, r.id, 0,
          "session " + QuoteForMessage(r.ns.tenant + "/" + r.ns.agent + "/" +
                                       r.ns.session) +
              " has records but no namespace key",
          options_.repair);
  return Status::OK();
}

Status StoreVerifier::CheckIndex() {
  return table_.CheckIndexEntries(
      ro_,
      [&](RecordId id, const std::string& why) {
        Problem(Kind::kDanglingIndex, id, 0, why, options_.repair);
      },
      options_.repair ? &batch_ : nullptr, &report_->index_entries_checked);
}

Status StoreVerifier::CheckHistory() {
  Status s = table_.ForEachHistoryValue(
      ro_, [&](RecordId id, std::string_view value) {
        ++report_->history_checked;
        std::string what = "history of record " + RecordIdToString(id);
        Record r;
        // Self-contained (version 2): the key holds no event time.
        Status check = options_.deep ? Decode(value, {id, 0}, &r, nullptr)
                                     : VerifyEnvelope(value, what);
        if (!check.ok()) {
          Problem(Kind::kCorruptHistory, id, 0, check.message(), false);
        }
      });
  return s.WithContext("verifying history");
}

Status StoreImpl::Verify(const VerifyOptions& options, VerifyReport* report) {
  *report = VerifyReport();
  if (options.repair)
    MNEMO_RETURN_IF_ERROR(CheckWritable().WithContext("repair"));
  StoreVerifier verifier(this, options, report);
  return verifier.Run();
}

}  // namespace internal
}  // namespace mnemo
