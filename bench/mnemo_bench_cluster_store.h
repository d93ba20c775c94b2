// Copyright (c) mnemo authors.
//
// How a host process of mnemo-bench --cluster opens its store.

#ifndef MNEMO_BENCH_MNEMO_BENCH_CLUSTER_STORE_H_
#define MNEMO_BENCH_MNEMO_BENCH_CLUSTER_STORE_H_

#include <memory>
#include <string>

#include "mnemo/store.h"

namespace mnemo::bench {

// Creates a store in `dir` (which must not hold one): the embedded store
// when `conf` is empty, else a cluster-mode store on the cluster that the
// ceph.conf `conf` names, with `dir` as this host's local cache.
Status OpenBenchStore(const std::string& dir, const std::string& conf,
                      const std::string& host_name,
                      std::unique_ptr<Store>* store);

}  // namespace mnemo::bench

#endif  // MNEMO_BENCH_MNEMO_BENCH_CLUSTER_STORE_H_
