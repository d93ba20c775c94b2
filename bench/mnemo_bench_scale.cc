// Copyright (c) mnemo authors.
//
// mnemo-bench --scale N: how the store's costs grow with its size, as an
// agent host sees them. N synthetic agent records (the deterministic
// conversation of tools/workload, ~200 agents at 1M, interleaved across
// agents as concurrent agents write) go in with PutBatch of 1,000 and the
// full-text index on; the run prints
//   - the ingest rate of every 10% slice (the last over the first: how
//     much slower a full store ingests),
//   - disk bytes per text byte, SST and write-ahead-log files separately,
//   - the first search right after the bulk ingest (one agent, its
//     unindexed backlog included) and the backlog left after it, search
//     p50/p99 afterwards,
//   - the time to open the store read-only beside the writer (it replays
//     the write-ahead logs the writer still holds) and the writer's close
//     (which indexes what is left),
//   - a backup of the store, restored with its search index and without
//     it: each restored store's writer open, first search, the backlog
//     after it, and its close (which indexes what the indexer had not).
// Every figure also goes to --json FILE under "scale".

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "mnemo/admin.h"
#include "mnemo/search.h"
#include "mnemo/store.h"
#include "mnemo_bench_util.h"
#include "workload/synthetic.h"

namespace mnemo::bench {
namespace {

constexpr size_t kBatch = 1000;
constexpr int kSlices = 10;
constexpr int kSearches = 200;

// ~5,000 records an agent, interleaved round-robin over the agents so the
// newest records span every agent. A synthetic turn is ~9 words; each
// record joins four consecutive turns of a session (~35 words, the size of
// an agent host's memory records).
constexpr size_t kTurnsPerRecord = 4;

std::vector<Record> ScaleRecords(size_t n, size_t* agents_out) {
  workload::SyntheticOptions o;
  o.exchanges_per_session = 20;
  const size_t per_agent = 5000;
  const size_t agents = std::max<size_t>(2, (n + per_agent - 1) / per_agent);
  const size_t turns = (n / agents + 1) * kTurnsPerRecord;
  o.sessions_per_agent = static_cast<int>(turns / 101 + 2);
  o.agents.clear();
  for (size_t a = 0; a < agents; ++a) {
    o.agents.push_back((a % 2 ? "researcher_" : "coder_") + std::to_string(a));
  }
  std::vector<Record> all = workload::GenerateConversation(o);
  std::vector<std::vector<Record>> by_agent(agents);
  for (Record& r : all) {
    size_t a = std::stoul(r.ns.agent.substr(r.ns.agent.find('_') + 1));
    std::vector<Record>& v = by_agent[a];
    if (!v.empty() && v.back().ns.session == r.ns.session &&
        !v.back().metadata.Contains("turns")) {
      Record& last = v.back();
      last.text += "\n" + r.text;
      if (std::count(last.text.begin(), last.text.end(), '\n') + 1 >=
          static_cast<long>(kTurnsPerRecord)) {
        last.metadata.Set("turns", std::to_string(kTurnsPerRecord));
      }
      continue;
    }
    v.push_back(std::move(r));
  }
  std::vector<Record> out;
  out.reserve(n);
  for (size_t i = 0; out.size() < n; ++i) {
    bool any = false;
    for (auto& v : by_agent) {
      if (i < v.size() && out.size() < n)
        out.push_back(std::move(v[i])), any = true;
    }
    if (!any) break;
  }
  *agents_out = agents;
  return out;
}

struct DiskBytes {
  uint64_t sst = 0, wal = 0, other = 0;
  size_t wal_files = 0;
};

// The store's files and its search index's (the `search` directory).
DiskBytes MeasureDisk(const std::string& dir) {
  DiskBytes d;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (!e.is_regular_file(ec)) continue;
    uint64_t size = e.file_size(ec);
    std::string ext = e.path().extension().string();
    if (ext == ".sst") {
      d.sst += size;
    } else if (ext == ".log") {
      d.wal += size, ++d.wal_files;
    } else {
      d.other += size;
    }
  }
  return d;
}

uint64_t Backlog(Store* store) {
  StoreStats stats;
  return mnemo::GetStats(store, &stats).ok() ? stats.search_backlog : 0;
}

// A two-word query from a record of the agent (deterministic).
SearchOptions QueryFor(const Record& r) {
  SearchOptions o;
  o.filter.tenant = r.ns.tenant;
  o.filter.agent = r.ns.agent;
  std::istringstream words(r.text);
  std::vector<std::string> w;
  for (std::string s; words >> s;) {
    if (s.size() > 4) w.push_back(s);
  }
  if (w.size() >= 2) {
    o.query = w[w.size() / 3] + " " + w[2 * w.size() / 3];
  } else {
    o.query = r.text;
  }
  o.k = 10;
  return o;
}

bool Ingest(Store* store, const std::vector<Record>& records,
            nlohmann::json* j) {
  const size_t n = records.size();
  const size_t slice = std::max<size_t>(kBatch, n / kSlices);
  std::vector<Record> batch;
  double t0 = NowSeconds(), slice_start = t0;
  size_t slice_first = 0;
  std::printf("%-10s %12s %10s %10s\n", "records", "rec/s", "sst MB", "wal MB");
  for (size_t i = 0; i < n; i += kBatch) {
    batch.assign(records.begin() + i,
                 records.begin() + std::min(n, i + kBatch));
    Status s = store->PutBatch(WriteOptions(), batch, nullptr);
    if (!s.ok()) {
      std::fprintf(stderr, "mnemo-bench: scale: %s\n", s.ToString().c_str());
      return false;
    }
    size_t done = std::min(n, i + kBatch);
    if (done - slice_first >= slice || done == n) {
      double now = NowSeconds();
      double rate = (done - slice_first) / (now - slice_start);
      DiskBytes d = MeasureDisk(store->dir());
      std::printf("%-10zu %12.0f %10.1f %10.1f\n", done, rate, d.sst / 1e6,
                  d.wal / 1e6);
      std::fflush(stdout);  // a long run shows its progress
      (*j)["slices"].push_back({{"records", done},
                                {"records_per_s", rate},
                                {"sst_bytes", d.sst},
                                {"wal_bytes", d.wal}});
      slice_first = done;
      slice_start = now;
    }
  }
  double total = NowSeconds() - t0;
  (*j)["ingest_seconds"] = total;
  (*j)["ingest_records_per_s"] = n / total;
  const auto& s = (*j)["slices"];
  double first = s.front()["records_per_s"], last = s.back()["records_per_s"];
  (*j)["ingest_last_over_first"] = first > 0 ? last / first : 0;
  return true;
}

bool Searches(Store* store, const std::vector<Record>& records,
              nlohmann::json* j) {
  SearchResult result;
  // The first search: the agent of the last record, whose newest records
  // are the least likely to be indexed yet. (The backlog is read after it:
  // GetStats reads every record, and the indexer would drain meanwhile.)
  double t0 = NowSeconds();
  Status s = store->Search(QueryFor(records.back()), &result);
  double first = NowSeconds() - t0;
  if (!s.ok()) {
    std::fprintf(stderr, "mnemo-bench: scale search: %s\n",
                 s.ToString().c_str());
    return false;
  }
  (*j)["first_search_ms"] = first * 1e3;
  (*j)["first_search_hits"] = result.hits.size();
  (*j)["backlog_after_first_search"] = Backlog(store);
  LatencySamples samples;
  const size_t step = std::max<size_t>(1, records.size() / kSearches);
  for (size_t i = 0; i < records.size(); i += step) {
    double t = NowSeconds();
    if (!store->Search(QueryFor(records[i]), &result).ok()) return false;
    samples.Add(NowSeconds() - t);
  }
  OpStats stats;
  samples.Summarize(&stats);
  (*j)["search_p50_ms"] = stats.p50_us / 1e3;
  (*j)["search_p99_ms"] = stats.p99_us / 1e3;
  return true;
}

// Restores `backup_dir` into `dir`, opens it as a writer (its indexer on),
// runs the first search of Searches and closes it: the close indexes what
// the indexer had not reached.
bool RestoreAndSearch(const std::string& backup_dir, const std::string& dir,
                      const Record& last, nlohmann::json* j) {
  double t0 = NowSeconds();
  Status s = mnemo::RestoreBackup(backup_dir, dir);
  (*j)["restore_seconds"] = NowSeconds() - t0;
  std::unique_ptr<Store> store;
  t0 = NowSeconds();
  if (s.ok()) s = Store::Open(Options(), dir, &store);
  (*j)["open_ms"] = (NowSeconds() - t0) * 1e3;
  SearchResult result;
  t0 = NowSeconds();
  if (s.ok()) s = store->Search(QueryFor(last), &result);
  (*j)["first_search_ms"] = (NowSeconds() - t0) * 1e3;
  if (!s.ok()) {
    std::fprintf(stderr, "mnemo-bench: scale restore: %s\n",
                 s.ToString().c_str());
    return false;
  }
  (*j)["backlog_after_first_search"] = Backlog(store.get());
  t0 = NowSeconds();
  store.reset();
  (*j)["close_seconds"] = NowSeconds() - t0;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return true;
}

// A backup of the ingested store, restored twice: as it is (records and
// index), and without its index (its `search` part removed, as in a backup
// made before the index had an instance of its own).
bool Restores(Store* store, const std::string& work_dir, const Record& last,
              nlohmann::json* j) {
  const std::string backups = work_dir + "/scale-backup";
  std::error_code ec;
  std::filesystem::remove_all(backups, ec);
  BackupInfo info;
  double t0 = NowSeconds();
  Status s = mnemo::Backup(store, backups, &info);
  (*j)["backup_seconds"] = NowSeconds() - t0;
  if (!s.ok()) {
    std::fprintf(stderr, "mnemo-bench: scale backup: %s\n",
                 s.ToString().c_str());
    return false;
  }
  (*j)["backup_bytes"] = info.size_bytes;
  (*j)["backup_index_bytes"] = info.index_bytes;
  const std::string restored = work_dir + "/scale-restored";
  bool ok = RestoreAndSearch(backups, restored, last, &(*j)["with_index"]);
  std::filesystem::remove_all(backups + "/search", ec);
  ok = ok && RestoreAndSearch(backups, restored, last, &(*j)["without_index"]);
  std::filesystem::remove_all(backups, ec);
  return ok;
}

void SummarizeRestores(const nlohmann::json& r) {
  for (const char* kind : {"with_index", "without_index"}) {
    const nlohmann::json& k = r[kind];
    std::printf(
        "restored %-13s restore %.2f s, writer open %.1f ms, first search "
        "%.1f ms (%d records unindexed after it), close %.2f s\n",
        kind, k["restore_seconds"].get<double>(), k["open_ms"].get<double>(),
        k["first_search_ms"].get<double>(),
        k["backlog_after_first_search"].get<int>(),
        k["close_seconds"].get<double>());
  }
}

void Summarize(const nlohmann::json& j, uint64_t text_bytes) {
  double sst = j["disk"]["sst_bytes"], wal = j["disk"]["wal_bytes"];
  std::printf(
      "\ningest %.0f rec/s overall; last slice / first slice %.2fx\n"
      "disk: sst %.1f MB (%.2f B/text B), wal %.1f MB in %d files (%.2f "
      "B/text B), total/sst %.2fx\n"
      "first search after ingest %.1f ms (%d records still unindexed after "
      "it), search p50 %.2f ms p99 %.2f ms\n"
      "read-only open beside the writer %.1f ms; the writer's close (indexes "
      "what is left, flushes) %.1f s\n",
      j["ingest_records_per_s"].get<double>(),
      j["ingest_last_over_first"].get<double>(), sst / 1e6, sst / text_bytes,
      wal / 1e6, j["disk"]["wal_files"].get<int>(), wal / text_bytes,
      sst > 0 ? (sst + wal + j["disk"]["other_bytes"].get<double>()) / sst : 0,
      j["first_search_ms"].get<double>(),
      j["backlog_after_first_search"].get<int>(),
      j["search_p50_ms"].get<double>(), j["search_p99_ms"].get<double>(),
      j["read_only_open_ms"].get<double>(), j["close_seconds"].get<double>());
  const nlohmann::json& r = j["restore"];
  std::printf("backup %.2f s, %.1f MB (search index %.1f MB)\n",
              r["backup_seconds"].get<double>(),
              r["backup_bytes"].get<double>() / 1e6,
              r["backup_index_bytes"].get<double>() / 1e6);
  SummarizeRestores(r);
}

}  // namespace

int RunScale(size_t n, const std::string& work_dir,
             const std::string& json_path) {
  size_t agents = 0;
  std::vector<Record> records = ScaleRecords(n, &agents);
  uint64_t text_bytes = 0, words = 0;
  for (const Record& r : records) {
    text_bytes += r.text.size();
    std::istringstream in(r.text);
    for (std::string w; in >> w;) ++words;
  }
  nlohmann::json j;
  j["records"] = records.size();
  j["agents"] = agents;
  j["text_bytes"] = text_bytes;
  j["words_per_record"] =
      records.empty() ? 0.0 : double(words) / records.size();
  j["batch"] = kBatch;
  std::printf(
      "scale: %zu records, %zu agents, %.1f words/record, PutBatch of %zu\n",
      records.size(), agents, j["words_per_record"].get<double>(), kBatch);
  const std::string dir = work_dir + "/scale";
  std::unique_ptr<Store> store;
  Status s = Store::Open(Options(), dir, &store);
  if (!s.ok()) {
    std::fprintf(stderr, "mnemo-bench: scale: %s\n", s.ToString().c_str());
    return 1;
  }
  if (!Ingest(store.get(), records, &j)) return 1;
  DiskBytes d = MeasureDisk(dir);
  j["disk"] = {{"sst_bytes", d.sst},
               {"wal_bytes", d.wal},
               {"wal_files", d.wal_files},
               {"other_bytes", d.other},
               {"sst_per_text_byte", double(d.sst) / text_bytes},
               {"wal_per_text_byte", double(d.wal) / text_bytes}};
  if (!Searches(store.get(), records, &j)) return 1;
  Options ro;
  ro.read_only = true;
  double t0 = NowSeconds();
  std::unique_ptr<Store> reader;
  s = Store::Open(ro, dir, &reader);
  j["read_only_open_ms"] = (NowSeconds() - t0) * 1e3;
  if (!s.ok()) {
    std::fprintf(stderr, "mnemo-bench: scale read-only open: %s\n",
                 s.ToString().c_str());
    return 1;
  }
  reader.reset();
  if (!Restores(store.get(), work_dir, records.back(), &j["restore"])) {
    return 1;
  }
  t0 = NowSeconds();
  store.reset();
  j["close_seconds"] = NowSeconds() - t0;
  Summarize(j, text_bytes);
  if (!json_path.empty()) {
    nlohmann::json out;
    out["scale"] = j;
    std::ofstream f(json_path);
    f << out.dump(2) << "\n";
    if (!f) {
      std::fprintf(stderr, "mnemo-bench: could not write %s\n",
                   json_path.c_str());
      return 1;
    }
  }
  return 0;
}

}  // namespace mnemo::bench
