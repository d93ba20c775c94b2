// Copyright (c) mnemo authors.

#include "errors.h"

#include <array>

namespace mnemo::python {
namespace py = pybind11;

namespace {

constexpr size_t kCodes = 11;

// Exception classes indexed by Status::Code (index 0, OK, is the base).
// They live as long as the interpreter: the module holds a reference too.
std::array<PyObject*, kCodes> g_classes{};

struct ErrorClass {
  Status::Code code;
  const char* name;
  PyObject* extra_base;  // a builtin to inherit besides mnemo.Error
};

PyObject* NewClass(const py::module_& m, const char* name, py::tuple bases,
                   const char* doc) {
  std::string qualified = "mnemo." + std::string(name);
  PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc,
                                            bases.ptr(), nullptr);
  if (cls == nullptr) throw py::error_already_set();
  m.attr(name) = py::reinterpret_borrow<py::object>(cls);
  return cls;
}

}  // namespace

void BindErrors(py::module_& m) {
  PyObject* base = NewClass(
      m, "Error", py::make_tuple(py::reinterpret_borrow<py::object>(
                      PyExc_Exception)),
      "Base of every error the mnemo store reports; str() is the message.");
  g_classes[0] = base;
  const ErrorClass classes[] = {
      {Status::Code::kNotFound, "NotFound", nullptr},
      {Status::Code::kCorruption, "Corruption", nullptr},
      {Status::Code::kNotSupported, "NotSupported", nullptr},
      {Status::Code::kInvalidArgument, "InvalidArgument", PyExc_ValueError},
      {Status::Code::kIOError, "IOError", PyExc_OSError},
      {Status::Code::kResourceExhausted, "ResourceExhausted", nullptr},
      {Status::Code::kBusy, "Busy", nullptr},
      {Status::Code::kAborted, "Aborted", nullptr},
      {Status::Code::kAlreadyExists, "AlreadyExists", nullptr},
      {Status::Code::kFailedPrecondition, "FailedPrecondition", nullptr},
  };
  py::object base_obj = py::reinterpret_borrow<py::object>(base);
  for (const ErrorClass& c : classes) {
    py::tuple bases =
        c.extra_base == nullptr
            ? py::make_tuple(base_obj)
            : py::make_tuple(base_obj,
                             py::reinterpret_borrow<py::object>(c.extra_base));
    g_classes[static_cast<size_t>(c.code)] =
        NewClass(m, c.name, bases, Status::CodeName(c.code));
  }
}

void ThrowIfError(const Status& status) {
  if (status.ok()) return;
  size_t index = static_cast<size_t>(status.code());
  PyObject* cls = index < kCodes && g_classes[index] != nullptr
                      ? g_classes[index]
                      : g_classes[0];
  PyErr_SetString(cls, status.message().c_str());
  throw py::error_already_set();
}

}  // namespace mnemo::python
