// Copyright (c) mnemo authors.
//
// CompactionPolicy: JSON loading, validation, per-namespace lookup.

#include <nlohmann/json.hpp>

#include "mnemo/codec/profile.h"
#include "mnemo/compaction.h"
#include "mnemo/json_limits.h"
#include "mnemo/quote.h"

namespace mnemo {
namespace {

using Json = nlohmann::json;

// "90d", "12h", "30m", "45s" or a number of seconds.
Status ParseDuration(const Json& value, std::string_view key, Micros* out) {
  auto bad = [&] {
    return Status::InvalidArgument("policy: '" + std::string(key) +
                                   "' must be seconds or a duration like "
                                   "\"7d\", \"12h\", \"30m\", \"45s\"");
  };
  double seconds = 0;
  if (value.is_number()) {
    seconds = value.get<double>();
  } else if (value.is_string()) {
    std::string text = value.get<std::string>();
    if (text.empty()) return bad();
    char unit = text.back();
    double scale = unit == 'd' ? 86400 : unit == 'h' ? 3600 : unit == 'm' ? 60
                 : unit == 's' ? 1 : 0;
    if (scale == 0) return bad();
    try {
      size_t used = 0;
      seconds = std::stod(text.substr(0, text.size() - 1), &used) * scale;
      if (used != text.size() - 1) return bad();
    } catch (const std::exception&) {
      return bad();
    }
  } else {
    return bad();
  }
  if (!(seconds >= 0) || seconds > 1e11) return bad();
  *out = static_cast<Micros>(seconds * 1e6);
  return Status::OK();
}

Status ReadThresholds(const Json& obj, TierThresholds* t) {
  if (obj.contains("warm_after")) {
    MNEMO_RETURN_IF_ERROR(ParseDuration(obj["warm_after"], "warm_after", &t->warm_after));
  }
  if (obj.contains("pixels_after")) {
    MNEMO_RETURN_IF_ERROR(ParseDuration(obj["pixels_after"], "pixels_after", &t->pixels_after));
  }
  if (obj.contains("decayed_after")) {
    MNEMO_RETURN_IF_ERROR(ParseDuration(obj["decayed_after"], "decayed_after", &t->decayed_after));
  }
  return Status::OK();
}

Status CheckKeys(const Json& obj, std::initializer_list<const char*> known,
                 std::string_view where) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool ok = false;
    for (const char* k : known) ok = ok || it.key() == k;
    if (!ok) {
      return Status::InvalidArgument("policy: unknown key " +
                                     QuoteForMessage(it.key()) + " in " +
                                     std::string(where));
    }
  }
  return Status::OK();
}

Status ReadOverrides(const Json& list, CompactionPolicy* p) {
  if (!list.is_array()) {
    return Status::InvalidArgument("policy: 'overrides' must be an array");
  }
  for (const Json& item : list) {
    if (!item.is_object() || !item.contains("tenant") ||
        !item["tenant"].is_string()) {
      return Status::InvalidArgument(
          "policy: each override needs a string 'tenant'");
    }
    MNEMO_RETURN_IF_ERROR(CheckKeys(item, {"tenant", "agent", "warm_after",
                                           "pixels_after", "decayed_after"},
                                    "an override"));
    PolicyOverride o;
    o.thresholds = p->thresholds;
    o.tenant = item["tenant"].get<std::string>();
    if (item.contains("agent")) {
      if (!item["agent"].is_string()) {
        return Status::InvalidArgument("policy: override 'agent' must be a string");
      }
      o.agent = item["agent"].get<std::string>();
    }
    MNEMO_RETURN_IF_ERROR(ReadThresholds(item, &o.thresholds));
    p->overrides.push_back(std::move(o));
  }
  return Status::OK();
}

Status ReadScalars(const Json& j, CompactionPolicy* p) {
  auto get_string = [&](const char* key, std::string* out) -> Status {
    if (!j.contains(key)) return Status::OK();
    if (!j[key].is_string()) {
      return Status::InvalidArgument(std::string("policy: '") + key + "' must be a string");
    }
    *out = j[key].get<std::string>();
    return Status::OK();
  };
  auto get_number = [&](const char* key, double* out) -> Status {
    if (!j.contains(key)) return Status::OK();
    if (!j[key].is_number()) {
      return Status::InvalidArgument(std::string("policy: '") + key + "' must be a number");
    }
    *out = j[key].get<double>();
    return Status::OK();
  };
  auto get_bool = [&](const char* key, bool* out) -> Status {
    if (!j.contains(key)) return Status::OK();
    if (!j[key].is_boolean()) {
      return Status::InvalidArgument(std::string("policy: '") + key + "' must be true or false");
    }
    *out = j[key].get<bool>();
    return Status::OK();
  };
  MNEMO_RETURN_IF_ERROR(get_string("pixel_profile", &p->pixel_profile));
  MNEMO_RETURN_IF_ERROR(get_string("decayed_profile", &p->decayed_profile));
  MNEMO_RETURN_IF_ERROR(get_number("importance_weight", &p->importance_weight));
  MNEMO_RETURN_IF_ERROR(get_number("access_weight", &p->access_weight));
  MNEMO_RETURN_IF_ERROR(get_bool("forget_text_when_decayed", &p->forget_text_when_decayed));
  MNEMO_RETURN_IF_ERROR(get_bool("delete_expired", &p->delete_expired));
  double group = static_cast<double>(p->max_records_per_group);
  MNEMO_RETURN_IF_ERROR(get_number("max_records_per_group", &group));
  if (!(group >= 1 && group <= 100000)) {
    return Status::InvalidArgument("policy: 'max_records_per_group' must be 1..100000");
  }
  p->max_records_per_group = static_cast<size_t>(group);
  return Status::OK();
}

}  // namespace

Status CompactionPolicy::FromJson(const std::string& json,
                                  CompactionPolicy* policy) {
  MNEMO_RETURN_IF_ERROR(CheckJsonDepth(json).WithContext("policy"));
  Json j = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument("policy: not a JSON object");
  }
  MNEMO_RETURN_IF_ERROR(CheckKeys(
      j, {"warm_after", "pixels_after", "decayed_after", "pixel_profile",
          "decayed_profile", "importance_weight", "access_weight",
          "forget_text_when_decayed", "delete_expired",
          "max_records_per_group", "overrides"},
      "the policy"));
  CompactionPolicy p;
  MNEMO_RETURN_IF_ERROR(ReadThresholds(j, &p.thresholds));
  MNEMO_RETURN_IF_ERROR(ReadScalars(j, &p));
  if (j.contains("overrides")) MNEMO_RETURN_IF_ERROR(ReadOverrides(j["overrides"], &p));
  MNEMO_RETURN_IF_ERROR(p.Validate());
  *policy = std::move(p);
  return Status::OK();
}

Status CompactionPolicy::Validate() const {
  for (const std::string* name : {&pixel_profile, &decayed_profile}) {
    if (codec::FindProfile(*name) == nullptr) {
      return Status::InvalidArgument("policy: unknown render profile " +
                                     QuoteForMessage(*name));
    }
  }
  auto check = [](const TierThresholds& t) {
    if (t.warm_after < 0 || t.pixels_after < t.warm_after ||
        t.decayed_after < t.pixels_after) {
      return Status::InvalidArgument(
          "policy: thresholds must satisfy 0 <= warm_after <= pixels_after "
          "<= decayed_after");
    }
    return Status::OK();
  };
  MNEMO_RETURN_IF_ERROR(check(thresholds));
  for (const auto& o : overrides) MNEMO_RETURN_IF_ERROR(check(o.thresholds));
  if (!(importance_weight >= 0) || !(access_weight >= 0)) {
    return Status::InvalidArgument("policy: weights must be >= 0");
  }
  return Status::OK();
}

const TierThresholds& CompactionPolicy::ThresholdsFor(
    std::string_view tenant, std::string_view agent) const {
  const TierThresholds* best = &thresholds;
  bool best_has_agent = false;
  for (const auto& o : overrides) {
    if (o.tenant != tenant) continue;
    if (!o.agent.empty() && o.agent != agent) continue;
    if (!o.agent.empty() || !best_has_agent) {
      best = &o.thresholds;
      best_has_agent = !o.agent.empty();
    }
  }
  return *best;
}

uint64_t TierStats::context_tokens() const {
  return tiers[0].text_tokens_est + tiers[1].text_tokens_est +
         tiers[2].vision_tokens + tiers[3].vision_tokens;
}

uint64_t TierStats::text_tokens() const {
  uint64_t total = 0;
  for (const auto& t : tiers) total += t.text_tokens_est;
  return total;
}

}  // namespace mnemo
