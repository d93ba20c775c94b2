// Copyright (c) mnemo authors.
//
// The store's background loops (compaction, search indexer, encoder feed,
// access-count flush), each a PeriodicTask, and the report of how they went.
//
// A failed run leaves its work for the next one (compaction's age index and
// the indexer's watermark only move on success; unwritten access counts go
// back to the tracker), so a failure is not fatal, but it must be seen: it
// goes to the info log (LOG) and to GetStats. `mnemo stats` opens the store
// read-only, often beside the writer in another process, so the writer also
// leaves its tasks' stats in the store directory (kBackgroundReportFile):
// at each failure, when a failing task succeeds again, at most every
// kReportEvery on success, and at close. The report is advisory (no sync;
// a full disk may keep it from being written, which the info log then
// says).

#include <rocksdb/env.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "periodic_task.h"
#include "store_impl.h"

namespace mnemo::internal {
namespace {

constexpr char kBackgroundReportFile[] = "MNEMO.background";
constexpr char kReportHeader[] = "mnemo background report 1";
constexpr auto kReportEvery = std::chrono::seconds(60);
// How often the encoder feed looks for new records and queued pages (a
// look finding none costs two seeks).
constexpr auto kEmbedInterval = std::chrono::milliseconds(100);
// The background indexer's nice increment (weight ~1/9 of a caller's
// thread when both want a core; nothing changes on idle cores). The
// backlog it leaves is searched by the tail (search_tail.cc) and indexed
// on close.
constexpr int kIndexerNice = 10;
// How long a new record's ids entry waits at most for an insert to carry
// it (record_table_pending.h).
constexpr std::chrono::milliseconds kIdsFlushInterval{1000};

// The access-count fold runs once per this many flush intervals.
constexpr int64_t kFoldFlushes = 30;

// Tabs and line breaks would break the report's one-task-per-line format.
std::string OneLine(std::string s) {
  for (char& c : s) {
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

}  // namespace

void StoreImpl::StartBackground() {
  auto hook = [this](const Status& s, const BackgroundTaskStats& stats) {
    OnBackgroundRun(s, stats);
  };
  using std::chrono::milliseconds;
  if (SearchIndexOn() && options_.search_index_interval_ms > 0) {
    search_task_ = std::make_unique<PeriodicTask>(
        "search_index", milliseconds(options_.search_index_interval_ms),
        clock_, [this] { return SearchIndexRun(); }, hook);
    // Indexing may lag (searches score the unindexed tail themselves):
    // under a bulk ingest on busy cores it yields to the writers.
    search_task_->LowerPriority(kIndexerNice);
  }
  if (EmbedFeedOn()) {
    embed_task_ = std::make_unique<PeriodicTask>(
        "embed", kEmbedInterval, clock_, [this] { return EmbedRun(); }, hook);
  }
  if (!options_.read_only && options_.track_access) {
    flush_task_ = std::make_unique<PeriodicTask>(
        "access_flush", milliseconds(options_.access_flush_interval_ms),
        clock_, [this] { return FlushAccessCounts(); }, hook);
    // Folding rewrites each counted record: rarely, so that a record read
    // through many flushes is rewritten once (store_access.cc).
    fold_task_ = std::make_unique<PeriodicTask>(
        "access_fold",
        milliseconds(kFoldFlushes * options_.access_flush_interval_ms),
        clock_, [this] { return FoldAccessCounts(); }, hook);
  }
  if (!options_.read_only && !ids_flush_held_) {
    // The ids entries that no insert carried within a second.
    ids_task_ = std::make_unique<PeriodicTask>(
        "ids_flush", kIdsFlushInterval, clock_,
        [this] { return FlushPendingIds(); }, hook);
  }
  if (!options_.read_only && options_.compaction_threads > 0) {
    compaction_task_ = std::make_unique<PeriodicTask>(
        "compaction", milliseconds(options_.compaction_interval_ms), clock_,
        [this] { return CompactionRun(); }, hook);
  }
  for (PeriodicTask* task : BackgroundTasks()) task->Start();
}

void StoreImpl::StopBackground() {
  std::vector<PeriodicTask*> tasks = BackgroundTasks();
  if (tasks.empty()) return;
  background_cancel_ = true;  // running bodies return early
  for (PeriodicTask* task : tasks) task->Stop();
  WriteBackgroundReport();
}

std::vector<PeriodicTask*> StoreImpl::BackgroundTasks() const {
  std::vector<PeriodicTask*> tasks;
  for (const auto* task :
       {&search_task_, &embed_task_, &flush_task_, &fold_task_, &ids_task_,
        &compaction_task_}) {
    if (*task) tasks.push_back(task->get());
  }
  return tasks;
}

void StoreImpl::OnBackgroundRun(const Status& s,
                                const BackgroundTaskStats& stats) {
  if (!s.ok() && config_.db.info_log) {
    rocksdb::Log(rocksdb::InfoLogLevel::ERROR_LEVEL, config_.db.info_log,
                 "[mnemo] background task %s failed (%llu failures, %llu in "
                 "a row): %s",
                 stats.name.c_str(),
                 static_cast<unsigned long long>(stats.failures),
                 static_cast<unsigned long long>(stats.consecutive_failures),
                 stats.last_error.c_str());
  }
  auto now = std::chrono::steady_clock::now();
  {
    port::MutexLock lock(&report_mu_);
    bool was_failing = failing_tasks_.count(stats.name) > 0;
    if (s.ok()) failing_tasks_.erase(stats.name);
    else failing_tasks_.insert(stats.name);
    bool due = !s.ok() || was_failing || stats.runs == 1 ||
               now - last_report_ >= kReportEvery;
    if (!due) return;
    last_report_ = now;
  }
  WriteBackgroundReport();
}

void StoreImpl::WriteBackgroundReport() {
  std::ostringstream out;
  out << kReportHeader << "\n";
  for (const BackgroundTaskStats& t : BackgroundStats()) {
    out << t.name << '\t' << t.runs << '\t' << t.failures << '\t'
        << t.consecutive_failures << '\t' << t.last_success << '\t'
        << t.last_failure << '\t' << OneLine(t.last_error) << '\n';
  }
  // One writer at a time, so the rename never publishes a half file.
  port::MutexLock lock(&report_write_mu_);
  std::string path = dir_ + "/" + kBackgroundReportFile;
  std::string tmp = path + ".tmp";
  bool ok = false;
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << out.str();
    f.flush();
    ok = f.good();
  }
  if (ok) ok = std::rename(tmp.c_str(), path.c_str()) == 0;
  if (!ok) {
    std::remove(tmp.c_str());
    if (config_.db.info_log) {
      rocksdb::Log(rocksdb::InfoLogLevel::WARN_LEVEL, config_.db.info_log,
                   "[mnemo] cannot write %s (mnemo stats shows an older "
                   "background report)",
                   path.c_str());
    }
  }
}

std::vector<BackgroundTaskStats> StoreImpl::BackgroundStats() const {
  std::vector<BackgroundTaskStats> out;
  for (PeriodicTask* task : BackgroundTasks()) out.push_back(task->stats());
  return out;
}

// A missing or unreadable report is no error: stats then list no tasks.
std::vector<BackgroundTaskStats> StoreImpl::ReadBackgroundReport() const {
  std::vector<BackgroundTaskStats> out;
  std::ifstream in(dir_ + "/" + kBackgroundReportFile);
  std::string line;
  if (!std::getline(in, line) || line != kReportHeader) return out;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    BackgroundTaskStats t;
    t.from_writer_report = true;
    if (!std::getline(fields, t.name, '\t')) continue;
    fields >> t.runs >> t.failures >> t.consecutive_failures >>
        t.last_success >> t.last_failure;
    if (!fields) continue;  // a line cut short: skipped
    fields.get();           // the tab before the message
    std::getline(fields, t.last_error);
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace mnemo::internal
