// Copyright (c) mnemo authors.
// The zstd dictionary of the zstd fuzzer: trained, as a store trains its
// own (TrainDictionary on record texts), on deterministic agent-memory
// sentences, so the fuzzer and the seed generator (engine/fuzz/
// make_seeds.cc, which writes frames compressed with it) get the same
// dictionary and id without committing one.

#ifndef MNEMO_CODEC_FUZZ_ZSTD_FUZZ_DICTIONARY_H_
#define MNEMO_CODEC_FUZZ_ZSTD_FUZZ_DICTIONARY_H_

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "mnemo/codec/text_codec.h"

namespace mnemo::codec::fuzz {

inline std::vector<std::string> FuzzDictionarySamples() {
  static const char* const kWho[] = {"user", "assistant", "agent", "tool"};
  static const char* const kWhat[] = {
      "asked about the adoption agency meeting",
      "booked a table for two at the Italian place",
      "noted that the deploy failed on the staging cluster",
      "summarized the quarterly planning notes",
      "remembered the preference for window seats",
      "scheduled a call with the support team"};
  std::vector<std::string> samples;
  for (int i = 0; i < 1200; ++i) {
    samples.push_back(std::string(kWho[i % 4]) + " " + kWhat[(i * 7) % 6] +
                      " on day " + std::to_string(i % 31 + 1) + " (turn " +
                      std::to_string(i) + ")");
  }
  return samples;
}

// Aborts when training fails: the fuzzer would lose its dictionary path.
inline std::string TrainFuzzDictionary() {
  std::string dict;
  Status s = TrainDictionary(FuzzDictionarySamples(), 1024, &dict);
  if (!s.ok()) {
    std::fprintf(stderr, "zstd fuzz dictionary: %s\n", s.ToString().c_str());
    std::abort();
  }
  return dict;
}

}  // namespace mnemo::codec::fuzz

#endif  // MNEMO_CODEC_FUZZ_ZSTD_FUZZ_DICTIONARY_H_
