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

Status ReadLiveSet(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* pages,
                   uint64_t page_id, std::vector<RecordId>* ids) {
  ids->clear();
  std::string prefix = LivePrefix(page_id);
  std::string upper = PrefixSuccessor(prefix);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(NewIterator(db, ro, pages));
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    if (it->key().size() == prefix.size() + 8) {
      ids->push_back(DecodeRecordKey(
          std::string_view(it->key().data() + prefix.size(), 8)));
    }
  }
  return FromRocks(it->status(), "reading page live set");
}

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
  rocksdb::DB* db = store_->db_;
  std::vector<RecordId> live;
  MNEMO_RETURN_IF_ERROR(ReadLiveSet(db, store_->cf(kPages), page_id, &live));
  auto record_locks = store_->LockRecords(live);
  StoreImpl::PageRemovals this_page{{page_id, {}}};
  auto page_lock = store_->LockPages(this_page);
  std::vector<RecordId> locked_live;
  MNEMO_RETURN_IF_ERROR(ReadLiveSet(db, store_->cf(kPages), page_id, &locked_live));
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
  std::string value;
  rocksdb::Status rs = db->Get(rocksdb::ReadOptions(), store_->cf(kPages),
                               PageKey(page_id), &value);
  if (rs.IsNotFound()) return Status::OK();
  MNEMO_RETURN_IF_ERROR(FromRocks(rs, "reading page " + std::to_string(page_id)));
  StoredPage page;
  MNEMO_RETURN_IF_ERROR(DecodePage(value, page_id, &page));

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
    EncodePage(page, &value);
    (void)batch.Put(store_->cf(kPages), PageKey(page_id), value);
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
    MNEMO_RETURN_IF_ERROR(
        store_->table_.MoveTier(r, flags[i], decayed, f, &batch));
    result_->records_decayed++;
  }
  return Write(&batch, "writing decayed page " + std::to_string(page_id));
}

}  // namespace mnemo::internal
