// Copyright (c) mnemo authors.
//
// PeriodicTask: one background thread that runs a body every `interval`
// (measured from the end of one run to the start of the next), or at once
// when woken. The store's background loops (compaction, search indexer,
// access-count flush) each run on one; a failing run is recorded (count,
// last error, times) instead of dropped, and `after_run` is told (the
// store logs failures to its info log and reports them to `mnemo stats`).
//
// Wake-ups are never lost: WakeNow during a run makes another run follow
// it. Stop wakes the thread, waits for a run in progress to return (the
// body should watch its own cancel flag to return early) and joins; no run
// starts after Stop. Thread safety: every method may be called from any
// thread, except that Start and Stop must not race each other.

#ifndef MNEMO_ENGINE_PERIODIC_TASK_H_
#define MNEMO_ENGINE_PERIODIC_TASK_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "mnemo/admin.h"
#include "mnemo/options.h"
#include "mnemo/port/mutex.h"
#include "mnemo/status.h"

namespace mnemo::internal {

class PeriodicTask {
 public:
  using Body = std::function<Status()>;
  // Called on the task's thread after each run (no lock held), with the
  // run's status and the stats that include it.
  using RunHook =
      std::function<void(const Status&, const BackgroundTaskStats&)>;

  // `clock` (not owned) stamps last_success/last_failure.
  PeriodicTask(std::string name, std::chrono::milliseconds interval,
               Clock* clock, Body body, RunHook after_run = nullptr);
  ~PeriodicTask();  // Stop()
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  // Starts the thread (the first run comes one interval later, or at
  // WakeNow). No-op when running or stopped.
  void Start() EXCLUDES(mu_);
  // Lowers the CPU priority of the task's thread by `nice` (Linux nice
  // values; no-op elsewhere) when it starts: work that may lag, such as
  // indexing, then yields the cores to the store's callers when they are
  // busy, and runs at full speed when they are not. Call before Start.
  void LowerPriority(int nice) EXCLUDES(mu_);
  // Runs the body as soon as the thread is free.
  void WakeNow() EXCLUDES(mu_);
  // Ends the thread (see above). Idempotent.
  void Stop() EXCLUDES(mu_);

  const std::string& name() const { return name_; }
  BackgroundTaskStats stats() const EXCLUDES(mu_);
  // Blocks until `runs` runs have finished, Stop, or `timeout`; true when
  // they have. For tests and for callers that woke the task.
  bool WaitForRuns(uint64_t runs, std::chrono::milliseconds timeout)
      EXCLUDES(mu_);

 private:
  void Loop() EXCLUDES(mu_);
  void Record(const Status& s) REQUIRES(mu_);

  const std::string name_;
  const std::chrono::milliseconds interval_;
  Clock* const clock_;
  const Body body_;
  const RunHook after_run_;

  mutable port::Mutex mu_;
  port::CondVar cv_;  // wakes the loop and WaitForRuns
  bool wake_ GUARDED_BY(mu_) = false;
  bool stopping_ GUARDED_BY(mu_) = false;
  bool started_ GUARDED_BY(mu_) = false;
  int nice_ GUARDED_BY(mu_) = 0;
  BackgroundTaskStats stats_ GUARDED_BY(mu_);
  std::thread thread_;  // set by Start, joined by Stop
};

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_PERIODIC_TASK_H_
