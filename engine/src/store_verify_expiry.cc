// Copyright (c) mnemo authors.
//
// Store::Verify: the expiry index (expiry_index.h). The invariant (V6, V7:
// an entry exactly for each record that is on a page and has an
// expires_at) and its repair are RecordTable::CheckExpiryIndex's; this
// reports what it finds. A store whose index was never built (written
// before it existed) is not checked: its next compaction run builds it.

#include <vector>

#include "store_verify.h"

namespace mnemo::internal {

Status StoreVerifier::CheckExpiryIndex() {
  bool complete = false;
  MNEMO_RETURN_IF_ERROR(table_.ExpiryIndexComplete(ro_, &complete));
  if (!complete) return Status::OK();  // the next compaction run builds it
  std::vector<Record> paged;
  paged.reserve(paged_.size());
  for (const PagedRecord& p : paged_) {
    Record r;
    r.id = p.id;
    r.page = p.page;
    r.expires_at = p.expires_at;
    paged.push_back(std::move(r));
  }
  return table_
      .CheckExpiryIndex(
          ro_, paged, corrupt_records_,
          [&](const RecordTable::ExpiryProblem& p) {
            Problem(p.missing ? Kind::kMissingIndex : Kind::kDanglingIndex,
                    p.id, p.page_id, p.message, options_.repair);
          },
          options_.repair ? &batch_ : nullptr, &report_->index_entries_checked)
      .WithContext("verifying the expiry index");
}

}  // namespace mnemo::internal
