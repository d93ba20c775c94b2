// Copyright (c) mnemo authors.
//
// Block classification of one item's units: the text is split into blocks
// at blank lines; a PROSE block (hard-wrapped paragraph) is reflowed (its
// newlines are laid out as spaces), a LINE block (code, logs, JSON, tables,
// lists, short lines, anything inside a ``` fence) keeps its line breaks.
// A blank-line run between blocks becomes one paragraph mark; leading and
// trailing blank lines of an item are dropped from view (still source).

#ifndef MNEMO_CODEC_SRC_BLOCKS_H_
#define MNEMO_CODEC_SRC_BLOCKS_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "units.h"

namespace mnemo::codec::internal {

// What the layout does with a unit (low bits) plus flags.
enum UnitRole : uint8_t {
  kRoleKeep = 0,       // laid out as itself
  kRoleSoft = 1,       // a newline laid out as a space
  kRoleHard = 2,       // a newline that ends the line
  kRoleParagraph = 3,  // first unit of a blank-line run: the paragraph mark
  kRoleHidden = 4,     // rest of a blank run, leading/trailing blank lines
  kRoleLineMark = 5,   // a kept line break drawn inline as kLineMark
  kRoleMask = 7,
  kRoleFreshLine = 8,  // first unit of a multi-line LINE block
  kRoleInLines = 16,   // unit of a LINE block (its wraps are marked)
};

// One role per unit of `units` (built from `source`). The units before
// `body_unit` (an item's header line and its newline) are not classified:
// they flow into the body (the newline is laid out as a space).
std::vector<uint8_t> ClassifyUnits(std::string_view source,
                                   const std::vector<SourceUnit>& units,
                                   size_t body_unit = 0);

// True when the lines of a block look like hard-wrapped prose (exposed for
// the column estimate, which sees lines, not units).
bool LooksLikeProse(const std::vector<std::string_view>& lines);

// For the lines of a LINE block (not prose, not in a ``` fence): whether
// each line is joined to the one before it (laid out after a space, its
// indentation hidden): a list item ("* ", "- ", "1. ", "[ "; its marker
// shows where it starts), a description after its term ("-a, --all" then
// an indented "do not ignore ..."), a wrapped line, the lines that go on
// at a joined line's indentation, Markdown paragraph and image lines,
// "key: value" lines (front matter between "---" lines), and every line
// of a block that starts with an HTML tag. Element 0 is false.
std::vector<bool> JoinedLines(const std::vector<std::string_view>& lines);

}  // namespace mnemo::codec::internal

#endif  // MNEMO_CODEC_SRC_BLOCKS_H_
