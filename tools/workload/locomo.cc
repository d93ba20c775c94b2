// Copyright (c) mnemo authors.

#include "workload/locomo.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "mnemo/json_limits.h"
#include "mnemo/quote.h"
#include "workload/time_format.h"

namespace mnemo::workload {
namespace {

using Json = nlohmann::json;

const char* const kMonths[] = {"January", "February", "March",     "April",
                               "May",     "June",     "July",      "August",
                               "September", "October", "November", "December"};

// Session numbers of a conversation object ("session_3" -> 3), sorted.
std::vector<int> SessionNumbers(const Json& conversation) {
  std::vector<int> numbers;
  for (const auto& [key, value] : conversation.items()) {
    int n = 0;
    char tail = 0;
    if (value.is_array() &&
        std::sscanf(key.c_str(), "session_%d%c", &n, &tail) == 1) {
      numbers.push_back(n);
    }
  }
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

std::string StringOr(const Json& j, const char* key, std::string fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

// One turn -> record. REQUIRES: turn is an object.
Status TurnToRecord(const Json& turn, const Namespace& ns, Micros t,
                    Record* r, bool* image) {
  if (!turn.contains("speaker") || !turn["speaker"].is_string() ||
      !turn.contains("text") || !turn["text"].is_string()) {
    return Status::InvalidArgument("turn without string speaker/text");
  }
  r->ns = ns;
  r->role = turn["speaker"].get<std::string>();
  r->kind = "message";
  r->text = turn["text"].get<std::string>();
  r->event_time = t;
  const std::string dia_id = StringOr(turn, "dia_id", "");
  if (!dia_id.empty()) r->metadata.Set("dia_id", dia_id);
  *image = turn.contains("blip_caption") && turn["blip_caption"].is_string();
  if (*image) {
    r->text += " [image: " + turn["blip_caption"].get<std::string>() + "]";
  }
  auto url = turn.find("img_url");
  if (url != turn.end()) {
    r->metadata.Set("img_url", url->is_array() && url->size() == 1 &&
                                       (*url)[0].is_string()
                                   ? (*url)[0].get<std::string>()
                                   : url->dump());
  }
  if (turn.contains("query") && turn["query"].is_string()) {
    r->metadata.Set("query", turn["query"].get<std::string>());
  }
  return Status::OK();
}

Status LoadSession(const Json& conversation, const std::string& agent, int n,
                   const LocomoOptions& options, std::vector<Record>* out,
                   LocomoSummary* summary) {
  std::string session = "session_" + std::to_string(n);
  std::string where = "conversation " + QuoteForMessage(agent) + " " + session;
  Micros t = 0;
  std::string date = StringOr(conversation, (session + "_date_time").c_str(), "");
  MNEMO_RETURN_IF_ERROR(ParseLocomoDate(date, &t).WithContext(where));
  const Json& turns = conversation[session];
  for (size_t i = 0; i < turns.size(); ++i) {
    if (!turns[i].is_object()) {
      return Status::InvalidArgument(where + " turn " + std::to_string(i + 1) +
                                     " is not an object");
    }
    Record r;
    bool image = false;
    Status s = TurnToRecord(turns[i], {options.tenant, agent, session},
                            t + static_cast<Micros>(i) * options.turn_spacing,
                            &r, &image);
    MNEMO_RETURN_IF_ERROR(
        s.WithContext(where + " turn " + std::to_string(i + 1)));
    summary->image_turns += image;
    out->push_back(std::move(r));
  }
  summary->turns += turns.size();
  ++summary->sessions;
  return Status::OK();
}

Status ReadJson(const std::string& path, Json* j) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::NotFound("cannot read " + QuoteForMessage(path) + ": " +
                            std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IOError("error reading " + QuoteForMessage(path));
  const std::string& json = text.str();
  MNEMO_RETURN_IF_ERROR(CheckJsonDepth(json).WithContext(QuoteForMessage(path)));
  try {
    *j = Json::parse(json);
  } catch (const Json::parse_error& e) {
    return Status::InvalidArgument(QuoteForMessage(path) +
                                   " is not valid JSON (error at byte " +
                                   std::to_string(e.byte) + ")");
  } catch (const Json::exception& e) {  // e.g. a number beyond a double
    return Status::InvalidArgument(QuoteForMessage(path) +
                                   " is not valid JSON (" + e.what() + ")");
  }
  if (!j->is_array()) {
    return Status::InvalidArgument(QuoteForMessage(path) +
                                   " is not a LoCoMo file (expected a JSON "
                                   "array of conversations)");
  }
  return Status::OK();
}

}  // namespace

Status ParseLocomoDate(std::string_view text, Micros* t) {
  int hour = 0, minute = 0, day = 0, year = 0;
  char ampm[3] = {0}, month[16] = {0};
  std::string s(text);
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%d:%d %2s on %d %15[A-Za-z], %d%n", &hour,
                  &minute, ampm, &day, month, &year, &consumed) != 6 ||
      consumed != static_cast<int>(s.size()) || hour < 1 || hour > 12 ||
      minute < 0 || minute > 59 || day < 1 || day > 31) {
    return Status::InvalidArgument(QuoteForMessage(s) + " is not a LoCoMo date "
                                   "(like '1:56 pm on 8 May, 2023')");
  }
  std::string half(ampm);
  if (half != "am" && half != "pm") {
    return Status::InvalidArgument(QuoteForMessage(s) + ": expected am or pm");
  }
  unsigned m = 0;
  for (unsigned i = 0; i < 12; ++i) {
    if (std::strcmp(month, kMonths[i]) == 0) m = i + 1;
  }
  if (m == 0) return Status::InvalidArgument(QuoteForMessage(s) + ": unknown month");
  int h24 = hour % 12 + (half == "pm" ? 12 : 0);
  int64_t days = DaysFromCivil(year, m, static_cast<unsigned>(day));
  *t = ((days * 24 + h24) * 60 + minute) * 60 * 1'000'000LL;
  return Status::OK();
}

Status LoadLocomo(const std::string& path, const LocomoOptions& options,
                  std::vector<Record>* records, LocomoSummary* summary) {
  Json root;
  MNEMO_RETURN_IF_ERROR(ReadJson(path, &root));
  std::vector<Record> out;
  LocomoSummary sum;
  for (size_t c = 0; c < root.size(); ++c) {
    const Json& sample = root[c];
    if (!sample.is_object() || !sample.contains("conversation") ||
        !sample["conversation"].is_object()) {
      return Status::InvalidArgument(QuoteForMessage(path) + ": item " +
                                     std::to_string(c + 1) +
                                     " has no conversation object");
    }
    std::string agent =
        StringOr(sample, "sample_id", "conv-" + std::to_string(c + 1));
    const Json& conversation = sample["conversation"];
    for (int n : SessionNumbers(conversation)) {
      MNEMO_RETURN_IF_ERROR(
          LoadSession(conversation, agent, n, options, &out, &sum));
    }
    ++sum.conversations;
  }
  records->insert(records->end(), std::make_move_iterator(out.begin()),
                  std::make_move_iterator(out.end()));
  if (summary) *summary = sum;
  return Status::OK();
}

}  // namespace mnemo::workload
