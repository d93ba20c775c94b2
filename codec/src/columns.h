// Copyright (c) mnemo authors.
//
// The column count of a band: a multi-line LINE block (code, a table, log
// lines) is set in a band of its own, in as many columns (1..4) as save
// page rows: most of its lines (80%) must fit a column unwrapped (wrapped
// lines read worse than a wider column), more columns must save 15% of the
// rows, and the band must be a third of a page tall or more (short bands
// of columns between full-width text are mis-read by OCR). Flowing text
// (prose, records, joined lines) is one column.

#ifndef MNEMO_CODEC_SRC_COLUMNS_H_
#define MNEMO_CODEC_SRC_COLUMNS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "composer.h"
#include "units.h"

namespace mnemo::codec::internal {

// Widths (26.6) of the kept lines of the run of LINE blocks whose first
// unit is `first` (it carries kRoleFreshLine), up to the next flowing
// character (blank-line runs between its blocks end lines).
std::vector<int64_t> BlockLineWidths(const std::vector<SourceUnit>& units,
                                     const std::vector<uint8_t>& roles,
                                     size_t first, int64_t space_advance,
                                     int32_t tab_stop);

// Whether a unit with this role is flowing text (it ends a band).
bool Flows(const SourceUnit& unit, uint8_t role);

// Whether a run of kept lines of these widths (26.6) is set inline, its
// breaks drawn as kLineMark (width `mark`), rather than one line per page
// row: it must not get a band, and inline it must take at most 60% of the
// rows (short code lines of a README example, a small table).
bool MarksLines(const std::vector<int64_t>& widths, const PageGeometry& geo,
                int64_t mark);

// Sets the run of kept lines starting at `first` inline: its hard breaks
// become kRoleLineMark, and its units lose kRoleInLines and kRoleFreshLine
// (no wrap marks: the line marks show the kept breaks).
void MarkLines(const std::vector<SourceUnit>& units, size_t first,
               std::vector<uint8_t>* roles);

// Column count for a band holding lines of these widths.
int BlockColumns(const std::vector<int64_t>& widths, const PageGeometry& geo,
                 int64_t zero_advance);

}  // namespace mnemo::codec::internal

#endif  // MNEMO_CODEC_SRC_COLUMNS_H_
