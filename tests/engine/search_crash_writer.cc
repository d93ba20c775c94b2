// Copyright (c) mnemo authors.
//
// Child process of search_crash_test: writes batches and deletes records
// (search_crash_workload.h) until killed, printing one line per
// acknowledged operation: "P <batch> <first id> <size>" or "D <id>".
//
// usage: mnemo_search_crash_writer DIR FIRST_BATCH

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "mnemo/store.h"
#include "search_crash_workload.h"

namespace {

int Fail(const char* what, const mnemo::Status& s) {
  std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: mnemo_search_crash_writer DIR FIRST_BATCH\n");
    return 2;
  }
  mnemo::Options options;
  options.search_index_interval_ms = 20;  // index often: crash mid-chunk
  std::unique_ptr<mnemo::Store> store;
  mnemo::Status s = mnemo::Store::Open(options, argv[1], &store);
  if (!s.ok()) return Fail("open", s);
  std::map<uint64_t, mnemo::RecordId> firsts;  // batch -> id of item 0
  for (uint64_t batch = std::strtoull(argv[2], nullptr, 10);; ++batch) {
    std::vector<mnemo::RecordId> ids;
    s = store->PutBatch(mnemo::WriteOptions(),
                        mnemo::test::SearchCrashBatch(batch), &ids);
    if (!s.ok()) return Fail("put", s);
    std::printf("P %llu %llu %zu\n", static_cast<unsigned long long>(batch),
                static_cast<unsigned long long>(ids[0]), ids.size());
    std::fflush(stdout);
    firsts[batch] = ids[0];
    uint64_t late = batch - 5;
    mnemo::RecordId target = 0;
    if (mnemo::test::DeletedEarly(batch)) target = ids[0];
    if (batch >= 5 && mnemo::test::DeletedLate(late) && firsts.count(late)) {
      s = store->Delete(mnemo::WriteOptions(), "crash", firsts[late]);
      if (!s.ok()) return Fail("delete", s);
      std::printf("D %llu\n", static_cast<unsigned long long>(firsts[late]));
      std::fflush(stdout);
    }
    if (target != 0) {
      s = store->Delete(mnemo::WriteOptions(), "crash", target);
      if (!s.ok()) return Fail("delete", s);
      std::printf("D %llu\n", static_cast<unsigned long long>(target));
      std::fflush(stdout);
    }
  }
}
