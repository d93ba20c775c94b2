// Copyright (c) mnemo authors.
//
// mnemo.Store: open/close and the record calls (put, get, update, history,
// delete, namespaces) plus compaction and operator calls.

#include <pybind11/stl.h>

#include "convert.h"
#include "py_store.h"

namespace mnemo::python {
namespace py = pybind11;

namespace {

// Applies one Store.open() keyword; false when it is unknown.
bool SetOption(Options* o, WriteOptions* w, const std::string& key,
               py::handle v) {
  if (key == "create_if_missing") o->create_if_missing = v.cast<bool>();
  else if (key == "error_if_exists") o->error_if_exists = v.cast<bool>();
  else if (key == "read_only") o->read_only = v.cast<bool>();
  else if (key == "max_record_bytes") o->max_record_bytes = v.cast<size_t>();
  else if (key == "block_cache_bytes") o->block_cache_bytes = v.cast<size_t>();
  else if (key == "write_buffer_bytes") {
    o->write_buffer_bytes = v.cast<size_t>();
  } else if (key == "track_access") o->track_access = v.cast<bool>();
  else if (key == "access_flush_interval_ms") {
    o->access_flush_interval_ms = v.cast<uint32_t>();
  } else if (key == "compaction_threads") o->compaction_threads = v.cast<int>();
  else if (key == "compaction_interval_ms") {
    o->compaction_interval_ms = v.cast<uint32_t>();
  } else if (key == "compaction_policy") o->compaction_policy = ToPolicy(v);
  else if (key == "compaction_max_duty") {
    o->compaction_max_duty = v.cast<double>();
  } else if (key == "full_text_index") o->full_text_index = v.cast<bool>();
  else if (key == "search_language") {
    o->search_language = v.cast<std::string>();
  } else if (key == "cache_enabled") o->cache.enabled = v.cast<bool>();
  else if (key == "use_gpu" || key == "cache_use_gpu") {
    o->cache.use_gpu = v.cast<bool>();
  } else if (key == "cache_budget_bytes" || key == "budget") {
    o->cache.budget_bytes = v.cast<size_t>();
  } else if (key == "cache_host_tier_bytes") {
    o->cache.host_tier_bytes = v.cast<size_t>();
  } else if (key == "cache_policy") o->cache.policy = v.cast<std::string>();
  else if (key == "sync") w->sync = v.cast<bool>();
  else return false;
  return true;
}

PyStore Open(const std::string& path, py::kwargs kwargs) {
  Options options;
  WriteOptions write_options;
  for (auto [key, value] : kwargs) {
    std::string k = key.cast<std::string>();
    if (!SetOption(&options, &write_options, k, value)) {
      throw py::type_error("Store.open() got an unexpected option '" + k + "'");
    }
  }
  std::unique_ptr<Store> store;
  Status status;
  {
    py::gil_scoped_release nogil;
    status = Store::Open(options, path, &store);
  }
  ThrowIfError(status);
  return PyStore(std::move(store), write_options);
}

RecordUpdate ToUpdate(py::kwargs changes) {
  RecordUpdate u;
  for (auto [key, v] : changes) {
    std::string k = key.cast<std::string>();
    if (k == "text") u.text = v.cast<std::string>();
    else if (k == "role") u.role = v.cast<std::string>();
    else if (k == "kind") u.kind = v.cast<std::string>();
    else if (k == "metadata") {
      u.metadata = v.cast<std::map<std::string, std::string>>();
    } else if (k == "event_time") u.event_time = ToMicros(v);
    else if (k == "importance") u.importance = v.cast<float>();
    else if (k == "expires_at") u.expires_at = ToMicros(v);
    else throw py::type_error("update() got an unexpected field '" + k + "'");
  }
  return u;
}

RecordId Put(PyStore& s, py::object record, py::kwargs fields) {
  if (!record.is_none() && !fields.empty()) {
    throw py::type_error("put() takes a record or fields, not both");
  }
  Record r = record.is_none() ? ToRecord(fields) : ToRecord(record);
  RecordId id = 0;
  Call(s, [&](Store& st) { return st.Put(s.write_options(), r, &id); });
  return id;
}

std::vector<RecordId> PutBatch(PyStore& s, py::iterable records) {
  std::vector<Record> batch = ToRecords(records);
  std::vector<RecordId> ids;
  Call(s, [&](Store& st) { return st.PutBatch(s.write_options(), batch, &ids); });
  return ids;
}

Record Get(PyStore& s, const std::string& tenant, RecordId id,
           bool count_access) {
  ReadOptions read;
  read.count_access = count_access;
  Record r;
  Call(s, [&](Store& st) { return st.Get(read, tenant, id, &r); });
  return r;
}

Record Update(PyStore& s, const std::string& tenant, RecordId id,
              py::kwargs changes) {
  RecordUpdate update = ToUpdate(changes);
  Record r;
  Call(s, [&](Store& st) {
    return st.Update(s.write_options(), tenant, id, update, &r);
  });
  return r;
}

py::dict Compact(PyStore& s, py::object now, py::object policy, int threads) {
  CompactOptions options;
  options.now = now.is_none() ? 0 : ToMicros(now);
  options.policy = ToPolicy(policy);
  options.threads = threads;
  CompactResult result;
  Call(s, [&](Store& st) { return st.Compact(options, &result); });
  return CompactResultToDict(result);
}

void BindRecordCalls(py::class_<PyStore>& cls) {
  cls.def("put", &Put, py::arg("record") = py::none(),
          "Stores a Record (or dict, or keyword fields); returns its id.")
      .def("put_batch", &PutBatch, py::arg("records"),
           "Stores records atomically; returns their ids in order.")
      .def("get", &Get, py::arg("tenant"), py::arg("id"),
           py::arg("count_access") = true)
      .def("update", &Update, py::arg("tenant"), py::arg("id"),
           "Changes the given fields; returns the new version.");
}

void BindDeleteCalls(py::class_<PyStore>& cls) {
  cls.def("history", [](PyStore& s, const std::string& tenant, RecordId id) {
        std::vector<Record> versions;
        Call(s, [&](Store& st) { return st.History(tenant, id, &versions); });
        return versions;
      }, py::arg("tenant"), py::arg("id"))
      .def("delete", [](PyStore& s, const std::string& tenant, RecordId id) {
        Call(s, [&](Store& st) {
          return st.Delete(s.write_options(), tenant, id);
        });
      }, py::arg("tenant"), py::arg("id"))
      .def("delete_session", [](PyStore& s, std::string tenant,
                                std::string agent, std::string session) {
        Namespace ns{std::move(tenant), std::move(agent), std::move(session)};
        uint64_t n = 0;
        Call(s, [&](Store& st) {
          return st.DeleteSession(s.write_options(), ns, &n);
        });
        return n;
      }, py::arg("tenant"), py::arg("agent"), py::arg("session"))
      .def("delete_agent", [](PyStore& s, const std::string& tenant,
                              const std::string& agent) {
        uint64_t n = 0;
        Call(s, [&](Store& st) {
          return st.DeleteAgent(s.write_options(), tenant, agent, &n);
        });
        return n;
      }, py::arg("tenant"), py::arg("agent"))
      .def("list_namespaces", [](PyStore& s, const std::string& tenant) {
        std::vector<Namespace> all;
        Call(s, [&](Store& st) { return st.ListNamespaces(tenant, &all); });
        py::list out;
        for (const Namespace& ns : all) out.append(NamespaceToTuple(ns));
        return out;
      }, py::arg("tenant") = "",
         "Sorted (tenant, agent, session) tuples; all tenants when empty.");
}

void BindAdminCalls(py::class_<PyStore>& cls) {
  cls.def("compact", &Compact, py::arg("now") = py::none(),
          py::arg("policy") = py::none(), py::arg("threads") = 1,
          "Moves due records down tiers; policy is a dict or JSON string.")
      .def("tier_stats", [](PyStore& s, const std::string& tenant) {
        TierStats stats;
        Call(s, [&](Store& st) { return st.GetTierStats(tenant, &stats); });
        return TierStatsToDict(stats);
      }, py::arg("tenant") = "")
      .def("stats", [](PyStore& s) {
        StoreStats stats;
        Call(s, [&](Store& st) { return st.GetStats(&stats); });
        return StoreStatsToDict(stats);
      })
      .def("verify", [](PyStore& s, bool deep, bool repair) {
        VerifyOptions options;
        options.deep = deep;
        options.repair = repair;
        VerifyReport report;
        Call(s, [&](Store& st) { return st.Verify(options, &report); });
        return VerifyReportToDict(report);
      }, py::arg("deep") = false, py::arg("repair") = false)
      .def("checkpoint", [](PyStore& s, const std::string& dir) {
        Call(s, [&](Store& st) { return st.Checkpoint(dir); });
      }, py::arg("dir"))
      .def("backup", [](PyStore& s, const std::string& dir) {
        BackupInfo info;
        Call(s, [&](Store& st) { return st.Backup(dir, &info); });
        return py::dict(py::arg("backup_id") = info.backup_id,
                        py::arg("size_bytes") = info.size_bytes,
                        py::arg("backup_count") = info.backup_count);
      }, py::arg("dir"))
      .def("flush_access_counts", [](PyStore& s) {
        Call(s, [](Store& st) { return st.FlushAccessCounts(); });
      });
}

}  // namespace

void BindStoreMethods(py::module_& m, py::class_<PyStore>& cls) {
  (void)m;
  cls.def_static("open", &Open, py::arg("path"),
                 "Opens (or creates) the store in directory `path`.")
      .def("close", &PyStore::Close)
      .def_property_readonly("closed", &PyStore::closed)
      .def_property_readonly("path", [](const PyStore& s) {
        return s.Get()->dir();
      })
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](PyStore& s, py::args) { s.Close(); });
  BindRecordCalls(cls);
  BindDeleteCalls(cls);
  BindAdminCalls(cls);
}

}  // namespace mnemo::python
