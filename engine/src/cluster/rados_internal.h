// Copyright (c) mnemo authors.
//
// The librados state behind RadosPool, shared by rados_client.cc (which
// opens pools) and rados_pool.cc. Included by those two files only, so no
// librados header reaches another part of the engine.

#ifndef MNEMO_ENGINE_CLUSTER_RADOS_INTERNAL_H_
#define MNEMO_ENGINE_CLUSTER_RADOS_INTERNAL_H_

#include <rados/librados.hpp>
#include <string>

#include "rados_client.h"

namespace mnemo::cluster {

struct RadosPool::Impl {
  librados::IoCtx io;
  std::string pool;
  std::string ns;
};

}  // namespace mnemo::cluster

#endif  // MNEMO_ENGINE_CLUSTER_RADOS_INTERNAL_H_
