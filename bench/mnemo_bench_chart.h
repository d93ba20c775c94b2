// Copyright (c) mnemo authors.
//
// The mnemo-bench chart: token ratio vs Tesseract CER per render profile
// (left) and the throughput ratios mnemo / peer on a log scale (right),
// drawn into a grayscale image with the project's own codec (FreeType
// labels through codec::Renderer, libpng through codec::EncodePng), so it
// needs no plotting tool.

#ifndef MNEMO_BENCH_MNEMO_BENCH_CHART_H_
#define MNEMO_BENCH_MNEMO_BENCH_CHART_H_

#include <string>

#include <nlohmann/json.hpp>

namespace mnemo::bench {

// Draws the chart of report `json` (phases.codec.profiles and the headline)
// into PNG file `path`. Sets *how to what drew it. False when the file
// could not be written.
bool DrawChart(const nlohmann::json& json, const std::string& path,
               std::string* how);

}  // namespace mnemo::bench

#endif  // MNEMO_BENCH_MNEMO_BENCH_CHART_H_
