// Copyright (c) mnemo authors.
//
// A minimal agent host built outside the mnemo tree against an installed
// (or add_subdirectory'd) mnemo: it stores a conversation, reads a record
// back, searches it, compacts the old turns onto pages and searches again.
// It uses only Store::Open, Put, Get, Search, Compact and Status, the calls
// a host cannot do without. Exit status 0 when every step did what it must.
//
//   mnemo-host STORE_DIR

#include <cstdio>
#include <memory>
#include <string>

#include "mnemo/store.h"

namespace {

constexpr mnemo::Micros kNow = 1'704'067'200'000'000;  // 2024-01-01 UTC
constexpr mnemo::Micros kSecond = 1'000'000;

int Fail(const std::string& step, const mnemo::Status& s) {
  std::fprintf(stderr, "mnemo-host: %s: %s\n", step.c_str(),
               s.ToString().c_str());
  return 1;
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "mnemo-host: %s\n", what.c_str());
  return 1;
}

// Finds "harbour" (said once, in turn 7); returns its hit count or -1.
int SearchHarbour(mnemo::Store& store, mnemo::SearchResult* result) {
  mnemo::SearchOptions search;
  search.filter.tenant = "acme";
  search.query = "harbour";
  mnemo::Status s = store.Search(search, result);
  if (!s.ok()) return Fail("search", s), -1;
  return static_cast<int>(result->hits.size());
}

// 40 turns of one session, 20 days old; turn 7 mentions the harbour.
int PutTurns(mnemo::Store& store, mnemo::RecordId* harbour_id) {
  for (int i = 0; i < 40; ++i) {
    mnemo::Record r;
    r.ns = {"acme", "planner", "trip"};
    r.role = i % 2 ? "assistant" : "user";
    r.text = "turn " + std::to_string(i) + ": we talk about the itinerary";
    if (i == 7) r.text = "turn 7: the ferry leaves from the old harbour at nine";
    r.event_time = kNow - 20 * mnemo::kDayMicros + i * kSecond;
    mnemo::RecordId id = 0;
    mnemo::Status s = store.Put(mnemo::WriteOptions(), r, &id);
    if (!s.ok()) return Fail("put " + std::to_string(i), s);
    if (i == 7) *harbour_id = id;
  }
  return 0;
}

// Reads the harbour turn back; another tenant and a missing id get NotFound.
int CheckGet(mnemo::Store& store, mnemo::RecordId harbour_id) {
  mnemo::Record got;
  mnemo::Status s = store.Get(mnemo::ReadOptions(), "acme", harbour_id, &got);
  if (!s.ok()) return Fail("get", s);
  if (got.text.find("harbour") == std::string::npos) return Fail("get: wrong text");
  if (!store.Get(mnemo::ReadOptions(), "other", harbour_id, &got).IsNotFound())
    return Fail("get: another tenant's read was not NotFound");
  s = store.Get(mnemo::ReadOptions(), "acme", 999999, &got);
  if (!s.IsNotFound()) return Fail("get of a missing id", s);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return Fail("usage: mnemo-host STORE_DIR"), 2;
  std::unique_ptr<mnemo::Store> store;
  mnemo::Status s = mnemo::Store::Open(mnemo::Options(), argv[1], &store);
  if (!s.ok()) return Fail("open", s);
  mnemo::RecordId harbour_id = 0;
  if (int rc = PutTurns(*store, &harbour_id)) return rc;
  if (int rc = CheckGet(*store, harbour_id)) return rc;

  // The harbour turn first; its neighbours (turns 6 and 8, same session)
  // follow as context.
  mnemo::SearchResult before;
  if (SearchHarbour(*store, &before) != 3 || before.hits[0].id != harbour_id)
    return Fail("search before compaction: expected the harbour turn first");

  mnemo::CompactOptions compact;
  compact.now = kNow;
  mnemo::CompactResult result;
  s = store->Compact(compact, &result);
  if (!s.ok()) return Fail("compact", s);
  if (result.records_paged != 40 || result.pages_written == 0)
    return Fail("compact: expected 40 records on pages, got " +
                std::to_string(result.records_paged));

  mnemo::SearchResult after;
  if (SearchHarbour(*store, &after) != 3 || after.hits[0].id != harbour_id ||
      after.hits[0].record.tier != mnemo::Tier::kPixels)
    return Fail("search after compaction: expected the harbour turn on a page");

  std::printf("mnemo-host: 40 put, get ok, search ok, %llu records on %llu "
              "pages (%s)\n",
              static_cast<unsigned long long>(result.records_paged),
              static_cast<unsigned long long>(result.pages_written),
              mnemo::TierName(after.hits[0].record.tier));
  return 0;
}
