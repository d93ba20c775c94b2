// Copyright (c) mnemo authors.
//
// The context builder: an agent's newest records and its search hits,
// packed into a token budget for a VLM. Candidates are taken best first
// (hits by score, then the newest records), each as text when its record
// is hot or warm, as page images once it is on a page (falling back to its
// kept text when the images do not fit). A record on a decayed page whose
// text is kept is shown legibly from that text instead (context_rerender.h).
// Parts that do not fit are skipped; the rest go out in time order.

#include <algorithm>
#include <set>

#include "context_internal.h"
#include "context_rerender.h"
#include "mnemo/quote.h"
#include "store_impl.h"

namespace mnemo::internal {
namespace {

struct Candidate {
  Record record;
  double score = 0;  // 0: a recent record
};

Status ValidateContext(const ContextOptions& o,
                       const codec::RenderProfile** profile) {
  if (o.filter.tenant.empty() || o.filter.agent.empty()) {
    return Status::InvalidArgument("context: tenant and agent are required");
  }
  if (o.token_budget == 0) {
    return Status::InvalidArgument("context: token budget must be >= 1");
  }
  *profile = codec::FindProfile(o.profile);
  if (*profile == nullptr) {
    return Status::InvalidArgument("context: unknown profile " +
                                   QuoteForMessage(o.profile));
  }
  return Status::OK();
}

// Search hits [offset, offset + k) of the query, best first.
Status SearchHits(Store* store, const ContextOptions& o, size_t offset,
                  size_t k, std::vector<Candidate>* out) {
  if (o.query.empty() || k == 0) return Status::OK();
  SearchOptions search;
  search.filter = o.filter;
  search.query = o.query;
  search.k = std::min<size_t>(k, 1000);
  search.offset = offset;
  search.bm25 = o.bm25;
  search.ranking = o.ranking;
  search.snippet_bytes = 0;
  SearchResult result;
  MNEMO_RETURN_IF_ERROR(store->Search(search, &result));
  for (auto& hit : result.hits) {
    out->push_back({std::move(hit.record), hit.score});
  }
  return Status::OK();
}

Status Gather(Store* store, const ContextOptions& o,
              std::vector<Candidate>* out) {
  MNEMO_RETURN_IF_ERROR(SearchHits(store, o, 0, o.max_hits, out));
  if (o.recent_records == 0) return Status::OK();
  ScanOptions scan;
  scan.tenant = o.filter.tenant;
  scan.agent = o.filter.agent;
  scan.session = o.filter.session;
  scan.role = o.filter.role;
  scan.kind = o.filter.kind;
  scan.start_time = o.filter.start_time;
  scan.end_time = o.filter.end_time;
  scan.reverse = true;
  scan.limit = std::min<size_t>(o.recent_records, 10000);
  ScanResult recent;
  ReadOptions ro;
  ro.count_access = false;
  MNEMO_RETURN_IF_ERROR(store->Scan(ro, scan, &recent));
  for (auto& r : recent.records) out->push_back({std::move(r), 0.0});
  return Status::OK();
}

// Adds `parts` when together they fit; true when added.
bool Take(std::vector<ContextPart>* parts, size_t budget, Context* context) {
  size_t cost = 0;
  for (const auto& p : *parts) cost += p.tokens;
  if (cost > budget - context->total_tokens()) return false;
  for (auto& p : *parts) {
    (p.kind == ContextPart::Kind::kText ? context->text_tokens
                                        : context->vision_tokens) += p.tokens;
    context->parts.push_back(std::move(p));
  }
  return true;
}

// Places a candidate on a decayed page with kept text: on a legible part
// already taken (free), with its neighbours, or alone.
Status PlaceLegible(const ContextOptions& o, const Candidate& c,
                    LegibleParts* legible, Context* context) {
  if (legible->AlreadyShown(c.record, context)) return Status::OK();
  for (size_t n : {o.neighbor_records, size_t{0}}) {
    std::vector<ContextPart> parts;
    MNEMO_RETURN_IF_ERROR(legible->Make(c.record, c.score, n, &parts));
    size_t first = context->parts.size();
    if (Take(&parts, o.token_budget, context)) {
      legible->Taken(*context, first);
      return Status::OK();
    }
    if (n == 0) break;
  }
  ++context->dropped;
  return Status::OK();
}

// Places one candidate: on pages already taken (free), as fresh page
// parts, or as text.
Status Place(Store* store, const ContextOptions& o,
             const codec::RenderProfile& profile, const Candidate& c,
             LegibleParts* legible, Context* context) {
  const Record& r = c.record;
  if (LegibleParts::Wanted(r)) return PlaceLegible(o, c, legible, context);
  if (r.page.valid() && o.images) {
    if (!o.crop_pages) {  // a page already in the context shows it
      for (auto& part : context->parts) {
        if (part.kind == ContextPart::Kind::kPage &&
            part.page_id == r.page.page_id && r.page.page_count <= 1) {
          part.records.push_back(r.id);
          return Status::OK();
        }
      }
    }
    std::vector<ContextPart> pages;
    MNEMO_RETURN_IF_ERROR(
        MakePageParts(store, r, c.score, o.crop_pages, profile, &pages));
    if (Take(&pages, o.token_budget, context)) return Status::OK();
  }
  if (!r.text_forgotten) {
    std::vector<ContextPart> text = {MakeTextPart(
        r, c.score, static_cast<StoreImpl*>(store)->tokenizer())};
    if (Take(&text, o.token_budget, context)) return Status::OK();
  }
  ++context->dropped;
  return Status::OK();
}

}  // namespace

Status StoreImpl::BuildContext(const ContextOptions& options,
                               Context* context) {
  *context = Context();
  const codec::RenderProfile* profile = nullptr;
  MNEMO_RETURN_IF_ERROR(ValidateContext(options, &profile));
  std::vector<Candidate> candidates;
  MNEMO_RETURN_IF_ERROR(Gather(this, options, &candidates));
  std::set<RecordId> seen;
  LegibleParts legible(this, options, *profile);
  for (const Candidate& c : candidates) {
    if (!seen.insert(c.record.id).second) continue;
    MNEMO_RETURN_IF_ERROR(Place(this, options, *profile, c, &legible, context));
  }
  // Room left: further hits in ranking order until the budget is full.
  if (options.fill_hits > options.max_hits &&
      context->total_tokens() < options.token_budget) {
    candidates.clear();
    MNEMO_RETURN_IF_ERROR(SearchHits(this, options, options.max_hits,
                                     options.fill_hits - options.max_hits,
                                     &candidates));
    for (const Candidate& c : candidates) {
      if (context->total_tokens() >= options.token_budget) break;
      if (!seen.insert(c.record.id).second) continue;
      MNEMO_RETURN_IF_ERROR(
          Place(this, options, *profile, c, &legible, context));
    }
  }
  std::stable_sort(context->parts.begin(), context->parts.end(),
                   [](const ContextPart& a, const ContextPart& b) {
                     if (a.event_time != b.event_time) {
                       return a.event_time < b.event_time;
                     }
                     return a.records.front() < b.records.front();
                   });
  return Status::OK();
}

}  // namespace mnemo::internal
