// Copyright (c) mnemo authors.

#include "cluster_dump.h"

#include <algorithm>

#include "mnemo/cluster.h"

namespace mnemo::cli {
namespace {

// Appends every record of one agent that passes `filter` (pages of 1000).
Status ScanAgent(Store* store, const ClusterAgent& agent,
                 const IterateOptions& filter, std::vector<Record>* records) {
  ScanOptions scan;
  scan.tenant = agent.tenant;
  scan.agent = agent.agent;
  scan.session = filter.session;
  scan.start_time = filter.since;
  scan.end_time = filter.until;
  scan.limit = 1000;
  do {
    ScanResult page;
    Status s = store->Scan(ReadOptions(), scan, &page);
    if (!s.ok()) {
      return s.WithContext("agent '" + agent.agent + "' of tenant '" +
                           agent.tenant + "'");
    }
    records->insert(records->end(),
                    std::make_move_iterator(page.records.begin()),
                    std::make_move_iterator(page.records.end()));
    scan.cursor = std::move(page.next_cursor);
  } while (!scan.cursor.empty());
  return Status::OK();
}

}  // namespace

Status ReadClusterRecords(Store* store, const IterateOptions& filter,
                          std::vector<Record>* records) {
  records->clear();
  std::vector<ClusterAgent> agents;
  Status s = ListClusterAgents(store, filter.tenant.value_or(""), &agents);
  if (!s.ok()) return s.WithContext("listing the cluster's agents");
  for (const ClusterAgent& agent : agents) {
    if (filter.agent && *filter.agent != agent.agent) continue;
    MNEMO_RETURN_IF_ERROR(ScanAgent(store, agent, filter, records));
  }
  std::sort(records->begin(), records->end(),
            [](const Record& a, const Record& b) { return a.id < b.id; });
  return Status::OK();
}

}  // namespace mnemo::cli
