// Copyright (c) mnemo authors.
//
// The calls of mnemo/cluster.h: each forwards to the cluster store behind
// the Store and refuses any other implementation.

#include "cluster_store.h"
#include "mnemo/cluster.h"

namespace mnemo {
namespace {

internal::ClusterStoreBase* AsCluster(Store* store, const char* call,
                                      Status* s) {
  auto* cs = dynamic_cast<internal::ClusterStoreBase*>(store);
  if (cs == nullptr) {
    *s = Status::InvalidArgument(
        std::string(call) + ": " +
        (store == nullptr ? "no store given"
                          : "not a cluster store (Options::cluster is off)"));
  }
  return cs;
}

}  // namespace

bool IsClusterStore(Store* store) {
  return dynamic_cast<internal::ClusterStoreBase*>(store) != nullptr;
}

Status GetClusterStats(Store* store, ClusterStats* stats) {
  Status s;
  auto* cs = AsCluster(store, "cluster stats", &s);
  return cs == nullptr ? s : cs->GetClusterStats(stats);
}

Status VerifyCluster(Store* store, const ClusterVerifyOptions& options,
                     ClusterVerifyReport* report) {
  Status s;
  auto* cs = AsCluster(store, "cluster verify", &s);
  return cs == nullptr ? s : cs->VerifyCluster(options, report);
}

Status ReleaseAgent(Store* store, std::string_view tenant,
                    std::string_view agent) {
  Status s;
  auto* cs = AsCluster(store, "release agent", &s);
  return cs == nullptr ? s : cs->ReleaseAgent(tenant, agent);
}

Status AcquireAgent(Store* store, std::string_view tenant,
                    std::string_view agent) {
  Status s;
  auto* cs = AsCluster(store, "acquire agent", &s);
  return cs == nullptr ? s : cs->AcquireAgent(tenant, agent);
}

Status ListClusterAgents(Store* store, std::string_view tenant,
                         std::vector<ClusterAgent>* agents) {
  Status s;
  auto* cs = AsCluster(store, "list cluster agents", &s);
  return cs == nullptr ? s : cs->ListClusterAgents(tenant, agents);
}

}  // namespace mnemo
