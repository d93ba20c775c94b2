// Copyright (c) mnemo authors.
//
// PendingIds: the ids entries of new records (Put, PutBatch) that are not
// in the `ids` family yet (format 6). A new record's write holds only its
// records key; its id -> location entry waits here and is written with
// later ones, a whole block of ids in one Merge (record_table_ids.h), in
// the batch of a later insert or by the store's background flush. That
// takes the second memtable insert off nearly every Put.
//
// What keeps this safe:
// - Readers ask the `ids` family first and then here (RecordTable::
//   LocateId): an entry here is the insert's, older than any the family
//   holds (a move's or delete's). An entry leaves only after the write
//   that put it in `ids` returned, and a reader that missed it in both
//   while a flush finished (generation() moved) asks the family again, so
//   a record is always found one way or the other.
// - Entries are added before their record's write, so anything that can
//   read the record can find the entry; an entry whose write failed is
//   flushed anyway and only names a record that is not there (Get:
//   NotFound, as for an expired record).
// - The flushed entries carry kIdsInsertFlag: a late one never undoes a
//   move or delete of the same id written meanwhile.
// - Every flush also records the ids watermark (kIdsDurableKey): every
//   new record with an id at or below it has its entry in `ids`. After a
//   crash the open reads the records written above it back from the
//   records family (RecordTable::RecoverPendingIds) and writes their
//   entries (a read-only open keeps them here).

#ifndef MNEMO_ENGINE_RECORD_TABLE_PENDING_H_
#define MNEMO_ENGINE_RECORD_TABLE_PENDING_H_

#include <atomic>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "keys.h"
#include "mnemo/record.h"

namespace mnemo::internal {

class PendingIds {
 public:
  struct Entry {
    RecordId id;
    char location[kLocationSize];
  };

  // Thread-safe, as every method.
  void Add(RecordId id, std::string_view location);
  // Entries recovered at open (sorted by id), kept until a flush takes
  // them (a writer's open flushes at once; a read-only open never does).
  void AddRecovered(std::vector<Entry> entries);
  // The location of `id` (12 bytes) into *location; false when none.
  bool Find(RecordId id, std::string* location) const;
  // The entries with ids in (after, upto], sorted by id.
  std::vector<Entry> Range(RecordId after, RecordId upto) const;
  // Entries not yet written (an estimate while writers run).
  size_t size() const { return count_.load(std::memory_order_relaxed); }
  // Moves on whenever written entries leave (Done(true)).
  uint64_t generation() const {
    return generation_.load(std::memory_order_acquire);
  }

  // A flush: Take moves every entry into the flushing set and returns
  // them sorted by id, or returns false when another flush runs or there
  // is nothing to write. The entries stay visible to Find until Done:
  // dropped when the write succeeded, kept for the next flush when not.
  bool Take(std::vector<Entry>* entries);
  void Done(bool written);

 private:
  static bool Less(const Entry& a, const Entry& b) { return a.id < b.id; }
  static bool FindIn(const std::vector<Entry>& sorted, RecordId id,
                     std::string* location);

  mutable std::mutex mu_;
  std::vector<Entry> live_;      // in the order added (nearly sorted)
  std::vector<Entry> flushing_;  // sorted: Take's, until Done
  std::vector<Entry> recovered_;  // sorted: AddRecovered's
  bool flush_running_ = false;
  std::atomic<size_t> count_{0};
  std::atomic<uint64_t> generation_{0};
};

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_RECORD_TABLE_PENDING_H_
