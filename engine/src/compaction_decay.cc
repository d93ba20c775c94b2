// Copyright (c) mnemo authors.
//
// The decay phase: a page whose every live record is due is downscaled to
// the decayed profile (fewer vision tokens, blurrier text: forgetting), and
// the records that start on it move to the decayed tier.

#include <set>

#include "compaction.h"
#include "envelope.h"
#include "mnemo/codec/downscale.h"
#include "mnemo/codec/png.h"
#include "page_store.h"

namespace mnemo::internal {
namespace {

}  // namespace

Status Compaction::DecayPass() {
  std::set<uint64_t> candidates;
  MNEMO_RETURN_IF_ERROR(WalkDue(
      static_cast<uint8_t>(Tier::kPixels),
      MinThreshold(&TierThresholds::decayed_after),
      [&](std::string_view, Micros, RecordId id) {
        Record r;
        Status s = store_->ReadRecord(rocksdb::ReadOptions(), id, &r);
        if (s.ok() && r.tier == Tier::kPixels && r.page.valid()) {
          candidates.insert(r.page.page_id);
        }
        return s.ok() || s.IsNotFound() ? Status::OK() : s;
      }));
  const codec::RenderProfile* to = codec::FindProfile(policy_.decayed_profile);
  uint64_t done = 0;
  for (uint64_t page_id : candidates) {
    auto started = std::chrono::steady_clock::now();
    MNEMO_RETURN_IF_ERROR(DecayPage(page_id, *to));
    Pace(std::chrono::steady_clock::now() - started);
    Report("decayed", ++done, candidates.size());
    if (Cancelled()) return Status::Aborted("compaction cancelled");
  }
  return Status::OK();
}

Status Compaction::DecayPage(uint64_t page_id, const codec::RenderProfile& to) {
  const RecordTable& table = store_->table();
  std::vector<RecordId> live;
  MNEMO_RETURN_IF_ERROR(table.LiveSet(rocksdb::ReadOptions(), page_id, &live));
  auto record_locks = store_->LockRecords(live);
  StoreImpl::PageRemovals this_page{{page_id, {}}};
  auto page_lock = store_->LockPages(this_page);
  std::vector<RecordId> locked_live;
  MNEMO_RETURN_IF_ERROR(
      table.LiveSet(rocksdb::ReadOptions(), page_id, &locked_live));
  if (locked_live != live || live.empty()) return Status::OK();  // next run

  std::vector<Record> records;
  std::vector<uint8_t> flags;
  for (RecordId id : live) {
    Record r;
    uint8_t f = 0;
    Status s = store_->ReadRecord(rocksdb::ReadOptions(), id, &r, &f);
    if (s.IsNotFound()) continue;  // removed by TTL: its live key is stale
    MNEMO_RETURN_IF_ERROR(s);
    const TierThresholds& t = policy_.ThresholdsFor(r.ns.tenant, r.ns.agent);
    if (!IsDue(r, t.decayed_after)) return Status::OK();  // not yet
    records.push_back(std::move(r));
    flags.push_back(f);
  }
  StoredPage page;
  Status read = table.GetPage(rocksdb::ReadOptions(), page_id, &page);
  if (read.IsNotFound()) return Status::OK();
  MNEMO_RETURN_IF_ERROR(read);

  rocksdb::WriteBatch batch;
  if (page.info.tier == Tier::kPixels) {
    codec::GrayImage full, small;
    MNEMO_RETURN_IF_ERROR(codec::DecodePng(page.png, codec::DecodeLimits(), &full));
    MNEMO_RETURN_IF_ERROR(codec::Downscale(full, to, &small));
    codec::PngOptions png_options;
    png_options.bit_depth = to.png_bit_depth;
    png_options.zlib_level = to.png_zlib_level;
    MNEMO_RETURN_IF_ERROR(codec::EncodePng(small, png_options, &page.png));
    page.info.tier = Tier::kDecayed;
    page.info.profile = std::string(to.name);
    page.info.width = small.width;
    page.info.height = small.height;
    page.info.vision_tokens = to.vision_tokens;
    table.PutPage(page_id, page, &batch);
    result_->pages_decayed++;
  }
  for (size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    if (r.page.page_id != page_id || r.tier != Tier::kPixels) continue;
    uint8_t f = flags[i];
    if (policy_.forget_text_when_decayed) {
      f = static_cast<uint8_t>((f | kFlagTextForgotten) & ~kFlagTextZstd);
    }
    Record decayed = r;
    decayed.tier = Tier::kDecayed;
    MNEMO_RETURN_IF_ERROR(table.MoveTier(r, flags[i], decayed, f, &batch));
    result_->records_decayed++;
  }
  return Write(&batch, "writing decayed page " + std::to_string(page_id));
}

}  // namespace mnemo::internal
