// Copyright (c) mnemo authors.
//
// Search and context building: Store.search (BM25), put_embedding,
// vector_search, hybrid_search, and Store.context (parts for a VLM prompt).

#include <pybind11/stl.h>

#include "convert.h"
#include "mnemo/quote.h"
#include "py_store.h"

namespace mnemo::python {
namespace py = pybind11;

namespace {

// Consumes the keywords of a SearchFilter (agent, session, role, kind,
// start_time, end_time); true when `key` was one of them.
bool SetFilter(SearchFilter* f, const std::string& key, py::handle v) {
  if (key == "agent") f->agent = Arg<std::string>(v, key);
  else if (key == "session") f->session = ToOptionalString(v, key);
  else if (key == "role") f->role = ToOptionalString(v, key);
  else if (key == "kind") f->kind = ToOptionalString(v, key);
  else if (key == "start_time") f->start_time = ToOptionalMicros(v, key);
  else if (key == "end_time") f->end_time = ToOptionalMicros(v, key);
  else return false;
  return true;
}

[[noreturn]] void UnknownKeyword(const char* call, const std::string& key) {
  throw py::type_error(std::string(call) + "() got an unexpected keyword '" +
                       key + "'");
}

SearchOptions ToSearchOptions(std::string tenant, std::string query,
                              py::kwargs kwargs, const char* call) {
  SearchOptions o;
  o.filter.tenant = std::move(tenant);
  o.query = std::move(query);
  for (auto [key, v] : kwargs) {
    std::string k = key.cast<std::string>();
    if (SetFilter(&o.filter, k, v)) continue;
    if (k == "k") o.k = Arg<size_t>(v, k);
    else if (k == "offset") o.offset = Arg<size_t>(v, k);
    else if (k == "snippet_bytes") o.snippet_bytes = Arg<size_t>(v, k);
    else if (k == "k1") o.bm25.k1 = Arg<double>(v, k);
    else if (k == "b") o.bm25.b = Arg<double>(v, k);
    else UnknownKeyword(call, k);
  }
  return o;
}

ContextOptions ToContextOptions(std::string tenant, std::string agent,
                                py::kwargs kwargs) {
  ContextOptions o;
  o.filter.tenant = std::move(tenant);
  o.filter.agent = std::move(agent);
  for (auto [key, v] : kwargs) {
    std::string k = key.cast<std::string>();
    if (k != "agent" && SetFilter(&o.filter, k, v)) continue;
    if (k == "query") o.query = Arg<std::string>(v, k);
    else if (k == "token_budget") o.token_budget = Arg<size_t>(v, k);
    else if (k == "profile") o.profile = Arg<std::string>(v, k);
    else if (k == "recent_records") o.recent_records = Arg<size_t>(v, k);
    else if (k == "max_hits") o.max_hits = Arg<size_t>(v, k);
    else if (k == "crop_pages") o.crop_pages = Arg<bool>(v, k);
    else if (k == "fill_hits") o.fill_hits = Arg<size_t>(v, k);
    else if (k == "neighbor_records") o.neighbor_records = Arg<size_t>(v, k);
    else if (k == "images") o.images = Arg<bool>(v, k);
    else UnknownKeyword("context", k);
  }
  return o;
}

VectorQuery ToVectorQuery(std::vector<float> vector, const std::string& metric) {
  VectorQuery q;
  q.vector = std::move(vector);
  if (metric == "cosine") q.metric = VectorMetric::kCosine;
  else if (metric == "dot") q.metric = VectorMetric::kDot;
  else ThrowIfError(Status::InvalidArgument("unknown metric " + QuoteForMessage(metric)));
  return q;
}

void BindResultTypes(py::module_& m) {
  py::class_<SearchHit>(m, "SearchHit",
                        "One search hit: id, score, record and snippet.")
      .def_readonly("id", &SearchHit::id)
      .def_readonly("score", &SearchHit::score)
      .def_readonly("record", &SearchHit::record)
      .def_readonly("snippet", &SearchHit::snippet)
      .def("__repr__", [](const SearchHit& h) {
        return "SearchHit(id=" + std::to_string(h.id) +
               ", score=" + std::to_string(h.score) + ")";
      });
  py::class_<ContextPart>(m, "ContextPart",
                          "One part of a Context: text or a page image.")
      .def_property_readonly("kind", [](const ContextPart& p) {
        return p.kind == ContextPart::Kind::kText ? "text" : "page";
      })
      .def_property_readonly("source", [](const ContextPart& p) {
        switch (p.source) {
          case ContextPart::Source::kText: return "text";
          case ContextPart::Source::kStoredPage: return "stored_page";
          case ContextPart::Source::kRerendered: return "rerendered";
          case ContextPart::Source::kDecayedOnly: return "decayed_only";
        }
        return "?";
      })
      .def_readonly("records", &ContextPart::records)
      .def_readonly("neighbors", &ContextPart::neighbors)
      .def_readonly("event_time", &ContextPart::event_time)
      .def_readonly("text", &ContextPart::text)
      .def_readonly("page_id", &ContextPart::page_id)
      .def_property_readonly("png", [](const ContextPart& p) {
        return py::bytes(p.png);
      })
      .def_readonly("cropped", &ContextPart::cropped)
      .def_property_readonly("rect", [](const ContextPart& p) {
        return py::make_tuple(p.x, p.y, p.width, p.height);
      })
      .def_readonly("tokens", &ContextPart::tokens)
      .def_readonly("score", &ContextPart::score);
  py::class_<Context>(m, "Context",
                      "Parts within a token budget, built by Store.context().")
      .def_readonly("parts", &Context::parts)
      .def_readonly("text_tokens", &Context::text_tokens)
      .def_readonly("vision_tokens", &Context::vision_tokens)
      .def_property_readonly("total_tokens", &Context::total_tokens)
      .def_readonly("dropped", &Context::dropped);
}

std::vector<SearchHit> Search(PyStore& s, std::string tenant,
                              std::string query, py::kwargs kwargs) {
  SearchOptions options =
      ToSearchOptions(std::move(tenant), std::move(query), kwargs, "search");
  SearchResult result;
  Call(s, [&](Store& st) { return st.Search(options, &result); });
  return std::move(result.hits);
}

std::vector<SearchHit> VectorSearch(PyStore& s, std::string tenant,
                                    std::vector<float> vector,
                                    std::string metric, py::kwargs kwargs) {
  SearchOptions options =
      ToSearchOptions(std::move(tenant), "", kwargs, "vector_search");
  options.mode = SearchMode::kVector;
  options.vector = ToVectorQuery(std::move(vector), metric);
  SearchResult result;
  Call(s, [&](Store& st) { return st.Search(options, &result); });
  return std::move(result.hits);
}

// `vector` None: the store embeds the query text with its embedder.
std::vector<SearchHit> HybridSearch(PyStore& s, std::string tenant,
                                    std::string text,
                                    std::optional<std::vector<float>> vector,
                                    std::string metric, py::kwargs kwargs) {
  SearchOptions options = ToSearchOptions(std::move(tenant), std::move(text),
                                          kwargs, "hybrid_search");
  options.mode = SearchMode::kHybrid;
  options.vector = ToVectorQuery(std::move(vector).value_or(std::vector<float>()),
                                 metric);
  options.hybrid.candidates =
      std::max(options.hybrid.candidates, options.offset + options.k);
  SearchResult result;
  Call(s, [&](Store& st) { return st.Search(options, &result); });
  return std::move(result.hits);
}

void PutEmbedding(PyStore& s, const std::string& tenant, RecordId id,
                  std::vector<float> vector) {
  EmbeddingRef ref;
  ref.type = VectorType::kFloat32;
  ref.data = vector.data();
  ref.dim = vector.size();
  Call(s, [&](Store& st) {
    return st.PutEmbedding(s.write_options(), tenant, id, ref);
  });
}

}  // namespace

void BindSearch(py::module_& m, py::class_<PyStore>& cls) {
  BindResultTypes(m);
  cls.def("search", &Search, py::arg("tenant"), py::arg("query"),
          "BM25 search. Keywords: agent, session, role, kind, start_time, "
          "end_time, k, offset, snippet_bytes, k1, b.")
      .def("put_embedding", &PutEmbedding, py::arg("tenant"), py::arg("id"),
           py::arg("vector"),
           "Stores (or replaces) the host's embedding of record `id`.")
      .def("vector_search", &VectorSearch, py::arg("tenant"),
           py::arg("vector"), py::arg("metric") = "cosine",
           "Exact top-k by cosine or dot product over stored embeddings "
           "(filter keywords as search()).")
      .def("hybrid_search", &HybridSearch, py::arg("tenant"),
           py::arg("query"), py::arg("vector") = py::none(),
           py::arg("metric") = "cosine",
           "Fuses the BM25 ranking of `query` and the vector ranking of "
           "`vector` by reciprocal rank. With vector=None the store's "
           "embedder (Store.open(embedder=...)) embeds `query`.")
      .def("context", [](PyStore& s, std::string tenant, std::string agent,
                         py::kwargs kwargs) {
        ContextOptions options =
            ToContextOptions(std::move(tenant), std::move(agent), kwargs);
        Context context;
        Call(s, [&](Store& st) { return st.BuildContext(options, &context); });
        return context;
      }, py::arg("tenant"), py::arg("agent"),
         "Packs recent records and hits into parts within token_budget. "
         "Keywords: query, token_budget, profile, recent_records, max_hits, "
         "crop_pages, fill_hits, neighbor_records, images, session, role, kind, "
         "start_time, end_time.");
}

}  // namespace mnemo::python
