// Copyright (c) mnemo authors.
//
// PeriodicTask (engine/src/periodic_task.h): runs every interval, runs at
// once when woken (a wake during a run is not lost), Stop waits for a run
// in progress and no run starts after it, and failures (errors and
// exceptions) are counted with their message and times. No timing is
// asserted beyond "happens within a generous deadline".

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#endif

#include "periodic_task.h"

namespace mnemo::internal {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kHour(3600 * 1000);
constexpr milliseconds kPatience(60 * 1000);  // "never" on a loaded machine

class CountingClock : public Clock {
 public:
  Micros NowMicros() override { return ++now_; }

 private:
  std::atomic<Micros> now_{1000};
};

TEST(PeriodicTaskTest, RunsEveryInterval) {
  CountingClock clock;
  std::atomic<int> runs{0};
  PeriodicTask task("t", milliseconds(2), &clock, [&] {
    ++runs;
    return Status::OK();
  });
  task.Start();
  ASSERT_TRUE(task.WaitForRuns(3, kPatience));
  task.Stop();
  BackgroundTaskStats st = task.stats();
  EXPECT_EQ(st.name, "t");
  EXPECT_GE(st.runs, 3u);
  EXPECT_EQ(st.runs, static_cast<uint64_t>(runs.load()));
  EXPECT_EQ(st.failures, 0u);
  EXPECT_GT(st.last_success, 0);
  EXPECT_EQ(st.last_failure, 0);
}

TEST(PeriodicTaskTest, WakeNowRunsWithoutWaitingForTheInterval) {
  CountingClock clock;
  PeriodicTask task("t", kHour, &clock, [] { return Status::OK(); });
  task.Start();
  EXPECT_EQ(task.stats().runs, 0u);
  task.WakeNow();
  ASSERT_TRUE(task.WaitForRuns(1, kPatience));
  task.WakeNow();
  ASSERT_TRUE(task.WaitForRuns(2, kPatience));
}

TEST(PeriodicTaskTest, WakeBeforeTheThreadWaitsIsNotLost) {
  CountingClock clock;
  PeriodicTask task("t", kHour, &clock, [] { return Status::OK(); });
  task.WakeNow();  // before Start: the first wait sees it
  task.Start();
  EXPECT_TRUE(task.WaitForRuns(1, kPatience));
}

TEST(PeriodicTaskTest, WakeDuringARunMakesAnotherRun) {
  CountingClock clock;
  std::atomic<bool> in_run{false}, release{false};
  std::atomic<int> runs{0};
  PeriodicTask task("t", kHour, &clock, [&] {
    if (++runs == 1) {
      in_run = true;
      while (!release) std::this_thread::yield();
    }
    return Status::OK();
  });
  task.Start();
  task.WakeNow();
  while (!in_run) std::this_thread::yield();
  task.WakeNow();  // the body is running: this wake must cause run 2
  release = true;
  ASSERT_TRUE(task.WaitForRuns(2, kPatience));
  EXPECT_EQ(runs.load(), 2);
}

TEST(PeriodicTaskTest, StopWaitsForTheRunningBodyAndNothingRunsAfter) {
  CountingClock clock;
  std::atomic<bool> in_run{false}, cancel{false}, finished{false};
  std::atomic<int> runs{0};
  PeriodicTask task("t", kHour, &clock, [&] {
    ++runs;
    in_run = true;
    while (!cancel) std::this_thread::yield();
    finished = true;
    return Status::OK();
  });
  task.Start();
  task.WakeNow();
  while (!in_run) std::this_thread::yield();
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(20));
    cancel = true;  // as the store's close sets background_cancel_
  });
  task.Stop();
  EXPECT_TRUE(finished.load()) << "Stop returned while the body ran";
  canceller.join();
  task.WakeNow();
  task.Start();  // a stopped task stays stopped
  EXPECT_FALSE(task.WaitForRuns(2, milliseconds(50)));
  EXPECT_EQ(runs.load(), 1);
  task.Stop();  // idempotent
}

TEST(PeriodicTaskTest, StopWithoutStartAndDestroyWhileIdle) {
  CountingClock clock;
  {
    PeriodicTask never("never", kHour, &clock, [] { return Status::OK(); });
    never.Stop();
  }
  PeriodicTask idle("idle", kHour, &clock, [] { return Status::OK(); });
  idle.Start();
  // The destructor stops a thread that waits an hour: it must not wait.
}

TEST(PeriodicTaskTest, FailuresAreCountedWithTheirMessage) {
  CountingClock clock;
  std::atomic<int> runs{0};
  std::atomic<int> hook_failures{0};
  std::string hook_error;  // written by the task's thread, read after Stop
  PeriodicTask task(
      "flaky", kHour, &clock,
      [&]() -> Status {
        int n = ++runs;
        if (n == 2) throw std::runtime_error("out of memory here");
        if (n <= 3) return Status::IOError("disk on fire, run " +
                                           std::to_string(n));
        return Status::OK();
      },
      [&](const Status& s, const BackgroundTaskStats& st) {
        if (s.ok()) return;
        ++hook_failures;
        hook_error = st.last_error;
      });
  task.Start();
  for (uint64_t i = 1; i <= 3; ++i) {
    task.WakeNow();
    ASSERT_TRUE(task.WaitForRuns(i, kPatience));
  }
  BackgroundTaskStats st = task.stats();
  EXPECT_EQ(st.runs, 3u);
  EXPECT_EQ(st.failures, 3u);
  EXPECT_EQ(st.consecutive_failures, 3u);
  EXPECT_NE(st.last_error.find("disk on fire, run 3"), std::string::npos)
      << st.last_error;
  EXPECT_EQ(st.last_success, 0);
  EXPECT_GT(st.last_failure, 0);
  task.WakeNow();
  ASSERT_TRUE(task.WaitForRuns(4, kPatience));
  task.Stop();
  st = task.stats();
  EXPECT_EQ(st.failures, 3u);
  EXPECT_EQ(st.consecutive_failures, 0u);
  EXPECT_GT(st.last_success, st.last_failure);
  EXPECT_NE(st.last_error.find("run 3"), std::string::npos)
      << "the last error stays for the record";
  EXPECT_EQ(hook_failures.load(), 3);
  EXPECT_EQ(hook_error, st.last_error);
}

TEST(PeriodicTaskTest, AnExceptionIsAFailureNotACrash) {
  CountingClock clock;
  PeriodicTask task("thrower", kHour, &clock, []() -> Status {
    throw std::runtime_error("boom");
  });
  task.Start();
  task.WakeNow();
  ASSERT_TRUE(task.WaitForRuns(1, kPatience));
  BackgroundTaskStats st = task.stats();
  EXPECT_EQ(st.failures, 1u);
  EXPECT_NE(st.last_error.find("thrower: boom"), std::string::npos)
      << st.last_error;
}

#ifdef __linux__
// LowerPriority: the body runs on a thread whose nice value is the
// caller's plus the increment; the caller's own priority is untouched.
TEST(PeriodicTaskTest, LowerPriorityAppliesToTheTaskThreadOnly) {
  CountingClock clock;
  errno = 0;
  const int before = getpriority(PRIO_PROCESS, 0);
  ASSERT_EQ(errno, 0);
  if (before + 3 > 19) GTEST_SKIP() << "already at nice " << before;
  std::atomic<int> seen{-100};
  PeriodicTask task("t", kHour, &clock, [&] {
    errno = 0;
    int nice = getpriority(PRIO_PROCESS,
                           static_cast<id_t>(syscall(SYS_gettid)));
    seen = errno == 0 ? nice : -200;
    return Status::OK();
  });
  task.LowerPriority(3);
  task.Start();
  task.WakeNow();
  ASSERT_TRUE(task.WaitForRuns(1, kPatience));
  task.Stop();
  EXPECT_EQ(seen.load(), before + 3);
  EXPECT_EQ(getpriority(PRIO_PROCESS, 0), before);
}
#endif

}  // namespace
}  // namespace mnemo::internal
