// Copyright (c) mnemo authors.
//
// PyPinnedPage (what a mnemo.PinnedPage holds) and its DLPack export.
//
// Lifetimes: the hot cache requires every lease to be released before the
// store closes, so a PyPinnedPage and every tensor exported from it keep a
// reference to the Store; the last of them to go closes it.

#ifndef MNEMO_PYTHON_DLPACK_EXPORT_H_
#define MNEMO_PYTHON_DLPACK_EXPORT_H_

#include <pybind11/pybind11.h>

#include <memory>
#include <tuple>
#include <utility>

#include "mnemo/store.h"

namespace mnemo::python {

// Drops a store reference held by the bindings (every such drop passes
// here). The last one closes the store, which joins its background
// threads: never with the GIL held (the embed thread may be waiting for
// it), and never on a thread inside an embedder call (it may be the store's
// own thread; a reaper thread closes the store instead). Any thread, GIL or
// not. Defined in embedder.cc.
void ReleaseStore(std::shared_ptr<Store>* store);

struct PyPinnedPage {
  PyPinnedPage(std::shared_ptr<Store> s, PinnedPage p)
      : store(std::move(s)), page(std::move(p)) {}
  PyPinnedPage(PyPinnedPage&&) = default;
  PyPinnedPage& operator=(PyPinnedPage&&) = default;
  ~PyPinnedPage() { Release(); }

  // Unpins, then lets go of the store. Idempotent.
  void Release() {
    page.lease.Release();
    ReleaseStore(&store);
  }

  std::shared_ptr<Store> store;
  PinnedPage page;
};

// (device_type, device_id) as DLPack numbers: (1, 0) on the host backend,
// (2, ordinal) on CUDA. Raises mnemo.FailedPrecondition once released.
std::tuple<int, int> DLPackDevice(const PyPinnedPage& page);

// A "dltensor" capsule over the page: uint8, shape (height, width). The
// tensor holds its own pin and store reference until its deleter runs
// (called by the consumer, or by the capsule if it was never consumed).
pybind11::capsule ExportCapsule(const PyPinnedPage& page);

}  // namespace mnemo::python

#endif  // MNEMO_PYTHON_DLPACK_EXPORT_H_
