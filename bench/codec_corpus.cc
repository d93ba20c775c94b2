// Copyright (c) mnemo authors.

#include "codec_corpus.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "mnemo/record.h"
#include "workload/locomo.h"

#ifndef MNEMO_CODEC_SOURCE_DIR
#define MNEMO_CODEC_SOURCE_DIR "."
#endif

namespace mnemo::bench {
namespace {

namespace fs = std::filesystem;

// "YYYY-MM-DDTHH:MM:SSZ" -> microseconds since the epoch; false when not.
bool ParseUtc(const std::string& s, int64_t* us) {
  struct tm tm = {};
  char z = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z) != 7 ||
      z != 'Z') {
    return false;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  *us = static_cast<int64_t>(timegm(&tm)) * 1000000;
  return true;
}

Status LoadJsonl(const fs::path& file, CorpusClass* c) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::IOError("cannot read " + file.string());
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    const std::string where = file.string() + ":" + std::to_string(n);
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains("body") || !j["body"].is_string()) {
      return Status::InvalidArgument(where + ": not a record with a string \"body\"");
    }
    codec::PageItem item;
    item.id = c->items.size() + 1;
    item.body = j["body"].get<std::string>();
    if (j.contains("speaker") && j["speaker"].is_string()) {
      item.speaker = j["speaker"].get<std::string>();
    }
    if (j.contains("time") && (!j["time"].is_string() ||
                               !ParseUtc(j["time"].get<std::string>(), &item.time_us))) {
      return Status::InvalidArgument(where + ": \"time\" is not YYYY-MM-DDTHH:MM:SSZ");
    }
    c->records |= item.time_us != 0 || !item.speaker.empty();
    c->items.push_back(std::move(item));
  }
  c->source = file.string();
  return Status::OK();
}

// LoCoMo turns as records: speaker = the turn's speaker, time = its
// session's date plus the loader's per-turn spacing.
Status LoadLocomoClass(const fs::path& source_json, CorpusClass* c) {
  std::ifstream in(source_json);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_object() || !j.contains("path") || !j["path"].is_string()) {
    return Status::InvalidArgument(source_json.string() + ": no \"path\" string");
  }
  const std::string path = j["path"].get<std::string>();
  std::vector<Record> records;
  workload::LocomoSummary summary;
  MNEMO_RETURN_IF_ERROR(workload::LoadLocomo(path, {}, &records, &summary));
  for (const Record& r : records) {
    codec::PageItem item;
    item.id = c->items.size() + 1;
    item.body = r.text;
    item.speaker = r.role;
    item.time_us = r.event_time;
    c->items.push_back(std::move(item));
  }
  c->records = true;
  c->source = path;
  return Status::OK();
}

}  // namespace

const std::vector<std::string>& KnownCorpusClasses() {
  static const std::vector<std::string> k = {"prose", "markdown", "changelog",
                                             "man",   "json",     "logs",
                                             "commits", "chat",   "locomo"};
  return k;
}

std::string DefaultCorpusDir() { return MNEMO_CODEC_SOURCE_DIR "/build/corpus"; }

Status LoadCorpus(const std::string& dir, std::vector<CorpusClass>* classes) {
  if (!fs::exists(fs::path(dir) / "manifest.json")) {
    return Status::NotFound(dir + "/manifest.json: no corpus (run tools/corpus/gather.py)");
  }
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (e.is_directory() && n[0] != '.') names.push_back(n);
  }
  const auto& known = KnownCorpusClasses();
  auto rank = [&](const std::string& n) {
    return std::find(known.begin(), known.end(), n) - known.begin();
  };
  std::sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
    return std::make_pair(rank(a), a) < std::make_pair(rank(b), b);
  });
  std::vector<CorpusClass> out;
  for (const std::string& n : names) {
    CorpusClass c;
    c.name = n;
    const fs::path d = fs::path(dir) / n;
    if (fs::exists(d / "items.jsonl")) {
      MNEMO_RETURN_IF_ERROR(LoadJsonl(d / "items.jsonl", &c));
    } else if (fs::exists(d / "source.json")) {
      MNEMO_RETURN_IF_ERROR(LoadLocomoClass(d / "source.json", &c));
    } else {
      continue;
    }
    if (!c.items.empty()) out.push_back(std::move(c));
  }
  *classes = std::move(out);
  return Status::OK();
}

std::string RecordText(const codec::PageItem& item) {
  std::string prefix;
  if (item.time_us != 0) {
    time_t secs = static_cast<time_t>(item.time_us / 1000000);
    struct tm tm_utc;
    gmtime_r(&secs, &tm_utc);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M ", &tm_utc);
    prefix = buf;
  }
  if (!item.speaker.empty()) prefix += item.speaker + ": ";
  return codec::ItemSource(item).insert(0, prefix);
}

std::vector<codec::PageItem> RenderItems(const CorpusClass& c, bool structured) {
  std::vector<codec::PageItem> items = c.items;
  if (structured) return items;
  for (codec::PageItem& i : items) {
    i.body = RecordText(i);
    i.header.clear();
    i.time_us = 0;
    i.speaker.clear();
  }
  return items;
}

}  // namespace mnemo::bench
