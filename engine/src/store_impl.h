// Copyright (c) mnemo authors.
//
// StoreImpl: the Store on RocksDB. Split over store_open.cc (open/close,
// ids), store_write.cc (put/update/delete) and store_read.cc (get/scan).

#ifndef MNEMO_ENGINE_STORE_IMPL_H_
#define MNEMO_ENGINE_STORE_IMPL_H_

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "access_tracker.h"
#include "mnemo/store.h"
#include "rocks_glue.h"

namespace mnemo::internal {

// Version of the store layout; bumped when old builds cannot read new stores.
inline constexpr int kStoreFormatVersion = 1;
inline constexpr char kMarkerFile[] = "MNEMO";

enum Family { kDefault = 0, kRecords, kIndex, kHistory, kPages, kSpill };

class StoreImpl final : public Store {
 public:
  StoreImpl(const Options& options, std::string dir);
  ~StoreImpl() override;

  Status OpenDb();

  Status Put(const WriteOptions& options, const Record& record,
             RecordId* id) override;
  Status PutBatch(const WriteOptions& options,
                  const std::vector<Record>& records,
                  std::vector<RecordId>* ids) override;
  Status Restore(const WriteOptions& options,
                 const std::vector<Record>& records) override;
  Status Get(const ReadOptions& options, std::string_view tenant, RecordId id,
             Record* record) override;
  Status Update(const WriteOptions& options, std::string_view tenant,
                RecordId id, const RecordUpdate& update,
                Record* updated) override;
  Status History(std::string_view tenant, RecordId id,
                 std::vector<Record>* versions) override;
  Status Delete(const WriteOptions& options, std::string_view tenant,
                RecordId id) override;
  Status DeleteSession(const WriteOptions& options, const Namespace& session,
                       uint64_t* deleted) override;
  Status DeleteAgent(const WriteOptions& options, std::string_view tenant,
                     std::string_view agent, uint64_t* deleted) override;
  Status Scan(const ReadOptions& options, const ScanOptions& scan,
              ScanResult* result) override;
  Status ListNamespaces(std::string_view tenant,
                        std::vector<Namespace>* namespaces) override;
  Status LookupNamespace(RecordId id, Namespace* ns) override;
  Status FlushAccessCounts() override;
  const std::string& dir() const override { return dir_; }

  // Operator calls (store_admin.cc, store_iterate.cc, store_verify.cc).
  Status Validate(const Record& record) override;
  Status NewRecordIterator(const IterateOptions& options,
                           std::unique_ptr<RecordIterator>* it) override;
  Status GetStats(StoreStats* stats) override;
  Status Verify(const VerifyOptions& options, VerifyReport* report) override;
  Status Checkpoint(const std::string& out_dir) override;
  Status Backup(const std::string& backup_dir, BackupInfo* info) override;
  rocksdb::DB* db() const { return db_; }
  rocksdb::ColumnFamilyHandle* family(Family f) const { return handles_[f]; }
  Clock* clock() const { return clock_; }

 private:
  // Open helpers (store_open.cc).
  Status CheckMarker(bool* fresh);
  Status WriteMarker();
  Status LoadIdHighWater();
  Status LoadNamespaces();
  Status AssignIds(size_t n, RecordId* first);
  void FlushLoop();

  // Write helpers (store_write.cc).
  Status ValidateRecord(const Record& record) const;
  Status CheckWritable() const;
  Status Insert(const WriteOptions& options, const Record* records, size_t n,
                RecordId* first);
  void AppendInsert(const Record& record, rocksdb::WriteBatch* batch,
                    std::vector<std::string>* new_namespaces);
  Status Commit(const WriteOptions& options, rocksdb::WriteBatch* batch,
                std::string_view what);
  Status DeleteMatching(const WriteOptions& options, const Namespace& ns,
                        bool whole_agent, uint64_t* deleted);
  void AppendDelete(const Record& record, rocksdb::WriteBatch* batch);
  std::mutex& LockFor(RecordId id) { return record_locks_[id % kLockStripes]; }

  // Read helpers (store_read.cc).
  // Reads the record stored under `id` without tenant/expiry checks.
  Status ReadRecord(const rocksdb::ReadOptions& ro, RecordId id,
                    Record* record);
  Status ReadVisible(std::string_view tenant, RecordId id, Record* record);
  bool Expired(const Record& record) const;

  rocksdb::ColumnFamilyHandle* cf(Family f) const { return handles_[f]; }

  const Options options_;
  const std::string dir_;
  Clock* const clock_;
  RocksConfig config_;
  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;

  std::mutex id_mu_;
  RecordId last_id_ = 0;      // guarded by id_mu_
  RecordId reserved_id_ = 0;  // ids <= this are recorded on disk

  // Namespaces known to have an 'n' key. Writers of new records hold it
  // shared; bulk deletes hold it exclusively (see DeleteMatching).
  std::shared_mutex ns_mu_;
  std::unordered_set<std::string> known_namespaces_;

  static constexpr size_t kLockStripes = 64;
  std::array<std::mutex, kLockStripes> record_locks_;

  AccessTracker access_;
  // Serializes FlushAccessCounts, so a flush that returns has seen every
  // count gathered before it started, including ones another flush drained.
  std::mutex access_write_mu_;
  std::mutex flush_mu_;
  std::condition_variable flush_cv_;
  bool stopping_ = false;
  std::thread flush_thread_;
};

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_STORE_IMPL_H_
