// Copyright (c) mnemo authors.
//
// The `mnemo` Python module: an embedded memory store for AI agents.

#include <pybind11/pybind11.h>

#include "convert.h"
#include "embedder.h"
#include "errors.h"
#include "py_store.h"

namespace py = pybind11;

// The extension is mnemo._mnemo; python/mnemo/__init__.py re-exports it.
PYBIND11_MODULE(_mnemo, m) {
  using mnemo::python::PyStore;
  m.doc() = R"doc(mnemo: embedded memory store for AI agents.

    store = mnemo.Store.open("/tmp/mem")
    rid = store.put(tenant="t", agent="a", session="s", text="hello")
    print(store.get("t", rid).text)

Errors raise mnemo.Error subclasses (NotFound, InvalidArgument, ...).
Storage calls release the GIL; one Store may be shared by threads.)doc";
  m.attr("__version__") = "0.1.0";
  mnemo::python::BindErrors(m);
  mnemo::python::BindRecord(m);
  py::class_<PyStore> store(m, "Store",
                            "An open mnemo store; see Store.open().");
  mnemo::python::BindStoreMethods(m, store);
  mnemo::python::BindScan(m, store);
  mnemo::python::BindPages(m, store);
  mnemo::python::BindSearch(m, store);
  mnemo::python::RegisterEmbedderExitHook(m);
}
