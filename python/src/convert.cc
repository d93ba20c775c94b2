// Copyright (c) mnemo authors.
//
// Policies from Python, result structs to dicts.

#include "convert.h"

#include <pybind11/stl.h>

#include "errors.h"

namespace mnemo::python {
namespace py = pybind11;

CompactionPolicy ToPolicy(py::handle value) {
  CompactionPolicy policy;
  if (value.is_none()) return policy;
  std::string json;
  if (py::isinstance<py::str>(value)) {
    json = value.cast<std::string>();
  } else if (py::isinstance<py::dict>(value)) {
    json = py::module_::import("json").attr("dumps")(value).cast<std::string>();
  } else {
    throw py::type_error("policy must be a dict, a JSON string or None");
  }
  ThrowIfError(CompactionPolicy::FromJson(json, &policy));
  return policy;
}

py::dict CompactResultToDict(const CompactResult& r) {
  py::dict d;
  d["records_indexed"] = r.records_indexed;
  d["records_warmed"] = r.records_warmed;
  d["records_paged"] = r.records_paged;
  d["records_decayed"] = r.records_decayed;
  d["records_expired"] = r.records_expired;
  d["records_kept_as_text"] = r.records_kept_as_text;
  d["pages_unmaskable"] = py::cast(r.pages_unmaskable);
  d["pages_written"] = r.pages_written;
  d["pages_decayed"] = r.pages_decayed;
  d["page_bytes"] = r.page_bytes;
  d["seconds"] = r.seconds;
  d["pages_per_second"] = r.pages_per_second;
  d["changed"] = r.changed();
  return d;
}

py::dict TierStatsToDict(const TierStats& s) {
  py::dict d;
  for (int i = 0; i < 4; ++i) {
    const TierTotals& t = s.tiers[i];
    py::dict tier;
    tier["records"] = t.records;
    tier["text_bytes"] = t.text_bytes;
    tier["stored_text_bytes"] = t.stored_text_bytes;
    tier["pages"] = t.pages;
    tier["page_bytes"] = t.page_bytes;
    tier["text_tokens_est"] = t.text_tokens_est;
    tier["vision_tokens"] = t.vision_tokens;
    d[TierName(static_cast<Tier>(i))] = tier;
  }
  d["records_kept_as_text"] = s.records_kept_as_text;
  d["context_tokens"] = s.context_tokens();
  d["text_tokens"] = s.text_tokens();
  return d;
}

py::dict StoreStatsToDict(const StoreStats& s) {
  py::dict d;
  d["records"] = s.records;
  d["expired_records"] = s.expired_records;
  d["text_bytes"] = s.text_bytes;
  d["text_tokens_estimate"] = s.text_tokens_estimate;
  d["history_versions"] = s.history_versions;
  d["namespaces"] = s.namespaces;
  d["pages"] = s.pages;
  py::dict tiers;
  for (int i = 0; i < 4; ++i) {
    tiers[TierName(static_cast<Tier>(i))] = s.records_per_tier[i];
  }
  d["records_per_tier"] = tiers;
  d["records_per_tenant"] = s.records_per_tenant;
  d["records_per_agent"] = s.records_per_agent;  // {(tenant, agent): n}
  d["disk_bytes"] = s.disk_bytes;
  py::list background;
  for (const BackgroundTaskStats& t : s.background) {
    background.append(
        py::dict(py::arg("task") = t.name, py::arg("runs") = t.runs,
                 py::arg("failures") = t.failures,
                 py::arg("consecutive_failures") = t.consecutive_failures,
                 py::arg("last_error") = t.last_error,
                 py::arg("last_success_micros") = t.last_success,
                 py::arg("last_failure_micros") = t.last_failure));
  }
  d["background"] = background;
  const EmbedStats& e = s.embed;
  d["embed"] = py::dict(
      py::arg("model") = e.model, py::arg("dimension") = e.dimension,
      py::arg("texts_embedded") = e.texts_embedded,
      py::arg("pages_embedded") = e.pages_embedded,
      py::arg("texts_pending") = e.texts_pending,
      py::arg("pages_pending") = e.pages_pending,
      py::arg("failed") = e.failed,
      py::arg("embed_seconds") = e.embed_seconds);
  return d;
}

py::dict VerifyReportToDict(const VerifyReport& r) {
  py::dict d;
  d["ok"] = r.ok();
  d["records_checked"] = r.records_checked;
  d["index_entries_checked"] = r.index_entries_checked;
  d["history_checked"] = r.history_checked;
  d["pages_checked"] = r.pages_checked;
  d["postings_checked"] = r.postings_checked;
  d["stale_postings"] = r.stale_postings;
  d["problem_count"] = r.problem_count;
  d["repaired_count"] = r.repaired_count;
  py::list problems;
  for (const VerifyProblem& p : r.problems) {
    problems.append(py::dict(py::arg("kind") = VerifyProblemKindName(p.kind),
                             py::arg("id") = p.id,
                             py::arg("page") = p.page_id,
                             py::arg("message") = p.message,
                             py::arg("repaired") = p.repaired));
  }
  d["problems"] = problems;
  return d;
}

py::tuple NamespaceToTuple(const Namespace& ns) {
  return py::make_tuple(ns.tenant, ns.agent, ns.session);
}

py::dict PageInfoToDict(const PageInfo& p) {
  py::dict d;
  d["page_id"] = p.page_id;
  d["tenant"] = p.ns.tenant;
  d["agent"] = p.ns.agent;
  d["session"] = p.ns.session;
  d["tier"] = TierName(p.tier);
  d["profile"] = p.profile;
  d["width"] = p.width;
  d["height"] = p.height;
  d["vision_tokens"] = p.vision_tokens;
  d["live_records"] = p.live_records;
  d["created_time"] = p.created_time;
  return d;
}

py::dict LocationToDict(const RecordLocation& l) {
  py::list rects;
  for (const RecordLocation::Rect& r : l.rects) {
    rects.append(py::make_tuple(r.page_id, r.x, r.y, r.w, r.h));
  }
  return py::dict(py::arg("page_id") = l.page_id, py::arg("item") = l.item,
                  py::arg("rects") = rects);
}

py::dict CacheReportToDict(const CacheReport& r) {
  py::dict d;
  d["backend"] = r.backend;
  d["backend_reason"] = r.backend_reason;
  d["entries"] = r.cache.entries;
  d["pinned"] = r.cache.pinned;
  d["resident_bytes"] = r.cache.resident_bytes;
  d["host_tier_entries"] = r.cache.host_tier_entries;
  d["host_tier_bytes"] = r.cache.host_tier_bytes;
  d["hits"] = r.cache.hits;
  d["misses"] = r.cache.misses;
  d["evictions"] = r.cache.evictions;
  d["spill_store_bytes"] = r.cache.spill_store_bytes;
  d["budget_chunks"] = r.pools.budget_chunks;
  d["used_chunks"] = r.pools.used_chunks;
  return d;
}

}  // namespace mnemo::python
