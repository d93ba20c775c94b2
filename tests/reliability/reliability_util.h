// Copyright (c) mnemo authors.
//
// Helpers of the reliability tests: an in-memory model of what the store
// acknowledged, and checks of a reopened store against it.

#ifndef MNEMO_TESTS_RELIABILITY_RELIABILITY_UTIL_H_
#define MNEMO_TESTS_RELIABILITY_RELIABILITY_UTIL_H_

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "mnemo/admin.h"
#include "mnemo/store.h"
#include "test_util.h"

namespace mnemo::test {

// Acknowledged state: record id -> its exact text (deleted ids absent).
using Model = std::map<RecordId, std::string>;

inline Record TextRecord(const std::string& tenant, const std::string& agent,
                         const std::string& text, Micros event_time = 0) {
  Record r;
  r.ns = {tenant, agent, "s0"};
  r.text = text;
  r.event_time = event_time;
  return r;
}

// Every record of `model` reads back with its text; `gone` ids are absent.
inline void ExpectModel(Store* store, const std::string& tenant,
                        const Model& model, const std::string& where) {
  ReadOptions quiet;
  quiet.count_access = false;
  for (const auto& [id, text] : model) {
    Record r;
    Status s = store->Get(quiet, tenant, id, &r);
    ASSERT_TRUE(s.ok()) << where << ": record " << id << ": " << s.ToString();
    ASSERT_TRUE(r.text == text) << where << ": record " << id << " differs";
  }
}

// mnemo::Verify (deep: every record, history version, page image and
// manifest) finds nothing.
inline void ExpectVerifyClean(Store* store, const std::string& where) {
  VerifyOptions options;
  options.deep = true;
  VerifyReport report;
  Status s = mnemo::Verify(store, options, &report);
  ASSERT_TRUE(s.ok()) << where << ": deep verify: " << s.ToString();
  std::string problems;
  for (const VerifyProblem& p : report.problems) problems += "\n  " + p.message;
  EXPECT_EQ(report.problem_count, 0u) << where << ": deep verify:" << problems;
}

// A deep Verify finds exactly `problems` problems, a repairing one repairs
// them all, and a deep Verify then finds nothing.
inline void ExpectVerifyFindsAndRepairs(Store* store, size_t problems) {
  VerifyOptions check;
  check.deep = true;
  VerifyReport report;
  ASSERT_TRUE(mnemo::Verify(store, check, &report).ok());
  EXPECT_EQ(report.problem_count, problems);
  check.repair = true;
  ASSERT_TRUE(mnemo::Verify(store, check, &report).ok());
  EXPECT_EQ(report.repaired_count, problems);
  ExpectVerifyClean(store, "repaired");
}

}  // namespace mnemo::test

#endif  // MNEMO_TESTS_RELIABILITY_RELIABILITY_UTIL_H_
