// Copyright (c) mnemo authors.

#include "record_table_pending.h"

#include <algorithm>

namespace mnemo::internal {

void PendingIds::Add(RecordId id, std::string_view location) {
  Entry entry;
  entry.id = id;
  std::memcpy(entry.location, location.data(), kLocationSize);
  std::lock_guard<std::mutex> lock(mu_);
  live_.push_back(entry);
  count_.fetch_add(1, std::memory_order_release);
}

void PendingIds::AddRecovered(std::vector<Entry> entries) {
  std::sort(entries.begin(), entries.end(), Less);
  std::lock_guard<std::mutex> lock(mu_);
  count_.fetch_add(entries.size(), std::memory_order_release);
  if (recovered_.empty()) {
    recovered_ = std::move(entries);
    return;
  }
  recovered_.insert(recovered_.end(), entries.begin(), entries.end());
  std::sort(recovered_.begin(), recovered_.end(), Less);
}

bool PendingIds::FindIn(const std::vector<Entry>& sorted, RecordId id,
                        std::string* location) {
  Entry probe;
  probe.id = id;
  auto it = std::lower_bound(sorted.begin(), sorted.end(), probe, Less);
  if (it == sorted.end() || it->id != id) return false;
  location->assign(it->location, kLocationSize);
  return true;
}

bool PendingIds::Find(RecordId id, std::string* location) const {
  // Without the lock when empty: an Add racing this is of a record whose
  // write has not happened yet (its entry is added before the write).
  if (count_.load(std::memory_order_acquire) == 0) return false;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = live_.rbegin(); it != live_.rend(); ++it) {
    if (it->id != id) continue;
    location->assign(it->location, kLocationSize);
    return true;
  }
  return FindIn(flushing_, id, location) || FindIn(recovered_, id, location);
}

std::vector<PendingIds::Entry> PendingIds::Range(RecordId after,
                                                 RecordId upto) const {
  std::vector<Entry> out;
  if (after >= upto) return out;
  Entry lo, hi;
  lo.id = after;
  hi.id = upto;
  std::lock_guard<std::mutex> lock(mu_);
  for (const Entry& e : live_) {
    if (e.id > after && e.id <= upto) out.push_back(e);
  }
  for (const auto* sorted : {&flushing_, &recovered_}) {  // by id
    out.insert(out.end(),
               std::upper_bound(sorted->begin(), sorted->end(), lo, Less),
               std::upper_bound(sorted->begin(), sorted->end(), hi, Less));
  }
  std::sort(out.begin(), out.end(), Less);
  // One id can be in two sets only as the same entry (a retried flush).
  out.erase(std::unique(out.begin(), out.end(),
                        [](const Entry& a, const Entry& b) {
                          return a.id == b.id;
                        }),
            out.end());
  return out;
}

bool PendingIds::Take(std::vector<Entry>* entries) {
  std::lock_guard<std::mutex> lock(mu_);
  if (flush_running_ || (live_.empty() && recovered_.empty())) return false;
  flush_running_ = true;
  flushing_.swap(live_);
  live_.clear();
  flushing_.insert(flushing_.end(), recovered_.begin(), recovered_.end());
  recovered_.clear();
  std::sort(flushing_.begin(), flushing_.end(), Less);
  *entries = flushing_;
  return true;
}

void PendingIds::Done(bool written) {
  std::lock_guard<std::mutex> lock(mu_);
  if (written) {
    count_.fetch_sub(flushing_.size(), std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_release);
  } else {
    live_.insert(live_.end(), flushing_.begin(), flushing_.end());
  }
  flushing_.clear();
  flush_running_ = false;
}

}  // namespace mnemo::internal
