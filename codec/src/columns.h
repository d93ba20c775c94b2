// Copyright (c) mnemo authors.
//
// The column count of a page, chosen from what will go on it: the items
// from a position on are measured (reflowed prose as one flowing width,
// LINE-block lines one by one) until about a page and a half is seen, and
// the count (1..4) that fills the page best wins; fewer columns win ties
// (within 2%).

#ifndef MNEMO_CODEC_SRC_COLUMNS_H_
#define MNEMO_CODEC_SRC_COLUMNS_H_

#include <cstddef>
#include <vector>

#include "composer.h"
#include "mnemo/codec/page.h"
#include "units.h"

namespace mnemo::codec::internal {

int ChooseColumns(const std::vector<PageItem>& items, size_t item,
                  size_t byte, const PageGeometry& geo, UnitBuilder* measure);

}  // namespace mnemo::codec::internal

#endif  // MNEMO_CODEC_SRC_COLUMNS_H_
