// Copyright (c) mnemo authors.

#include "search_eval.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "mnemo/json_limits.h"
#include "mnemo/quote.h"
#include "mnemo/search.h"
#include "mnemo/store.h"
#include "search_eval_internal.h"
#include "workload/locomo.h"

namespace mnemo::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Evidence entries are "D1:3", sometimes several in one string or with a
// stray colon ("D:11:26"); every D<session>:<turn> found counts.
std::set<std::string> ParseEvidence(const nlohmann::json& list) {
  static const std::regex kDiaId(R"(D:?(\d+):(\d+))");
  std::set<std::string> out;
  for (const auto& item : list) {
    if (!item.is_string()) continue;
    std::string s = item.get<std::string>();
    for (std::sregex_iterator it(s.begin(), s.end(), kDiaId), end; it != end;
         ++it) {
      out.insert("D" + (*it)[1].str() + ":" + (*it)[2].str());
    }
  }
  return out;
}

// Adds one question's recall at every k under every definition.
void Tally(const std::vector<std::string>& ranked,
           const std::set<std::string>& evidence, RecallTally* tally) {
  for (size_t ki = 0; ki < 3; ++ki) {
    size_t found = 0;
    for (size_t i = 0; i < ranked.size() && i < kRecallKs[ki]; ++i) {
      found += evidence.count(ranked[i]);
    }
    tally->sum[kRecallFraction][ki] +=
        static_cast<double>(found) / evidence.size();
    tally->sum[kRecallAny][ki] += found > 0;
    tally->sum[kRecallAll][ki] += found == evidence.size();
  }
  ++tally->questions;
}

// mnemo's search under one configuration. The first engine opens and
// loads the store; variants share it (Load is then a no-op).
class MnemoEngine final : public Engine {
 public:
  MnemoEngine(std::string dir, MnemoVariant variant)
      : dir_(std::move(dir)), variant_(std::move(variant)) {}
  MnemoEngine(MnemoEngine* owner, MnemoVariant variant)
      : owner_(owner), variant_(std::move(variant)) {}
  Status Load(const std::vector<Record>& records) override {
    if (owner_ != nullptr) return Status::OK();
    MNEMO_RETURN_IF_ERROR(Store::Open(Options(), dir_, &store_));
    for (size_t i = 0; i < records.size(); i += 256) {
      std::vector<Record> batch(
          records.begin() + i,
          records.begin() + std::min(records.size(), i + 256));
      MNEMO_RETURN_IF_ERROR(store_->PutBatch(WriteOptions(), batch, nullptr));
    }
    return Status::OK();
  }
  Status Query(const Question& q, size_t k,
               std::vector<std::string>* dia_ids) override {
    SearchOptions o;
    o.filter.tenant = "locomo";
    o.filter.agent = q.agent;
    o.query = q.text;
    o.k = k;
    o.snippet_bytes = 0;
    o.ranking = variant_.ranking;
    o.bm25 = variant_.bm25;
    SearchResult result;
    Store* store = owner_ != nullptr ? owner_->store_.get() : store_.get();
    MNEMO_RETURN_IF_ERROR(store->Search(o, &result));
    dia_ids->clear();
    for (const auto& hit : result.hits) {
      dia_ids->emplace_back(hit.record.metadata.Get("dia_id").value_or(""));
    }
    return Status::OK();
  }

 private:
  std::string dir_;
  MnemoEngine* owner_ = nullptr;
  MnemoVariant variant_;
  std::unique_ptr<Store> store_;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

Status Measure(Engine* engine, const std::string& name,
               const std::vector<Record>& records,
               const std::vector<Question>& questions, int passes,
               SearchEvalRow* row) {
  row->engine = name;
  auto start = Clock::now();
  MNEMO_RETURN_IF_ERROR(engine->Load(records));
  row->ingest_s = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<std::string> ranked;
  for (const Question& q : questions) {
    MNEMO_RETURN_IF_ERROR(engine->Query(q, kRecallKs[2], &ranked));
    for (int split : {0, q.conversation < 5 ? 1 : 2}) {
      Tally(ranked, q.evidence, &row->tally[split][0]);
      Tally(ranked, q.evidence, &row->tally[split][q.category]);
    }
  }
  row->recall_at_5 = row->tally[0][0].Mean(kRecallFraction, 0);
  row->recall_at_10 = row->tally[0][0].Mean(kRecallFraction, 1);
  std::vector<double> latencies;
  for (int pass = 0; pass < passes; ++pass) {
    for (const Question& q : questions) {
      auto t0 = Clock::now();
      MNEMO_RETURN_IF_ERROR(engine->Query(q, 10, &ranked));
      latencies.push_back(
          std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
  }
  row->p50_us = Percentile(latencies, 0.50);
  row->p99_us = Percentile(latencies, 0.99);
  return Status::OK();
}

}  // namespace

// The QA items of a LoCoMo file (LoadLocomo has read its conversations).
// Items that are not objects or lack a string question are skipped.
Status LoadQuestions(const std::string& path, std::vector<Question>* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + QuoteForMessage(path));
  std::ostringstream text;
  text << in.rdbuf();
  MNEMO_RETURN_IF_ERROR(CheckJsonDepth(text.str()).WithContext(QuoteForMessage(path)));
  nlohmann::json doc = nlohmann::json::parse(text.str(), nullptr, false);
  if (doc.is_discarded() || !doc.is_array()) {
    return Status::InvalidArgument(QuoteForMessage(path) + " is not a LoCoMo JSON array");
  }
  for (size_t conv = 0; conv < doc.size(); ++conv) {
    const auto& sample = doc[conv];
    if (!sample.is_object() || !sample.contains("qa") || !sample["qa"].is_array()) continue;
    auto id = sample.find("sample_id");
    std::string agent = id != sample.end() && id->is_string() ? id->get<std::string>() : "";
    for (const auto& qa : sample["qa"]) {
      if (!qa.is_object() || !qa.contains("question") || !qa["question"].is_string()) continue;
      auto category = qa.find("category");
      if (category == qa.end() || !category->is_number_integer()) continue;
      int c = category->get<int>();
      if (c < 1 || c > 4) continue;
      auto evidence = qa.find("evidence");
      Question q{agent, qa["question"].get<std::string>(),
                 evidence != qa.end() && evidence->is_array() ? ParseEvidence(*evidence)
                                                               : std::set<std::string>(),
                 c, conv};
      if (!q.evidence.empty()) out->push_back(std::move(q));
    }
  }
  return Status::OK();
}


Status RunLocomoSearchEval(const std::string& path,
                           const SearchEvalOptions& options,
                           SearchEvalResult* result) {
  *result = SearchEvalResult();
  if (!std::filesystem::exists(path)) return Status::NotFound(path);
  std::vector<Record> records;
  workload::LocomoSummary summary;
  MNEMO_RETURN_IF_ERROR(
      workload::LoadLocomo(path, workload::LocomoOptions(), &records, &summary));
  std::vector<Question> questions;
  MNEMO_RETURN_IF_ERROR(LoadQuestions(path, &questions));
  if (options.quick) {
    std::vector<Question> some;
    for (size_t i = 0; i < questions.size(); i += 8) some.push_back(questions[i]);
    questions.swap(some);
  }
  int passes = options.quick ? 1 : std::max(1, options.passes);
  result->records = records.size();
  result->questions = questions.size();
  namespace fs = std::filesystem;
  fs::path dir = options.work_dir.empty()
                     ? fs::temp_directory_path() /
                           ("mnemo-search-eval-" + std::to_string(getpid()))
                     : fs::path(options.work_dir);
  fs::create_directories(dir);
  auto cleanup = [&dir] {
    for (const char* name : {"mnemo", "fts5.db", "fts5_porter.db"}) {
      fs::remove_all(dir / name);
    }
  };
  cleanup();
  Status s;
  {
    MnemoVariant plain;
    plain.name = "mnemo bm25 only";
    plain.ranking.rerank_pool = 0;
    plain.ranking.prf_docs = 0;
    MnemoEngine mnemo((dir / "mnemo").string(), {"mnemo", {}, {}});
    Fts5Engine fts5((dir / "fts5.db").string(), "unicode61");
    Fts5Engine porter((dir / "fts5_porter.db").string(), "porter unicode61");
    std::vector<std::unique_ptr<MnemoEngine>> more;
    std::vector<std::pair<Engine*, std::string>> engines = {
        {&mnemo, "mnemo"},
        {&fts5, "sqlite fts5 (unicode61)"},
        {&porter, "sqlite fts5 (porter)"}};
    std::vector<MnemoVariant> variants = {plain};
    variants.insert(variants.end(), options.variants.begin(),
                    options.variants.end());
    for (const MnemoVariant& v : variants) {
      more.push_back(std::make_unique<MnemoEngine>(&mnemo, v));
      engines.emplace_back(more.back().get(), v.name);
    }
    for (const auto& [engine, name] : engines) {
      SearchEvalRow row;
      s = Measure(engine, name, records, questions, passes, &row);
      if (!s.ok()) break;
      result->rows.push_back(std::move(row));
    }
  }
  cleanup();
  if (options.work_dir.empty()) fs::remove_all(dir);
  return s;
}

Status RunSearchEval(const SearchEvalOptions& options,
                     std::map<std::string, double>* figures) {
  SearchEvalResult result;
  MNEMO_RETURN_IF_ERROR(
      RunLocomoSearchEval(options.locomo_path, options, &result));
  (*figures)["queries"] = static_cast<double>(result.questions);
  (*figures)["records"] = static_cast<double>(result.records);
  const std::map<std::string, std::string> suffixes = {
      {"mnemo", ""},
      {"sqlite fts5 (unicode61)", "_fts5"},
      {"sqlite fts5 (porter)", "_fts5_porter"},
      {"mnemo bm25 only", "_bm25"}};
  for (const SearchEvalRow& row : result.rows) {
    auto it = suffixes.find(row.engine);
    if (it == suffixes.end()) continue;
    const std::string& sfx = it->second;
    (*figures)["recall5" + sfx] = row.recall_at_5;
    (*figures)["recall10" + sfx] = row.recall_at_10;
    (*figures)["recall25" + sfx] = row.tally[0][0].Mean(kRecallFraction, 2);
    for (int c = 1; c <= 4; ++c) {
      (*figures)["recall10_cat" + std::to_string(c) + sfx] =
          row.tally[0][c].Mean(kRecallFraction, 1);
    }
    (*figures)["search_p50_ms" + sfx] = row.p50_us / 1000.0;
    (*figures)["search_p99_ms" + sfx] = row.p99_us / 1000.0;
    (*figures)["ingest_s" + sfx] = row.ingest_s;
  }
  return Status::OK();
}

}  // namespace mnemo::bench
