// Copyright (c) mnemo authors.
//
// Index maintenance on delete: a record's postings are removed with merge
// operands (no read), its embedding with a point delete; a whole agent's
// search keys with range deletions.

#include "keys.h"
#include "search_postings.h"
#include "store_impl.h"

namespace mnemo::internal {

void StoreImpl::AppendSearchDelete(const Record& r,
                                   rocksdb::WriteBatch* batch) {
  if (SearchIndexed(r.id)) {  // else it never gets postings
    PostingsBuilder postings = NewPostingsBuilder();
    postings.Remove(r);
    postings.AppendTo(batch, cf(kPostings));
  }
  (void)batch->Delete(cf(kPostings),
                      EmbeddingKey(r.ns.tenant, r.ns.agent, r.id));
}

void StoreImpl::AppendSearchDeleteAgent(std::string_view tenant,
                                        std::string_view agent,
                                        rocksdb::WriteBatch* batch) {
  for (const std::string& prefix :
       {PostingPrefix(tenant, agent), EmbeddingPrefix(tenant, agent)}) {
    (void)batch->DeleteRange(cf(kPostings), prefix, PrefixSuccessor(prefix));
  }
  (void)batch->Delete(cf(kPostings), SearchStatsKey(tenant, agent));
  (void)batch->Delete(cf(kPostings), EmbeddingDimKey(tenant, agent));
}

}  // namespace mnemo::internal
