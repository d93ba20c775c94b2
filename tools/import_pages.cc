// Copyright (c) mnemo authors.
//
// The page files of `mnemo import --pages DIR` (see cmd_import.cc).

#include "import_pages.h"

#include <cstdio>
#include <map>
#include <set>
#include <utility>

#include "cli_util.h"
#include "mnemo/quote.h"
#include "workload/page_files.h"

namespace mnemo::cli::import_cmd {
namespace {

// Page files of a dump, read once each.
class PageFiles {
 public:
  explicit PageFiles(std::string dir) : dir_(std::move(dir)) {}
  Status Load(uint64_t page_id, const workload::PageFile** page) {
    auto [it, fresh] = files_.try_emplace(page_id);
    if (fresh) {
      it->second.first =
          workload::ReadPageFiles(dir_, page_id, &it->second.second);
    }
    *page = &it->second.second;
    return it->second.first;
  }
  PageData Take(uint64_t page_id) {
    return std::move(files_.at(page_id).second.data);
  }
  std::string JsonPath(uint64_t page_id) const {
    return dir_ + "/" + workload::PageJsonName(page_id);
  }

 private:
  std::string dir_;
  std::map<uint64_t, std::pair<Status, workload::PageFile>> files_;
};

bool OnPages(const Record& r) {
  return (r.tier == Tier::kPixels || r.tier == Tier::kDecayed) &&
         r.page.valid();
}

// Checks that page `page_id` holds record `r` (first: where it begins).
Status PageHolds(PageFiles* files, uint64_t page_id, const Record& r,
                 bool first, const workload::PageFile** page) {
  MNEMO_RETURN_IF_ERROR(files->Load(page_id, page));
  const PageData& data = (*page)->data;
  std::string name = files->JsonPath(page_id) + ": ";
  std::string record = "record " + RecordIdToString(r.id);
  if (data.info.ns.tenant != r.ns.tenant || data.info.ns.agent != r.ns.agent) {
    return Status::InvalidArgument(
        name + "the page's tenant/agent differs from " + record + "'s");
  }
  if (first && data.info.tier != r.tier) {
    return Status::InvalidArgument(name + "the page is " +
                                   TierName(data.info.tier) + " but " + record +
                                   " is " + TierName(r.tier));
  }
  for (const auto& item : (*page)->items) {
    if (item.id == r.id && item.continued != first) return Status::OK();
  }
  return Status::InvalidArgument(
      name + "its manifest does not list " + record +
      (first ? "" : " continuing from the page before"));
}

// The ids of the pages `r` spans, per their manifests.
Status SpanOf(const Record& r, PageFiles* files, std::vector<uint64_t>* span) {
  span->assign(1, r.page.page_id);
  const workload::PageFile* page;
  MNEMO_RETURN_IF_ERROR(PageHolds(files, r.page.page_id, r, true, &page));
  auto continues = [&r](const workload::PageFile* p) {
    for (const auto& item : p->items) {
      if (item.id == r.id) return item.continues;
    }
    return false;
  };
  while (continues(page)) {
    span->push_back(span->back() + 1);
    MNEMO_RETURN_IF_ERROR(PageHolds(files, span->back(), r, false, &page));
  }
  return Status::OK();
}

enum class Attach { kKeep, kDrop, kFail };

// Decides how record i comes back: on its pages (their ids go to
// *wanted), as warm text, skipped, or not at all (kFail, message printed).
Attach AttachOne(const ImportArgs& args, PageFiles* files, Input* in, size_t i,
                 std::set<uint64_t>* wanted) {
  Record& r = in->records[i];
  if (!OnPages(r)) return Attach::kKeep;
  std::string problem;
  if (!args.pages.empty()) {
    std::vector<uint64_t> span;
    Status s = SpanOf(r, files, &span);
    if (s.ok()) {
      wanted->insert(span.begin(), span.end());
      return Attach::kKeep;
    }
    problem = "page " + std::to_string(span.back()) + ": " + s.message();
  }
  std::string where = in->where[i] + ": record " + RecordIdToString(r.id);
  if (r.text_forgotten) {
    return Reject(args, in,
                  where +
                      ": its text was forgotten and only its "
                      "page holds it (" +
                      (problem.empty() ? "import with --pages DIR" : problem) +
                      ")")
               ? Attach::kDrop
               : Attach::kFail;
  }
  if (!problem.empty() && !args.skip_bad) {
    Fail(kExitRuntime, where + ": " + problem +
                           " (nothing imported; "
                           "--skip-bad restores such records as warm text)");
    return Attach::kFail;
  }
  if (!problem.empty()) {
    std::fprintf(stderr, "mnemo: %s restored as warm text: %s\n",
                 EscapeForTerminal(where).c_str(),
                 EscapeForTerminal(problem).c_str());
  }
  r.tier = Tier::kWarm;
  r.page = PageRef();
  ++in->unpaged;
  return Attach::kKeep;
}

}  // namespace

bool AttachPages(const ImportArgs& args, Input* in) {
  PageFiles files(args.pages);
  std::set<uint64_t> wanted;
  std::vector<Record> kept;
  std::vector<std::string> kept_where;
  for (size_t i = 0; i < in->records.size(); ++i) {
    Attach a = AttachOne(args, &files, in, i, &wanted);
    if (a == Attach::kFail) return false;
    if (a == Attach::kDrop) continue;
    kept.push_back(std::move(in->records[i]));
    kept_where.push_back(std::move(in->where[i]));
  }
  in->records = std::move(kept);
  in->where = std::move(kept_where);
  for (uint64_t page_id : wanted) in->pages.push_back(files.Take(page_id));
  return true;
}

}  // namespace mnemo::cli::import_cmd
