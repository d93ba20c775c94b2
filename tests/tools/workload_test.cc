// Copyright (c) mnemo authors.
//
// mnemo_workload: RFC 3339, LoCoMo dates, JSONL records, the synthetic
// conversation.

#include <gtest/gtest.h>

#include "workload/locomo.h"
#include "workload/record_json.h"
#include "workload/synthetic.h"
#include "workload/time_format.h"

namespace mnemo::workload {
namespace {

TEST(TimeFormat, RoundTripsAndOffsets) {
  Micros t = 0;
  ASSERT_TRUE(ParseRfc3339("2023-05-08T13:56:00Z", &t).ok());
  EXPECT_EQ(t, 1683554160LL * 1000000);
  EXPECT_EQ(FormatRfc3339(t), "2023-05-08T13:56:00Z");
  ASSERT_TRUE(ParseRfc3339("2023-05-08T15:56:00.000123+02:00", &t).ok());
  EXPECT_EQ(FormatRfc3339(t), "2023-05-08T13:56:00.000123Z");
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999999Z");
  ASSERT_TRUE(ParseRfc3339("2024-02-29 00:00:00z", &t).ok());
  for (const char* bad : {"", "2023-02-29T00:00:00Z", "2023-05-08T13:56:00",
                          "2023-05-08T24:00:00Z", "2023-5-8T13:56:00Z",
                          "2023-05-08T13:56:00Zjunk"}) {
    EXPECT_TRUE(ParseRfc3339(bad, &t).IsInvalidArgument()) << bad;
  }
}

TEST(Locomo, Dates) {
  Micros t = 0;
  ASSERT_TRUE(ParseLocomoDate("1:56 pm on 8 May, 2023", &t).ok());
  EXPECT_EQ(FormatRfc3339(t), "2023-05-08T13:56:00Z");
  ASSERT_TRUE(ParseLocomoDate("12:09 am on 13 September, 2023", &t).ok());
  EXPECT_EQ(FormatRfc3339(t), "2023-09-13T00:09:00Z");
  ASSERT_TRUE(ParseLocomoDate("12:30 pm on 1 January, 2024", &t).ok());
  EXPECT_EQ(FormatRfc3339(t), "2024-01-01T12:30:00Z");
  EXPECT_FALSE(ParseLocomoDate("1:56 pm on 8 Mai, 2023", &t).ok());
  EXPECT_FALSE(ParseLocomoDate("13:56 pm on 8 May, 2023", &t).ok());
  EXPECT_TRUE(LoadLocomo("/nonexistent.json", {}, nullptr, nullptr).IsNotFound());
}

TEST(RecordJson, RoundTripKeepsEveryDumpedField) {
  Record r;
  r.id = 459749182105469184ull;
  r.ns = {"t", "a", "s"};
  r.role = "tool";
  r.kind = "observation";
  r.text = "caf\xc3\xa9 \"quoted\"\n";
  r.metadata = {{"k", "v"}};
  r.event_time = 1683554160000001;
  r.created_time = 1683554161000000;
  r.importance = 0.7f;
  r.access_count = 3;
  r.version = 2;
  std::string line = RecordToJson(r);
  EXPECT_NE(line.find("\"importance\":0.7,"), std::string::npos) << line;
  EXPECT_NE(line.find("\"id\":\"459749182105469184\""), std::string::npos);
  Record back;
  bool has_id = false;
  ASSERT_TRUE(RecordFromJson(line, &back, &has_id).ok());
  EXPECT_TRUE(has_id);
  EXPECT_EQ(RecordToJson(back), line);
  EXPECT_EQ(back.importance, r.importance);
}

TEST(RecordJson, Errors) {
  Record r;
  bool has_id;
  EXPECT_EQ(RecordFromJson("[1]", &r, &has_id).message(), "not a JSON object");
  EXPECT_EQ(RecordFromJson("{\"tenant\":\"t\",\"agent\":\"a\"}", &r, &has_id)
                .message(), "missing required field 'text'");
  EXPECT_FALSE(RecordFromJson("{\"tenant\":\"t\",\"agent\":\"a\",\"text\":\"x\","
                              "\"id\":\"12x\"}", &r, &has_id).ok());
}

// Fuzzer finding (engine/fuzz/corpus/jsonl/finding-number-overflow): a
// number too large for a double made the JSON parser throw out_of_range,
// which nothing caught: `mnemo import` terminated instead of reporting the
// line.
TEST(RecordJson, NumberOutOfRangeIsInvalidArgument) {
  Record r;
  bool has_id;
  for (const char* line :
       {"{\"tenant\":\"t\",\"agent\":\"a\",\"text\":\"x\",\"importance\":1e999}",
        "{\"tenant\":\"t\",\"agent\":\"a\",\"text\":\"x\",\"metadata\":{\"n\":-1e400}}",
        "999999999999999999e999999999999999999"}) {
    Status s;
    ASSERT_NO_THROW(s = RecordFromJson(line, &r, &has_id)) << line;
    EXPECT_TRUE(s.IsInvalidArgument()) << line << ": " << s.ToString();
  }
}

TEST(Synthetic, DeterministicAndVaried) {
  SyntheticOptions o;
  auto a = GenerateConversation(o), b = GenerateConversation(o);
  ASSERT_EQ(a.size(), 2u * 3 * (1 + 4 * 5));
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(RecordToJson(a[i]), RecordToJson(b[i]));
  }
  size_t tool_calls = 0;
  for (const Record& r : a) {
    if (r.kind == "tool_call") {
      ++tool_calls;
      EXPECT_TRUE(r.metadata.Contains("call_id"));
    }
  }
  EXPECT_EQ(tool_calls, 2u * 3 * 4);
  o.seed = 43;
  EXPECT_NE(RecordToJson(GenerateConversation(o)[1]), RecordToJson(a[1]));
}

}  // namespace
}  // namespace mnemo::workload
