// Copyright (c) mnemo authors.
//
// The pixel phase: warm records that are due are grouped by agent in time
// order, rendered onto pages, and switched to the pixels tier together with
// their pages in one atomic batch per group.

#include <atomic>
#include <ctime>
#include <map>
#include <thread>

#include "compaction.h"
#include "envelope.h"
#include "expiry_index.h"
#include "mnemo/codec/manifest.h"
#include "mnemo/codec/png.h"
#include "page_store.h"

namespace mnemo::internal {
namespace {

struct Placement {
  uint64_t first_page = 0;  // index into the group's pages
  uint32_t item = 0;
  uint32_t count = 0;
};

std::map<RecordId, Placement> PlaceItems(const std::vector<codec::Page>& pages) {
  std::map<RecordId, Placement> where;
  for (size_t p = 0; p < pages.size(); ++p) {
    const auto& items = pages[p].manifest.items;
    for (size_t i = 0; i < items.size(); ++i) {
      auto [it, fresh] = where.try_emplace(items[i].id);
      if (fresh) {
        it->second.first_page = p;
        it->second.item = static_cast<uint32_t>(i);
      }
      it->second.count++;
    }
  }
  return where;
}

}  // namespace

// The age-index buckets the pixel phase pages from: hot records the warm
// pass left to it (due for pixels already), then warm ones.
constexpr Tier kPixelSources[] = {Tier::kHot, Tier::kWarm};

Status Compaction::CollectPixelGroups(PixelCursor* cursor, bool* more,
                                      std::vector<Group>* groups) {
  // Pages pack an agent's records in time order across its sessions (a
  // session is often far smaller than a page). Records already due for
  // decay get pages of their own, so those pages can decay in this same run
  // instead of waiting for younger neighbours.
  DueByAgent by_agent;
  size_t collected = 0, kept_bytes = 0;
  *more = false;
  for (; cursor->bucket < std::size(kPixelSources); ++cursor->bucket) {
    const Tier source = kPixelSources[cursor->bucket];
    std::string last;
    Status s = WalkDue(
        static_cast<uint8_t>(source), MinThreshold(&TierThresholds::pixels_after),
        [&](std::string_view key, Micros time, RecordId id) {
          last.assign(key);
          Record r;
          uint8_t flags = 0;
          Status read = TakeReady(id, &r, &flags);
          if (!read.ok() && !read.IsNotFound()) return read;
          // Stale and expired entries are reconciled under lock in
          // CommitGroup and WarmChunk; here they are just not collected.
          // An expired record is invisible: it must not reach a page, where
          // its neighbours' readers would see it (TTL drops it as text).
          if (!read.ok() || r.tier != source || r.event_time != time ||
              !PixelDue(r, flags)) {
            return Status::OK();
          }
          const TierThresholds& t = policy_.ThresholdsFor(r.ns.tenant, r.ns.agent);
          bool decay_due = IsDue(r, t.decayed_after);
          Due due{std::string(key), id, r.ns, time, r.version, r.tier, std::nullopt};
          const size_t bytes = KeptBytes(r);
          if (kept_bytes + bytes <= kKeptRecordBytes) {
            kept_bytes += bytes;
            due.record = std::move(r);
          }
          by_agent[{due.ns.tenant, due.ns.agent, decay_due}].push_back(std::move(due));
          if (++collected < options_.max_records_per_pass) return Status::OK();
          *more = true;
          return Status::Aborted("pass is full");
        },
        cursor->after);
    if (!s.ok() && !(s.IsAborted() && *more && !Cancelled())) return s;
    // The next pass starts after the last key looked at, so every pass
    // makes progress and a record this pass left (changed meanwhile) is not
    // collected again in this run.
    if (!last.empty()) cursor->after = std::move(last);
    if (*more) break;
    cursor->after.clear();
    ready_ = ReadyRecords();  // the hot bucket is done: what is left is not due
  }
  MakeGroups(&by_agent, groups);
  return Status::OK();
}

// The warm pass's copy when it has one (read under its lock, in this run),
// else a read.
Status Compaction::TakeReady(RecordId id, Record* r, uint8_t* flags) {
  auto it = ready_.by_id.find(id);
  if (it == ready_.by_id.end()) {
    return store_->ReadRecord(rocksdb::ReadOptions(), id, r, flags);
  }
  *r = std::move(it->second.first);
  *flags = it->second.second;
  ready_.bytes -= KeptBytes(*r);
  ready_.by_id.erase(it);
  return Status::OK();
}

void Compaction::MakeGroups(DueByAgent* by_agent,
                            std::vector<Group>* groups) const {
  for (auto& [group_key, items] : *by_agent) {
    std::sort(items.begin(), items.end(), [](const Due& a, const Due& b) {
      return a.event_time != b.event_time ? a.event_time < b.event_time
                                          : a.id < b.id;
    });
    for (size_t i = 0; i < items.size(); i += policy_.max_records_per_group) {
      Group g;
      size_t end = std::min(items.size(), i + policy_.max_records_per_group);
      g.items.assign(std::make_move_iterator(items.begin() + i),
                     std::make_move_iterator(items.begin() + end));
      groups->push_back(std::move(g));
    }
  }
}

// Passes of at most max_records_per_pass records each, until the walk of
// the due warm records reaches its end: memory stays bounded and one run
// still pages everything that is due.
Status Compaction::PixelPass() {
  PixelCursor cursor;
  uint64_t reported = 0;
  for (bool more = true; more;) {
    std::vector<Group> groups;
    MNEMO_RETURN_IF_ERROR(CollectPixelGroups(&cursor, &more, &groups));
    if (!groups.empty()) {
      MNEMO_RETURN_IF_ERROR(RenderAndCommit(groups, reported));
    }
    reported += groups.size();
  }
  return Status::OK();
}

// Workers take groups in order; the calling thread is worker 0 and the
// only one that calls the progress callback.
Status Compaction::RenderAndCommit(const std::vector<Group>& groups,
                                   uint64_t reported) {
  const codec::RenderProfile* profile = codec::FindProfile(policy_.pixel_profile);
  std::atomic<size_t> next{0}, done{0};
  std::mutex error_mu;
  Status first_error;
  auto work = [&](bool reporter) {
    std::unique_ptr<codec::Renderer> renderer;
    Status s = codec::Renderer::Create(*profile, &renderer);
    for (size_t i; s.ok() && !Cancelled() && (i = next++) < groups.size();) {
      auto started = std::chrono::steady_clock::now();
      s = CommitGroup(groups[i], renderer.get());
      Pace(std::chrono::steady_clock::now() - started);
      size_t n = ++done;
      if (reporter) Report("pixels", reported + n, reported + groups.size());
    }
    if (!s.ok()) {
      std::lock_guard<std::mutex> lock(error_mu);
      if (first_error.ok()) first_error = s;
      next = groups.size();  // stop the others
    }
  };
  std::vector<std::thread> helpers;
  int extra = std::min<int>(options_.threads - 1, static_cast<int>(groups.size()) - 1);
  for (int t = 0; t < extra; ++t) helpers.emplace_back(work, false);
  work(true);
  for (auto& h : helpers) h.join();
  MNEMO_RETURN_IF_ERROR(first_error);
  if (Cancelled()) return Status::Aborted("compaction cancelled");
  return Status::OK();
}

Status Compaction::CommitGroup(const Group& group, codec::Renderer* renderer) {
  // 1. Render outside any lock (the expensive part), from the records as
  // collected (read again when the pass could not keep them).
  std::vector<codec::PageItem> items;
  items.reserve(group.items.size());
  Record read;
  for (const Due& due : group.items) {
    const Record* r = due.record ? &*due.record : nullptr;
    if (r == nullptr) {
      Status s = store_->ReadRecord(rocksdb::ReadOptions(), due.id, &read);
      if (!s.ok()) return s.IsNotFound() ? Status::OK() : s;  // retried later
      if (read.version != due.version || read.tier != due.tier ||
          read.event_time != due.event_time) {
        return Status::OK();  // changed since collected: the next run
      }
      r = &read;
    }
    // When and who are drawn by the layout as a short "HH:MM TAG" header
    // with a date and a per-page legend (not part of the record's text).
    items.push_back({r->id, "", r->text, r->event_time, r->role});
  }
  std::vector<codec::Page> pages;
  std::vector<codec::RejectedItem> rejected;
  MNEMO_RETURN_IF_ERROR(renderer->Pack(items, &pages, &rejected));
  const codec::RenderProfile& profile = renderer->profile();
  codec::PngOptions png_options;
  png_options.bit_depth = profile.png_bit_depth;
  png_options.zlib_level = profile.png_zlib_level;
  std::vector<StoredPage> stored(pages.size());
  for (size_t p = 0; p < pages.size(); ++p) {
    MNEMO_RETURN_IF_ERROR(codec::EncodePng(pages[p].image, png_options, &stored[p].png));
    MNEMO_RETURN_IF_ERROR(codec::SerializeManifest(pages[p].manifest, &stored[p].manifest));
    PageInfo& info = stored[p].info;
    info.ns = group.items[0].ns;
    info.tier = Tier::kPixels;
    info.profile = std::string(profile.name);
    info.width = stored[p].first_width = pages[p].image.width;
    info.height = pages[p].image.height;
    info.vision_tokens = profile.vision_tokens;
    info.created_time = now_;
  }

  // 2. Switch under the records' locks, if none changed since collected.
  std::vector<RecordId> ids;
  for (const Due& due : group.items) ids.push_back(due.id);
  auto locks = store_->LockRecords(ids);
  std::vector<Record> records(group.items.size());
  std::vector<uint8_t> flags(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    const Due& due = group.items[i];
    Record& now = records[i];
    Status s = store_->ReadRecord(rocksdb::ReadOptions(), due.id, &now, &flags[i]);
    if (!s.ok() || now.version != due.version || now.tier != due.tier ||
        (now.tier != Tier::kHot && now.tier != Tier::kWarm) ||
        now.event_time != due.event_time) {
      return s.ok() || s.IsNotFound() ? Status::OK() : s;  // next run
    }
  }
  uint64_t first_page = 0;
  if (!pages.empty()) {
    // The store's ids, or the cluster's for a cluster store's cache.
    MNEMO_RETURN_IF_ERROR(store_->AssignPageIds(pages.size(), &first_page));
  }
  rocksdb::WriteBatch batch;
  for (size_t p = 0; p < stored.size(); ++p) {
    stored[p].info.page_id = first_page + p;
    // The live-set keys are the records' (AttachToPage, below).
    store_->table().PutPage(first_page + p, stored[p], &batch);
  }
  std::map<RecordId, Placement> where = PlaceItems(pages);
  std::map<RecordId, const Status*> why;
  for (const auto& rej : rejected) why[rej.id] = &rej.reason;
  uint64_t paged = 0, kept = 0, warmed = 0, bytes = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    auto placed = where.find(r.id);
    Record next = r;
    // A hot record (due for pixels when the warm pass met it) gets its
    // text compressed here, as the warm pass would have.
    uint8_t f = flags[i] | kFlagTextZstd;
    if (placed != where.end()) {
      next.tier = Tier::kPixels;
      next.page = {first_page + placed->second.first_page,
                   placed->second.item, placed->second.count};
      ++paged;
    } else {
      next.tier = Tier::kWarm;
      f |= kFlagKeptAsText;  // see why[r.id]: stays warm, never retried
      ++kept;
      if (r.tier == Tier::kHot) ++warmed;
    }
    // The walked age key (group.items[i].age_key) is r's own: the record
    // was re-read above in the tier it was walked in, same event time.
    MNEMO_RETURN_IF_ERROR(
        store_->table().AttachToPage(r, flags[i], next, f, &batch));
  }
  for (const auto& s : stored) bytes += s.png.size();
  MNEMO_RETURN_IF_ERROR(Write(&batch, "writing pages"));
  std::lock_guard<std::mutex> lock(result_mu_);
  result_->records_paged += paged;
  result_->records_kept_as_text += kept;
  result_->records_warmed += warmed;
  result_->pages_written += stored.size();
  result_->page_bytes += bytes;
  return Status::OK();
}

}  // namespace mnemo::internal
