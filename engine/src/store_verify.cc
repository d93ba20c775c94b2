// Copyright (c) mnemo authors.
//
// Store::Verify: integrity check (and optional repair) of records, history,
// the time index and namespace keys, from one snapshot.
//
// Repair writes one WriteBatch at the end. It should run without concurrent
// writers (the CLI opens the store for writing, which excludes other
// processes); an in-process writer racing a repair may see its fresh index
// entry reported as dangling/missing but is never lost: repair only adds
// index/namespace keys derived from records and deletes index keys whose
// record did not exist in the snapshot.

#include <rocksdb/snapshot.h>

#include <functional>
#include <unordered_set>

#include "envelope.h"
#include "keys.h"
#include "store_impl.h"

namespace mnemo {

const char* VerifyProblemKindName(VerifyProblem::Kind kind) {
  switch (kind) {
    case VerifyProblem::Kind::kCorruptRecord: return "corrupt-record";
    case VerifyProblem::Kind::kIdMismatch: return "id-mismatch";
    case VerifyProblem::Kind::kMissingIndex: return "missing-index";
    case VerifyProblem::Kind::kDanglingIndex: return "dangling-index";
    case VerifyProblem::Kind::kIndexMismatch: return "index-mismatch";
    case VerifyProblem::Kind::kMissingNamespace: return "missing-namespace";
    case VerifyProblem::Kind::kCorruptHistory: return "corrupt-history";
    case VerifyProblem::Kind::kCorruptPage: return "corrupt-page";
  }
  return "unknown";
}

namespace internal {
namespace {

using Kind = VerifyProblem::Kind;

// Turns a stored value into a record: checksum, then decompression.
using RecordDecoder =
    std::function<Status(std::string_view value, RecordId id, Record* r)>;

class Verifier {
 public:
  Verifier(StoreImpl* store, const VerifyOptions& options,
           VerifyReport* report, RecordDecoder decode)
      : db_(store->db()),
        store_(store),
        options_(options),
        report_(report),
        decode_(std::move(decode)) {
    snapshot_ = db_->GetSnapshot();
    ro_.snapshot = snapshot_;
    ro_.total_order_seek = true;
    ro_.fill_cache = false;
  }
  ~Verifier() { db_->ReleaseSnapshot(snapshot_); }

  Status Run() {
    MNEMO_RETURN_IF_ERROR(CheckRecords());
    MNEMO_RETURN_IF_ERROR(CheckIndex());
    MNEMO_RETURN_IF_ERROR(CheckHistory());
    MNEMO_RETURN_IF_ERROR(CheckPages());
    if (!options_.repair || batch_.Count() == 0) return Status::OK();
    return FromRocks(db_->Write(rocksdb::WriteOptions(), &batch_),
                     "writing repairs");
  }

 private:
  rocksdb::ColumnFamilyHandle* cf(Family f) const { return store_->family(f); }

  void Problem(Kind kind, RecordId id, std::string message, bool repairable) {
    bool repaired = repairable && options_.repair;
    ++report_->problem_count;
    if (repaired) ++report_->repaired_count;
    if (report_->problems.size() < options_.max_problems) {
      report_->problems.push_back({kind, id, std::move(message), repaired});
    }
  }

  Status CheckRecords() {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro_, cf(kRecords)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->value().size() == 16) continue;  // counts of a deleted record
      if (it->key().size() != 8) {
        Problem(Kind::kCorruptRecord, 0, "record key of wrong size", false);
        continue;
      }
      ++report_->records_checked;
      RecordId id = DecodeRecordKey({it->key().data(), 8});
      Record r;
      Status s = decode_({it->value().data(), it->value().size()}, id, &r);
      if (!s.ok()) {
        Problem(Kind::kCorruptRecord, id, s.message(), false);
        continue;
      }
      if (r.id != id) {
        Problem(Kind::kIdMismatch, id,
                "record " + RecordIdToString(id) + " holds the envelope of " +
                    RecordIdToString(r.id), false);
        continue;
      }
      MNEMO_RETURN_IF_ERROR(CheckIndexOf(r));
      MNEMO_RETURN_IF_ERROR(CheckNamespaceOf(r));
    }
    return FromRocks(it->status(), "verifying records");
  }

  Status CheckIndexOf(const Record& r) {
    std::string key = TimeIndexKey(r.ns.tenant, r.ns.agent, r.event_time, r.id);
    std::string value, expected;
    EncodeIndexEntry(r, &expected);
    rocksdb::Status s = db_->Get(ro_, cf(kIndex), key, &value);
    if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading index");
    std::string who = "record " + RecordIdToString(r.id);
    if (s.IsNotFound()) {
      Problem(Kind::kMissingIndex, r.id, who + " has no time-index entry",
              true);
    } else if (value != expected) {
      Problem(Kind::kIndexMismatch, r.id,
              who + ": time-index entry disagrees with the record", true);
    } else {
      return Status::OK();
    }
    if (options_.repair) (void)batch_.Put(cf(kIndex), key, expected);
    return Status::OK();
  }

  Status CheckNamespaceOf(const Record& r) {
    std::string key = NamespaceKey(r.ns);
    if (!seen_namespaces_.insert(key).second) return Status::OK();
    std::string value;
    rocksdb::Status s = db_->Get(ro_, cf(kIndex), key, &value);
    if (s.ok()) return Status::OK();
    if (!s.IsNotFound()) return FromRocks(s, "reading namespace key");
    Problem(Kind::kMissingNamespace, r.id,
            "session " + r.ns.tenant + "/" + r.ns.agent + "/" + r.ns.session +
                " has records but no namespace key",
            true);
    if (options_.repair) (void)batch_.Put(cf(kIndex), key, "");
    return Status::OK();
  }

  Status CheckIndex() {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro_, cf(kIndex)));
    std::string prefix(1, kTimeIndexTag);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
         it->Next()) {
      ++report_->index_entries_checked;
      MNEMO_RETURN_IF_ERROR(
          CheckIndexEntry({it->key().data(), it->key().size()}));
    }
    return FromRocks(it->status(), "verifying index");
  }

  // A time-index entry must name a record that exists and maps back to
  // exactly this key.
  Status CheckIndexEntry(std::string_view key) {
    Micros time = 0;
    RecordId id = 0;
    if (key.size() < 17 ||
        !ParseTimeIndexSuffix(key, key.size() - 16, &time, &id)) {
      Problem(Kind::kDanglingIndex, 0, "malformed time-index key", true);
      if (options_.repair) (void)batch_.Delete(cf(kIndex), key);
      return Status::OK();
    }
    std::string value;
    rocksdb::Status s = db_->Get(ro_, cf(kRecords), RecordKey(id), &value);
    if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading record");
    Record r;
    bool exists = s.ok() && value.size() != 16;
    if (exists && !decode_(value, id, &r).ok()) {
      return Status::OK();  // already reported as a corrupt record
    }
    if (exists &&
        TimeIndexKey(r.ns.tenant, r.ns.agent, r.event_time, r.id) == key) {
      return Status::OK();
    }
    Problem(Kind::kDanglingIndex, id,
            "time-index entry points to " +
                std::string(exists ? "a record stored under another key: "
                                   : "missing record ") +
                RecordIdToString(id),
            true);
    if (options_.repair) (void)batch_.Delete(cf(kIndex), key);
    return Status::OK();
  }

  Status CheckHistory() {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro_, cf(kHistory)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++report_->history_checked;
      std::string_view value(it->value().data(), it->value().size());
      RecordId id = it->key().size() >= 8
                        ? DecodeRecordKey({it->key().data(), 8}) : 0;
      std::string what = "history of record " + RecordIdToString(id);
      Record r;
      Status s = options_.deep ? decode_(value, id, &r)
                               : VerifyEnvelope(value, what);
      if (!s.ok()) Problem(Kind::kCorruptHistory, id, s.message(), false);
    }
    return FromRocks(it->status(), "verifying history");
  }

  // Hook for pages: this build writes no pages. When compaction writes them,
  // check here that each page's checksum holds, that every record's PageRef
  // names an existing page item, and (options_.deep) that the image decodes;
  // count them in report_->pages_checked, report Kind::kCorruptPage, and
  // with repair re-render pages from kept text.
  Status CheckPages() { return Status::OK(); }

  rocksdb::DB* const db_;
  StoreImpl* const store_;
  const VerifyOptions options_;
  VerifyReport* const report_;
  const RecordDecoder decode_;
  const rocksdb::Snapshot* snapshot_ = nullptr;
  rocksdb::ReadOptions ro_;
  rocksdb::WriteBatch batch_;
  std::unordered_set<std::string> seen_namespaces_;
};

}  // namespace

Status StoreImpl::Verify(const VerifyOptions& options, VerifyReport* report) {
  *report = VerifyReport();
  if (options.repair) MNEMO_RETURN_IF_ERROR(CheckWritable().WithContext("repair"));
  Verifier verifier(this, options, report,
                    [this](std::string_view value, RecordId id, Record* r) {
                      return DecodeStored(value, id, r, nullptr);
                    });
  return verifier.Run();
}

}  // namespace internal
}  // namespace mnemo
