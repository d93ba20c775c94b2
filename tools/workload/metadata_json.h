// Copyright (c) mnemo authors.
//
// mnemo::Metadata as a JSON object of strings (found by nlohmann::json
// through argument-dependent lookup: `json["metadata"] = record.metadata`).

#ifndef MNEMO_TOOLS_WORKLOAD_METADATA_JSON_H_
#define MNEMO_TOOLS_WORKLOAD_METADATA_JSON_H_

#include <nlohmann/json.hpp>
#include <string>

#include "mnemo/metadata.h"

namespace mnemo {

inline void to_json(nlohmann::json& j, const Metadata& metadata) {
  j = nlohmann::json::object();
  for (const auto& [key, value] : metadata) {
    j[std::string(key)] = std::string(value);
  }
}

}  // namespace mnemo

#endif  // MNEMO_TOOLS_WORKLOAD_METADATA_JSON_H_
