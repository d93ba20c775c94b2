// Copyright (c) mnemo authors.
//
// Options that control a Store, and per-call read/write options.

#ifndef MNEMO_OPTIONS_H_
#define MNEMO_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "mnemo/cache.h"
#include "mnemo/compaction.h"
#include "mnemo/embedder.h"
#include "mnemo/record.h"

namespace mnemo {

// Source of the current time. The store reads it for created/updated times,
// expiry checks and access times; tests and demos inject their own to age
// data. Implementations must be thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Micros NowMicros() = 0;
  // The process-wide wall clock (never null, never deleted).
  static Clock* System();
};

// Cluster mode (mnemo/cluster.h): the store's records live in a Ceph RADOS
// cluster, the source of truth, and the local store in the store directory
// is this host's cache of the agents it owns (rebuilt from the cluster when
// it takes an agent over). Off unless conf_path is set or `enabled` is true.
struct ClusterOptions {
  // Turn cluster mode on with Ceph's default configuration lookup
  // ($CEPH_CONF, then /etc/ceph/ceph.conf) when conf_path is empty.
  // Default: false
  bool enabled = false;

  // ceph.conf of the cluster; non-empty turns cluster mode on.
  // Default: ""
  std::string conf_path;

  // The cluster client id ("admin" connects as client.admin).
  // Default: "admin"
  std::string client_id = "admin";

  // This host's name, shown to a host refused a write to an agent it does
  // not own ("owned by <host> ...") and in GetClusterStats. "" means
  // "<hostname>:<pid>".
  // Default: ""
  std::string host_name;

  // Pools used: "<pool_prefix>-meta" (agent heads, records, history,
  // id directory, id counter). Created when missing.
  // Default: "mnemo"
  std::string pool_prefix = "mnemo";

  // Lease of an owned agent: renewed every third of it; a host silent for
  // longer loses its agents to the next host that writes to them.
  // Default: 30
  uint32_t lease_seconds = 30;

  // Bound on every cluster operation and on connecting; an operation past
  // it fails with IOError "timed out" (its effect is then unknown).
  // Default: 30
  uint32_t op_timeout_seconds = 30;

  bool Enabled() const { return enabled || !conf_path.empty(); }
};

struct Options {
  // Create the store directory and database when missing.
  // Default: true
  bool create_if_missing = true;

  // Fail Open with AlreadyExists when the store already exists.
  // Default: false
  bool error_if_exists = false;

  // Open without writing: every mutating call returns FailedPrecondition.
  // Several read-only instances may run beside one writer process.
  // Default: false
  bool read_only = false;

  // Largest accepted record: text + metadata + labels, in bytes. Bigger
  // records are rejected with InvalidArgument naming the size.
  // Default: 1 MiB
  size_t max_record_bytes = 1 << 20;

  // Most records one PutBatch/Import call accepts; larger batches are
  // rejected with InvalidArgument before anything is written (one atomic
  // batch is held in memory whole).
  // Default: 100000
  size_t max_batch_records = 100000;

  // Vocabulary file of the tokenizer that counts text tokens everywhere the
  // store reports or budgets them (GetStats, GetTierStats, the compaction
  // report, BuildContext budgets): a tiktoken ranks file (o200k_base.tiktoken
  // ...), a JavaScript ranks module (o200k_base.js) or a byte-level BPE
  // tokenizer.json; see mnemo/codec/tokenizer.h. Empty: the calibrated
  // estimate (codec::EstimateTextTokens, "calibrated-o200k-v1"). A file
  // that cannot be loaded fails Open with the loader's Status.
  // Default: ""
  std::string tokenizer_file;

  // Size of RocksDB's block cache shared by all column families. Larger
  // keeps more of the store in memory for reads.
  // Default: 64 MiB
  size_t block_cache_bytes = 64 << 20;

  // Memory for the id -> location hints that let Get skip the id's lookup
  // in the store (one RocksDB read instead of two) for recently written or
  // read records: 64 bytes per 3 ids, ~21 bytes an id. The table grows
  // with the ids it holds up to this bound; values below 48 KiB mean
  // 48 KiB. A store of more live records than the hints hold pays the
  // second read on the Gets that miss (at 300k records the default doubled
  // Get throughput over a 3 MiB bound).
  // Default: 16 MiB (~786k ids)
  size_t location_hint_bytes = 16 << 20;

  // Size of each memtable before it is flushed to disk. Larger absorbs
  // write bursts at the cost of memory and recovery time.
  // Default: 64 MiB
  size_t write_buffer_bytes = 64 << 20;

  // Bound on the write-ahead logs' total size: past it the column families
  // holding the oldest log are flushed so the log can go (rarely written
  // families would otherwise keep every log since their last flush). 0
  // means twice write_buffer_bytes, and at least 32 MiB: a smaller bound
  // flushes every family at each few writes with small memtables, making
  // tiny table files and deleting logs so often that a read-only open
  // beside the writer keeps finding its view's log gone.
  // Default: 0
  uint64_t max_wal_bytes = 0;

  // Count reads (Record::access_count/last_access). Counts are gathered in
  // memory and written every access_flush_interval_ms and on Close (a
  // crash may lose the counts of that last interval, never records); from
  // then on every read of the record reports them. They are written apart
  // from the records and folded into them every 30 flush intervals, so
  // counting never slows Get or Scan down.
  // Default: true
  bool track_access = true;

  // How often gathered access counts are written.
  // Default: 1000 ms
  uint32_t access_flush_interval_ms = 1000;

  // Background compaction: threads that run Compact with
  // `compaction_policy` every compaction_interval_ms (0 threads: compaction
  // runs only when Compact is called). The background work is paced to use
  // at most compaction_max_duty of each thread's time, so foreground reads
  // and writes keep most of the machine.
  // Default: 0 threads, 60000 ms, policy defaults, 0.5
  int compaction_threads = 0;
  uint32_t compaction_interval_ms = 60000;
  CompactionPolicy compaction_policy;
  double compaction_max_duty = 0.5;

  // The hot cache of pages and payloads (see mnemo/cache.h).
  // Default: disabled
  CacheConfig cache;

  // The host's multimodal embedder (see mnemo/embedder.h): records' texts
  // and rendered pages are embedded behind ingest and indexed for kVector
  // and kHybrid searches. Pages are fed from the vista pool, so an embedder
  // needs cache.enabled (Open is InvalidArgument otherwise). A read-only
  // store embeds only query texts with it (no feed, no cache needed); its
  // name and dimension are still checked against the store's.
  // Default: nullptr (nothing is embedded by the store)
  std::shared_ptr<Embedder> embedder;

  // Full-text index (mnemo/search.h). Put writes only the record; an
  // indexer adds its postings behind a persisted watermark: on a background
  // thread every search_index_interval_ms, and by text and hybrid
  // searches, which first catch up on every record written before they
  // started (see search_catch_up_records; an acknowledged Put is always
  // found). Off: nothing is indexed; records written meanwhile are indexed
  // once it is on again.
  // Default: true
  bool full_text_index = true;

  // Period of the background full-text indexer. 0: no thread; records are
  // indexed only by searches (a backlog of at most search_catch_up_records;
  // a larger one every search scores itself until compaction or close
  // indexes it), compaction and close.
  // Default: 100
  uint32_t search_index_interval_ms = 100;

  // A search finding at most this many records not yet indexed indexes them
  // itself first (records left unindexed by a crash or by the index being
  // off count too); a larger backlog (after a bulk ingest) it does not
  // wait for: it scores the unindexed records of the agents it
  // covers directly, with the statistics they will have once indexed (the
  // same results), while the background indexer drains the backlog. Such
  // a search costs about what its agents' unindexed records cost to read
  // and analyze (a tenant-wide search: the tenant's whole backlog).
  // Default: 2048
  uint64_t search_catch_up_records = 2048;

  // Snowball stemmer of the full-text index ("english", "german", ...;
  // "none": no stemming, no stop words). English drops English stop words.
  // Must stay the same for the life of a store (terms written under one
  // language are not found under another). Unknown: Open fails with
  // InvalidArgument.
  // Default: "english"
  std::string search_language = "english";

  // Cluster mode (see ClusterOptions and mnemo/cluster.h).
  // Default: off
  ClusterOptions cluster;

  // Time source. nullptr means Clock::System(). Not owned; must outlive
  // the store.
  // Default: nullptr
  Clock* clock = nullptr;
};

struct WriteOptions {
  // fsync the write-ahead log before acknowledging. When false a machine
  // crash (not a process crash) may lose the latest acknowledged writes.
  // Default: false
  bool sync = false;
};

// A consistent read-only view of a store (Store::GetSnapshot). Opaque;
// released with Store::ReleaseSnapshot, by the store that made it, before
// that store is closed.
class Snapshot {
 protected:
  virtual ~Snapshot() = default;
};

struct ReadOptions {
  // Count this read in the record's access statistics (Get only).
  // Default: true
  bool count_access = true;
  // Read the store as it was when this snapshot was taken (writes, updates
  // and deletes made after it are not seen). nullptr: an implicit snapshot
  // of the state at the start of the call. Expiry is judged against the
  // store clock at the time of the read, not of the snapshot.
  // Default: nullptr
  const Snapshot* snapshot = nullptr;
};

// Fields an Update may change; unset fields keep their value.
struct RecordUpdate {
  std::optional<std::string> text;
  std::optional<std::string> role;
  std::optional<std::string> kind;
  std::optional<Metadata> metadata;
  std::optional<Micros> event_time;
  std::optional<float> importance;
  std::optional<Micros> expires_at;
};

// An agent's records in time order (event time, then id).
struct ScanOptions {
  std::string tenant;  // required
  std::string agent;   // required
  // Filters; unset means "any".
  std::optional<std::string> session;
  std::optional<std::string> role;
  std::optional<std::string> kind;
  std::optional<Tier> tier;
  // Event time range [start_time, end_time).
  std::optional<Micros> start_time;
  std::optional<Micros> end_time;
  // Newest first instead of oldest first.
  bool reverse = false;
  // Page size: at most this many records per call (1..10000).
  size_t limit = 100;
  // Resume after the last record of a previous page: pass that page's
  // ScanResult::next_cursor. Empty starts at the beginning. A cursor is
  // bound to the filters it was made with.
  std::string cursor;
};

struct ScanResult {
  std::vector<Record> records;
  // Non-empty when more records may follow; pass it as ScanOptions::cursor.
  std::string next_cursor;
};

}  // namespace mnemo

#endif  // MNEMO_OPTIONS_H_
