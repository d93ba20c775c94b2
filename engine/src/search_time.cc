// Copyright (c) mnemo authors.

#include "search_time.h"

#include <cctype>
#include <string>

namespace mnemo::internal {
namespace {

constexpr Micros kDay = 86'400'000'000LL;

const char* const kMonths[] = {"january", "february", "march",     "april",
                               "may",     "june",     "july",      "august",
                               "september", "october", "november", "december"};

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

Micros DayStart(int year, int month, int day) {
  return DaysFromCivil(year, static_cast<unsigned>(month),
                       static_cast<unsigned>(day)) * kDay;
}

struct Word {
  std::string lower;
  bool capitalized = false;
};

// Words and numbers of the query ("13," -> "13"; "13th" -> "13").
std::vector<Word> Words(std::string_view q) {
  std::vector<Word> words;
  for (size_t i = 0; i < q.size();) {
    unsigned char c = static_cast<unsigned char>(q[i]);
    if (!std::isalnum(c)) {
      ++i;
      continue;
    }
    Word w;
    w.capitalized = std::isupper(c) != 0;
    for (; i < q.size() && std::isalnum(static_cast<unsigned char>(q[i])); ++i) {
      w.lower.push_back(static_cast<char>(std::tolower(q[i])));
    }
    words.push_back(std::move(w));
  }
  return words;
}

int MonthOf(const std::string& w) {
  for (int m = 0; m < 12; ++m) {
    if (w == kMonths[m]) return m + 1;
  }
  return 0;
}

// 1..31 for "13" or "13th"; 0 otherwise.
int DayOf(const std::string& w) {
  size_t digits = 0;
  while (digits < w.size() && std::isdigit(static_cast<unsigned char>(w[digits]))) ++digits;
  if (digits == 0 || digits > 2) return 0;
  std::string rest = w.substr(digits);
  if (!rest.empty() && rest != "st" && rest != "nd" && rest != "rd" && rest != "th") return 0;
  int d = std::stoi(w.substr(0, digits));
  return d >= 1 && d <= 31 ? d : 0;
}

// 1900..2199 for a four-digit year; 0 otherwise.
int YearOf(const std::string& w) {
  if (w.size() != 4) return 0;
  for (char c : w) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return 0;
  }
  int y = std::stoi(w);
  return y >= 1900 && y < 2200 ? y : 0;
}

std::string_view At(const std::vector<Word>& w, size_t i) {
  return i < w.size() ? std::string_view(w[i].lower) : std::string_view();
}

}  // namespace

std::vector<TimePeriod> ParseTimePhrases(std::string_view query) {
  std::vector<Word> w = Words(query);
  std::vector<TimePeriod> out;
  std::vector<bool> used(w.size(), false);
  for (size_t i = 0; i < w.size(); ++i) {
    int month = MonthOf(w[i].lower);
    if (month == 0) continue;
    // "8 May 2023" / "May 8, 2023" / "May 2023" / "8 May" / "May".
    int day_before = i > 0 ? DayOf(w[i - 1].lower) : 0;
    int day_after = DayOf(std::string(At(w, i + 1)));
    int day = day_before ? day_before : day_after;
    int year = YearOf(std::string(At(w, i + (day_after && !day_before ? 2 : 1))));
    if (year != 0 && day != 0) {
      out.push_back({DayStart(year, month, day), DayStart(year, month, day) + kDay, 0});
    } else if (year != 0) {
      int next_year = month == 12 ? year + 1 : year;
      out.push_back({DayStart(year, month, 1), DayStart(next_year, month % 12 + 1, 1), 0});
    } else if (w[i].capitalized || day != 0) {
      out.push_back({0, 0, month});
    } else {
      continue;
    }
    used[i] = true;
    if (year != 0) used[i + (day_after && !day_before ? 2 : 1)] = true;
  }
  for (size_t i = 0; i < w.size(); ++i) {
    int year = used[i] ? 0 : YearOf(w[i].lower);
    if (year != 0) out.push_back({DayStart(year, 1, 1), DayStart(year + 1, 1, 1), 0});
  }
  return out;
}

bool InPeriods(Micros t, const std::vector<TimePeriod>& periods) {
  for (const TimePeriod& p : periods) {
    if (p.month == 0) {
      if (t >= p.start && t < p.end) return true;
      continue;
    }
    // The civil month of t (days_from_civil's inverse, month only).
    int64_t z = (t >= 0 ? t / kDay : (t - kDay + 1) / kDay) + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    if (month == p.month) return true;
  }
  return false;
}

}  // namespace mnemo::internal
