// Copyright (c) mnemo authors.
//
// Conversions between Python values and mnemo types: times (int
// microseconds since the Unix epoch, or datetime), records (mnemo.Record or
// a dict of its fields), policies (dict or JSON string), and the result
// structs that Python sees as dicts.
//
// Every function here touches Python objects. REQUIRES: the GIL is held.

#ifndef MNEMO_PYTHON_CONVERT_H_
#define MNEMO_PYTHON_CONVERT_H_

#include <pybind11/pybind11.h>

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "mnemo/admin.h"
#include "mnemo/store.h"

// mnemo::Metadata is a dict of str to str in Python (a copy each way, as
// pybind11 converts std::map).
namespace pybind11::detail {
template <>
struct type_caster<mnemo::Metadata> {
  PYBIND11_TYPE_CASTER(mnemo::Metadata, const_name("Dict[str, str]"));
  bool load(handle src, bool) {
    if (!isinstance<dict>(src)) return false;
    mnemo::Metadata m;
    for (auto [key, value] : reinterpret_borrow<dict>(src)) {
      if (!isinstance<str>(key) || !isinstance<str>(value)) return false;
      m.Set(key.cast<std::string>(), value.cast<std::string>());
    }
    this->value = std::move(m);
    return true;
  }
  static handle cast(const mnemo::Metadata& m, return_value_policy, handle) {
    dict d;
    for (const auto& [key, value] : m) {
      d[str(key.data(), key.size())] = str(value.data(), value.size());
    }
    return d.release();
  }
};
}  // namespace pybind11::detail

namespace mnemo::python {

// "str", "int", ... : what TypeErrors say an argument of type T must be.
template <class T>
const char* PythonTypeName() {
  if constexpr (std::is_same_v<T, bool>) {
    return "bool";
  } else if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T>) {
    return "a non-negative int";
  } else if constexpr (std::is_integral_v<T>) {
    return "int";
  } else if constexpr (std::is_floating_point_v<T>) {
    return "float";
  } else if constexpr (std::is_same_v<T, std::string>) {
    return "str";
  } else {
    return "dict of str to str";
  }
}

// Raises TypeError: "`name` must be `expected`, got <repr> (<type>)".
[[noreturn]] void ThrowArgTypeError(pybind11::handle value,
                                    std::string_view name,
                                    std::string_view expected);

// `value` as a T; any other value raises TypeError naming `name` (the
// argument, keyword or field) instead of pybind11's bare "Unable to cast".
template <class T>
T Arg(pybind11::handle value, std::string_view name) {
  try {
    return value.cast<T>();
  } catch (const pybind11::cast_error&) {
    ThrowArgTypeError(value, name, PythonTypeName<T>());
  }
}

// An int (microseconds since the epoch, UTC) or a datetime (naive ones are
// taken as UTC). TypeError naming `name` otherwise.
Micros ToMicros(pybind11::handle value, std::string_view name = "value");
// None stays unset.
std::optional<Micros> ToOptionalMicros(pybind11::handle value,
                                       std::string_view name);
std::optional<std::string> ToOptionalString(pybind11::handle value,
                                            std::string_view name);

// A mnemo.Record, or a dict with the keys tenant, agent, text and
// optionally session ("default", as `mnemo import`), role, kind, metadata,
// event_time, importance, expires_at.
Record ToRecord(pybind11::handle value);
std::vector<Record> ToRecords(pybind11::iterable values);

// Scan filters from keywords: session, role, kind, tier, start_time,
// end_time, reverse, limit (alias page_size), cursor (bytes).
ScanOptions ToScanOptions(std::string tenant, std::string agent,
                          pybind11::kwargs filters);

// None: the default policy; a dict (dumped to JSON) or a JSON string:
// CompactionPolicy::FromJson. InvalidArgument names the bad key.
CompactionPolicy ToPolicy(pybind11::handle value);

pybind11::dict CompactResultToDict(const CompactResult& r);
pybind11::dict TierStatsToDict(const TierStats& s);
pybind11::dict StoreStatsToDict(const StoreStats& s);
pybind11::dict VerifyReportToDict(const VerifyReport& r);
pybind11::dict PageInfoToDict(const PageInfo& p);
pybind11::dict LocationToDict(const RecordLocation& l);
pybind11::dict CacheReportToDict(const CacheReport& r);
pybind11::tuple NamespaceToTuple(const Namespace& ns);

// Registers mnemo.Record (fields as attributes; tier as "hot"/"warm"/...).
void BindRecord(pybind11::module_& m);

}  // namespace mnemo::python

#endif  // MNEMO_PYTHON_CONVERT_H_
