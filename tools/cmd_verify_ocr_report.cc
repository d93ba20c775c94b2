// Copyright (c) mnemo authors.
//
// Printing the `mnemo verify --ocr` report (text and JSON).

#include <cstdio>
#include <map>
#include <string>
#include <utility>

#include "cli_util.h"
#include "cmd_verify_ocr.h"

namespace mnemo::cli {
namespace {

constexpr const char* kDecayedNote =
    "decayed pages are downscaled on purpose (forgetting by blur) and are "
    "meant to read poorly: reported apart, not counted against --max-cer";

struct AgentTotals {
  uint64_t legible_pages = 0, decayed_pages = 0, unreadable = 0;
  ocr::CerCount legible, decayed;
  double seconds = 0;
};

using AgentKey = std::pair<std::string, std::string>;  // tenant, agent

std::map<AgentKey, AgentTotals> PerAgent(const OcrAuditReport& report) {
  std::map<AgentKey, AgentTotals> agents;
  for (const auto& p : report.pages) {
    AgentTotals& a = agents[{p.info.ns.tenant, p.info.ns.agent}];
    const bool decayed = p.info.tier == Tier::kDecayed;
    a.seconds += p.seconds;
    if (!p.error.empty()) {
      if (!decayed) ++a.unreadable;
      continue;
    }
    ++(decayed ? a.decayed_pages : a.legible_pages);
    (decayed ? a.decayed : a.legible) += p.cer;
  }
  return agents;
}

nlohmann::ordered_json CerJson(const ocr::CerCount& c) {
  nlohmann::ordered_json j;
  j["cer"] = c.rate();
  j["edits"] = c.edits;
  j["reference_chars"] = c.reference_chars;
  j["ocr_chars"] = c.ocr_chars;
  j["unscored_chars"] = c.unscored;
  return j;
}

nlohmann::ordered_json PageJson(const OcrPageResult& p, double max_cer) {
  nlohmann::ordered_json j;
  j["page"] = std::to_string(p.info.page_id);
  j["tenant"] = p.info.ns.tenant;
  j["agent"] = p.info.ns.agent;
  j["tier"] = TierName(p.info.tier);
  j["profile"] = p.info.profile;
  j["size"] = {p.info.width, p.info.height};
  if (!p.error.empty()) {
    j["error"] = p.error;
  } else {
    j.update(CerJson(p.cer));
    j["above_max_cer"] =
        p.info.tier != Tier::kDecayed && p.cer.rate() > max_cer;
  }
  j["seconds"] = p.seconds;
  return j;
}

std::string Percent(double rate) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", 100 * rate);
  return buf;
}

std::string CerText(const ocr::CerCount& c) {
  return "CER " + Percent(c.rate()) + " (" + std::to_string(c.edits) +
         " edits / " + std::to_string(c.reference_chars) + " chars)";
}

void PrintPage(const OcrPageResult& p, double max_cer) {
  const bool decayed = p.info.tier == Tier::kDecayed;
  std::string what =
      p.error.empty() ? CerText(p.cer) : "unreadable: " + p.error;
  if (decayed)
    what += " [decayed: blurred on purpose, not counted]";
  else if (p.error.empty() && p.cer.rate() > max_cer)
    what += " [above --max-cer]";
  std::printf("page %llu %s/%s %s %s %dx%d: %s, %.2f s\n",
              static_cast<unsigned long long>(p.info.page_id),
              p.info.ns.tenant.c_str(), p.info.ns.agent.c_str(),
              TierName(p.info.tier), p.info.profile.c_str(), p.info.width,
              p.info.height, what.c_str(), p.seconds);
}

void PrintAgent(const AgentKey& key, const AgentTotals& a) {
  std::string line = "agent " + key.first + "/" + key.second + ":";
  if (a.legible_pages + a.unreadable > 0) {
    line += " " + std::to_string(a.legible_pages) + " legible pages, " +
            CerText(a.legible);
  }
  if (a.unreadable) line += ", " + std::to_string(a.unreadable) + " unreadable";
  if (a.decayed_pages) {
    line += std::string(a.legible_pages + a.unreadable ? ";" : "") + " " +
            std::to_string(a.decayed_pages) + " decayed pages, " +
            CerText(a.decayed);
  }
  std::printf("%s\n", line.c_str());
}

uint64_t LegibleRead(const OcrAuditReport& r) {
  uint64_t n = 0;
  for (const auto& p : r.pages) n += p.info.tier != Tier::kDecayed;
  return n;
}

}  // namespace

nlohmann::ordered_json OcrAuditJson(const OcrAuditReport& report,
                                    const OcrAuditArgs& args) {
  nlohmann::ordered_json j;
  j["ok"] = OcrAuditPassed(report, args);
  j["tesseract"] = report.tesseract_version;
  if (args.psm == 0) {
    j["psm"] = "auto";
  } else {
    j["psm"] = args.psm;
  }
  j["upscale"] = args.upscale;
  j["max_cer"] = args.max_cer;
  j["sample"] = args.sample;
  j["cer_definition"] =
      "Levenshtein over code points / reference code points; reference = the "
      "page manifest's laid-out text; whitespace runs folded, curly quotes, "
      "dashes, hyphens and ligatures folded to ASCII; reference characters "
      "the OCR model cannot output (e.g. the backtick for eng) unscored "
      "(unscored_chars); a page in columns read column by column (psm 6 "
      "each) unless --psm is given";
  j["legible"] = CerJson(report.legible);
  j["legible"]["pages"] = report.legible_pages;
  j["legible"]["pages_read"] = LegibleRead(report);
  j["legible"]["unreadable"] = report.unreadable;
  j["decayed"] = CerJson(report.decayed);
  j["decayed"]["pages"] = report.decayed_pages;
  j["decayed"]["pages_read"] = report.pages.size() - LegibleRead(report);
  j["decayed"]["note"] = kDecayedNote;
  j["seconds"] = report.seconds;
  j["seconds_per_page"] =
      report.pages.empty() ? 0.0 : report.seconds / report.pages.size();
  j["agents"] = nlohmann::ordered_json::array();
  for (const auto& [key, a] : PerAgent(report)) {
    nlohmann::ordered_json agent;
    agent["tenant"] = key.first;
    agent["agent"] = key.second;
    agent["legible"] = CerJson(a.legible);
    agent["legible"]["pages"] = a.legible_pages;
    agent["legible"]["unreadable"] = a.unreadable;
    agent["decayed"] = CerJson(a.decayed);
    agent["decayed"]["pages"] = a.decayed_pages;
    j["agents"].push_back(std::move(agent));
  }
  j["pages"] = nlohmann::ordered_json::array();
  for (const auto& p : report.pages)
    j["pages"].push_back(PageJson(p, args.max_cer));
  return j;
}

void PrintOcrAudit(const OcrAuditReport& report, const OcrAuditArgs& args) {
  for (const auto& p : report.pages) PrintPage(p, args.max_cer);
  for (const auto& [key, a] : PerAgent(report)) PrintAgent(key, a);
  const double per_page =
      report.pages.empty() ? 0 : report.seconds / report.pages.size();
  std::printf(
      "ocr (tesseract %s, psm %s, upscale %dx): %llu of %llu legible pages "
      "read, "
      "%s, max-cer %s: %s; %.2f s per page\n",
      report.tesseract_version.c_str(),
      args.psm == 0 ? "auto" : std::to_string(args.psm).c_str(), args.upscale,
      static_cast<unsigned long long>(LegibleRead(report)),
      static_cast<unsigned long long>(report.legible_pages),
      CerText(report.legible).c_str(), Percent(args.max_cer).c_str(),
      OcrAuditPassed(report, args) ? "ok" : "FAILED", per_page);
  if (report.decayed_pages > 0) {
    std::printf("ocr: %llu of %llu decayed pages read, %s; %s\n",
                static_cast<unsigned long long>(report.pages.size() -
                                                LegibleRead(report)),
                static_cast<unsigned long long>(report.decayed_pages),
                CerText(report.decayed).c_str(), kDecayedNote);
  }
}

std::string OcrAuditFailure(const std::string& db, const OcrAuditReport& report,
                            const OcrAuditArgs& args) {
  std::string pages;
  int listed = 0;
  for (const auto& p : report.pages) {
    if (p.info.tier == Tier::kDecayed) continue;
    const bool bad = !p.error.empty() || p.cer.rate() > args.max_cer;
    if (!bad || ++listed > 5) continue;
    pages +=
        (pages.empty() ? "" : ", ") + std::string("page ") +
        std::to_string(p.info.page_id) + " (" +
        (p.error.empty() ? Percent(p.cer.rate()) : std::string("unreadable")) +
        ")";
  }
  if (listed > 5) pages += ", ...";
  return "store " + db + ": OCR of legible pages reads at " +
         CerText(report.legible) +
         (report.unreadable
              ? ", " + std::to_string(report.unreadable) + " unreadable"
              : "") +
         ", above --max-cer " + Percent(args.max_cer) +
         (pages.empty() ? "" : ": " + pages);
}

}  // namespace mnemo::cli
