// Copyright (c) mnemo authors.
//
// Loader of the LoCoMo benchmark file (locomo10.json: an array of
// conversations, each with session_N turn lists and session_N_date_time
// strings). Maps it onto records:
//   tenant "locomo" (configurable), agent = sample_id, session = session_N,
//   role = speaker, kind "message", text = the turn's text, and for image
//   turns text + " [image: <blip_caption>]";
//   event_time = the session's date ("1:56 pm on 8 May, 2023", read as UTC)
//   plus turn_spacing per turn, so turns keep their order;
//   metadata dia_id, and img_url (first URL; a JSON array when several)
//   and query when present.

#ifndef MNEMO_TOOLS_WORKLOAD_LOCOMO_H_
#define MNEMO_TOOLS_WORKLOAD_LOCOMO_H_

#include <string>
#include <string_view>
#include <vector>

#include "mnemo/record.h"
#include "mnemo/status.h"

namespace mnemo::workload {

struct LocomoOptions {
  std::string tenant = "locomo";
  Micros turn_spacing = 10'000'000;  // 10 s between turns of a session
};

struct LocomoSummary {
  size_t conversations = 0;
  size_t sessions = 0;
  size_t turns = 0;
  size_t image_turns = 0;
};

// Reads `path` and appends its turns to *records in file order (sessions by
// number). NotFound/IOError when unreadable; InvalidArgument naming the
// conversation/session/turn when the structure is not LoCoMo's. On error
// *records is left unchanged.
Status LoadLocomo(const std::string& path, const LocomoOptions& options,
                  std::vector<Record>* records, LocomoSummary* summary);

// Parses LoCoMo's "h:mm am|pm on D Month, YYYY" as UTC.
Status ParseLocomoDate(std::string_view text, Micros* t);

}  // namespace mnemo::workload

#endif  // MNEMO_TOOLS_WORKLOAD_LOCOMO_H_
