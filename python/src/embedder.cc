// Copyright (c) mnemo authors.

#include "embedder.h"

#include <pybind11/numpy.h>

#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <thread>
#include <utility>

#include "dlpack_export.h"
#include "errors.h"

namespace mnemo::python {
namespace py = pybind11;

namespace {

std::atomic<bool> g_exiting{false};

// Whether this thread is inside a call of the store into the host's
// embedder (see ReleaseStore).
thread_local bool t_in_embedder_call = false;

// Nests (EmbedPages holds one around WithPython's).
struct InCall {
  InCall() : outer(t_in_embedder_call) { t_in_embedder_call = true; }
  ~InCall() { t_in_embedder_call = outer; }
  const bool outer;
};

bool PythonUsable() { return !g_exiting.load() && Py_IsInitialized() != 0; }

size_t ReadSize(const py::object& host, const char* attr, size_t fallback,
                size_t most) {
  if (!py::hasattr(host, attr)) return fallback;
  py::object v = host.attr(attr);
  if (v.is_none()) return fallback;
  if (!py::isinstance<py::int_>(v) || py::isinstance<py::bool_>(v)) {
    throw py::type_error(std::string("embedder.") + attr +
                         " must be int, got " +
                         py::repr(v).cast<std::string>());
  }
  long long n = v.cast<long long>();
  if (n < 1 || static_cast<unsigned long long>(n) > most) {
    throw py::value_error(std::string("embedder.") + attr + " must be 1.." +
                          std::to_string(most) + ", got " + std::to_string(n));
  }
  return static_cast<size_t>(n);
}

// "embed_texts raised RuntimeError: out of memory": the host's exception as
// a Status (ValueError: the inputs are refused; others: retry later).
Status FromPythonError(const py::error_already_set& e, const char* call) {
  std::string text;
  try {
    text = py::str(e.type().attr("__name__")).cast<std::string>() + ": " +
           py::str(e.value()).cast<std::string>();
  } catch (const std::exception&) {
    text = e.what();
  }
  std::string message = std::string("embedder.") + call + " raised " + text;
  if (e.matches(PyExc_ValueError)) return Status::InvalidArgument(message);
  return Status::Aborted(message);
}

std::string ShapeText(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(a.shape(i));
  }
  return s + (a.ndim() == 1 ? ",)" : ")");
}

// Copies the host's (n, dim) result into `out`. A torch tensor (CPU or
// CUDA, with or without grad) is detached and moved to the host first.
Status CopyVectors(py::object result, size_t n, size_t dim, const char* call,
                   float* out) {
  if (py::hasattr(result, "detach")) result = result.attr("detach")();
  if (py::hasattr(result, "cpu")) result = result.attr("cpu")();
  using FloatArray =
      py::array_t<float, py::array::c_style | py::array::forcecast>;
  FloatArray a = FloatArray::ensure(result);
  if (!a) {
    return Status::InvalidArgument(
        std::string("embedder.") + call + " returned " +
        py::repr(result.get_type()).cast<std::string>() +
        ", not an array of floats");
  }
  if (a.ndim() != 2 || static_cast<size_t>(a.shape(0)) != n ||
      static_cast<size_t>(a.shape(1)) != dim) {
    return Status::InvalidArgument(
        std::string("embedder.") + call + " returned shape " + ShapeText(a) +
        "; expected (" + std::to_string(n) + ", " + std::to_string(dim) +
        "): one row of `dimension` floats per input");
  }
  const float* data = a.data();
  for (size_t i = 0; i < n * dim; ++i) {
    if (!std::isfinite(data[i])) {
      return Status::InvalidArgument(std::string("embedder.") + call +
                                     " returned a non-finite value in row " +
                                     std::to_string(i / dim));
    }
  }
  std::memcpy(out, data, n * dim * sizeof(float));
  return Status::OK();
}

// Runs fn() -> Status under the GIL, turning Python and conversion errors
// into Status values.
template <class Fn>
Status WithPython(const char* call, Fn&& fn) {
  if (!PythonUsable()) {
    return Status::Aborted(std::string("embedder.") + call +
                           ": the Python interpreter is exiting");
  }
  InCall in_call;
  py::gil_scoped_acquire gil;
  try {
    return fn();
  } catch (const py::error_already_set& e) {
    return FromPythonError(e, call);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("embedder.") + call + ": " +
                                   e.what());
  }
}

}  // namespace

PyEmbedder::PyEmbedder(py::object host) : host_(std::move(host)) {
  for (const char* attr : {"name", "dimension", "embed_texts", "embed_pages"}) {
    if (!py::hasattr(host_, attr)) {
      throw py::type_error(std::string("embedder has no attribute '") + attr +
                           "' (see mnemo.Embedder)");
    }
  }
  py::object name = host_.attr("name");
  if (!py::isinstance<py::str>(name)) {
    throw py::type_error("embedder.name must be str, got " +
                         py::repr(name).cast<std::string>());
  }
  name_ = name.cast<std::string>();
  dimension_ = ReadSize(host_, "dimension", 0, 4096);
  if (dimension_ == 0) throw py::type_error("embedder.dimension must be set");
  max_text_batch_ = ReadSize(host_, "max_text_batch", 32, 1024);
  max_page_batch_ = ReadSize(host_, "max_page_batch", 8, 1024);
}

PyEmbedder::~PyEmbedder() {
  if (!PythonUsable()) {
    host_.release();  // the interpreter is going away; nothing to drop
    return;
  }
  py::gil_scoped_acquire gil;
  host_ = py::object();
}

void PyEmbedder::Attach(const std::shared_ptr<Store>& store) {
  std::lock_guard<std::mutex> lock(mu_);
  store_ = store;
}

Status PyEmbedder::EmbedTexts(const std::vector<std::string_view>& texts,
                              float* out) {
  return WithPython("embed_texts", [&] {
    py::list batch(texts.size());
    for (size_t i = 0; i < texts.size(); ++i) {
      PyObject* s = PyUnicode_DecodeUTF8(
          texts[i].data(), static_cast<Py_ssize_t>(texts[i].size()), "replace");
      if (s == nullptr) throw py::error_already_set();
      PyList_SET_ITEM(batch.ptr(), static_cast<Py_ssize_t>(i), s);
    }
    py::object result = host_.attr("embed_texts")(batch);
    return CopyVectors(result, texts.size(), dimension_, "embed_texts", out);
  });
}

Status PyEmbedder::EmbedPages(const std::vector<const PinnedPage*>& pages,
                              float* out) {
  std::shared_ptr<Store> store;
  {
    std::lock_guard<std::mutex> lock(mu_);
    store = store_.lock();
  }
  if (store == nullptr) {
    return Status::Aborted("embedder.embed_pages: the store is not open yet");
  }
  InCall in_call;  // `store` may be the last reference when it goes
  Status status = WithPython("embed_pages", [&] {
    // Each page object holds its own pin (and a store reference), so a
    // tensor the host exports from it is zero-copy and valid on its own.
    py::list batch(pages.size());
    for (size_t i = 0; i < pages.size(); ++i) {
      const PinnedPage& p = *pages[i];
      PinnedPage own{p.page_id, p.width, p.height, p.revision, gpu::Lease()};
      Status s = p.lease.cache()->Pin(p.lease.ref(), &own.lease);
      if (!s.ok()) return s;
      batch[i] = py::cast(PyPinnedPage(store, std::move(own)));
    }
    Status s;
    try {
      py::object result = host_.attr("embed_pages")(batch);
      s = CopyVectors(result, pages.size(), dimension_, "embed_pages", out);
    } catch (...) {
      for (py::handle h : batch) h.cast<PyPinnedPage&>().Release();
      throw;
    }
    // The leases are the call's only (exported tensors keep their pins).
    for (py::handle h : batch) h.cast<PyPinnedPage&>().Release();
    return s;
  });
  ReleaseStore(&store);
  return status;
}

namespace {

// Stores whose last reference went on a thread inside an embedder call:
// that thread may be the store's own background thread, which cannot close
// the store (it would join itself), so a reaper thread closes them.
struct Reaper {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::shared_ptr<Store>> queue;
  bool started = false;

  void Add(std::shared_ptr<Store> store) {
    std::lock_guard<std::mutex> lock(mu);
    queue.push_back(std::move(store));
    if (!started) {
      started = true;
      std::thread([this] { Run(); }).detach();
    }
    cv.notify_one();
  }
  void Run() {
    std::unique_lock<std::mutex> lock(mu);
    for (;;) {
      cv.wait(lock, [this] { return !queue.empty(); });
      std::vector<std::shared_ptr<Store>> doomed = std::move(queue);
      queue.clear();
      lock.unlock();
      doomed.clear();  // closes the stores nobody else holds
      lock.lock();
    }
  }
};

Reaper& TheReaper() {
  static Reaper* reaper = new Reaper;  // never destroyed: its thread runs on
  return *reaper;
}

}  // namespace

void ReleaseStore(std::shared_ptr<Store>* store) {
  if (*store == nullptr) return;
  // Every drop of a reference held by the bindings passes here, so under
  // the mutex use_count() == 1 means this is the last one.
  static std::mutex* mu = new std::mutex;
  std::shared_ptr<Store> last;
  {
    std::lock_guard<std::mutex> lock(*mu);
    if (store->use_count() == 1) {
      last = std::move(*store);
    }
    store->reset();
  }
  if (last == nullptr) return;
  if (t_in_embedder_call) {
    TheReaper().Add(std::move(last));
    return;
  }
  // Closing joins the store's threads; the embed thread may be waiting for
  // the GIL, so never close while holding it.
  if (Py_IsInitialized() != 0 && PyGILState_Check() != 0) {
    py::gil_scoped_release nogil;
    last.reset();
  }
}

void RegisterEmbedderExitHook(py::module_& m) {
  py::module_::import("atexit").attr("register")(
      py::cpp_function([] { g_exiting.store(true); }));
  (void)m;
}

}  // namespace mnemo::python
