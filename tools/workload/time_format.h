// Copyright (c) mnemo authors.
//
// RFC 3339 times <-> mnemo::Micros (microseconds since the Unix epoch, UTC).

#ifndef MNEMO_TOOLS_WORKLOAD_TIME_FORMAT_H_
#define MNEMO_TOOLS_WORKLOAD_TIME_FORMAT_H_

#include <string>
#include <string_view>

#include "mnemo/record.h"
#include "mnemo/status.h"

namespace mnemo::workload {

// "2023-05-08T13:56:00Z", with ".ffffff" (exactly 6 digits) only when the
// time has a fractional second. Always UTC.
std::string FormatRfc3339(Micros t);

// Parses "YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+HH:MM|-HH:MM)" ('T' may be 't' or
// a space, 'Z' may be 'z'); digits past microseconds are truncated.
// InvalidArgument quoting the text when malformed or out of range.
Status ParseRfc3339(std::string_view text, Micros* t);

// Days since 1970-01-01 of a proleptic Gregorian date (no range checks).
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

}  // namespace mnemo::workload

#endif  // MNEMO_TOOLS_WORKLOAD_TIME_FORMAT_H_
