// Copyright (c) mnemo authors.
//
// Index maintenance on delete of a whole agent: its search keys go with
// range deletions. (A single record's postings and embedding are removed
// by RecordTable::Delete.)

#include "keys.h"
#include "search_postings.h"
#include "store_impl.h"

namespace mnemo::internal {

void StoreImpl::AppendSearchDeleteAgent(std::string_view tenant,
                                        std::string_view agent,
                                        rocksdb::WriteBatch* batch) {
  table_.DeleteAgentSearch(tenant, agent, /*embeddings=*/true, batch);
}

}  // namespace mnemo::internal
