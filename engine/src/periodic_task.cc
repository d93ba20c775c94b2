// Copyright (c) mnemo authors.

#include "periodic_task.h"

#include <cerrno>
#include <utility>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace mnemo::internal {
namespace {

// Lowers the calling thread's priority (on Linux setpriority applies to one
// thread, named by its id). Best effort: a refusal leaves it as it was.
void LowerThisThreadPriority(int nice) {
#ifdef __linux__
  if (nice <= 0) return;
  const auto tid = static_cast<id_t>(syscall(SYS_gettid));
  errno = 0;
  int current = getpriority(PRIO_PROCESS, tid);
  if (errno == 0) (void)setpriority(PRIO_PROCESS, tid, current + nice);
#else
  (void)nice;
#endif
}

}  // namespace

PeriodicTask::PeriodicTask(std::string name,
                           std::chrono::milliseconds interval, Clock* clock,
                           Body body, RunHook after_run)
    : name_(std::move(name)),
      interval_(interval),
      clock_(clock),
      body_(std::move(body)),
      after_run_(std::move(after_run)) {
  stats_.name = name_;
}

PeriodicTask::~PeriodicTask() { Stop(); }

void PeriodicTask::Start() {
  port::MutexLock lock(&mu_);
  if (started_ || stopping_) return;
  started_ = true;
  thread_ = std::thread([this, nice = nice_] {
    LowerThisThreadPriority(nice);
    Loop();
  });
}

void PeriodicTask::LowerPriority(int nice) {
  port::MutexLock lock(&mu_);
  nice_ = nice;
}

void PeriodicTask::WakeNow() {
  port::MutexLock lock(&mu_);
  wake_ = true;
  cv_.SignalAll();
}

void PeriodicTask::Stop() {
  {
    port::MutexLock lock(&mu_);
    stopping_ = true;
    cv_.SignalAll();
  }
  if (thread_.joinable()) thread_.join();
}

BackgroundTaskStats PeriodicTask::stats() const {
  port::MutexLock lock(&mu_);
  return stats_;
}

bool PeriodicTask::WaitForRuns(uint64_t runs,
                               std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  port::MutexLock lock(&mu_);
  while (stats_.runs < runs && !stopping_) {
    if (!cv_.WaitUntil(&mu_, deadline)) break;
  }
  return stats_.runs >= runs;
}

void PeriodicTask::Loop() {
  port::MutexLock lock(&mu_);
  while (true) {
    auto deadline = std::chrono::steady_clock::now() + interval_;
    // wake_ is checked before every wait, so a WakeNow that came while the
    // body ran (or before the thread first waited) is never missed.
    while (!stopping_ && !wake_) {
      if (!cv_.WaitUntil(&mu_, deadline)) break;  // the interval is up
    }
    if (stopping_) return;
    wake_ = false;
    mu_.Unlock();
    Status s;
    try {
      s = body_();
    } catch (const std::exception& e) {  // e.g. std::bad_alloc
      s = Status::IOError(name_ + ": " + e.what());
    }
    mu_.Lock();
    Record(s);
    if (after_run_) {
      BackgroundTaskStats now = stats_;
      mu_.Unlock();
      after_run_(s, now);
      mu_.Lock();
    }
    cv_.SignalAll();  // WaitForRuns
  }
}

void PeriodicTask::Record(const Status& s) {
  ++stats_.runs;
  Micros now = clock_->NowMicros();
  if (s.ok()) {
    stats_.last_success = now;
    stats_.consecutive_failures = 0;
    return;
  }
  ++stats_.failures;
  ++stats_.consecutive_failures;
  stats_.last_failure = now;
  stats_.last_error = s.ToString();
}

}  // namespace mnemo::internal
