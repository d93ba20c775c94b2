// Copyright (c) mnemo authors.
//
// Time phrases in a search query ("in May 2023", "on 8 May, 2023",
// "October 13, 2023", "in June", "in 2022"): the periods they name, so a
// search can favour records whose event time falls in one (English month
// names; event times are read as UTC, as records store them).

#ifndef MNEMO_ENGINE_SEARCH_TIME_H_
#define MNEMO_ENGINE_SEARCH_TIME_H_

#include <string_view>
#include <vector>

#include "mnemo/record.h"

namespace mnemo::internal {

// A period a query names: [start, end) in event-time micros, or, for a
// month named without a year, that month of every year (start == end ==
// 0, month 1..12).
struct TimePeriod {
  Micros start = 0;
  Micros end = 0;
  int month = 0;
};

// The periods `query` names; empty when it names none. A month name alone
// counts only when capitalized ("May", not "may"), next to a day or year
// in any case.
std::vector<TimePeriod> ParseTimePhrases(std::string_view query);

// True when `t` falls in one of `periods`.
bool InPeriods(Micros t, const std::vector<TimePeriod>& periods);

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_SEARCH_TIME_H_
