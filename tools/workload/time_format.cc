// Copyright (c) mnemo authors.

#include "workload/time_format.h"

#include <cstdio>

#include "mnemo/quote.h"

namespace mnemo::workload {
namespace {

constexpr Micros kMicrosPerDay = 86'400'000'000LL;

// Inverse of DaysFromCivil (H. Hinnant's algorithm).
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

// Reads exactly `n` digits at text[*pos]; false when they are not digits.
bool Digits(std::string_view text, size_t* pos, size_t n, int64_t* value) {
  if (*pos + n > text.size()) return false;
  *value = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = text[*pos + i];
    if (c < '0' || c > '9') return false;
    *value = *value * 10 + (c - '0');
  }
  *pos += n;
  return true;
}

bool Expect(std::string_view text, size_t* pos, std::string_view chars) {
  if (*pos >= text.size() || chars.find(text[*pos]) == chars.npos) {
    return false;
  }
  ++*pos;
  return true;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30,
                                   31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Parses "[.fraction](Z|±HH:MM)" into microseconds and an offset.
bool ParseTail(std::string_view s, size_t pos, int64_t* micros,
               int64_t* offset_minutes) {
  *micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    int64_t scale = 100000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      *micros += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start || pos - start > 9) return false;
  }
  *offset_minutes = 0;
  if (Expect(s, &pos, "Zz")) return pos == s.size();
  if (pos >= s.size() || (s[pos] != '+' && s[pos] != '-')) return false;
  int sign = s[pos++] == '-' ? -1 : 1;
  int64_t hh, mm;
  if (!Digits(s, &pos, 2, &hh) || !Expect(s, &pos, ":") ||
      !Digits(s, &pos, 2, &mm) || hh > 23 || mm > 59) {
    return false;
  }
  *offset_minutes = sign * (hh * 60 + mm);
  return pos == s.size();
}

}  // namespace

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = static_cast<unsigned>(y - era * 400);
  unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::string FormatRfc3339(Micros t) {
  int64_t days = t >= 0 ? t / kMicrosPerDay : -((-t - 1) / kMicrosPerDay) - 1;
  int64_t rem = t - days * kMicrosPerDay;  // 0 <= rem < one day
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  int64_t secs = rem / 1'000'000, frac = rem % 1'000'000;
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld",
                        static_cast<long long>(y), m, d,
                        static_cast<long long>(secs / 3600),
                        static_cast<long long>(secs / 60 % 60),
                        static_cast<long long>(secs % 60));
  if (frac != 0) {
    n += std::snprintf(buf + n, sizeof buf - n, ".%06lld",
                       static_cast<long long>(frac));
  }
  return std::string(buf, n) + "Z";
}

Status ParseRfc3339(std::string_view s, Micros* t) {
  auto bad = [&] {
    return Status::InvalidArgument(QuoteForMessage(s, 64) +
                                   " is not an RFC 3339 time (e.g. "
                                   "2024-05-08T13:56:00Z)");
  };
  size_t pos = 0;
  int64_t y, mo, d, h, mi, sec, micros, offset;
  if (!Digits(s, &pos, 4, &y) || !Expect(s, &pos, "-") ||
      !Digits(s, &pos, 2, &mo) || !Expect(s, &pos, "-") ||
      !Digits(s, &pos, 2, &d) || !Expect(s, &pos, "Tt ") ||
      !Digits(s, &pos, 2, &h) || !Expect(s, &pos, ":") ||
      !Digits(s, &pos, 2, &mi) || !Expect(s, &pos, ":") ||
      !Digits(s, &pos, 2, &sec) || !ParseTail(s, pos, &micros, &offset)) {
    return bad();
  }
  if (mo < 1 || mo > 12 || d < 1 ||
      d > DaysInMonth(y, static_cast<unsigned>(mo)) || h > 23 || mi > 59 ||
      sec > 60) {
    return bad();
  }
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo),
                               static_cast<unsigned>(d));
  int64_t seconds = days * 86400 + h * 3600 + mi * 60 + sec - offset * 60;
  *t = seconds * 1'000'000 + micros;
  return Status::OK();
}

}  // namespace mnemo::workload
