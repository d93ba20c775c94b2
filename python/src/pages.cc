// Copyright (c) mnemo authors.
//
// Pages of compacted memory: PNG bytes (mnemo.Page), NumPy arrays of the
// decoded image, and the hot cache's pinned pages (mnemo.PinnedPage) with
// the DLPack protocol, plus per-page payloads (put_kv/get_kv).

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "convert.h"
#include "dlpack_export.h"
#include "mnemo/codec/png.h"
#include "py_store.h"

namespace mnemo::python {
namespace py = pybind11;

namespace {

// A uint8 (height, width) array over the pixels of `image`, which the
// array owns (no copy of the pixel buffer).
py::array ImageToArray(std::unique_ptr<codec::GrayImage> image) {
  auto* raw = image.release();
  py::capsule owner(raw, [](void* p) {
    delete static_cast<codec::GrayImage*>(p);
  });
  std::vector<py::ssize_t> shape = {raw->height, raw->width};
  std::vector<py::ssize_t> strides = {raw->stride, 1};
  return py::array_t<uint8_t>(shape, strides, raw->pixels.data(), owner);
}

py::array DecodeToArray(const std::string& png) {
  auto image = std::make_unique<codec::GrayImage>();
  Status status;
  {
    py::gil_scoped_release nogil;
    status = codec::DecodePng(png, codec::DecodeLimits(), image.get());
  }
  ThrowIfError(status);
  return ImageToArray(std::move(image));
}

PageData GetPage(PyStore& s, const std::string& tenant, uint64_t page_id) {
  PageData page;
  Call(s, [&](Store& st) {
    return st.GetPage(ReadOptions(), tenant, page_id, &page);
  });
  return page;
}

std::vector<PyPinnedPage> PinPages(PyStore& s, const std::string& tenant,
                                   const std::vector<uint64_t>& page_ids) {
  std::shared_ptr<Store> store = s.Get();
  std::vector<PinnedPage> pinned;
  Call(s, [&](Store& st) {
    return st.cache()->PinPages(tenant, page_ids, &pinned);
  });
  std::vector<PyPinnedPage> out;
  out.reserve(pinned.size());
  for (PinnedPage& p : pinned) out.emplace_back(store, std::move(p));
  ReleaseStore(&store);
  return out;
}

void BindPage(py::module_& m) {
  py::class_<PageData>(m, "Page", "A page image (PNG) and its manifest.")
      .def_property_readonly("png", [](const PageData& p) {
        return py::bytes(p.png);
      })
      .def("__bytes__", [](const PageData& p) { return py::bytes(p.png); })
      .def_readonly("manifest_json", &PageData::manifest_json)
      .def_property_readonly("manifest", [](const PageData& p) {
        return py::module_::import("json").attr("loads")(p.manifest_json);
      })
      .def_readonly("scale", &PageData::scale)
      .def_property_readonly("info", [](const PageData& p) {
        return PageInfoToDict(p.info);
      })
      .def_property_readonly("page_id",
                             [](const PageData& p) { return p.info.page_id; })
      .def_property_readonly("width",
                             [](const PageData& p) { return p.info.width; })
      .def_property_readonly("height",
                             [](const PageData& p) { return p.info.height; })
      .def("array", [](const PageData& p) { return DecodeToArray(p.png); },
           "The decoded image as a uint8 (height, width) NumPy array.");
}

void BindPinnedPage(py::module_& m) {
  py::class_<PyPinnedPage>(m, "PinnedPage", R"doc(
A page decoded into the hot cache and pinned there (8-bit gray, row-major).
Supports the DLPack protocol: numpy.from_dlpack(p) on the host backend,
torch.from_dlpack(p) on CUDA. Each exported tensor holds its own pin, so it
stays valid after release() or after the PinnedPage is gone.)doc")
      .def_property_readonly("page_id", [](const PyPinnedPage& p) {
        return p.page.page_id;
      })
      .def_property_readonly("width",
                             [](const PyPinnedPage& p) { return p.page.width; })
      .def_property_readonly("height",
                             [](const PyPinnedPage& p) { return p.page.height; })
      .def_property_readonly("data_ptr", [](const PyPinnedPage& p) {
        return reinterpret_cast<uintptr_t>(p.page.lease.data());
      }, "Address of the first pixel in pool memory (0 once released); "
         "a zero-copy tensor of the page has the same data_ptr.")
      .def_property_readonly("nbytes", [](const PyPinnedPage& p) {
        return p.page.lease.size();
      })
      .def_property_readonly("valid", [](const PyPinnedPage& p) {
        return p.page.lease.valid();
      })
      .def("release", &PyPinnedPage::Release, "Unpins now (idempotent).")
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](PyPinnedPage& p, py::args) { p.Release(); })
      .def("__dlpack_device__", &DLPackDevice)
      .def("__dlpack__", [](PyPinnedPage& p, py::object /*stream*/,
                            py::kwargs) { return ExportCapsule(p); },
           py::arg("stream") = py::none())
      .def("numpy", [](py::object self) {
        if (std::get<0>(DLPackDevice(self.cast<PyPinnedPage&>())) != 1) {
          ThrowIfError(Status::NotSupported(
              "numpy() needs the host backend; use torch.from_dlpack"));
        }
        return py::module_::import("numpy").attr("from_dlpack")(self);
      }, "A zero-copy (height, width) uint8 array (host backend only).");
}

std::vector<PyPinnedPage> PinRange(PyStore& s, std::string tenant,
                                   std::string agent, py::kwargs filters) {
  ScanOptions range =
      ToScanOptions(std::move(tenant), std::move(agent), filters);
  std::shared_ptr<Store> store = s.Get();
  std::vector<PinnedPage> pinned;
  Call(s, [&](Store& st) { return st.cache()->PinRange(range, &pinned); });
  std::vector<PyPinnedPage> out;
  out.reserve(pinned.size());
  for (PinnedPage& p : pinned) out.emplace_back(store, std::move(p));
  ReleaseStore(&store);
  return out;
}

void BindCacheCalls(py::class_<PyStore>& cls) {
  cls.def("pin_pages", &PinPages, py::arg("tenant"), py::arg("page_ids"),
          "Pins pages into the hot cache; needs cache_enabled=True.")
      .def("pin_range", &PinRange, py::arg("tenant"), py::arg("agent"),
           "Pins the pages of the records one scan page would return "
           "(scan() filters).")
      .def("put_kv", [](PyStore& s, const std::string& tenant,
                        uint64_t page_id, const std::string& kind,
                        py::buffer data) {
        py::buffer_info info = data.request();
        std::string_view bytes(static_cast<const char*>(info.ptr),
                               static_cast<size_t>(info.size * info.itemsize));
        Call(s, [&](Store& st) {
          return st.cache()->PutKv(tenant, page_id, kind, bytes);
        });
      }, py::arg("tenant"), py::arg("page_id"), py::arg("kind"),
         py::arg("data"),
         "Stores a host payload (e.g. kind 'embedding') for a page in the "
         "kv pool, written through to the store.")
      .def("get_kv", [](PyStore& s, const std::string& tenant,
                        uint64_t page_id, const std::string& kind) {
        std::string bytes;
        Call(s, [&](Store& st) {
          return st.cache()->GetKv(tenant, page_id, kind, &bytes);
        });
        return py::bytes(bytes);
      }, py::arg("tenant"), py::arg("page_id"), py::arg("kind"),
         "The payload put_kv stored for a page, as bytes.")
      .def("cache_report", [](PyStore& s) {
        CacheReport report;
        Call(s, [&](Store& st) { return st.cache()->GetReport(&report); });
        return CacheReportToDict(report);
      }, "Hot-cache backend, pool occupancy and hit/eviction counters.");
}

}  // namespace

void BindPages(py::module_& m, py::class_<PyStore>& cls) {
  BindPage(m);
  BindPinnedPage(m);
  m.def("decode_png", &DecodeToArray, py::arg("png"),
        "Decodes a PNG into a uint8 (height, width) gray NumPy array.");
  cls.def("get_page", &GetPage, py::arg("tenant"), py::arg("page_id"),
          "The page (PNG and manifest) `page_id` of `tenant` as mnemo.Page.")
      .def("page_array", [](PyStore& s, const std::string& tenant,
                            uint64_t page_id) {
        return DecodeToArray(GetPage(s, tenant, page_id).png);
      }, py::arg("tenant"), py::arg("page_id"),
         "The page image as a uint8 (height, width) NumPy array.")
      .def("list_pages", [](PyStore& s, const std::string& tenant,
                            const std::string& agent) {
        std::vector<PageInfo> pages;
        Call(s, [&](Store& st) {
          return st.ListPages(ReadOptions(), tenant, agent, &pages);
        });
        py::list out;
        for (const PageInfo& p : pages) out.append(PageInfoToDict(p));
        return out;
      }, py::arg("tenant"), py::arg("agent") = "",
         "Pages of `tenant` (and `agent` when given), by page id, as dicts.")
      .def("locate", [](PyStore& s, const std::string& tenant, RecordId id) {
        RecordLocation location;
        Call(s, [&](Store& st) {
          return st.LocateRecord(tenant, id, &location);
        });
        return LocationToDict(location);
      }, py::arg("tenant"), py::arg("id"),
         "Where record `id` is drawn (page and rectangle); mnemo.NotFound "
         "when it is not on a page.");
  BindCacheCalls(cls);
}

}  // namespace mnemo::python
