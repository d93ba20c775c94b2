// Copyright (c) mnemo authors.
//
// Age-based compaction: as memory ages the store moves records down tiers,
//   hot (text) -> warm (zstd text) -> pixels (rendered pages, text kept)
//   -> decayed (pages downscaled to a smaller profile; text kept unless the
//      policy says forget),
// so a vision-language model can read old memory for a fraction of the
// tokens. Nothing is lost by default: Get returns the exact text in every
// tier where it is kept.
//
// Aging formula. A record's effective age is
//
//   effective_age = (now - event_time)
//                   / (1 + importance_weight * importance
//                        + access_weight * log2(1 + access_count))
//
// and it moves to the next tier once effective_age >= that tier's
// threshold. With the defaults a record of importance 1 ages at half speed,
// and one read 7 times ages at (1 + 1.5) = 2.5x slower than an unread one.

#ifndef MNEMO_COMPACTION_H_
#define MNEMO_COMPACTION_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "mnemo/record.h"
#include "mnemo/status.h"

namespace mnemo {

inline constexpr Micros kHour = 3'600'000'000LL;
inline constexpr Micros kDayMicros = 24 * kHour;

// Thresholds of one policy scope.
struct TierThresholds {
  // Effective age at which hot text is zstd-compressed (warm).
  // Default: 1 day
  Micros warm_after = kDayMicros;
  // Effective age at which warm records are rendered onto pages (pixels).
  // Default: 7 days
  Micros pixels_after = 7 * kDayMicros;
  // Effective age at which pages are downscaled (decayed). A page decays
  // when every live record on it is due.
  // Default: 90 days
  Micros decayed_after = 90 * kDayMicros;
};

// A per-namespace override: applies to `tenant` (and only `agent` when it
// is non-empty). The most specific matching override wins.
struct PolicyOverride {
  std::string tenant;
  std::string agent;  // empty: every agent of the tenant
  TierThresholds thresholds;
};

struct CompactionPolicy {
  TierThresholds thresholds;
  std::vector<PolicyOverride> overrides;

  // Render profile for pixel pages and for decayed pages (codec profile
  // names: tiny, small, base, large, qwen).
  // Default: "base" and "small"
  std::string pixel_profile = "base";
  std::string decayed_profile = "small";

  // Weights of the aging formula above.
  // Default: 1.0 and 0.5
  double importance_weight = 1.0;
  double access_weight = 0.5;

  // Drop the kept text of records whose page decays. Then Get returns the
  // record with empty text and `text_forgotten`; only the decayed page
  // image remains.
  // Default: false (nothing is lost)
  bool forget_text_when_decayed = false;

  // Physically delete expired records (expires_at <= now) found while
  // compacting. Expired records are invisible either way.
  // Default: true
  bool delete_expired = true;

  // Most records packed into one page group (one atomic write). Groups
  // hold one agent's records in time order, across its sessions.
  // Default: 1000
  size_t max_records_per_group = 1000;

  // Parses a policy from JSON, e.g.
  //   {"warm_after":"1d","pixels_after":"7d","decayed_after":"90d",
  //    "pixel_profile":"base","decayed_profile":"small",
  //    "importance_weight":1.0,"access_weight":0.5,
  //    "forget_text_when_decayed":false,"delete_expired":true,
  //    "overrides":[{"tenant":"t","agent":"a","pixels_after":"2h"}]}
  // Durations are numbers of seconds or strings with a unit (s, m, h, d).
  // Unknown keys and bad values are InvalidArgument naming the key.
  static Status FromJson(const std::string& json, CompactionPolicy* policy);
  Status Validate() const;
  // The thresholds that apply to `ns`.
  const TierThresholds& ThresholdsFor(std::string_view tenant,
                                      std::string_view agent) const;
};

struct CompactProgress {
  const char* phase = "";  // "index", "warm", "pixels", "decayed", "expire"
  uint64_t done = 0;       // units of work done in this phase
  // Known units of work in this phase (0: unknown). The pixel phase counts
  // page groups over all its passes so far, so `total` grows while
  // further passes find more due records.
  uint64_t total = 0;
  uint64_t pages_written = 0;
  uint64_t page_bytes = 0;
};

struct CompactOptions {
  // The time the policy ages against; 0 means the store's clock.
  Micros now = 0;
  CompactionPolicy policy;
  // Worker threads rendering pages in parallel (>= 1).
  // Default: 1
  int threads = 1;
  // Backpressure: the fraction of wall time this run may spend working.
  // Below 1, each worker sleeps after every unit of work (a page group, a
  // warm chunk, a decayed page) so that work / (work + sleep) <= max_duty,
  // leaving the rest of the machine to foreground reads and writes.
  // Background compaction (Options::compaction_threads) uses
  // Options::compaction_max_duty.
  // Default: 1.0 (unpaced)
  double max_duty = 1.0;
  // Memory bound of the pixel phase: one pass collects and renders at
  // most this many due records; a run makes as many passes as the due
  // records need, so a single run still pages every due record (a second
  // run with the same clock changes nothing). >= 1.
  // Default: 200000
  size_t max_records_per_pass = 200000;
  // Called (from the calling thread) as work advances. May be empty.
  std::function<void(const CompactProgress&)> progress;
  // When set and it becomes true, Compact stops after the page group in
  // flight and returns Aborted; everything written so far stays consistent.
  const std::atomic<bool>* cancel = nullptr;
};

struct CompactResult {
  uint64_t records_indexed = 0;  // new records entered into the age index
  // hot -> warm, for records that stay warm text after this run.
  uint64_t records_warmed = 0;
  // warm or hot -> pixels (a hot record already due for pixels is paged
  // directly, without a warm step in between).
  uint64_t records_paged = 0;
  uint64_t records_decayed = 0;  // pixels -> decayed
  uint64_t records_expired = 0;  // deleted by TTL
  uint64_t records_kept_as_text = 0;  // not renderable faithfully
  // Pages an expired record could not be blanked from (corrupt page): the
  // record stays, hidden from reads, until 'mnemo verify --repair' moves
  // the page's records off it and a later run removes the record. The
  // rest of the run goes on.
  std::vector<uint64_t> pages_unmaskable;
  uint64_t pages_written = 0;
  uint64_t pages_decayed = 0;
  uint64_t page_bytes = 0;  // PNG bytes written
  double seconds = 0;
  double pages_per_second = 0;
  bool changed() const {
    return records_warmed + records_paged + records_decayed +
               records_expired + pages_written + pages_decayed !=
           0;
  }
};

// Per-tier totals (see GetTierStats in mnemo/admin.h).
struct TierTotals {
  uint64_t records = 0;
  uint64_t text_bytes = 0;        // exact text kept (uncompressed size)
  uint64_t stored_text_bytes = 0; // as stored (zstd in warm and below)
  uint64_t pages = 0;
  uint64_t page_bytes = 0;        // PNG bytes
  uint64_t text_tokens_est = 0;   // text tokens (see text_token_counter)
  uint64_t vision_tokens = 0;     // tokens to read this tier's pages
};

struct TierStats {
  TierTotals tiers[4];  // indexed by Tier
  uint64_t records_kept_as_text = 0;
  // What counted text_tokens_est: the tokenizer's name ("o200k_base") or
  // the estimator's ("calibrated-o200k-v1").
  std::string text_token_counter;
  // What an agent pays to read everything: text tokens for hot/warm
  // records plus vision tokens for pages.
  uint64_t context_tokens() const;
  // Text tokens the same memory would cost as plain text.
  uint64_t text_tokens() const;
};

// A page of compacted memory.
struct PageInfo {
  uint64_t page_id = 0;
  Namespace ns;  // session: that of the page's first record
  Tier tier = Tier::kPixels;      // pixels or decayed
  std::string profile;            // current render profile
  int width = 0, height = 0;      // current PNG size
  int vision_tokens = 0;
  uint32_t live_records = 0;
  Micros created_time = 0;
};

struct PageData {
  PageInfo info;
  std::string png;
  // The manifest as JSON (see codec/manifest.h: text, items with id, text
  // and span). Spans are in the coordinates of the page as first rendered;
  // multiply by scale to map them onto `png` after decay.
  std::string manifest_json;
  double scale = 1.0;
  // Width the page was first rendered at (manifest coordinates);
  // scale = info.width / first_width.
  int first_width = 0;
};

// Where a record sits on its page.
struct RecordLocation {
  uint64_t page_id = 0;
  uint32_t item = 0;
  // Pixel rectangles (in the current page image) of what it occupies: one
  // per line piece, in reading order, over all its pages. Records flow
  // (layout version 2): a line may hold other records too, but a piece
  // holds this record alone (from where it starts on its first line to
  // where it ends on its last).
  struct Rect {
    uint64_t page_id;
    int x, y, w, h;
  };
  std::vector<Rect> rects;
};

}  // namespace mnemo

#endif  // MNEMO_COMPACTION_H_
