// Copyright (c) mnemo authors.
//
// Admin Import on a cluster store (cluster_store_impl.h): records keep
// their ids and store fields; each agent's records are one guarded write
// (atomic per agent, not across agents). With pages (a dump's, as
// mnemo/admin.h's Import with pages takes them), a paged record keeps its
// tier and page when every page it spans was supplied, belongs to its
// agent and starts with its tier; those pages are written to the cluster
// before the records (as compaction writes them). Otherwise a paged record
// comes back as text: hot without pages given (Import of records alone),
// warm with them (as the embedded store does); a forgotten text cannot.

#include <algorithm>
#include <set>

#include "cluster_store_impl.h"
#include "mnemo/admin.h"

namespace mnemo::internal {
namespace {

using PageMap = std::map<uint64_t, const PageData*>;

Status CheckPage(const PageData& page) {
  const PageInfo& info = page.info;
  const std::string what = "import: page " + std::to_string(info.page_id);
  if (info.page_id == 0 || info.page_id > kMaxImportedRecordId) {
    return Status::InvalidArgument(what + " has an id outside 1..2^62-1");
  }
  if (info.tier != Tier::kPixels && info.tier != Tier::kDecayed) {
    return Status::InvalidArgument(what + " is not in tier pixels/decayed");
  }
  if (page.png.empty() || page.manifest_json.empty() || page.first_width <= 0 ||
      info.width <= 0 || info.height <= 0) {
    return Status::InvalidArgument(
        what + " lacks its PNG, manifest or size (first_width)");
  }
  return Status::OK();
}

// Whether `r` keeps its page: every page of its span supplied, of its
// namespace's agent, the first one in its tier.
bool KeepsPage(const Record& r, const PageMap& supplied) {
  if (!r.page.valid() || (r.tier != Tier::kPixels && r.tier != Tier::kDecayed))
    return false;
  for (uint64_t id : PageSpan(r.page)) {
    auto it = supplied.find(id);
    if (it == supplied.end() || it->second->info.ns.tenant != r.ns.tenant ||
        it->second->info.ns.agent != r.ns.agent) {
      return false;
    }
  }
  return supplied.at(r.page.page_id)->info.tier == r.tier;
}

}  // namespace

Status ClusterStore::ImportRecords(const WriteOptions& options,
                                   const std::vector<Record>& records,
                                   const std::vector<PageData>* pages) {
  if (records.size() > options_.max_batch_records) {
    return Status::InvalidArgument("import batch exceeds max_batch_records");
  }
  PageMap supplied;
  if (pages != nullptr) {
    for (const PageData& page : *pages) {
      MNEMO_RETURN_IF_ERROR(CheckPage(page));
      supplied[page.info.page_id] = &page;
    }
  }
  struct Group {
    std::vector<Record> records;
    std::set<uint64_t> pages;
  };
  std::map<std::pair<std::string, std::string>, Group> groups;
  RecordId max_id = 0;
  for (Record r : records) {
    if (r.id == 0 || r.id > kMaxImportedRecordId) {
      return Status::InvalidArgument("import: record " +
                                     RecordIdToString(r.id) +
                                     " has an id outside 1..2^62-1");
    }
    Group& group = groups[{r.ns.tenant, r.ns.agent}];
    if (KeepsPage(r, supplied)) {
      for (uint64_t id : PageSpan(r.page)) {
        group.pages.insert(id);
        max_id = std::max<RecordId>(max_id, id);
      }
    } else if (r.tier >= Tier::kPixels || r.page.valid()) {
      if (r.text_forgotten) {
        return Status::InvalidArgument(
            "import: record " + RecordIdToString(r.id) +
            " has no text (forgotten) and the pages it stands on were not "
            "supplied");
      }
      r.tier = pages != nullptr ? Tier::kWarm : Tier::kHot;
      r.page = PageRef();
    }
    MNEMO_RETURN_IF_ERROR(mnemo::Validate(local_.get(), r));
    cluster::RadosPool* pool = nullptr;
    MNEMO_RETURN_IF_ERROR(TenantPool(r.ns.tenant, &pool));
    RecordPlace place;
    Status s = LookupPlace(pool, r.id, &place);
    if (s.ok()) {
      return Status::AlreadyExists("import: record " + RecordIdToString(r.id) +
                                   " exists");
    }
    if (!s.IsNotFound()) return s;
    max_id = std::max(max_id, r.id);
    group.records.push_back(std::move(r));
  }
  // A page id the cluster holds must hold this very page (a dump imported
  // in several batches writes it again).
  for (const auto& [key, group] : groups) {
    cluster::RadosPool* pool = nullptr;
    MNEMO_RETURN_IF_ERROR(TenantPool(key.first, &pool));
    for (uint64_t id : group.pages) {
      PageData stored;
      Status s = ReadPage(pool, id, &stored);
      if (s.IsNotFound()) continue;
      MNEMO_RETURN_IF_ERROR(s);
      std::string have, want;
      EncodePageObject(stored, &have);
      EncodePageObject(*supplied.at(id), &want);
      if (have != want) {
        return Status::AlreadyExists("import: page " + std::to_string(id) +
                                     " exists in the cluster with other "
                                     "content");
      }
    }
  }
  if (max_id != 0) MNEMO_RETURN_IF_ERROR(RaiseIdMark(max_id));
  // Pages written and not yet stood on are in flight: VerifyCluster on
  // this host (which takes compact_mu_) must not collect them meanwhile.
  port::MutexLock writing(&compact_mu_);
  for (const auto& [key, group] : groups) {
    std::vector<PageData> group_pages;
    for (uint64_t id : group.pages) group_pages.push_back(*supplied.at(id));
    MNEMO_RETURN_IF_ERROR(WriteRecords(options, group.records, group_pages));
  }
  return Status::OK();
}

}  // namespace mnemo::internal
