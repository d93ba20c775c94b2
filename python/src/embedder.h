// Copyright (c) mnemo authors.
//
// PyEmbedder: a Python object following the mnemo.Embedder protocol (see
// python/mnemo/embedder.py) registered as the store's mnemo::Embedder.
//
// The store calls it from its "embed" background thread (and from search,
// to embed a query text), so every call takes the GIL; every store call
// made from Python therefore runs with the GIL released (Call in
// py_store.h), else the feed would wait for a GIL its caller holds.
//
// Errors never cross into the engine as exceptions: a result of the wrong
// shape or a non-finite value is InvalidArgument (the store counts those
// inputs as failed); a ValueError raised by the host is InvalidArgument
// too; any other exception is Aborted with its text (the batch stays
// queued and is retried with back-off).

#ifndef MNEMO_PYTHON_EMBEDDER_H_
#define MNEMO_PYTHON_EMBEDDER_H_

#include <pybind11/pybind11.h>

#include <memory>
#include <mutex>
#include <string>

#include "mnemo/embedder.h"
#include "mnemo/store.h"

namespace mnemo::python {

class PyEmbedder : public Embedder {
 public:
  // Reads name, dimension and the optional batch limits from `host`
  // (TypeError/ValueError naming the attribute when one is missing or
  // wrong). REQUIRES: the GIL is held.
  explicit PyEmbedder(pybind11::object host);
  // Takes the GIL to drop the Python object (it may run on any thread).
  ~PyEmbedder() override;

  // The open store, which page tensors handed to the host keep open (a
  // pin must not outlive the cache). Until it is attached, EmbedPages is
  // Aborted (retried later): the feed may start before Open returns.
  void Attach(const std::shared_ptr<Store>& store);

  std::string name() const override { return name_; }
  size_t dimension() const override { return dimension_; }
  size_t max_text_batch() const override { return max_text_batch_; }
  size_t max_page_batch() const override { return max_page_batch_; }

  Status EmbedTexts(const std::vector<std::string_view>& texts,
                    float* out) override;
  Status EmbedPages(const std::vector<const PinnedPage*>& pages,
                    float* out) override;

 private:
  pybind11::object host_;
  std::string name_;
  size_t dimension_ = 0;
  size_t max_text_batch_ = 32;
  size_t max_page_batch_ = 8;
  std::mutex mu_;
  std::weak_ptr<Store> store_;  // guarded by mu_
};

// Marks the interpreter as exiting (an atexit hook registered at import):
// from then on the adapters refuse calls (Aborted) instead of taking the GIL
// of an interpreter that is being torn down.
void RegisterEmbedderExitHook(pybind11::module_& m);

}  // namespace mnemo::python

#endif  // MNEMO_PYTHON_EMBEDDER_H_
