// Copyright (c) mnemo authors.

#include "rocks_glue.h"

#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/table_properties.h>
#include <rocksdb/utilities/backup_engine.h>

#include <algorithm>
#include <filesystem>

#include "coding.h"
#include "envelope.h"
#include "keys.h"
#include "record_table_ids.h"
#include "search_postings.h"
#include "test_hooks.h"

namespace mnemo::internal {
namespace {

// Folds access operands into the record envelope: the record is patched in
// place (count added, latest time kept), so counting a read never needs a
// read-modify-write on the foreground path.
class AccessMergeOperator final : public rocksdb::AssociativeMergeOperator {
 public:
  const char* Name() const override { return "mnemo.AccessMerge"; }

  bool Merge(const rocksdb::Slice& key, const rocksdb::Slice* existing,
             const rocksdb::Slice& operand, std::string* new_value,
             rocksdb::Logger* /*logger*/) const override {
    if (operand.size() != 16) return false;
    uint64_t count = DecodeFixed64(operand.data());
    Micros last = static_cast<Micros>(DecodeFixed64(operand.data() + 8));
    if (existing == nullptr) {
      // No record (deleted before the counts were written): keep only the
      // operand form; readers treat a 16-byte value as "no record" and the
      // compaction filter drops it.
      new_value->assign(operand.data(), operand.size());
      return true;
    }
    std::string_view old(existing->data(), existing->size());
    if (old.size() == 16) {  // two orphan operands
      count += DecodeFixed64(old.data());
      last = std::max(last, static_cast<Micros>(DecodeFixed64(old.data() + 8)));
      *new_value = AccessOperand(count, last);
      return true;
    }
    // Checks the old checksum (false -> Corruption) while computing the
    // new one, in one pass. A version-3 record's key completes it.
    const KeyFields fields = KeyFieldsOf({key.data(), key.size()});
    return AddAccessChecked(old, count, last, new_value, &fields);
  }
};

// Drops expired records and orphan access operands in RocksDB compaction.
// With `keep_paged` (the records family), a record on a page stays until
// mnemo's compaction removes it through the expiry index: dropping it here
// would lose its link to the page, and its text would stay in the image.
class EnvelopeTtlFilter final : public rocksdb::CompactionFilter {
 public:
  EnvelopeTtlFilter(Clock* clock, bool keep_paged)
      : clock_(clock), keep_paged_(keep_paged) {}
  const char* Name() const override { return "mnemo.EnvelopeTtl"; }
  bool Filter(int /*level*/, const rocksdb::Slice& /*key*/,
              const rocksdb::Slice& value, std::string* /*new_value*/,
              bool* /*value_changed*/) const override {
    if (value.size() == 16) return true;  // orphan access counts
    EnvelopeHeader h;
    if (!PeekHeader({value.data(), value.size()}, &h)) return false;
    if (keep_paged_ && h.page_id != 0) return false;
    return h.expires_at != 0 && h.expires_at <= clock_->NowMicros();
  }

 private:
  Clock* clock_;
  bool keep_paged_;
};

// Drops time-index entries of expired records, except those of records on
// pages (kept with their record, see EnvelopeTtlFilter).
class IndexTtlFilter final : public rocksdb::CompactionFilter {
 public:
  explicit IndexTtlFilter(Clock* clock) : clock_(clock) {}
  const char* Name() const override { return "mnemo.IndexTtl"; }
  bool Filter(int /*level*/, const rocksdb::Slice& key,
              const rocksdb::Slice& value, std::string* /*new_value*/,
              bool* /*value_changed*/) const override {
    if (key.empty() || key[0] != kTimeIndexTag || value.size() < 8) {
      return false;
    }
    Micros expires = static_cast<Micros>(DecodeFixed64(value.data()));
    if (value.size() > 8 && (value[8] == static_cast<char>(Tier::kPixels) ||
                             value[8] == static_cast<char>(Tier::kDecayed))) {
      return false;  // paged (IndexEntry: expires_at(8) tier(1) ...)
    }
    return expires != 0 && expires <= clock_->NowMicros();
  }

 private:
  Clock* clock_;
};

// Prefix of an index key: the tag, tenant and agent up to the second NUL.
class AgentPrefixTransform final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "mnemo.AgentPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), PrefixLength(key));
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return PrefixLength(key) != 0;
  }

 private:
  static size_t PrefixLength(const rocksdb::Slice& key) {
    if (key.empty()) return 0;
    const char* first =
        static_cast<const char*>(memchr(key.data() + 1, 0, key.size() - 1));
    if (first == nullptr) return 0;
    size_t rest = key.size() - (first + 1 - key.data());
    const char* second = static_cast<const char*>(memchr(first + 1, 0, rest));
    return second == nullptr ? 0 : second + 1 - key.data();
  }
};

// Memtable insert hints of the postings family: one per agent's posting
// lists ('w' tenant 0 agent 0, PostingPrefix), so the indexer's sorted run
// of an agent's operands goes in next to each other (a partial splice fix)
// rather than searching the skiplist from the top for each. Only keys with
// a term after the prefix are in the domain: RocksDB 7.8's MemTable::Add
// hands a range deletion the same hint map as point keys, and the range
// deletions of this family (SearchTable::DeleteAgent,
// VectorTable::DeleteAgent) start exactly at a prefix, so they never
// take a point key's splice.
class PostingsHintTransform final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "mnemo.PostingsHint"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), PrefixLength(key));
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    const size_t prefix = PrefixLength(key);
    return prefix != 0 && prefix < key.size();
  }

 private:
  // The length of 'w' tenant 0 agent 0, or 0 when `key` is not a posting.
  static size_t PrefixLength(const rocksdb::Slice& key) {
    if (key.empty() || key[0] != kPostingTag) return 0;
    const char* end = key.data() + key.size();
    const char* first =
        static_cast<const char*>(memchr(key.data() + 1, 0, key.size() - 1));
    if (first == nullptr) return 0;
    const char* second =
        static_cast<const char*>(memchr(first + 1, 0, end - (first + 1)));
    return second == nullptr ? 0 : second + 1 - key.data();
  }
};

// Records the largest record id of each records table file
// (kMaxIdProperty), so that the open after a crash reads only the files
// that may hold records whose ids entries were not written yet
// (RecordTable::RecoverPendingIds).
class MaxIdCollector final : public rocksdb::TablePropertiesCollector {
 public:
  const char* Name() const override { return "mnemo.MaxId"; }
  rocksdb::Status AddUserKey(const rocksdb::Slice& key,
                             const rocksdb::Slice& /*value*/,
                             rocksdb::EntryType /*type*/,
                             rocksdb::SequenceNumber /*seq*/,
                             uint64_t /*file_size*/) override {
    if (key.size() == kClusteredKeySize) {
      max_id_ = std::max(max_id_, RecordIdOfKey({key.data(), key.size()}));
    }
    return rocksdb::Status::OK();
  }
  rocksdb::Status Finish(rocksdb::UserCollectedProperties* props) override {
    std::string value;
    PutBigEndian64(&value, max_id_);
    props->emplace(kMaxIdProperty, std::move(value));
    return rocksdb::Status::OK();
  }
  rocksdb::UserCollectedProperties GetReadableProperties() const override {
    return {{kMaxIdProperty, std::to_string(max_id_)}};
  }

 private:
  RecordId max_id_ = 0;
};

class MaxIdCollectorFactory final
    : public rocksdb::TablePropertiesCollectorFactory {
 public:
  const char* Name() const override { return "mnemo.MaxIdFactory"; }
  rocksdb::TablePropertiesCollector* CreateTablePropertiesCollector(
      rocksdb::TablePropertiesCollectorFactory::Context /*context*/) override {
    return new MaxIdCollector();
  }
};

rocksdb::ColumnFamilyOptions BaseFamily(const Options& options,
                                        std::shared_ptr<rocksdb::Cache> cache) {
  rocksdb::ColumnFamilyOptions cf;
  cf.write_buffer_size = options.write_buffer_bytes;
  cf.compression = rocksdb::kLZ4Compression;
  cf.bottommost_compression = rocksdb::kZSTD;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = std::move(cache);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  table.format_version = 5;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.level_compaction_dynamic_level_bytes = true;
  return cf;
}

// The ids family serves one point lookup per Get (of the id's block of 64
// entries, record_table_ids.h, folded by its merge operator): small blocks (less to
// read and search per lookup), a whole-key bloom filter, and index and
// filter blocks held in memory with the table reader (never evicted). New
// ids only grow: one insert hint (empty prefix) for the memtable.
void IdsFamily(const Options& options, std::shared_ptr<rocksdb::Cache> cache,
               rocksdb::ColumnFamilyOptions* cf) {
  cf->merge_operator = NewIdsMergeOperator();  // format 3: blocks of ids
  cf->write_buffer_size =
      std::min<size_t>(options.write_buffer_bytes, 16 << 20);
  cf->memtable_insert_with_hint_prefix_extractor.reset(
      rocksdb::NewCappedPrefixTransform(0));
  cf->memtable_whole_key_filtering = true;
  cf->memtable_prefix_bloom_size_ratio = 0.02;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = std::move(cache);
  table.block_size = 1024;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.whole_key_filtering = true;
  table.cache_index_and_filter_blocks = false;
  table.format_version = 5;
  table.data_block_index_type =
      rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;
  cf->table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
}

}  // namespace

const std::vector<std::string>& ColumnFamilyNames() {
  static const std::vector<std::string> names = {
      kCfDefault, kCfRecords, kCfIndex, kCfHistory, kCfPages, kCfSpill,
      kCfPostings, kCfIds, kCfAccess};
  return names;
}

Status FromRocks(const rocksdb::Status& s, std::string_view context) {
  if (s.ok()) return Status::OK();
  std::string msg(context);
  msg += ": ";
  msg += s.ToString();
  if (s.IsNotFound()) return Status::NotFound(msg);
  if (s.IsCorruption()) return Status::Corruption(msg);
  if (s.IsNotSupported()) return Status::NotSupported(msg);
  if (s.IsInvalidArgument()) return Status::InvalidArgument(msg);
  if (s.IsBusy() || s.IsTryAgain() || s.IsTimedOut()) return Status::Busy(msg);
  if (s.IsNoSpace() || s.IsMemoryLimit()) return Status::ResourceExhausted(msg);
  if (s.IsAborted()) return Status::Aborted(msg);
  return Status::IOError(msg);
}

Status GetIfPresent(rocksdb::DB* db, const rocksdb::ReadOptions& ro,
                    rocksdb::ColumnFamilyHandle* cf, std::string_view key,
                    std::string* value, bool* found, std::string_view context) {
  rocksdb::Status s = db->Get(ro, cf, key, value);
  *found = s.ok();
  if (s.IsNotFound()) return Status::OK();
  return FromRocks(s, context);
}

namespace {

Status OpenBackupEngine(const std::string& dir,
                        std::unique_ptr<rocksdb::BackupEngine>* engine) {
  rocksdb::BackupEngine* raw = nullptr;
  Status s =
      FromRocks(rocksdb::BackupEngine::Open(rocksdb::BackupEngineOptions(dir),
                                            rocksdb::Env::Default(), &raw),
                "opening backup directory " + dir);
  engine->reset(raw);
  return s;
}

}  // namespace

Status BackupDatabase(rocksdb::DB* db, const std::string& dir,
                      const std::string& metadata, BackupMade* made) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);  // BackupEngine makes one level
  if (ec) return Status::IOError("cannot create backup directory " + dir);
  std::unique_ptr<rocksdb::BackupEngine> engine;
  MNEMO_RETURN_IF_ERROR(OpenBackupEngine(dir, &engine));
  rocksdb::CreateBackupOptions create;
  create.flush_before_backup = true;
  rocksdb::BackupID id = 0;
  MNEMO_RETURN_IF_ERROR(
      FromRocks(engine->CreateNewBackupWithMetadata(create, db, metadata, &id),
                "backup to " + dir));
  rocksdb::BackupInfo info;
  MNEMO_RETURN_IF_ERROR(FromRocks(
      engine->GetBackupInfo(id, &info),
      "reading the info of backup " + std::to_string(id) + " in " + dir));
  std::vector<rocksdb::BackupInfo> all;
  engine->GetBackupInfo(&all);
  made->id = id;
  made->bytes = info.size;
  made->count = static_cast<uint32_t>(all.size());
  return Status::OK();
}

Status DeleteBackup(const std::string& dir, uint32_t id) {
  std::unique_ptr<rocksdb::BackupEngine> engine;
  MNEMO_RETURN_IF_ERROR(OpenBackupEngine(dir, &engine));
  return FromRocks(engine->DeleteBackup(id),
                   "deleting backup " + std::to_string(id) + " in " + dir);
}

std::string AccessOperand(uint64_t count, Micros last) {
  std::string op;
  PutFixed64(&op, count);
  PutFixed64(&op, static_cast<uint64_t>(last));
  return op;
}

bool WalFailureListener::IsWalWrite(rocksdb::BackgroundErrorReason reason) {
  return reason == rocksdb::BackgroundErrorReason::kWriteCallback ||
         reason == rocksdb::BackgroundErrorReason::kMemTable;
}

void WalFailureListener::OnBackgroundError(
    rocksdb::BackgroundErrorReason reason, rocksdb::Status* bg_error) {
  if (!IsWalWrite(reason) || bg_error == nullptr || bg_error->ok()) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (!failed_.load()) {
    what_ = bg_error->ToString();
    no_space_.store(bg_error->IsNoSpace());
  }
  failed_.store(true);
}

void WalFailureListener::OnErrorRecoveryBegin(
    rocksdb::BackgroundErrorReason reason, rocksdb::Status /*bg_error*/,
    bool* auto_recovery) {
  if (IsWalWrite(reason) && auto_recovery != nullptr) *auto_recovery = false;
}

std::string WalFailureListener::what() const {
  std::lock_guard<std::mutex> lock(mu_);
  return what_;
}

RocksConfig MakeRocksConfig(const Options& options, Clock* clock) {
  RocksConfig config;
  config.wal_failures = std::make_shared<WalFailureListener>();
  config.db.listeners.push_back(config.wal_failures);
  config.db.create_if_missing = options.create_if_missing;
  config.db.create_missing_column_families = true;
  config.db.error_if_exists = options.error_if_exists;
  config.db.max_background_jobs = 2;
  config.db.bytes_per_sync = 1 << 20;
  config.db.keep_log_file_num = 4;
  // Rarely written families (the default family's watermarks, pages,
  // history) would otherwise pin every write-ahead log since their last
  // flush: past this total RocksDB flushes the families holding the oldest
  // log. Two memtables' worth keeps disk near the SST bytes and bounds what
  // a read-only open beside the writer replays (Options::max_wal_bytes).
  config.db.max_total_wal_size =
      options.max_wal_bytes != 0
          ? options.max_wal_bytes
          : std::max<uint64_t>(2 * uint64_t{options.write_buffer_bytes},
                               uint64_t{32} << 20);
  if (rocksdb::Env* env = TestEnv()) config.db.env = env;  // tests only
  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);

  for (const std::string& name : ColumnFamilyNames()) {
    rocksdb::ColumnFamilyOptions cf = BaseFamily(options, cache);
    if (name == kCfRecords || name == kCfHistory) {
      if (name == kCfRecords) {
        cf.merge_operator = std::make_shared<AccessMergeOperator>();
        // Keys are slot(4) time id and an agent's records mostly arrive
        // in time order: one insert hint per slot puts each new record
        // next to the agent's last one instead of searching the skiplist.
        cf.memtable_insert_with_hint_prefix_extractor.reset(
            rocksdb::NewCappedPrefixTransform(4));
        cf.table_properties_collector_factories.push_back(
            std::make_shared<MaxIdCollectorFactory>());
      }
      config.filters.push_back(
          std::make_unique<EnvelopeTtlFilter>(clock, name == kCfRecords));
      cf.compaction_filter = config.filters.back().get();
    } else if (name == kCfIndex) {
      cf.prefix_extractor = std::make_shared<AgentPrefixTransform>();
      // An agent's index keys mostly arrive in time order: keep an insert
      // hint per agent.
      cf.memtable_insert_with_hint_prefix_extractor = cf.prefix_extractor;
      config.filters.push_back(std::make_unique<IndexTtlFilter>(clock));
      cf.compaction_filter = config.filters.back().get();
    } else if (name == kCfIds) {
      IdsFamily(options, cache, &cf);
    } else if (name == kCfAccess) {
      // Only operands, never a record: the same merge adds them up (an
      // operand without a base stays an operand), and no TTL filter.
      cf.merge_operator = std::make_shared<AccessMergeOperator>();
      cf.write_buffer_size = std::min<size_t>(options.write_buffer_bytes,
                                              16 << 20);
    } else if (name == kCfPostings) {
      cf.merge_operator = NewPostingsMergeOperator();  // search_postings.h
      cf.memtable_insert_with_hint_prefix_extractor =
          std::make_shared<PostingsHintTransform>();
    } else if (name != kCfDefault) {
      cf.write_buffer_size = std::min<size_t>(options.write_buffer_bytes,
                                              16 << 20);
    }
    config.families.emplace_back(name, cf);
  }
  return config;
}

rocksdb::ColumnFamilyOptions UnknownFamilyOptions() {
  return rocksdb::ColumnFamilyOptions();
}

}  // namespace mnemo::internal
