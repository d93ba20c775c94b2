// Copyright (c) mnemo authors.

#include "store_impl.h"

namespace mnemo::internal {

Status StoreImpl::BuildContext(const ContextOptions& options, Context* context) {
  (void)options;
  *context = Context();
  return Status::NotSupported("BuildContext");
}

}  // namespace mnemo::internal
