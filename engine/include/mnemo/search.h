// Copyright (c) mnemo authors.
//
// Search over an agent's memory, whatever tier its records are in: BM25
// full-text search, exact vector search over host-supplied embeddings,
// hybrid fusion of both, and the context builder that packs the results
// into a token budget for a VLM (Store::Search, with SearchOptions::mode
// choosing text, vector or hybrid; Store::BuildContext).
//
// The full-text index (Options::full_text_index) is built behind ingest:
// Put writes only the record, and an indexer adds its postings shortly
// after (a background thread, every Options::search_index_interval_ms).
// Text and hybrid searches (so BuildContext) see every write acknowledged
// before they began, even after a crash: they first index a small backlog
// (Options::search_catch_up_records) themselves, waiting for concurrent
// inserts of lower ids to finish, and score the unindexed records of a
// larger one directly while the background indexer drains it.
// A store opened read-only searches what was indexed when it was last
// closed. Compaction takes a record only after it is indexed and never
// touches the index: a record rendered onto a page, or whose text a
// forgetting policy dropped, is found by the words it was stored with.
//
// Tenant isolation: every call names its tenant; records, pages and
// statistics of other tenants never reach a result or influence a score.

#ifndef MNEMO_SEARCH_H_
#define MNEMO_SEARCH_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mnemo/record.h"

namespace mnemo {

// Which records a search may return. Unset optionals mean "any".
struct SearchFilter {
  std::string tenant;  // required (InvalidArgument when empty)
  std::string agent;   // empty: every agent of the tenant
  std::optional<std::string> session;
  std::optional<std::string> role;
  std::optional<std::string> kind;
  // Event time range [start_time, end_time).
  std::optional<Micros> start_time;
  std::optional<Micros> end_time;
};

// BM25 parameters: term-frequency saturation k1 and length normalization b.
// Default: k1 1.2, b 0.75 (Lucene's). Valid: k1 >= 0, 0 <= b <= 1.
struct Bm25Params {
  double k1 = 1.2;
  double b = 0.75;
};

// Query-time refinements over plain BM25 (no index change: stores of any
// age get them). Each was kept because it raised LoCoMo recall; the eval
// (mnemo-search-eval) prints the gain of each. A weight of 0 turns one off.
// They read the records of the best `rerank_pool` candidates (a read each).
struct RankingOptions {
  // Neighbour context: a record also scores this share of the BM25 scores
  // of the records just before and after it (adjacent ids of the same
  // agent and session: turns written in order), so an answer is found by
  // the words of the question it replies to.
  // Default: 0.5
  double neighbour_weight = 0.5;
  // Session evidence: a record also scores this share of the best score
  // among the candidates of its session.
  // Default: 0.5
  double session_weight = 0.5;
  // Speaker field: a query word that is the record's role (a speaker's
  // name) adds this times the word's BM25 idf (BM25F-style field weight).
  // Default: 2
  double role_weight = 2.0;
  // Time phrases in the query ("in May 2023", "on 8 May, 2023", "in
  // June"): a record whose event time falls in the named period has its
  // score multiplied by 1 + time_boost (a boost, not a filter: the event a
  // question names is often told of a little later).
  // Default: 1
  double time_boost = 1.0;
  // Pseudo-relevance feedback (RM3-style): the `prf_terms` best terms of
  // the top `prf_docs` hits are added to the query at `prf_weight` and
  // the query is ranked again (prf_docs 0: off).
  // Default: 0 (measured: no gain on LoCoMo)
  size_t prf_docs = 0;
  size_t prf_terms = 10;
  double prf_weight = 0.3;
  // Candidates (best BM25 first) whose records are read to apply the
  // neighbour, session, speaker and time refinements; the rest keep their
  // BM25 order below them. 0 turns all four off.
  // Default: 64
  size_t rerank_pool = 64;
};

// --- Vectors -------------------------------------------------------------

enum class VectorType : uint8_t { kFloat32 = 0, kFloat16 = 1 };
enum class VectorMetric : uint8_t { kCosine = 0, kDot = 1 };

// An embedding supplied by the host for one record. The first embedding
// stored for an agent fixes its dimension; later ones of another dimension
// are InvalidArgument. `data` is `dim` values of `type` (float16: IEEE
// binary16 bits). The store keeps the type it is given (float16 halves the
// bytes). Not owned; read only during the call.
struct EmbeddingRef {
  VectorType type = VectorType::kFloat32;
  const void* data = nullptr;
  size_t dim = 0;  // 1..4096
};

struct VectorQuery {
  std::vector<float> vector;  // same dimension as the agent's embeddings
  VectorMetric metric = VectorMetric::kCosine;
};

// Reciprocal rank fusion: score = Σ weight / (rrf_k + rank), rank from 1.
struct HybridOptions {
  double text_weight = 1.0;
  double vector_weight = 1.0;
  double rrf_k = 60.0;
  // Candidates taken from each ranking before fusion (>= offset + k).
  // Default: 100
  size_t candidates = 100;
};

// What Store::Search ranks by.
enum class SearchMode : uint8_t {
  kText = 0,    // BM25 over SearchOptions::query
  kVector = 1,  // exact top-k over SearchOptions::vector (query ignored)
  kHybrid = 2,  // text and vector rankings fused (SearchOptions::hybrid)
};

struct SearchOptions {
  SearchFilter filter;
  // Free text; analyzed exactly as records are (Unicode case folding,
  // Snowball stemming in Options::search_language, stop words dropped).
  // A query with no indexable word matches nothing (OK, no hits). A hit
  // holds a query word, or (neighbour context, RankingOptions) is next to
  // records that do in its session.
  std::string query;
  // Page size and position: hits [offset, offset + k) of the full ranking.
  // k: 1..1000. Rankings are deterministic (ties go to the newer record),
  // so pages of the same query on an unchanged store do not overlap.
  size_t k = 10;
  size_t offset = 0;
  Bm25Params bm25;
  RankingOptions ranking;
  // Length of SearchHit::snippet in bytes (0: no snippet).
  // Default: 160
  size_t snippet_bytes = 160;
  // When true, SearchResult::matched is exact: every matching record is
  // read once to apply the filter (and drop deleted or expired ones), which
  // costs a read per match (a broad query on 100k records: ~4x slower).
  // When false, matched is an upper bound: records matching the query
  // before the filter.
  // Default: false
  bool exact_count = false;
  // Text (BM25), vector or hybrid ranking.
  // Default: SearchMode::kText
  SearchMode mode = SearchMode::kText;
  // The query vector of kVector and kHybrid searches. Left empty, the
  // query text is embedded with Options::embedder (InvalidArgument when the
  // store has none).
  VectorQuery vector;
  // How kHybrid fuses its two rankings.
  HybridOptions hybrid;
};

struct SearchHit {
  RecordId id = 0;
  // BM25 score (kText), similarity (kVector) or fused reciprocal-rank
  // score (kHybrid); higher is better.
  double score = 0;
  // The whole record as Get returns it (without counting an access). Its
  // tier and page say where it lives; its text is empty when forgotten.
  Record record;
  // A window of the text around the first query word (kText/kHybrid), or
  // the start of the text (kVector). Empty when the text is forgotten.
  std::string snippet;
};

struct SearchResult {
  std::vector<SearchHit> hits;
  // Records that match (at least one query word, or found through their
  // neighbours; for kVector every
  // record with an embedding; for kHybrid the fused candidates). With
  // SearchOptions::exact_count, only those that pass the filter: all pages
  // of this query on an unchanged store then hold this many hits together.
  // Without it, an upper bound (counted before the filter).
  size_t matched = 0;
};

// --- Context builder -------------------------------------------------------

struct ContextOptions {
  SearchFilter filter;  // tenant required; agent required
  // Text to search for; empty builds a context of recent records only.
  std::string query;
  // The context never costs more than this many tokens (>= 1).
  size_t token_budget = 4000;
  // VLM profile (codec profile name) that prices page images: a whole page
  // costs the profile's vision_tokens, a crop its share of the page area.
  // Default: "base"
  std::string profile = "base";
  // The newest records always considered (as text when they have it).
  // Default: 8
  size_t recent_records = 8;
  // Search hits considered before the recent records (best first).
  // Default: 20
  size_t max_hits = 20;
  // How the search behind the hits ranks them (SearchOptions::ranking).
  // Default: RankingOptions() (BM25 with the query-time refinements)
  RankingOptions ranking;
  // When the budget has room after those and the recent records, further
  // hits are added in ranking order until it is full, up to this many
  // hits in all (<= max_hits: none).
  // Default: 200
  size_t fill_hits = 200;
  // Records on pages: true sends a crop of the lines holding each hit,
  // false the whole page.
  // Default: false
  bool crop_pages = false;
  // A record on a decayed page whose text is kept is never sent as that
  // blurry page: it is shown from its kept text, with this many
  // neighbouring records (its page's items before and after it, with their
  // time and role), as text or as a freshly rendered crop at `profile`,
  // whichever costs fewer tokens (ContextPart::Source::kRerendered).
  // Two (by measurement on LoCoMo: evidence in context 0.86/0.92 at 500/1,000
  // tokens, against 0.84/0.90 with one and 0.83/0.92 with three).
  // Default: 2
  size_t neighbor_records = 2;
  // False for a reader that takes no images: records go out as their kept
  // text only (records whose text is forgotten are left out).
  // Default: true
  bool images = true;
  Bm25Params bm25;
};

// One piece of a context: a record's text, or a page image (whole, or a
// crop holding hits).
struct ContextPart {
  enum class Kind : uint8_t { kText = 0, kPage = 1 };
  Kind kind = Kind::kText;
  // Where what the reader sees comes from:
  //  kText: the records' exact text;
  //  kStoredPage: a stored page image (pixels tier: full resolution);
  //  kRerendered: a fresh crop-sized image rendered from the kept text of
  //    records whose page has decayed (legible at `profile`);
  //  kDecayedOnly: a decayed (downscaled, hard to read) page, sent only
  //    because a policy has forgotten its records' text.
  enum class Source : uint8_t {
    kText = 0,
    kStoredPage = 1,
    kRerendered = 2,
    kDecayedOnly = 3
  };
  Source source = Source::kText;
  // kText: the record; kPage: the hit records on the image, best first.
  std::vector<RecordId> records;
  // Further records shown legibly on the part, in time order: neighbours
  // of the hits (ContextOptions::neighbor_records). Empty for stored pages.
  std::vector<RecordId> neighbors;
  Micros event_time = 0;  // of the (first) record
  // kText: "[2024-01-01T10:00:00Z] role: text", one line per record (hits
  // and neighbours in time order). Empty for pages.
  std::string text;
  // kPage: the page, the PNG bytes (cropped when `cropped`), and the crop
  // rectangle in the page's current image. kRerendered: page_id 0 (no
  // stored page holds these pixels), the rectangle in the fresh rendering.
  uint64_t page_id = 0;
  std::string png;
  bool cropped = false;
  int x = 0, y = 0, width = 0, height = 0;
  size_t tokens = 0;  // text tokens estimate, or vision tokens
  double score = 0;   // best search score among its records (0: recent)
};

struct Context {
  // In time order (oldest first), as a VLM should read them.
  std::vector<ContextPart> parts;
  size_t text_tokens = 0;
  size_t vision_tokens = 0;
  size_t total_tokens() const { return text_tokens + vision_tokens; }
  // Candidates that did not fit the budget.
  size_t dropped = 0;
};

}  // namespace mnemo

#endif  // MNEMO_SEARCH_H_
