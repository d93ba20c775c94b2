// Copyright (c) mnemo authors.
//
// The stored form of a page (value of 'p' keys in the `pages` family):
//
//   [0] version  [1] tier  created(8) width(4) height(4) vision_tokens(4)
//   first_width(4)  then length-prefixed tenant, agent, session, profile,
//   PNG bytes, binary manifest (codec/manifest.h)  then masked CRC-32C.
//
// first_width is the width the page was rendered at; manifest spans are in
// those coordinates (a decayed page is smaller: scale = width/first_width).

#ifndef MNEMO_ENGINE_PAGE_STORE_H_
#define MNEMO_ENGINE_PAGE_STORE_H_

#include <string>
#include <string_view>

#include "mnemo/compaction.h"
#include "mnemo/status.h"

namespace mnemo::codec {
struct GrayImage;
}  // namespace mnemo::codec

namespace mnemo::internal {

struct StoredPage {
  PageInfo info;       // live_records is not stored (see the live set)
  int first_width = 0;
  std::string png;
  std::string manifest;  // binary, codec::SerializeManifest
};

void EncodePage(const StoredPage& page, std::string* out);
// Content hash of a page's cached pixels: changes with its tier, its size
// and its manifest (masking a record changes the manifest; page_forget.cc).
uint64_t PixelsCacheHash(const StoredPage& page);
// Encodes `image` as the page's PNG was encoded (its bit depth, the zlib
// level of its profile); page_forget.cc.
Status EncodePngLike(const StoredPage& page, const codec::GrayImage& image,
                     std::string* png);
// Corruption names the page; NotSupported for a newer page version.
Status DecodePage(std::string_view value, uint64_t page_id, StoredPage* page);

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_PAGE_STORE_H_
