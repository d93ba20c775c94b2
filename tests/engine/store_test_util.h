// Copyright (c) mnemo authors.
//
// Helpers for engine tests: a store in a temporary directory, a settable
// clock, and record builders.

#ifndef MNEMO_TESTS_ENGINE_STORE_TEST_UTIL_H_
#define MNEMO_TESTS_ENGINE_STORE_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

#include "mnemo/store.h"
#include "test_util.h"

namespace mnemo::test {

class ManualClock final : public Clock {
 public:
  explicit ManualClock(Micros now) : now_(now) {}
  Micros NowMicros() override { return now_.load(); }
  void Set(Micros now) { now_.store(now); }
  void Advance(Micros delta) { now_.fetch_add(delta); }

 private:
  std::atomic<Micros> now_;
};

inline constexpr Micros kSecond = 1'000'000;
inline constexpr Micros kDay = 86'400 * kSecond;
// 2024-01-01T00:00:00Z
inline constexpr Micros kJan2024 = 1'704'067'200 * kSecond;

inline Record MakeRecord(const std::string& tenant, const std::string& agent,
                         const std::string& session, const std::string& text,
                         Micros event_time = 0) {
  Record r;
  r.ns = {tenant, agent, session};
  r.text = text;
  r.event_time = event_time;
  return r;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    store_.reset();
    options_.clock = &clock_;
    options_.access_flush_interval_ms = 50;
    ASSERT_TRUE(Store::Open(options_, dir_.Sub("db"), &store_).ok());
  }

  RecordId PutText(const std::string& agent, const std::string& session,
                   const std::string& text, Micros event_time = 0,
                   const std::string& tenant = "t1") {
    RecordId id = 0;
    Status s = store_->Put(WriteOptions(),
                           MakeRecord(tenant, agent, session, text, event_time),
                           &id);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return id;
  }

  TempDir dir_;
  ManualClock clock_{kJan2024};
  Options options_;
  std::unique_ptr<Store> store_;
};

}  // namespace mnemo::test

#endif  // MNEMO_TESTS_ENGINE_STORE_TEST_UTIL_H_
