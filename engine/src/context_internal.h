// Copyright (c) mnemo authors.
//
// The context builder's pieces (context_builder.cc, context_parts.cc):
// pricing and making text and page-image parts.

#ifndef MNEMO_ENGINE_CONTEXT_INTERNAL_H_
#define MNEMO_ENGINE_CONTEXT_INTERNAL_H_

#include <vector>

#include "mnemo/codec/profile.h"
#include "mnemo/codec/tokenizer.h"
#include "mnemo/search.h"
#include "mnemo/store.h"

namespace mnemo::internal {

// A record's text part: "[<event time>] <role>: <text>", priced by the
// text-token estimate.
// `tokenizer` counts the part's tokens; null: the calibrated estimate.
ContextPart MakeTextPart(const Record& record, double score,
                         const codec::Tokenizer* tokenizer);

// Vision tokens of a width x height image under `profile`: its share of
// the profile's page area times the profile's tokens per page (>= 1).
size_t VisionTokens(const codec::RenderProfile& profile, int width,
                    int height);

// The page-image parts showing `record`: its whole page(s), or with `crop`
// the lines it occupies on each. Appended to *parts.
Status MakePageParts(Store* store, const Record& record, double score,
                     bool crop, const codec::RenderProfile& profile,
                     std::vector<ContextPart>* parts);

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_CONTEXT_INTERNAL_H_
