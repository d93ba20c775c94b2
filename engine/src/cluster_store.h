// Copyright (c) mnemo authors.
//
// The seam between the engine and cluster mode (mnemo/cluster.h): what
// admin.cc and cluster_api.cc need to know of a cluster store, without any
// cluster client type. The store itself is cluster_store_impl.h (built only
// when librados is found; cluster_store_none.cc stands in otherwise).

#ifndef MNEMO_ENGINE_CLUSTER_STORE_H_
#define MNEMO_ENGINE_CLUSTER_STORE_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mnemo/cluster.h"
#include "mnemo/options.h"
#include "mnemo/store.h"

namespace mnemo::internal {

class ClusterStoreBase : public Store {
 public:
  // The local store caching this host's owned agents.
  virtual Store* local_cache() = 0;
  // Import of records with their ids and store fields (admin Import), and
  // with the pages they stand on when `pages` is given.
  virtual Status ImportRecords(const WriteOptions& options,
                               const std::vector<Record>& records,
                               const std::vector<PageData>* pages) = 0;
  virtual Status GetClusterStats(ClusterStats* stats) = 0;
  virtual Status VerifyCluster(const ClusterVerifyOptions& options,
                               ClusterVerifyReport* report) = 0;
  virtual Status ReleaseAgent(std::string_view tenant,
                              std::string_view agent) = 0;
  virtual Status AcquireAgent(std::string_view tenant,
                              std::string_view agent) = 0;
  virtual Status ListClusterAgents(std::string_view tenant,
                                   std::vector<ClusterAgent>* agents) = 0;
};

// Store::Open when options.cluster.Enabled().
Status OpenClusterStore(const Options& options, const std::string& dir,
                        std::unique_ptr<Store>* store);

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_CLUSTER_STORE_H_
