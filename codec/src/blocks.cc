// Copyright (c) mnemo authors.

#include "blocks.h"

#include <algorithm>
#include <cctype>

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

size_t Indent(std::string_view line);

// A line that cannot continue a wrapped paragraph: a list marker, a table
// row, a heading, a brace. A wrap may put a number ("10*1024).") or an
// option ("-print0,") at the start of a line; that alone is no structure.
bool StructuredContinuation(std::string_view line) {
  if (line.empty() || line.find('\t') != std::string_view::npos) return true;
  const char c = line[0];
  const bool marker = line.size() < 2 || line[1] == ' ';
  if (std::string_view("-*+>").find(c) != std::string_view::npos) return marker;
  if (std::isdigit(static_cast<unsigned char>(c))) {
    size_t d = 0;
    while (d < line.size() && std::isdigit(static_cast<unsigned char>(line[d]))) ++d;
    return d + 1 < line.size() && (line[d] == '.' || line[d] == ')') && line[d + 1] == ' ';
  }
  return c == ' ' || std::string_view("#|{}=`").find(c) != std::string_view::npos;
}

size_t Indent(std::string_view line) {
  const size_t i = line.find_first_not_of(' ');
  return i == std::string_view::npos ? line.size() : i;
}

// Whether a LINE-block line continues the one before it (a wrapped list
// item or option description): the one before is long and ends in a word
// or comma, this one is indented and starts with a word, not a marker.
bool Continues(std::string_view prev, std::string_view line, size_t longest) {
  const size_t n = CodePoints(prev);
  if (n < 40 || n * 10 < longest * 7 || prev.empty()) return false;
  const char last = prev.back();
  if (!std::isalpha(static_cast<unsigned char>(last)) && last != ',') return false;
  const size_t indent = Indent(line);
  if (indent == 0 || indent >= line.size()) return false;
  const char c = line[indent];
  return std::isalpha(static_cast<unsigned char>(c)) || c == '(' || c == '"';
}

// A list item's start: "* ", "- ", "+ ", "1. ", "2) ", "[ " (a Debian
// changelog's "[ Name ]"). The marker is drawn, so the line start stays
// visible when the item flows on after the previous line.
bool ListMarker(std::string_view line) {
  line.remove_prefix(Indent(line));
  if (line.size() < 3) return false;
  if ((line[0] == '*' || line[0] == '-' || line[0] == '+' || line[0] == '[' ||
       line[0] == '>') &&
      line[1] == ' ') {
    return line[2] != ' ' && line[2] != '-';  // not "- - -" rules
  }
  size_t d = 0;
  while (d < line.size() && d < 3 && std::isdigit(static_cast<unsigned char>(line[d]))) ++d;
  return d > 0 && d + 1 < line.size() && (line[d] == '.' || line[d] == ')') &&
         line[d + 1] == ' ';
}

// A definition: a term line ("-a, --all", "NAME", "3.13.3") followed by its
// description, indented further and starting with a word. A line ending in
// an opener or ":" (code: "if (x) {", "def f():") is no term.
bool Defines(std::string_view prev, std::string_view line) {
  const size_t pi = Indent(prev), li = Indent(line);
  if (li <= pi || li >= line.size() || prev.empty()) return false;
  const char first = prev[pi];
  if (first == '<' || first == '`' || first == '|' || first == '#') return false;
  // "Example:" (one capitalized word) introduces its indented example.
  const bool label = prev.back() == ':' && std::isupper(static_cast<unsigned char>(first)) &&
                     prev.find(' ', pi) == std::string_view::npos;
  if (!label && std::string_view("{([,:;=\\").find(prev.back()) != std::string_view::npos) {
    return false;
  }
  // A word, a quote, "(", "[" (a synopsis' options) or an option
  // ("-e PATTERNS" under a subsection heading).
  const char c = line[li];
  const char d = li + 1 < line.size() ? line[li + 1] : ' ';
  return std::isalpha(static_cast<unsigned char>(c)) || c == '"' || c == '\'' ||
         c == '(' || c == '[' ||
         (c == '-' && (d == '-' || std::isalpha(static_cast<unsigned char>(d))));
}

std::vector<SrcLine> SplitLines(std::string_view source,
                                const std::vector<SourceUnit>& units,
                                size_t first) {
  std::vector<SrcLine> lines(1);
  lines.back().begin = first;
  for (size_t i = first; i < units.size(); ++i) {
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

// A word hyphenated at a hard wrap ("re-" + newline + "mote") is drawn
// whole ("remote") when the line break is laid out as a space: the hyphen
// and the break are hidden (still source bytes). Only between lowercase
// letters (not "--option", "UTF-" or "x-\n2"); the hyphen is "-" or U+2010.
void RejoinHyphen(std::string_view source, const std::vector<SourceUnit>& units,
                  const SrcLine& l, std::vector<uint8_t>* roles) {
  if (l.newline == SIZE_MAX || l.end < l.begin + 3) return;
  if (((*roles)[l.newline] & kRoleMask) != kRoleSoft) return;
  const SourceUnit& dash = units[l.end - 1];
  const SourceUnit& before = units[l.end - 2];
  auto lower = [&](const SourceUnit& u) {
    return u.kind == UnitKind::kChar && u.source_end == u.source_begin + 1 &&
           std::islower(static_cast<unsigned char>(source[u.source_begin]));
  };
  // U+2010 HYPHEN is what man pages (groff) put at their hyphenations.
  if (dash.kind != UnitKind::kChar || (dash.cp != '-' && dash.cp != 0x2010) ||
      dash.escaped || !lower(before)) {
    return;
  }
  size_t next = l.newline + 1;
  while (next < units.size() && units[next].kind == UnitKind::kSpace) ++next;
  if (next >= units.size() || !lower(units[next])) return;
  (*roles)[l.end - 1] = kRoleHidden;
  (*roles)[l.newline] = kRoleHidden;
}

}  // namespace

bool LooksLikeProse(const std::vector<std::string_view>& lines) {
  if (lines.size() <= 1) return true;
  // Indentation all lines share (man pages indent whole paragraphs); the
  // first line may be indented further (licenses, books).
  size_t common = SIZE_MAX;
  for (size_t i = 1; i < lines.size(); ++i) common = std::min(common, Indent(lines[i]));
  size_t longest = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view l = lines[i];
    const size_t indent = Indent(l);
    if (indent < common || indent > common + (i == 0 ? 8 : 0)) return false;
    l.remove_prefix(indent);
    if (i == 0 ? StructuredLine(l) : StructuredContinuation(l)) return false;
    longest = std::max(longest, CodePoints(lines[i]));
  }
  if (longest < 30) return false;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    if (CodePoints(lines[i]) * 10 < longest * 6) return false;
  }
  return true;
}

// A paragraph line after a line of text at the same (small) indentation, as
// in Markdown, where a single newline is a space: it starts with a word or
// inline markup, the line before ends like text (not ";", "{", "=", ...),
// and neither is an aligned table (a run of 3 spaces inside).
bool SameParagraph(std::string_view prev, std::string_view line) {
  const size_t indent = Indent(line);
  if (indent != Indent(prev) || indent >= 4 || indent >= line.size()) return false;
  // The line before is a line of text (wrapped, several words), not a
  // short entry of a list of lines or one long token.
  if (CodePoints(prev) < 30 ||
      std::count(prev.begin() + indent, prev.end(), ' ') < 2) {
    return false;
  }
  const char c = line[indent];
  if (!std::isalpha(static_cast<unsigned char>(c)) &&
      std::string_view("[!*`(_'").find(c) == std::string_view::npos) {
    return false;
  }
  const char last = prev.back();
  if (!std::isalnum(static_cast<unsigned char>(last)) &&
      std::string_view(".,:!?)]`*_'\"-").find(last) == std::string_view::npos) {
    return false;
  }
  return line.find("   ", indent) == std::string_view::npos &&
         prev.find("   ", indent) == std::string_view::npos;
}

// "key: value" at the line start (YAML front matter, mail and HTTP
// headers): the key shows where the entry starts when it flows.
bool KeyValue(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && (std::isalnum(static_cast<unsigned char>(line[i])) ||
                             line[i] == '_' || line[i] == '-')) {
    ++i;
  }
  return i > 0 && std::isalpha(static_cast<unsigned char>(line[0])) &&
         i + 2 < line.size() && line[i] == ':' && line[i + 1] == ' ' && line[i + 2] != ' ';
}

// HTML (a block that starts with a tag) ignores its line breaks and
// indentation, so its lines flow.
bool Html(std::string_view line) {
  line.remove_prefix(Indent(line));
  return line.size() >= 2 && line[0] == '<' &&
         (std::isalpha(static_cast<unsigned char>(line[1])) || line[1] == '/' ||
          line[1] == '!');
}

std::vector<bool> JoinedLines(const std::vector<std::string_view>& lines) {
  std::vector<bool> joins(lines.size(), false);
  if (!lines.empty() && Html(lines[0])) {
    std::fill(joins.begin() + 1, joins.end(), true);
    return joins;
  }
  size_t longest = 0;
  for (std::string_view t : lines) longest = std::max(longest, CodePoints(t));
  for (size_t k = 1; k < lines.size(); ++k) {
    const std::string_view prev = lines[k - 1], line = lines[k];
    const size_t indent = Indent(line);
    // Inside a flowing run, a line at the run's indentation that starts
    // with a word goes on with it (a description's second line).
    const bool goes_on =
        joins[k - 1] && indent > 0 && indent == Indent(prev) &&
        indent < line.size() &&
        (std::isalnum(static_cast<unsigned char>(line[indent])) ||
         std::string_view("(\"'`").find(line[indent]) != std::string_view::npos);
    // Markdown images and badges ("[![CI](...)](...)") one per line.
    const bool image = (line.substr(indent).starts_with("[![") ||
                        line.substr(indent).starts_with("![")) &&
                       (prev.back() == ')' || prev.back() == ']');
    // Front matter: "---", then "key: value" lines, then "---".
    const bool fields = (KeyValue(line) && (KeyValue(prev) || prev == "---")) ||
                        (line == "---" && KeyValue(prev));
    joins[k] = ListMarker(line) || Defines(prev, line) || SameParagraph(prev, line) || image ||
               fields ||
               Continues(prev, line, longest) || goes_on;
  }
  return joins;
}

namespace {

// Roles of the lines [i, j) of one block (no blank line among them).
void ClassifyBlock(std::string_view source, const std::vector<SourceUnit>& units,
                   const std::vector<SrcLine>& lines, size_t i, size_t j,
                   std::vector<uint8_t>* roles) {
  bool fence = false;
  std::vector<std::string_view> text;
  for (size_t k = i; k < j; ++k) {
    fence = fence || lines[k].in_fence;
    text.push_back(LineText(source, units, lines[k]));
  }
  const bool prose = !fence && LooksLikeProse(text);
  std::vector<bool> joins(text.size(), prose);
  if (!prose && !fence) joins = JoinedLines(text);
  // In a fenced block the ``` lines join the code next to them (a fence
  // costs no line of its own); the code keeps its lines.
  for (size_t k = 1; fence && k < text.size(); ++k) {
    joins[k] = IsFence(text[k]) || IsFence(text[k - 1]);
  }
  for (size_t k = i; k < j; ++k) {
    // A line of a flowing run (joined to the line before or after it)
    // wraps like prose: no wrap marks.
    const bool joined = k > i && joins[k - i];
    const bool flows = fence ? IsFence(text[k - i])
                             : prose || joined || (k + 1 < j && joins[k - i + 1]);
    // Fence lines are code too (a band goes on through them).
    if (!flows || fence) {
      for (size_t u = lines[k].begin; u < lines[k].end; ++u) (*roles)[u] |= kRoleInLines;
    }
    // A flowing line's indentation is not drawn.
    if (flows) {
      for (size_t u = lines[k].begin;
           u < lines[k].end && units[u].kind == UnitKind::kSpace; ++u) {
        (*roles)[u] = kRoleHidden;
      }
    }
    if (joined) (*roles)[lines[k - 1].newline] = kRoleSoft;
    if (k + 1 < j && !joins[k - i + 1]) {
      (*roles)[lines[k].newline] = kRoleHard | kRoleInLines;
    }
  }
  for (size_t k = i + 1; k < j; ++k) RejoinHyphen(source, units, lines[k - 1], roles);
  const bool all_flow =
      std::all_of(joins.begin() + 1, joins.end(), [](bool b) { return b; });
  if (!all_flow && j - i >= 2 && lines[i].begin < lines[i].end) {
    (*roles)[lines[i].begin] |= kRoleFreshLine;
  }
}

}  // namespace

std::vector<uint8_t> ClassifyUnits(std::string_view source,
                                   const std::vector<SourceUnit>& units,
                                   size_t body_unit) {
  std::vector<uint8_t> roles(units.size(), kRoleKeep);
  body_unit = std::min(body_unit, units.size());
  for (size_t u = 0; u < body_unit; ++u) {
    if (units[u].kind == UnitKind::kNewline) roles[u] = kRoleSoft;
  }
  const std::vector<SrcLine> lines = SplitLines(source, units, body_unit);
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
    while (j < lines.size() && !lines[j].blank) ++j;
    ClassifyBlock(source, units, lines, i, j, &roles);
    seen_block = true;
    i = j;
  }
  return roles;
}

}  // namespace mnemo::codec::internal
