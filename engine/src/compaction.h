// Copyright (c) mnemo authors.
//
// One run of age-based compaction (Store::Compact). Phases, each driven by
// the age index ('g' keys, see keys.h) so only due records are read:
//   1. index:   enter records written since the last run into the age index
//   2. pixels:  hot and warm records due -> grouped by agent in time order,
//               rendered onto pages (codec), one atomic batch per group
//   3. warm:    hot records due (and not for pixels) -> zstd text
//   4. decayed: pages whose every live record is due -> downscaled
// Between the index and pixel phases, the expire phase removes records on
// pages whose TTL has run out, through the expiry index
// (compaction_expiry.cc), and the zstd dictionary is trained once a store
// has enough text. The store's background compaction runs all of
// this every compaction_interval_ms (a PeriodicTask, store_background.cc).
// Every record change is re-checked under the record's lock right before
// its batch is written, so concurrent updates and deletes always win; an
// age-index entry that no longer matches its record is simply dropped.

#ifndef MNEMO_ENGINE_COMPACTION_H_
#define MNEMO_ENGINE_COMPACTION_H_

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "expiry_index.h"
#include "keys.h"
#include "mnemo/codec/page.h"
#include "store_impl.h"

namespace mnemo::internal {

class Compaction {
 public:
  Compaction(StoreImpl* store, const CompactOptions& options, Micros now,
             CompactResult* result);
  Status Run();

 private:
  struct Due {
    std::string age_key;
    RecordId id = 0;
    Namespace ns;
    Micros event_time = 0;
    uint32_t version = 0;  // as collected: a later version is not paged
    Tier tier = Tier::kWarm;  // as collected (hot or warm)
    // The record as collected, kept for the render while the pass's
    // byte budget lasts (kKeptRecordBytes); else read again there.
    std::optional<Record> record;
  };
  struct Group {
    std::vector<Due> items;  // one agent, time order
  };
  // Due records by (tenant, agent, due for decay too).
  using DueByAgent =
      std::map<std::tuple<std::string, std::string, bool>, std::vector<Due>>;

  // Phases.
  Status IndexNewRecords();
  Status WarmPass();
  Status PixelPass();
  Status DecayPass();
  Status ExpirePass();

  // Age-index walk: calls `visit` for every entry of `bucket` whose event
  // time is at most now - threshold (the smallest threshold of any scope),
  // starting after the key `after` (from the start when empty).
  using Visit = std::function<Status(std::string_view key, Micros time,
                                     RecordId id)>;
  Status WalkDue(uint8_t bucket, Micros min_threshold, const Visit& visit,
                 std::string_view after = {});

  bool IsDue(const Record& r, Micros threshold) const;
  // Whether the pixel pass of this run pages `r` (stored with `flags`,
  // hot or warm): due for pixels, renderable as far as known, not expired.
  // Such hot records go to their pages straight from hot (the pixel pass
  // runs before the warm pass, which leaves them alone), so their text is
  // compressed and their keys rewritten once, not twice.
  bool PixelDue(const Record& r, uint8_t flags) const;
  Micros MinThreshold(Micros TierThresholds::*field) const;
  bool Cancelled() const;
  // Sleeps after `work` as CompactOptions::max_duty asks.
  void Pace(std::chrono::steady_clock::duration work) const;
  void Report(const char* phase, uint64_t done, uint64_t total);

  // Warm helpers.
  Status TrainDictionary();
  Status WarmChunk(const std::vector<std::pair<std::string, RecordId>>& chunk);
  // Handles an entry whose record vanished, moved or expired; true when
  // the entry was consumed that way.
  bool Reconcile(std::string_view key, uint8_t bucket, Micros time, Status read,
                 const Record& r, uint8_t flags, ChangeBatch* batch,
                 StoreImpl::PageRemovals* pages);

  // Pixel helpers.
  // Hot records the index phase (KeepIfOld) or TrainDictionary read, by
  // id, for the pixel pass's walk of the hot bucket (which then needs no
  // read of its own); bounded by kKeptRecordBytes. That walk reads without
  // a lock too: a record changed since is caught where every change is,
  // CommitGroup's re-read under lock.
  struct ReadyRecords {
    std::unordered_map<RecordId, std::pair<Record, uint8_t>> by_id;  // flags
    size_t bytes = 0;
  };
  // Text bytes (and then some) that ready_, and the records one pixel
  // pass keeps in its Due items, may each hold.
  static constexpr size_t kKeptRecordBytes = size_t{32} << 20;
  static size_t KeptBytes(const Record& r) {
    return r.text.size() + r.role.size() + r.ns.tenant.size() +
           r.ns.agent.size() + r.ns.session.size() + 256;
  }
  // Keeps the record stored as `value` in ready_ when it is hot and at
  // least pixels_after old.
  void KeepIfOld(const KeyFields& key, std::string_view value,
                 Micros pixels_after);
  // Stores `r` (stored with `flags`) in ready_ when the budget allows.
  void KeepReady(Record&& r, uint8_t flags);
  // Moves id's record out of ready_, or reads it when ready_ lacks it.
  Status TakeReady(RecordId id, Record* r, uint8_t* flags);
  // Where the pixel phase's walk stands: the age-index bucket (hot, then
  // warm) and the last key looked at in it ("" = its start).
  struct PixelCursor {
    size_t bucket = 0;  // index into kPixelSources (compaction_pages.cc)
    std::string after;
  };
  // One pass: groups of at most max_records_per_pass due records whose
  // age-index keys follow *cursor (hot and warm records of an agent share
  // its groups); advances *cursor past the last key it looked at and sets
  // *more when it stopped at the bound.
  Status CollectPixelGroups(PixelCursor* cursor, bool* more,
                            std::vector<Group>* groups);
  // Sorts each agent's records by time and cuts them into page groups.
  void MakeGroups(DueByAgent* by_agent, std::vector<Group>* groups) const;
  // `reported` groups were committed by earlier passes (for progress).
  Status RenderAndCommit(const std::vector<Group>& groups, uint64_t reported);
  Status CommitGroup(const Group& group, codec::Renderer* renderer);

  // Expire helpers (compaction_expiry.cc).
  Status BuildExpiryIndex();
  Status ExpireChunk(const std::vector<ExpiredEntry>& chunk);
  // One chunk's records: those to remove, and stale entries (with the
  // record they name, when it exists).
  struct ExpireWork {
    struct Expiring {
      const ExpiredEntry* entry;
      Record record;
      uint8_t flags;
    };
    std::vector<Expiring> expiring;
    std::vector<std::pair<const ExpiredEntry*, std::optional<Record>>> stale;
    std::set<uint64_t> unmaskable;  // pages that cannot be blanked
  };
  Status BuildExpireBatch(ExpireWork* work, ChangeBatch* batch,
                          StoreImpl::StaleCache* stale, uint64_t* expired);
  Status FindUnmaskable(const StoreImpl::PageRemovals& pages,
                        std::set<uint64_t>* bad);
  static bool OnAnyPage(const PageRef& page, const std::set<uint64_t>& pages);

  // Decay helpers.
  Status DecayPage(uint64_t page_id, const codec::RenderProfile& to);

  Status Write(rocksdb::WriteBatch* batch, std::string_view what);
  Status Write(ChangeBatch* batch, std::string_view what);

  StoreImpl* const store_;
  const CompactOptions& options_;
  const CompactionPolicy& policy_;
  const Micros now_;
  CompactResult* const result_;
  const std::chrono::steady_clock::time_point start_;
  std::mutex result_mu_;  // result_ and progress from worker threads
  ReadyRecords ready_;    // index, dictionary -> pixel pass (calling thread)
};

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_COMPACTION_H_
