// Copyright (c) mnemo authors.
//
// mnemo.Store: open/close and the record calls (put, get, update, history,
// delete, namespaces) plus compaction and operator calls.

#include <pybind11/stl.h>

#include "convert.h"
#include "embedder.h"
#include "mnemo/admin.h"
#include "py_store.h"

namespace mnemo::python {
namespace py = pybind11;

namespace {

// Applies one Store.open() keyword; false when it is unknown.
bool SetOption(Options* o, WriteOptions* w, const std::string& key,
               py::handle v) {
  if (key == "create_if_missing") o->create_if_missing = Arg<bool>(v, key);
  else if (key == "error_if_exists") o->error_if_exists = Arg<bool>(v, key);
  else if (key == "read_only") o->read_only = Arg<bool>(v, key);
  else if (key == "max_record_bytes") o->max_record_bytes = Arg<size_t>(v, key);
  else if (key == "block_cache_bytes") {
    o->block_cache_bytes = Arg<size_t>(v, key);
  } else if (key == "location_hint_bytes") {
    o->location_hint_bytes = Arg<size_t>(v, key);
  }
  else if (key == "write_buffer_bytes") {
    o->write_buffer_bytes = Arg<size_t>(v, key);
  } else if (key == "track_access") o->track_access = Arg<bool>(v, key);
  else if (key == "access_flush_interval_ms") {
    o->access_flush_interval_ms = Arg<uint32_t>(v, key);
  } else if (key == "compaction_threads") {
    o->compaction_threads = Arg<int>(v, key);
  }
  else if (key == "compaction_interval_ms") {
    o->compaction_interval_ms = Arg<uint32_t>(v, key);
  } else if (key == "compaction_policy") o->compaction_policy = ToPolicy(v);
  else if (key == "compaction_max_duty") {
    o->compaction_max_duty = Arg<double>(v, key);
  } else if (key == "full_text_index") o->full_text_index = Arg<bool>(v, key);
  else if (key == "search_language") {
    o->search_language = Arg<std::string>(v, key);
  } else if (key == "cache_enabled") o->cache.enabled = Arg<bool>(v, key);
  else if (key == "use_gpu" || key == "cache_use_gpu") {
    o->cache.use_gpu = Arg<bool>(v, key);
  } else if (key == "cache_budget_bytes" || key == "budget") {
    o->cache.budget_bytes = Arg<size_t>(v, key);
  } else if (key == "cache_host_tier_bytes") {
    o->cache.host_tier_bytes = Arg<size_t>(v, key);
  } else if (key == "cache_policy") o->cache.policy = Arg<std::string>(v, key);
  else if (key == "sync") w->sync = Arg<bool>(v, key);
  else return false;
  return true;
}

PyStore Open(const std::string& path, py::kwargs kwargs) {
  Options options;
  WriteOptions write_options;
  std::shared_ptr<PyEmbedder> embedder;
  for (auto [key, value] : kwargs) {
    std::string k = key.cast<std::string>();
    if (k == "embedder") {
      if (!value.is_none()) {
        embedder = std::make_shared<PyEmbedder>(
            py::reinterpret_borrow<py::object>(value));
      }
      options.embedder = embedder;
      continue;
    }
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
  PyStore py_store(std::move(store), write_options);
  if (embedder != nullptr) embedder->Attach(py_store.Get());
  return py_store;
}

constexpr char kOpenDoc[] = R"doc(Opens (or creates) the store in directory `path`.

Keywords (all optional): create_if_missing, error_if_exists, read_only,
max_record_bytes, block_cache_bytes, location_hint_bytes, write_buffer_bytes,
track_access, access_flush_interval_ms, compaction_threads,
compaction_interval_ms,
compaction_policy (dict or JSON), compaction_max_duty, full_text_index,
search_language, cache_enabled, use_gpu, cache_budget_bytes,
cache_host_tier_bytes, cache_policy, sync, and
  embedder: an object following the mnemo.Embedder protocol (name,
    dimension, embed_texts, embed_pages). The store embeds every record's
    text and every page it renders behind ingest, on a background thread
    (the object is called with the GIL taken), and indexes the vectors for
    vector_search/hybrid_search. Needs cache_enabled=True (pages are fed
    from the hot cache as mnemo.PinnedPage, DLPack-ready).
An unknown keyword raises TypeError.)doc";

RecordUpdate ToUpdate(py::kwargs changes) {
  RecordUpdate u;
  for (auto [key, v] : changes) {
    std::string k = key.cast<std::string>();
    if (k == "text") u.text = Arg<std::string>(v, k);
    else if (k == "role") u.role = Arg<std::string>(v, k);
    else if (k == "kind") u.kind = Arg<std::string>(v, k);
    else if (k == "metadata") {
      u.metadata = Arg<Metadata>(v, k);
    } else if (k == "event_time") u.event_time = ToMicros(v, k);
    else if (k == "importance") u.importance = Arg<float>(v, k);
    else if (k == "expires_at") u.expires_at = ToMicros(v, k);
    else throw py::type_error("update() got an unexpected field '" + k + "'");
  }
  return u;
}

// put()'s keyword fields; None means "not given" (the field's default).
struct PutFields {
  py::object tenant, agent, session, text, role, kind, metadata, event_time,
      importance, expires_at;
  py::dict ToDict() const {
    py::dict d;
    const std::pair<const char*, const py::object*> all[] = {
        {"tenant", &tenant},         {"agent", &agent},
        {"session", &session},       {"text", &text},
        {"role", &role},             {"kind", &kind},
        {"metadata", &metadata},     {"event_time", &event_time},
        {"importance", &importance}, {"expires_at", &expires_at}};
    for (const auto& [name, value] : all) {
      if (!value->is_none()) d[name] = *value;
    }
    return d;
  }
};

RecordId Put(PyStore& s, py::object record, const PutFields& f) {
  py::dict fields = f.ToDict();
  if (!record.is_none() && !fields.empty()) {
    throw py::type_error("put() takes a record or fields, not both");
  }
  Record r = ToRecord(record.is_none() ? py::object(fields) : record);
  RecordId id = 0;
  Call(s, [&](Store& st) { return st.Put(s.write_options(), r, &id); });
  return id;
}

constexpr char kPutDoc[] = R"doc(Stores one record; returns its id.

Pass a mnemo.Record or a dict of its fields as `record`, or the fields as
keywords (not both):
  tenant, agent, text: str (required)
  session: str, "default" when not given (as `mnemo import`)
  role: str, "user";  kind: str, "message"
  metadata: dict of str to str, {}
  event_time: int microseconds since the epoch or datetime; the store's
    clock when not given
  importance: float 0..1, 0.5 (slows aging in compaction)
  expires_at: int microseconds or datetime; never when not given
A field of the wrong type raises TypeError naming it; a bad value
mnemo.InvalidArgument (a ValueError).)doc";

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
  cls.def("put",
          [](PyStore& s, py::object record, py::object tenant,
             py::object agent, py::object session, py::object text,
             py::object role, py::object kind, py::object metadata,
             py::object event_time, py::object importance,
             py::object expires_at) {
            return Put(s, std::move(record),
                       {tenant, agent, session, text, role, kind, metadata,
                        event_time, importance, expires_at});
          },
          py::arg("record") = py::none(), py::kw_only(),
          py::arg("tenant") = py::none(), py::arg("agent") = py::none(),
          py::arg("session") = py::none(), py::arg("text") = py::none(),
          py::arg("role") = py::none(), py::arg("kind") = py::none(),
          py::arg("metadata") = py::none(), py::arg("event_time") = py::none(),
          py::arg("importance") = py::none(),
          py::arg("expires_at") = py::none(), kPutDoc)
      .def("put_batch", &PutBatch, py::arg("records"),
           "Stores records (mnemo.Record or dicts, fields and defaults as "
           "put) atomically; returns their ids in order.")
      .def("get", &Get, py::arg("tenant"), py::arg("id"),
           py::arg("count_access") = true,
           "The record `id` of `tenant` (mnemo.NotFound when absent, expired "
           "or another tenant's); count_access=False reads without counting "
           "an access (which slows aging).")
      .def("update", &Update, py::arg("tenant"), py::arg("id"),
           "update(tenant, id, **changes): changes the given fields (text, "
           "role, kind, metadata, event_time, importance, expires_at); "
           "returns the new version as a mnemo.Record.");
}

void BindDeleteCalls(py::class_<PyStore>& cls) {
  cls.def("history", [](PyStore& s, const std::string& tenant, RecordId id) {
        std::vector<Record> versions;
        Call(s, [&](Store& st) { return st.History(ReadOptions(), tenant, id, &versions); });
        return versions;
      }, py::arg("tenant"), py::arg("id"),
         "Every version of record `id`, oldest first, the current one last.")
      .def("delete", [](PyStore& s, const std::string& tenant, RecordId id) {
        Call(s, [&](Store& st) {
          return st.Delete(s.write_options(), tenant, id);
        });
      }, py::arg("tenant"), py::arg("id"),
         "Deletes record `id` and its history (mnemo.NotFound when absent).")
      .def("delete_session", [](PyStore& s, const std::string& tenant,
                                const std::string& agent,
                                const std::string& session) {
        uint64_t n = 0;
        Call(s, [&](Store& st) {
          return st.DeleteSession(s.write_options(), tenant, agent, session,
                                  &n);
        });
        return n;
      }, py::arg("tenant"), py::arg("agent"), py::arg("session"),
         "Deletes every record of a session; returns how many.")
      .def("delete_agent", [](PyStore& s, const std::string& tenant,
                              const std::string& agent) {
        uint64_t n = 0;
        Call(s, [&](Store& st) {
          return st.DeleteAgent(s.write_options(), tenant, agent, &n);
        });
        return n;
      }, py::arg("tenant"), py::arg("agent"),
         "Deletes every record of an agent; returns how many.")
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
        Call(s, [&](Store& st) { return mnemo::GetTierStats(&st, tenant, &stats); });
        return TierStatsToDict(stats);
      }, py::arg("tenant") = "",
         "Record, byte, page and token totals per tier (all tenants when "
         "empty).")
      .def("stats", [](PyStore& s) {
        StoreStats stats;
        Call(s, [&](Store& st) { return mnemo::GetStats(&st, &stats); });
        return StoreStatsToDict(stats);
      }, "Store statistics from one snapshot (operator call: all tenants); "
         "'embed' holds the encoder feed's counters (model, dimension, "
         "texts/pages embedded and pending, failed, embed_seconds).")
      .def("verify", [](PyStore& s, bool deep, bool repair) {
        VerifyOptions options;
        options.deep = deep;
        options.repair = repair;
        VerifyReport report;
        Call(s, [&](Store& st) { return mnemo::Verify(&st, options, &report); });
        return VerifyReportToDict(report);
      }, py::arg("deep") = false, py::arg("repair") = false,
         "Checks checksums and indexes (deep: decodes pages too; repair: "
         "fixes indexes); returns the report as a dict.")
      .def("checkpoint", [](PyStore& s, const std::string& dir) {
        Call(s, [&](Store& st) { return mnemo::Checkpoint(&st, dir); });
      }, py::arg("dir"),
         "Writes an openable copy of the store to `dir` (must not exist).")
      .def("backup", [](PyStore& s, const std::string& dir) {
        BackupInfo info;
        Call(s, [&](Store& st) { return mnemo::Backup(&st, dir, &info); });
        return py::dict(py::arg("backup_id") = info.backup_id,
                        py::arg("size_bytes") = info.size_bytes,
                        py::arg("index_bytes") = info.index_bytes,
                        py::arg("backup_count") = info.backup_count);
      }, py::arg("dir"),
         "Adds an incremental backup (records and search index) to `dir`; "
         "returns backup_id, size_bytes, index_bytes and backup_count.")
      .def("flush_embeddings", [](PyStore& s) {
        Call(s, [](Store& st) { return mnemo::FlushEmbeddings(&st); });
      }, "Runs the encoder feed until every record and queued page is "
         "embedded or refused (see stats()['embed']). FailedPrecondition "
         "without an embedder; the embedder's error (e.g. mnemo.Aborted "
         "carrying its exception) when a batch keeps failing: it stays "
         "queued.")
      .def("flush_access_counts", [](PyStore& s) {
        Call(s, [](Store& st) { return mnemo::FlushAccessCounts(&st); });
      }, "Writes gathered access counts now.");
}

}  // namespace

void BindStoreMethods(py::module_& m, py::class_<PyStore>& cls) {
  (void)m;
  cls.def_static("open", &Open, py::arg("path"), kOpenDoc)
      .def("close", &PyStore::Close,
           "Closes the store (also on leaving a `with` block); later calls "
           "raise mnemo.FailedPrecondition.")
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
