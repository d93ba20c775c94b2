// Copyright (c) mnemo authors.
//
// Store.scan(): a Python iterator over an agent's records that fetches one
// page at a time and follows the cursors; Store.scan_page() for hosts that
// keep the cursor themselves.

#include <pybind11/stl.h>

#include "convert.h"
#include "py_store.h"

namespace mnemo::python {
namespace py = pybind11;

ScanOptions ToScanOptions(std::string tenant, std::string agent,
                          py::kwargs filters) {
  ScanOptions o;
  o.tenant = std::move(tenant);
  o.agent = std::move(agent);
  for (auto [key, v] : filters) {
    std::string k = key.cast<std::string>();
    if (k == "session") o.session = ToOptionalString(v, k);
    else if (k == "role") o.role = ToOptionalString(v, k);
    else if (k == "kind") o.kind = ToOptionalString(v, k);
    else if (k == "tier") {
      if (!v.is_none()) {
        Tier tier;
        ThrowIfError(ParseTier(Arg<std::string>(v, k), &tier));
        o.tier = tier;
      }
    } else if (k == "start_time") o.start_time = ToOptionalMicros(v, k);
    else if (k == "end_time") o.end_time = ToOptionalMicros(v, k);
    else if (k == "reverse") o.reverse = Arg<bool>(v, k);
    else if (k == "limit" || k == "page_size") o.limit = Arg<size_t>(v, k);
    else if (k == "cursor") {
      o.cursor = v.is_none() ? "" : Arg<std::string>(v, k);
    }
    else throw py::type_error("scan() got an unexpected filter '" + k + "'");
  }
  return o;
}

namespace {

// Iterates records page by page. Holds the Store object (not just the C++
// store) so close() on it makes the next page fetch raise.
class ScanIterator {
 public:
  ScanIterator(py::object store, ScanOptions options)
      : store_(std::move(store)), options_(std::move(options)) {}

  Record Next() {
    while (index_ >= page_.size()) {
      if (done_) throw py::stop_iteration();
      Fetch();
    }
    return std::move(page_[index_++]);
  }
  // Resume point: pass as cursor= to a later scan with the same filters
  // (None once the scan is complete). Records of the current page not yet
  // returned are before it.
  py::object cursor() const {
    if (done_) return py::none();
    return py::bytes(options_.cursor);
  }

 private:
  void Fetch() {
    ScanResult result;
    Call(store_.cast<PyStore&>(), [&](Store& st) {
      return st.Scan(ReadOptions(), options_, &result);
    });
    page_ = std::move(result.records);
    index_ = 0;
    options_.cursor = std::move(result.next_cursor);
    done_ = options_.cursor.empty();
  }

  py::object store_;
  ScanOptions options_;
  std::vector<Record> page_;
  size_t index_ = 0;
  bool done_ = false;
};

py::tuple ScanPage(PyStore& s, std::string tenant, std::string agent,
                   py::kwargs filters) {
  ScanOptions options =
      ToScanOptions(std::move(tenant), std::move(agent), filters);
  ScanResult result;
  Call(s, [&](Store& st) { return st.Scan(ReadOptions(), options, &result); });
  py::object cursor = result.next_cursor.empty()
                          ? py::object(py::none())
                          : py::object(py::bytes(result.next_cursor));
  return py::make_tuple(std::move(result.records), cursor);
}

}  // namespace

void BindScan(py::module_& m, py::class_<PyStore>& cls) {
  py::class_<ScanIterator>(m, "ScanIterator",
                           "Records of Store.scan(), fetched a page at a "
                           "time; `cursor` resumes a later scan.")
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", &ScanIterator::Next)
      .def_property_readonly("cursor", &ScanIterator::cursor);
  cls.def("scan", [](py::object self, std::string tenant, std::string agent,
                     py::kwargs filters) {
    ScanOptions options =
        ToScanOptions(std::move(tenant), std::move(agent), filters);
    self.cast<PyStore&>().Get();  // raises now when closed
    return ScanIterator(self, std::move(options));
  }, py::arg("tenant"), py::arg("agent"),
     "Iterates an agent's records in time order, fetching `limit` records "
     "per page. Filters: session, role, kind, tier, start_time, end_time, "
     "reverse, limit, cursor.");
  cls.def("scan_page", &ScanPage, py::arg("tenant"), py::arg("agent"),
          "One page: (records, next_cursor or None).");
}

}  // namespace mnemo::python
