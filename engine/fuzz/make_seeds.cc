// Copyright (c) mnemo authors.
// Writes the seed corpora of the engine fuzzers (valid record envelopes and
// page values, as the store writes them) under DIR/<target>/. Run once;
// the output is committed in engine/fuzz/corpus.
//
// usage: mnemo-fuzz-seeds DIR

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "envelope.h"
#include "page_store.h"

namespace {

void Write(const std::string& dir, const std::string& name,
           const std::string& bytes) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/" + name, std::ios::binary) << bytes;
}

mnemo::Record Sample(int i) {
  mnemo::Record r;
  r.id = (1'704'067'200'000'000ULL << 8) + i;
  r.ns = {"tenant", "agent", "session-" + std::to_string(i)};
  r.text = std::string("hello memory ") + std::to_string(i) +
           (i % 2 ? " \xc3\xa9t\xc3\xa9" : "");
  r.metadata = {{"k", "v"}, {"n", std::to_string(i)}};
  r.version = 1 + i;
  r.access_count = i;
  r.importance = 0.25f * i;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: mnemo-fuzz-seeds DIR\n");
    return 2;
  }
  std::string root = argv[1];
  for (int i = 0; i < 4; ++i) {
    std::string value;
    mnemo::internal::EncodeEnvelope(Sample(i), i == 3 ? 1 : 0, &value);
    Write(root + "/envelope", "record-" + std::to_string(i), value);
  }
  mnemo::internal::StoredPage page;
  page.info.ns = {"tenant", "agent", "session"};
  page.info.profile = "base";
  page.info.width = page.info.height = page.first_width = 1024;
  page.info.vision_tokens = 256;
  page.png = std::string("\x89PNG\r\n\x1a\n", 8) + std::string(64, '\0');
  page.manifest = std::string(32, '\1');
  std::string value;
  mnemo::internal::EncodePage(page, &value);
  Write(root + "/page", "page-0", value);
  return 0;
}
