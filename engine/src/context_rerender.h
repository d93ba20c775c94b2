// Copyright (c) mnemo authors.
//
// Legible parts for records on decayed pages (context_rerender.cc). A
// decayed page is downscaled until a reader can hardly make it out, yet
// the store usually still keeps the exact text of its records; the context
// builder then shows such a record (with its neighbouring records on the
// page) from that text: as text, or as a fresh page image rendered at the
// context's profile and cropped to the inked lines, whichever costs fewer
// tokens. Only records whose text a policy forgot fall back to the decayed
// page itself (ContextPart::Source::kDecayedOnly).

#ifndef MNEMO_ENGINE_CONTEXT_RERENDER_H_
#define MNEMO_ENGINE_CONTEXT_RERENDER_H_

#include <map>
#include <memory>
#include <vector>

#include "mnemo/codec/page.h"
#include "mnemo/codec/profile.h"
#include "mnemo/search.h"
#include "mnemo/store.h"

namespace mnemo::internal {

// One BuildContext call's re-rendering state: the manifests read so far,
// the records already shown legibly, and a renderer borrowed from a
// process-wide pool (fonts and glyph cache stay warm across calls).
class LegibleParts {
 public:
  LegibleParts(Store* store, const ContextOptions& options,
               const codec::RenderProfile& profile);
  ~LegibleParts();
  LegibleParts(const LegibleParts&) = delete;
  LegibleParts& operator=(const LegibleParts&) = delete;

  // True when `record` is to be shown from its kept text rather than from
  // its page: the page has decayed and the text is kept.
  static bool Wanted(const Record& record);

  // When a part already in *context shows `record` legibly (as a
  // neighbour), moves it to that part's hit records; true then.
  bool AlreadyShown(const Record& record, Context* context);

  // The parts showing `record` and up to `neighbors` records each side of
  // it on its page (records already shown left out): one text part, or
  // one fresh cropped image per rendered page, whichever costs fewer
  // tokens. Replaces *parts.
  Status Make(const Record& record, double score, size_t neighbors,
              std::vector<ContextPart>* parts);

  // Notes that context->parts[first..] were taken into the context.
  void Taken(const Context& context, size_t first);

 private:
  Status Window(const Record& record, size_t neighbors,
                std::vector<Record>* window);
  Status PageItems(uint64_t page_id, const std::vector<RecordId>** ids);
  // Renders `window` into cropped image parts; false in *ok when a record
  // cannot be rendered faithfully (or no renderer could be made).
  Status Render(const std::vector<Record>& window, const Record& hit,
                double score, std::vector<ContextPart>* parts, bool* ok);
  codec::Renderer* renderer();

  Store* const store_;
  const ContextOptions& options_;
  const codec::RenderProfile& profile_;
  std::unique_ptr<codec::Renderer> renderer_;
  bool renderer_failed_ = false;
  std::map<uint64_t, std::vector<RecordId>> page_items_;
  std::map<RecordId, size_t> shown_;  // record -> index in context->parts
};

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_CONTEXT_RERENDER_H_
