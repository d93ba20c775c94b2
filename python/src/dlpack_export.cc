// Copyright (c) mnemo authors.

#include "dlpack_export.h"

#include <dlpack/dlpack.h>

#include "errors.h"
#include "mnemo/gpu/feed.h"
#include "mnemo/gpu/chunk_pool.h"

namespace mnemo::python {
namespace py = pybind11;

namespace {

constexpr const char* kCapsuleName = "dltensor";

// Wraps the tensor gpu::ExportDLPack made, adding a store reference: the
// inner deleter unpins, then the store may close. The deleter may run on
// any thread, with or without the GIL; it touches no Python object.
struct Wrapped {
  DLManagedTensor outer;
  DLManagedTensor* inner = nullptr;
  std::shared_ptr<Store> store;
};

void DeleteWrapped(DLManagedTensor* t) {
  auto* w = static_cast<Wrapped*>(t->manager_ctx);
  w->inner->deleter(w->inner);
  ReleaseStore(&w->store);
  delete w;
}

// Runs when the capsule is collected; a consumer that took ownership has
// renamed it to "used_dltensor" and will call the deleter itself.
void DestroyCapsule(PyObject* capsule) {
  if (!PyCapsule_IsValid(capsule, kCapsuleName)) return;
  auto* t = static_cast<DLManagedTensor*>(
      PyCapsule_GetPointer(capsule, kCapsuleName));
  if (t != nullptr) t->deleter(t);
}

void RequireValid(const PyPinnedPage& page) {
  if (!page.page.lease.valid()) {
    ThrowIfError(Status::FailedPrecondition("pinned page " +
                                            std::to_string(page.page.page_id) +
                                            " was released"));
  }
}

}  // namespace

std::tuple<int, int> DLPackDevice(const PyPinnedPage& page) {
  RequireValid(page);
  gpu::Backend* backend = page.page.lease.pool()->chunk_pool()->backend();
  return {backend->dlpack_device_type(), backend->device_id()};
}

py::capsule ExportCapsule(const PyPinnedPage& page) {
  RequireValid(page);
  gpu::DLPackOptions options;
  options.shape = {page.page.height, page.page.width};
  DLManagedTensor* inner = nullptr;
  ThrowIfError(gpu::ExportDLPack(page.page.lease, options, &inner));
  auto* w = new Wrapped;
  w->inner = inner;
  w->store = page.store;
  w->outer.dl_tensor = inner->dl_tensor;
  w->outer.manager_ctx = w;
  w->outer.deleter = DeleteWrapped;
  PyObject* capsule = PyCapsule_New(&w->outer, kCapsuleName, DestroyCapsule);
  if (capsule == nullptr) {
    DeleteWrapped(&w->outer);
    throw py::error_already_set();
  }
  return py::reinterpret_steal<py::capsule>(capsule);
}

}  // namespace mnemo::python
