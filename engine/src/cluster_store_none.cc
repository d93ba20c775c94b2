// Copyright (c) mnemo authors.
//
// OpenClusterStore of a build without librados (cluster mode not built).

#include "cluster_store.h"

namespace mnemo::internal {

Status OpenClusterStore(const Options& options, const std::string& dir,
                        std::unique_ptr<Store>* store) {
  (void)options;
  store->reset();
  return Status::NotSupported(
      "store " + dir +
      ": cluster mode is configured (Options::cluster) but this build has "
      "no cluster support (librados was not found at build time; "
      "tools/install_deps.sh installs libradospp-dev)");
}

}  // namespace mnemo::internal
