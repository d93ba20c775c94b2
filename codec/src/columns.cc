// Copyright (c) mnemo authors.

#include "columns.h"

#include <algorithm>

#include "blocks.h"

namespace mnemo::codec::internal {

std::vector<int64_t> BlockLineWidths(const std::vector<SourceUnit>& units,
                                     const std::vector<uint8_t>& roles,
                                     size_t first, int64_t space_advance,
                                     int32_t tab_stop) {
  std::vector<int64_t> widths(1, 0);
  for (size_t i = first; i < units.size(); ++i) {
    const uint8_t role = roles[i] & kRoleMask;
    if (Flows(units[i], roles[i])) break;
    if (role == kRoleHard || (role == kRoleParagraph && widths.back() > 0)) {
      widths.push_back(0);
    } else if (role == kRoleSoft) {
      widths.back() += space_advance;
    } else if (role == kRoleKeep) {
      if (units[i].kind == UnitKind::kTab) {
        widths.back() = (widths.back() / tab_stop + 1) * tab_stop;
      } else if (units[i].kind != UnitKind::kNewline) {
        widths.back() += units[i].width;
      }
    }
  }
  return widths;
}

bool Flows(const SourceUnit& unit, uint8_t role) {
  return unit.kind == UnitKind::kChar && (role & kRoleMask) == kRoleKeep &&
         (role & kRoleInLines) == 0;
}

bool MarksLines(const std::vector<int64_t>& widths, const PageGeometry& geo,
                int64_t mark) {
  if (widths.size() < 2) return false;
  const int64_t width = int64_t{geo.ColumnWidth(1)} * 64;
  int64_t kept = 0, inline_width = 0;
  for (int64_t w : widths) {
    kept += std::max<int64_t>(1, (w + width - 1) / width);
    inline_width += w + mark;
  }
  // Inline, the run must save 40% of its rows: a run of long lines (log
  // lines, table rows) keeps its lines.
  return inline_width * 10 <= width * kept * 6;
}

void MarkLines(const std::vector<SourceUnit>& units, size_t first,
               std::vector<uint8_t>* roles) {
  for (size_t i = first; i < units.size(); ++i) {
    uint8_t& role = (*roles)[i];
    if (Flows(units[i], role)) break;
    if ((role & kRoleMask) == kRoleHard) role = kRoleLineMark;
    role &= static_cast<uint8_t>(~(kRoleInLines | kRoleFreshLine));
  }
}

int BlockColumns(const std::vector<int64_t>& widths, const PageGeometry& geo,
                 int64_t zero_advance) {
  // A short block stays in the flow (a band of two rows saves little).
  if (widths.size() < 6) return 1;
  int best = 1;
  double best_rows = 0;
  for (int k = 1; k <= 4; ++k) {
    const int64_t width = int64_t{geo.ColumnWidth(k)} * 64;
    if (k > 1 && (width < 30 * zero_advance ||
                  geo.ColumnWidth(k) < 8 * geo.line_height)) {
      break;
    }
    size_t fit = 0;
    double lines = 0;
    for (int64_t w : widths) {
      fit += w <= width ? 1 : 0;
      lines +=
          static_cast<double>(std::max<int64_t>(1, (w + width - 1) / width));
    }
    if (k > 1 && fit * 10 < widths.size() * 8) break;
    const double rows =
        static_cast<double>(static_cast<int64_t>((lines + k - 1) / k));
    // A short band of columns between full-width text is mis-read: on the
    // corpus's first Markdown page Tesseract (psm 3) read bands of 3-20
    // rows at 21% CER (3x upscale) vs 3.8% for the page in one column. A
    // band of a third of a page or more reads like a page in columns.
    if (k > 1 && rows < geo.rows / 3) break;
    if (k == 1 || rows < best_rows * 0.85) {
      best = k;
      best_rows = rows;
    }
  }
  return best;
}

}  // namespace mnemo::codec::internal
