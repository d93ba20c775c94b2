// Copyright (c) mnemo authors.
//
// Index maintenance on delete of a whole agent: its search keys go with
// range deletions. (A single record's postings are gathered by
// RecordTable::Delete into a PostingsBuilder; its embedding is deleted
// there.)

#include "keys.h"
#include "store_impl.h"

namespace mnemo::internal {

void StoreImpl::AppendSearchDeleteAgent(std::string_view tenant,
                                        std::string_view agent,
                                        ChangeBatch* batch) {
  search_.DeleteAgent(tenant, agent, &batch->index);
  table_.vectors().DeleteAgent(tenant, agent, batch);
}

}  // namespace mnemo::internal
