// Copyright (c) mnemo authors.

#include "page_store.h"

#include "coding.h"

namespace mnemo::internal {
namespace {

constexpr uint8_t kPageVersion = 1;
constexpr size_t kMaxPageBlob = 64u << 20;

}  // namespace

void EncodePage(const StoredPage& page, std::string* out) {
  out->clear();
  out->reserve(page.png.size() + page.manifest.size() + 128);
  out->push_back(static_cast<char>(kPageVersion));
  out->push_back(static_cast<char>(page.info.tier));
  PutFixed64(out, static_cast<uint64_t>(page.info.created_time));
  PutFixed32(out, static_cast<uint32_t>(page.info.width));
  PutFixed32(out, static_cast<uint32_t>(page.info.height));
  PutFixed32(out, static_cast<uint32_t>(page.info.vision_tokens));
  PutFixed32(out, static_cast<uint32_t>(page.first_width));
  PutLengthPrefixed(out, page.info.ns.tenant);
  PutLengthPrefixed(out, page.info.ns.agent);
  PutLengthPrefixed(out, page.info.ns.session);
  PutLengthPrefixed(out, page.info.profile);
  PutLengthPrefixed(out, page.png);
  PutLengthPrefixed(out, page.manifest);
  PutFixed32(out, MaskCrc(Crc32c(out->data(), out->size())));
}

Status DecodePage(std::string_view value, uint64_t page_id, StoredPage* page) {
  std::string what = "page " + std::to_string(page_id);
  if (value.size() < 30 + 4) {
    return Status::Corruption(what + ": stored value is truncated");
  }
  size_t body = value.size() - 4;
  if (DecodeFixed32(value.data() + body) !=
      MaskCrc(Crc32c(value.data(), body))) {
    return Status::Corruption(what + ": checksum mismatch");
  }
  if (static_cast<uint8_t>(value[0]) > kPageVersion) {
    return Status::NotSupported(what + ": page format is newer than this build");
  }
  Reader in(value.substr(0, body));
  uint8_t version, tier;
  uint64_t created;
  uint32_t width, height, tokens, first_width;
  std::string_view tenant, agent, session, profile, png, manifest;
  bool ok = in.GetByte(&version) && in.GetByte(&tier) &&
            in.GetFixed64(&created) && in.GetFixed32(&width) &&
            in.GetFixed32(&height) && in.GetFixed32(&tokens) &&
            in.GetFixed32(&first_width) &&
            in.GetLengthPrefixed(&tenant, kMaxNamespacePart) &&
            in.GetLengthPrefixed(&agent, kMaxNamespacePart) &&
            in.GetLengthPrefixed(&session, kMaxNamespacePart) &&
            in.GetLengthPrefixed(&profile, 64) &&
            in.GetLengthPrefixed(&png, kMaxPageBlob) &&
            in.GetLengthPrefixed(&manifest, kMaxPageBlob) && in.empty();
  if (!ok || (tier != static_cast<uint8_t>(Tier::kPixels) &&
              tier != static_cast<uint8_t>(Tier::kDecayed))) {
    return Status::Corruption(what + ": malformed page value");
  }
  page->info.page_id = page_id;
  page->info.tier = static_cast<Tier>(tier);
  page->info.created_time = static_cast<Micros>(created);
  page->info.width = static_cast<int>(width);
  page->info.height = static_cast<int>(height);
  page->info.vision_tokens = static_cast<int>(tokens);
  page->first_width = static_cast<int>(first_width);
  page->info.ns = {std::string(tenant), std::string(agent),
                   std::string(session)};
  page->info.profile.assign(profile);
  page->png.assign(png);
  page->manifest.assign(manifest);
  return Status::OK();
}

}  // namespace mnemo::internal
