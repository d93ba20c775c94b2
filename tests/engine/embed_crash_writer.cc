// Copyright (c) mnemo authors.
//
// Child process of embed_crash_test: with the test embedder registered
// (a slow one, so the feed is always mid-way), it writes old records in
// batches, deletes some (masking their pages), compacts them onto pages
// every few batches, and prints one line per acknowledged round, until it
// is killed.
//
// usage: mnemo_embed_crash_writer DIR FIRST_ROUND

#include <cstdio>
#include <cstdlib>
#include <string>

#include "embed_test_util.h"
#include "mnemo/store.h"

namespace {

constexpr mnemo::Micros kSecond = 1'000'000;
constexpr mnemo::Micros kDay = 86'400 * kSecond;
constexpr mnemo::Micros kJan2024 = 1'704'067'200 * kSecond;

mnemo::Status Round(mnemo::Store* store, uint64_t round) {
  std::vector<mnemo::Record> records(30);
  for (size_t i = 0; i < records.size(); ++i) {
    mnemo::Record& r = records[i];
    r.ns = {"t1", "a", "s"};
    r.text = "round " + std::to_string(round) + " turn " + std::to_string(i) +
             " " + std::string(40 + (round * 7 + i * 13) % 120, 'x');
    r.event_time = kJan2024 - 20 * kDay + static_cast<mnemo::Micros>(
                                              round * 100 + i) * kSecond;
  }
  std::vector<mnemo::RecordId> ids;
  MNEMO_RETURN_IF_ERROR(store->PutBatch(mnemo::WriteOptions(), records, &ids));
  if (round % 3 == 2) {
    mnemo::CompactOptions compact;
    compact.now = kJan2024;
    MNEMO_RETURN_IF_ERROR(store->Compact(compact, nullptr));
  }
  // An older record goes: its page (if it has one) is masked and queued.
  if (round > 3) {
    mnemo::Status s = store->Delete(mnemo::WriteOptions(), "t1", ids[0] - 70);
    if (!s.ok() && !s.IsNotFound()) return s;
  }
  return mnemo::Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: mnemo_embed_crash_writer DIR FIRST_ROUND\n");
    return 2;
  }
  auto embedder = std::make_shared<mnemo::test::TestEmbedder>();
  embedder->SetDelay(std::chrono::milliseconds(3));
  mnemo::Options options;
  options.cache.enabled = true;
  options.cache.use_gpu = false;
  options.embedder = embedder;
  std::unique_ptr<mnemo::Store> store;
  mnemo::Status s = mnemo::Store::Open(options, argv[1], &store);
  if (!s.ok()) {
    std::fprintf(stderr, "open: %s\n", s.ToString().c_str());
    return 1;
  }
  for (uint64_t round = std::strtoull(argv[2], nullptr, 10);; ++round) {
    s = Round(store.get(), round);
    if (!s.ok()) {
      std::fprintf(stderr, "round %llu: %s\n",
                   static_cast<unsigned long long>(round), s.ToString().c_str());
      return 1;
    }
    std::printf("%llu\n", static_cast<unsigned long long>(round));
    std::fflush(stdout);
  }
}
