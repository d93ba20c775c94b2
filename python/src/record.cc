// Copyright (c) mnemo authors.
//
// mnemo.Record and the Python -> Record/time conversions.

#include <pybind11/stl.h>

#include "convert.h"
#include "errors.h"

namespace mnemo::python {
namespace py = pybind11;

void ThrowArgTypeError(py::handle value, std::string_view name,
                       std::string_view expected) {
  std::string shown = py::repr(value).cast<std::string>();
  if (shown.size() > 60) shown = shown.substr(0, 57) + "...";
  throw py::type_error(std::string(name) + " must be " + std::string(expected) +
                       ", got " + shown + " (" +
                       py::str(value.get_type().attr("__name__"))
                           .cast<std::string>() +
                       ")");
}

Micros ToMicros(py::handle value, std::string_view name) {
  if (PyLong_Check(value.ptr()) && !PyBool_Check(value.ptr())) {
    return Arg<Micros>(value, name);
  }
  py::module_ dt = py::module_::import("datetime");
  if (!py::isinstance(value, dt.attr("datetime"))) {
    ThrowArgTypeError(value, name, "int microseconds or datetime");
  }
  py::object utc = dt.attr("timezone").attr("utc");
  py::object when = py::reinterpret_borrow<py::object>(value);
  if (when.attr("tzinfo").is_none()) {
    when = when.attr("replace")(py::arg("tzinfo") = utc);
  }
  py::object delta = when - dt.attr("datetime")(1970, 1, 1, 0, 0, 0, 0, utc);
  return (delta.attr("days").cast<int64_t>() * 86400 +
          delta.attr("seconds").cast<int64_t>()) *
             1000000 +
         delta.attr("microseconds").cast<int64_t>();
}

std::optional<Micros> ToOptionalMicros(py::handle value,
                                       std::string_view name) {
  if (value.is_none()) return std::nullopt;
  return ToMicros(value, name);
}

std::optional<std::string> ToOptionalString(py::handle value,
                                            std::string_view name) {
  if (value.is_none()) return std::nullopt;
  return Arg<std::string>(value, name);
}

namespace {

// The session of a record that names none, as in `mnemo import`.
constexpr char kDefaultSession[] = "default";

// Sets one field of `r` from a dict entry; false for an unknown key.
bool SetField(Record* r, const std::string& key, py::handle v) {
  if (key == "tenant") r->ns.tenant = Arg<std::string>(v, key);
  else if (key == "agent") r->ns.agent = Arg<std::string>(v, key);
  else if (key == "session") r->ns.session = Arg<std::string>(v, key);
  else if (key == "text") r->text = Arg<std::string>(v, key);
  else if (key == "role") r->role = Arg<std::string>(v, key);
  else if (key == "kind") r->kind = Arg<std::string>(v, key);
  else if (key == "metadata") {
    if (!v.is_none()) {
      r->metadata = Arg<Metadata>(v, key);
    }
  } else if (key == "event_time") r->event_time = ToMicros(v, key);
  else if (key == "importance") r->importance = Arg<float>(v, key);
  else if (key == "expires_at") r->expires_at = ToMicros(v, key);
  else return false;
  return true;
}

py::dict RecordToDict(const Record& r) {
  py::dict d;
  d["id"] = r.id;
  d["tenant"] = r.ns.tenant;
  d["agent"] = r.ns.agent;
  d["session"] = r.ns.session;
  d["role"] = r.role;
  d["kind"] = r.kind;
  d["text"] = r.text;
  d["metadata"] = r.metadata;
  d["event_time"] = r.event_time;
  d["created_time"] = r.created_time;
  d["updated_time"] = r.updated_time;
  d["importance"] = r.importance;
  d["access_count"] = r.access_count;
  d["last_access"] = r.last_access;
  d["expires_at"] = r.expires_at;
  d["tier"] = TierName(r.tier);
  d["page"] = r.page.valid() ? py::object(py::int_(r.page.page_id))
                             : py::object(py::none());
  d["version"] = r.version;
  d["text_forgotten"] = r.text_forgotten;
  return d;
}

Record MakeRecord(py::kwargs fields) {
  Record r;
  r.ns.session = kDefaultSession;
  for (auto [key, value] : fields) {
    std::string k = key.cast<std::string>();
    if (!SetField(&r, k, value)) {
      throw py::type_error("Record() got an unexpected keyword '" + k + "'");
    }
  }
  return r;
}

// Adds a read/write str attribute backed by a member of Record::ns.
template <std::string Namespace::*Part>
void NamespaceProperty(py::class_<Record>& cls, const char* name) {
  cls.def_property(
      name, [](const Record& r) { return r.ns.*Part; },
      [](Record& r, std::string v) { r.ns.*Part = std::move(v); });
}

// Times (settable from datetime), tier, page, to_dict and repr.
void BindRecordDerived(py::class_<Record>& cls) {
  cls.def_property(
         "event_time", [](const Record& r) { return r.event_time; },
         [](Record& r, py::handle v) {
           r.event_time = ToMicros(v, "event_time");
         })
      .def_property(
          "expires_at", [](const Record& r) { return r.expires_at; },
          [](Record& r, py::handle v) {
            r.expires_at = ToMicros(v, "expires_at");
          })
      .def_property_readonly("tier",
                             [](const Record& r) { return TierName(r.tier); })
      .def_property_readonly("page", [](const Record& r) -> py::object {
        if (!r.page.valid()) return py::none();
        return py::int_(r.page.page_id);
      })
      .def("to_dict", &RecordToDict,
           "Every field as a dict (tenant, agent, session flattened).")
      .def("__repr__", [](const Record& r) {
        return "Record(id=" + std::to_string(r.id) + ", session='" +
               r.ns.tenant + "/" + r.ns.agent + "/" + r.ns.session +
               "', role='" + r.role + "', tier='" + TierName(r.tier) +
               "', text=" + py::repr(py::str(r.text)).cast<std::string>() +
               ")";
      });
}

}  // namespace

Record ToRecord(py::handle value) {
  if (py::isinstance<Record>(value)) return value.cast<Record>();
  if (!py::isinstance<py::dict>(value)) {
    throw py::type_error("expected mnemo.Record or dict, got " +
                         py::repr(value.get_type()).cast<std::string>());
  }
  Record r;
  r.ns.session = kDefaultSession;
  for (auto [key, v] : value.cast<py::dict>()) {
    std::string k = key.cast<std::string>();
    if (!SetField(&r, k, v)) {
      throw py::type_error("unknown record field '" + k + "'");
    }
  }
  return r;
}

std::vector<Record> ToRecords(py::iterable values) {
  std::vector<Record> records;
  for (py::handle v : values) records.push_back(ToRecord(v));
  return records;
}

void BindRecord(py::module_& m) {
  py::class_<Record> cls(m, "Record", R"doc(
One memory record. Construct with keywords (tenant, agent, text,
session="default", role="user", kind="message", metadata={}, event_time=0
(int micros or datetime), importance=0.5, expires_at=0); a field of the
wrong type raises TypeError naming it. Store-assigned fields (id, tier,
page, version, ...) are read-only.)doc");
  cls.def(py::init(&MakeRecord))
      .def_readonly("id", &Record::id)
      .def_readwrite("role", &Record::role)
      .def_readwrite("kind", &Record::kind)
      .def_readwrite("text", &Record::text)
      .def_readwrite("metadata", &Record::metadata)
      .def_readwrite("importance", &Record::importance)
      .def_readonly("created_time", &Record::created_time)
      .def_readonly("updated_time", &Record::updated_time)
      .def_readonly("access_count", &Record::access_count)
      .def_readonly("last_access", &Record::last_access)
      .def_readonly("version", &Record::version)
      .def_readonly("content_hash", &Record::content_hash)
      .def_readonly("text_forgotten", &Record::text_forgotten);
  NamespaceProperty<&Namespace::tenant>(cls, "tenant");
  NamespaceProperty<&Namespace::agent>(cls, "agent");
  NamespaceProperty<&Namespace::session>(cls, "session");
  BindRecordDerived(cls);
  m.def("micros", [](py::handle value) { return ToMicros(value, "value"); },
        py::arg("value"),
        "Microseconds since the Unix epoch of an int or datetime (naive = "
        "UTC).");
}

}  // namespace mnemo::python
