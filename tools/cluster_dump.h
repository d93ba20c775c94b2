// Copyright (c) mnemo authors.
//
// `mnemo dump` in cluster mode: the records of the whole cluster, read from
// RADOS (a CLI process owns no agent, so its cache holds nothing).

#ifndef MNEMO_TOOLS_CLUSTER_DUMP_H_
#define MNEMO_TOOLS_CLUSTER_DUMP_H_

#include <vector>

#include "mnemo/admin.h"
#include "mnemo/store.h"

namespace mnemo::cli {

// Every record of the cluster `store` is on that `filter` lets through, in
// id (= creation) order, as the embedded store's iterator gives them: each
// agent the cluster lists (ListClusterAgents) is scanned from RADOS.
Status ReadClusterRecords(Store* store, const IterateOptions& filter,
                          std::vector<Record>* records);

}  // namespace mnemo::cli

#endif  // MNEMO_TOOLS_CLUSTER_DUMP_H_
