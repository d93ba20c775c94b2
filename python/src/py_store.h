// Copyright (c) mnemo authors.
//
// PyStore: what a Python mnemo.Store object holds. The C++ Store sits in a
// shared_ptr so that objects that must not outlive it (pinned pages, their
// DLPack tensors, scan iterators) keep it open; close() drops the Python
// object's reference and the store closes when the last holder lets go.
//
// Thread safety: Python threads may share one Store; every storage call
// runs with the GIL released (see Call) on a reference taken under the GIL.

#ifndef MNEMO_PYTHON_PY_STORE_H_
#define MNEMO_PYTHON_PY_STORE_H_

#include <pybind11/pybind11.h>

#include <memory>
#include <utility>

#include "dlpack_export.h"
#include "errors.h"
#include "mnemo/store.h"

namespace mnemo::python {

class PyStore {
 public:
  PyStore(std::unique_ptr<Store> store, const WriteOptions& write_options)
      : store_(std::move(store)), write_options_(write_options) {}
  PyStore(PyStore&&) = default;
  PyStore& operator=(PyStore&&) = default;
  // A store dropped without close() closes here, without the GIL.
  ~PyStore() { ReleaseStore(&store_); }

  // The open store. Raises mnemo.FailedPrecondition when closed.
  // REQUIRES: the GIL is held.
  std::shared_ptr<Store> Get() const {
    if (store_ == nullptr) {
      ThrowIfError(Status::FailedPrecondition("store is closed"));
    }
    return store_;
  }
  bool closed() const { return store_ == nullptr; }
  const WriteOptions& write_options() const { return write_options_; }

  // Drops this object's reference, with the GIL released (closing flushes
  // access counts and closes RocksDB). Idempotent.
  void Close() { ReleaseStore(&store_); }

 private:
  std::shared_ptr<Store> store_;
  WriteOptions write_options_;
};

// Runs fn(Store&) -> Status with the GIL released and raises the matching
// mnemo exception when it fails. REQUIRES: the GIL is held on entry.
template <class Fn>
void Call(const PyStore& py_store, Fn&& fn) {
  std::shared_ptr<Store> store = py_store.Get();
  Status status;
  {
    pybind11::gil_scoped_release nogil;
    status = fn(*store);
  }
  ReleaseStore(&store);  // the last one when close() ran meanwhile
  ThrowIfError(status);
}

// Each adds its methods to mnemo.Store (and the types they return).
void BindStoreMethods(pybind11::module_& m, pybind11::class_<PyStore>& cls);
void BindScan(pybind11::module_& m, pybind11::class_<PyStore>& cls);
void BindPages(pybind11::module_& m, pybind11::class_<PyStore>& cls);
void BindSearch(pybind11::module_& m, pybind11::class_<PyStore>& cls);

}  // namespace mnemo::python

#endif  // MNEMO_PYTHON_PY_STORE_H_
