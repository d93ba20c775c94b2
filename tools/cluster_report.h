// Copyright (c) mnemo authors.
//
// The cluster sections of `mnemo stats` and `mnemo verify` in cluster mode
// (--cluster): health, the mnemo pools (objects, bytes) and this host's
// owned agents; the cluster-side check (id directory <-> records) and its
// repair.

#ifndef MNEMO_TOOLS_CLUSTER_REPORT_H_
#define MNEMO_TOOLS_CLUSTER_REPORT_H_

#include <nlohmann/json.hpp>

#include "mnemo/cluster.h"

namespace mnemo::cli {

nlohmann::ordered_json ClusterStatsJson(const ClusterStats& s);
void PrintClusterStatsText(const ClusterStats& s);
void PrintClusterStatsPrometheus(const ClusterStats& s);

nlohmann::ordered_json ClusterVerifyJson(const ClusterVerifyReport& r);
void PrintClusterVerifyText(const ClusterVerifyReport& r);

}  // namespace mnemo::cli

#endif  // MNEMO_TOOLS_CLUSTER_REPORT_H_
