// Copyright (c) mnemo authors.

#include "mnemo_bench_cluster_store.h"

namespace mnemo::bench {

Status OpenBenchStore(const std::string& dir, const std::string& conf,
                      const std::string& host_name,
                      std::unique_ptr<Store>* store) {
  Options options;
  options.create_if_missing = true;
  options.cluster.conf_path = conf;  // empty: the embedded store
  options.cluster.host_name = host_name;
  return Store::Open(options, dir, store);
}

}  // namespace mnemo::bench
