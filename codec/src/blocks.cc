// Copyright (c) mnemo authors.

#include "blocks.h"

#include <algorithm>

#include "utf8.h"

namespace mnemo::codec::internal {
namespace {

struct SrcLine {
  size_t begin = 0, end = 0;  // units [begin, end), newline excluded
  size_t newline = SIZE_MAX;  // index of the newline unit ending it
  bool blank = true;
  bool in_fence = false;
};

bool IsFence(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && i < 3 && line[i] == ' ') ++i;
  return line.substr(i, 3) == "```" || line.substr(i, 3) == "~~~";
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<uint8_t>(c) & 0xC0) != 0x80;
  return n;
}

// Why a line cannot be a line of reflowable prose: indented, a tab, or
// starting like a list, heading, table, quote, code or a log/number line.
bool StructuredLine(std::string_view line) {
  if (line.empty()) return true;
  if (line.find('\t') != std::string_view::npos) return true;
  const char c = line[0];
  return c == ' ' || std::string_view("-*+#|>{}[]<=`").find(c) !=
                         std::string_view::npos ||
         (c >= '0' && c <= '9');
}

std::vector<SrcLine> SplitLines(std::string_view source,
                                const std::vector<SourceUnit>& units) {
  std::vector<SrcLine> lines(1);
  for (size_t i = 0; i < units.size(); ++i) {
    if (units[i].kind == UnitKind::kNewline) {
      lines.back().end = i;
      lines.back().newline = i;
      lines.emplace_back().begin = i + 1;
    } else if (units[i].kind == UnitKind::kChar) {
      lines.back().blank = false;
    }
  }
  lines.back().end = units.size();
  bool fence = false;
  for (SrcLine& l : lines) {
    if (l.blank) continue;
    const uint32_t b = units[l.begin].source_begin;
    const uint32_t e = units[l.end - 1].source_end;
    const bool is_fence = IsFence(source.substr(b, e - b));
    l.in_fence = fence || is_fence;
    if (is_fence) fence = !fence;
  }
  return lines;
}

std::string_view LineText(std::string_view source,
                          const std::vector<SourceUnit>& units,
                          const SrcLine& l) {
  if (l.begin == l.end) return {};
  const uint32_t b = units[l.begin].source_begin;
  return source.substr(b, units[l.end - 1].source_end - b);
}

// Hides units [first, last] and marks the first as the paragraph mark when
// the run sits between two blocks.
void MarkRun(size_t first, size_t last, bool visible,
             std::vector<uint8_t>* roles) {
  for (size_t u = first; u <= last && u < roles->size(); ++u) {
    (*roles)[u] = kRoleHidden;
  }
  if (visible && first < roles->size()) (*roles)[first] = kRoleParagraph;
}

}  // namespace

bool LooksLikeProse(const std::vector<std::string_view>& lines) {
  if (lines.size() <= 1) return true;
  size_t longest = 0;
  for (std::string_view l : lines) {
    if (StructuredLine(l)) return false;
    longest = std::max(longest, CodePoints(l));
  }
  if (longest < 30) return false;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    if (CodePoints(lines[i]) * 10 < longest * 6) return false;
  }
  return true;
}

std::vector<uint8_t> ClassifyUnits(std::string_view source,
                                   const std::vector<SourceUnit>& units) {
  std::vector<uint8_t> roles(units.size(), kRoleKeep);
  const std::vector<SrcLine> lines = SplitLines(source, units);
  size_t i = 0;
  bool seen_block = false;
  while (i < lines.size()) {
    if (lines[i].blank) {
      size_t j = i;
      while (j < lines.size() && lines[j].blank) ++j;
      // From the newline before the run (or the item start) through the
      // newline ending its last line (or the item end).
      const size_t first = i > 0 ? lines[i - 1].newline : lines[i].begin;
      const size_t last = j < lines.size() ? lines[j - 1].newline : units.size();
      MarkRun(first, last, seen_block && j < lines.size(), &roles);
      i = j;
      continue;
    }
    size_t j = i;
    bool fence = false;
    std::vector<std::string_view> text;
    while (j < lines.size() && !lines[j].blank) {
      fence = fence || lines[j].in_fence;
      text.push_back(LineText(source, units, lines[j]));
      ++j;
    }
    const bool prose = !fence && LooksLikeProse(text);
    for (size_t k = i; k < j; ++k) {
      if (!prose) {
        for (size_t u = lines[k].begin; u < lines[k].end; ++u) roles[u] |= kRoleInLines;
      }
      if (k + 1 < j) roles[lines[k].newline] = prose ? kRoleSoft : (kRoleHard | kRoleInLines);
    }
    if (!prose && j - i >= 2 && lines[i].begin < lines[i].end) {
      roles[lines[i].begin] |= kRoleFreshLine;
    }
    seen_block = true;
    i = j;
  }
  return roles;
}

}  // namespace mnemo::codec::internal
