// Copyright (c) mnemo authors.
//
// The Python exception hierarchy of the mnemo module: mnemo.Error and one
// subclass per Status code (NotFound, InvalidArgument, ...), each carrying
// the Status message as its str(). InvalidArgument is also a ValueError and
// IOError also an OSError, so generic handlers catch them too.

#ifndef MNEMO_PYTHON_ERRORS_H_
#define MNEMO_PYTHON_ERRORS_H_

#include <pybind11/pybind11.h>

#include "mnemo/status.h"

namespace mnemo::python {

// Creates the exception classes as attributes of `m`. Called once, at
// import.
void BindErrors(pybind11::module_& m);

// Does nothing for OK; otherwise sets the mnemo exception matching the
// status code and throws pybind11::error_already_set.
// REQUIRES: the GIL is held.
void ThrowIfError(const Status& status);

}  // namespace mnemo::python

#endif  // MNEMO_PYTHON_ERRORS_H_
