// Copyright (c) mnemo authors.
//
// Pages in the cluster (cluster_store_impl.h): one object "p.<16 hex id>"
// per page in the tenant's namespace, written once by compaction before any
// record points at it (rewritten in place only when it decays), read by
// hosts that do not own the agent (GetPage, ListPages) and by a host that
// takes the agent over (Hydrate).
//
// Object data: "MNPG", version 1, then the page's info, scale, first width,
// PNG and manifest (length-prefixed), and a masked CRC-32C of all of it.

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <set>

#include "cluster_store_impl.h"
#include "coding.h"

namespace mnemo::internal {
namespace {

constexpr std::string_view kPageMagic = "MNPG";
constexpr uint8_t kPageFormat = 1;
constexpr size_t kMaxPageField = size_t{1} << 30;

uint64_t DoubleBits(double d) {
  uint64_t v;
  std::memcpy(&v, &d, sizeof v);
  return v;
}

double BitsDouble(uint64_t v) {
  double d;
  std::memcpy(&d, &v, sizeof d);
  return d;
}

}  // namespace

std::string PageOid(uint64_t page_id) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "p.%016" PRIx64, page_id);
  return buf;
}

std::vector<uint64_t> PageSpan(const PageRef& page) {
  std::vector<uint64_t> ids;
  if (!page.valid()) return ids;
  for (uint32_t i = 0; i < std::max<uint32_t>(page.page_count, 1); ++i) {
    ids.push_back(page.page_id + i);
  }
  return ids;
}

void EncodePageObject(const PageData& page, std::string* out) {
  out->assign(kPageMagic);
  out->push_back(static_cast<char>(kPageFormat));
  const PageInfo& info = page.info;
  PutFixed64(out, info.page_id);
  PutLengthPrefixed(out, info.ns.tenant);
  PutLengthPrefixed(out, info.ns.agent);
  PutLengthPrefixed(out, info.ns.session);
  out->push_back(static_cast<char>(info.tier));
  PutLengthPrefixed(out, info.profile);
  PutFixed32(out, static_cast<uint32_t>(info.width));
  PutFixed32(out, static_cast<uint32_t>(info.height));
  PutFixed32(out, static_cast<uint32_t>(info.vision_tokens));
  PutFixed32(out, info.live_records);
  PutFixed64(out, static_cast<uint64_t>(info.created_time));
  PutFixed64(out, DoubleBits(page.scale));
  PutFixed32(out, static_cast<uint32_t>(page.first_width));
  PutLengthPrefixed(out, page.png);
  PutLengthPrefixed(out, page.manifest_json);
  PutFixed32(out, MaskCrc(Crc32c(out->data(), out->size())));
}

Status DecodePageObject(std::string_view data, std::string_view what,
                        PageData* page) {
  auto bad = [&](const char* why) {
    return Status::Corruption(std::string(what) + ": " + why);
  };
  if (data.size() < kPageMagic.size() + 1 + 4 ||
      data.substr(0, kPageMagic.size()) != kPageMagic) {
    return bad("not a page object");
  }
  const size_t body = data.size() - 4;
  if (MaskCrc(Crc32c(data.data(), body)) != DecodeFixed32(data.data() + body)) {
    return bad("page checksum mismatch");
  }
  Reader in(data.substr(kPageMagic.size(), body - kPageMagic.size()));
  uint8_t format = 0, tier = 0;
  uint32_t width = 0, height = 0, tokens = 0, first_width = 0;
  uint64_t created = 0, scale = 0;
  std::string_view tenant, agent, session, profile, png, manifest;
  PageInfo& info = page->info;
  bool ok =
      in.GetByte(&format) && format == kPageFormat &&
      in.GetFixed64(&info.page_id) &&
      in.GetLengthPrefixed(&tenant, kMaxPageField) &&
      in.GetLengthPrefixed(&agent, kMaxPageField) &&
      in.GetLengthPrefixed(&session, kMaxPageField) && in.GetByte(&tier) &&
      in.GetLengthPrefixed(&profile, kMaxPageField) && in.GetFixed32(&width) &&
      in.GetFixed32(&height) && in.GetFixed32(&tokens) &&
      in.GetFixed32(&info.live_records) && in.GetFixed64(&created) &&
      in.GetFixed64(&scale) && in.GetFixed32(&first_width) &&
      in.GetLengthPrefixed(&png, kMaxPageField) &&
      in.GetLengthPrefixed(&manifest, kMaxPageField) && in.empty();
  if (!ok) return bad("malformed page object");
  if (tier != static_cast<uint8_t>(Tier::kPixels) &&
      tier != static_cast<uint8_t>(Tier::kDecayed)) {
    return bad("page tier is neither pixels nor decayed");
  }
  info.ns = {std::string(tenant), std::string(agent), std::string(session)};
  info.tier = static_cast<Tier>(tier);
  info.profile = std::string(profile);
  info.width = static_cast<int>(width);
  info.height = static_cast<int>(height);
  info.vision_tokens = static_cast<int>(tokens);
  info.created_time = static_cast<Micros>(created);
  page->scale = BitsDouble(scale);
  page->first_width = static_cast<int>(first_width);
  page->png = std::string(png);
  page->manifest_json = std::string(manifest);
  return Status::OK();
}

Status WritePageObject(cluster::RadosPool* pool, const std::string& agent,
                       uint64_t epoch, const PageData& page) {
  cluster::WriteOp op;
  op.create = true;
  op.set_xattrs[kPageAgentXattr] = agent;
  op.set_xattrs[kPageEpochXattr] = std::to_string(epoch);
  op.write_full.emplace();
  EncodePageObject(page, &*op.write_full);
  return pool->Write(PageOid(page.info.page_id), op);
}

Status ClusterStore::ReadPage(cluster::RadosPool* pool, uint64_t page_id,
                              PageData* page) {
  const std::string oid = PageOid(page_id);
  std::string data;
  Status s = pool->Read(oid, &data);
  if (s.IsNotFound()) {
    return Status::NotFound("page " + std::to_string(page_id) +
                            " not found (tenant '" + pool->ns() + "')");
  }
  MNEMO_RETURN_IF_ERROR(s);
  MNEMO_RETURN_IF_ERROR(DecodePageObject(data, pool->Describe(oid), page));
  if (page->info.page_id != page_id || page->info.ns.tenant != pool->ns()) {
    return Status::Corruption(pool->Describe(oid) + " holds page " +
                              std::to_string(page->info.page_id) +
                              " of tenant '" + page->info.ns.tenant + "'");
  }
  return Status::OK();
}

Status ClusterStore::LoadPages(cluster::RadosPool* pool,
                               const std::vector<Record>& records,
                               std::map<uint64_t, PageData>* pages) {
  pages->clear();
  std::set<uint64_t> wanted;
  for (const Record& r : records) {
    for (uint64_t id : PageSpan(r.page)) wanted.insert(id);
  }
  for (uint64_t id : wanted) {
    PageData page;
    Status s = ReadPage(pool, id, &page);
    if (s.IsNotFound()) continue;  // the caller falls back to text
    MNEMO_RETURN_IF_ERROR(s);
    pages->emplace(id, std::move(page));
  }
  return Status::OK();
}

// The owner answers from its cache; any other host reads the page object.
Status ClusterStore::GetPage(const ReadOptions& options,
                             std::string_view tenant, uint64_t page_id,
                             PageData* page) {
  Status s = local_->GetPage(options, tenant, page_id, page);
  if (s.ok() && Owns(tenant, page->info.ns.agent)) return s;
  cluster::RadosPool* pool = nullptr;
  MNEMO_RETURN_IF_ERROR(TenantPool(tenant, &pool));
  return ReadPage(pool, page_id, page);
}

// From the cluster: the pages the agent's records stand on, with the live
// records counted from those records.
Status ClusterStore::ListPages(const ReadOptions& options,
                               std::string_view tenant, std::string_view agent,
                               std::vector<PageInfo>* pages) {
  if (agent.empty() || Owns(tenant, agent)) {
    return local_->ListPages(options, tenant, agent, pages);
  }
  pages->clear();
  cluster::RadosPool* pool = nullptr;
  MNEMO_RETURN_IF_ERROR(TenantPool(tenant, &pool));
  std::vector<Record> records;
  std::map<std::string, uint64_t> buckets;
  MNEMO_RETURN_IF_ERROR(
      ReadAgent(pool, std::string(agent), &records, &buckets));
  std::map<uint64_t, uint32_t> live;
  for (const Record& r : records) {
    for (uint64_t id : PageSpan(r.page)) ++live[id];
  }
  for (const auto& [id, count] : live) {
    PageData page;
    MNEMO_RETURN_IF_ERROR(ReadPage(pool, id, &page));
    page.info.live_records = count;
    pages->push_back(std::move(page.info));
  }
  return Status::OK();
}

}  // namespace mnemo::internal
