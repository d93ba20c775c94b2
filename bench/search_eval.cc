// Copyright (c) mnemo authors.

#include "search_eval.h"

#include <sqlite3.h>
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
#include "workload/locomo.h"

namespace mnemo::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Question {
  std::string agent;  // sample_id
  std::string text;
  std::set<std::string> evidence;  // dia_ids
};

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
  for (const auto& sample : doc) {
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
                                                               : std::set<std::string>()};
      if (!q.evidence.empty()) out->push_back(std::move(q));
    }
  }
  return Status::OK();
}

double Recall(const std::vector<std::string>& ranked, size_t k,
              const std::set<std::string>& evidence) {
  size_t found = 0;
  for (size_t i = 0; i < ranked.size() && i < k; ++i) {
    found += evidence.count(ranked[i]);
  }
  return static_cast<double>(found) / evidence.size();
}

// One engine under test: loads the records, answers a question.
class Engine {
 public:
  virtual ~Engine() = default;
  virtual Status Load(const std::vector<Record>& records) = 0;
  virtual Status Query(const Question& q, size_t k,
                       std::vector<std::string>* dia_ids) = 0;
};

class MnemoEngine final : public Engine {
 public:
  explicit MnemoEngine(std::string dir) : dir_(std::move(dir)) {}
  Status Load(const std::vector<Record>& records) override {
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
    SearchResult result;
    MNEMO_RETURN_IF_ERROR(store_->Search(o, &result));
    dia_ids->clear();
    for (const auto& hit : result.hits) {
      auto it = hit.record.metadata.find("dia_id");
      dia_ids->push_back(it == hit.record.metadata.end() ? "" : it->second);
    }
    return Status::OK();
  }

 private:
  std::string dir_;
  std::unique_ptr<Store> store_;
};

// SQLite FTS5, one table per conversation (its best case: no filter).
class Fts5Engine final : public Engine {
 public:
  Fts5Engine(std::string file, std::string tokenizer)
      : file_(std::move(file)), tokenizer_(std::move(tokenizer)) {}
  ~Fts5Engine() override {
    for (auto& [agent, stmt] : queries_) sqlite3_finalize(stmt);
    if (db_) sqlite3_close(db_);
  }
  Status Load(const std::vector<Record>& records) override;
  Status Query(const Question& q, size_t k,
               std::vector<std::string>* dia_ids) override;

 private:
  Status Exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "?";
      sqlite3_free(err);
      return Status::IOError("sqlite: " + msg + " in: " + sql);
    }
    return Status::OK();
  }
  std::string Table(const std::string& agent) {
    auto [it, added] = tables_.emplace(agent, tables_.size());
    return "conv" + std::to_string(it->second);
  }

  std::string file_, tokenizer_;
  sqlite3* db_ = nullptr;
  std::map<std::string, size_t> tables_;
  std::map<std::string, sqlite3_stmt*> queries_;
};

Status Fts5Engine::Load(const std::vector<Record>& records) {
  if (sqlite3_open(file_.c_str(), &db_) != SQLITE_OK) {
    return Status::IOError("cannot open " + file_);
  }
  MNEMO_RETURN_IF_ERROR(Exec("BEGIN"));
  std::map<std::string, sqlite3_stmt*> inserts;
  Status s;
  for (const Record& r : records) {
    sqlite3_stmt*& ins = inserts[r.ns.agent];
    if (ins == nullptr) {
      std::string t = Table(r.ns.agent);
      s = Exec("CREATE VIRTUAL TABLE " + t +
               " USING fts5(text, dia_id UNINDEXED, tokenize='" + tokenizer_ +
               "')");
      if (!s.ok()) break;
      sqlite3_prepare_v2(db_, ("INSERT INTO " + t + " VALUES(?1, ?2)").c_str(),
                         -1, &ins, nullptr);
    }
    auto it = r.metadata.find("dia_id");
    std::string dia = it == r.metadata.end() ? "" : it->second;
    sqlite3_bind_text(ins, 1, r.text.data(), static_cast<int>(r.text.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 2, dia.data(), static_cast<int>(dia.size()),
                      SQLITE_TRANSIENT);
    if (sqlite3_step(ins) != SQLITE_DONE) s = Status::IOError("sqlite insert");
    sqlite3_reset(ins);
    if (!s.ok()) break;
  }
  for (auto& [agent, stmt] : inserts) sqlite3_finalize(stmt);
  MNEMO_RETURN_IF_ERROR(s);
  return Exec("COMMIT");
}

// The question's words, quoted and OR-ed: "when" OR "did" OR ...
std::string Fts5Query(const std::string& question) {
  std::string out, word;
  auto flush = [&] {
    if (word.empty()) return;
    if (!out.empty()) out += " OR ";
    out += "\"" + word + "\"";
    word.clear();
  };
  for (char c : question) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || u >= 0x80) word.push_back(c);
    else flush();
  }
  flush();
  return out;
}

Status Fts5Engine::Query(const Question& q, size_t k,
                         std::vector<std::string>* dia_ids) {
  dia_ids->clear();
  sqlite3_stmt*& stmt = queries_[q.agent];
  if (stmt == nullptr) {
    std::string sql = "SELECT dia_id FROM " + Table(q.agent) + " WHERE " +
                      Table(q.agent) + " MATCH ?1 ORDER BY bm25(" +
                      Table(q.agent) + ") LIMIT ?2";
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      return Status::IOError(std::string("sqlite prepare: ") +
                             sqlite3_errmsg(db_));
    }
  }
  std::string match = Fts5Query(q.text);
  if (match.empty()) return Status::OK();
  sqlite3_bind_text(stmt, 1, match.data(), static_cast<int>(match.size()),
                    SQLITE_TRANSIENT);
  sqlite3_bind_int(stmt, 2, static_cast<int>(k));
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    dia_ids->emplace_back(
        reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
  }
  sqlite3_reset(stmt);
  if (rc != SQLITE_DONE) {
    return Status::IOError(std::string("sqlite query: ") + sqlite3_errmsg(db_));
  }
  return Status::OK();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

Status Measure(Engine* engine, const std::string& name,
               const std::vector<Record>& records,
               const std::vector<Question>& questions, size_t k, int passes,
               SearchEvalRow* row) {
  row->engine = name;
  auto start = Clock::now();
  MNEMO_RETURN_IF_ERROR(engine->Load(records));
  row->ingest_s = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> latencies;
  std::vector<std::string> ranked;
  for (int pass = 0; pass < passes; ++pass) {
    for (const Question& q : questions) {
      auto t0 = Clock::now();
      MNEMO_RETURN_IF_ERROR(engine->Query(q, k, &ranked));
      latencies.push_back(
          std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      if (pass != 0) continue;
      row->recall_at_5 += Recall(ranked, 5, q.evidence) / questions.size();
      row->recall_at_10 += Recall(ranked, 10, q.evidence) / questions.size();
    }
  }
  row->p50_us = Percentile(latencies, 0.50);
  row->p99_us = Percentile(latencies, 0.99);
  return Status::OK();
}

}  // namespace

Status RunLocomoSearchEval(const std::string& path, size_t k,
                           const SearchEvalOptions& options,
                           SearchEvalResult* result) {
  *result = SearchEvalResult();
  if (k < 10) return Status::InvalidArgument("search eval: k must be >= 10");
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
    MnemoEngine mnemo((dir / "mnemo").string());
    Fts5Engine plain((dir / "fts5.db").string(), "unicode61");
    Fts5Engine porter((dir / "fts5_porter.db").string(), "porter unicode61");
    std::pair<Engine*, const char*> engines[] = {
        {&mnemo, "mnemo bm25"},
        {&plain, "sqlite fts5 (unicode61)"},
        {&porter, "sqlite fts5 (porter)"}};
    for (auto [engine, name] : engines) {
      SearchEvalRow row;
      s = Measure(engine, name, records, questions, k, passes, &row);
      if (!s.ok()) break;
      result->rows.push_back(row);
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
      RunLocomoSearchEval(options.locomo_path, 10, options, &result));
  (*figures)["queries"] = static_cast<double>(result.questions);
  (*figures)["records"] = static_cast<double>(result.records);
  const char* suffixes[] = {"", "_fts5", "_fts5_porter"};
  for (size_t i = 0; i < result.rows.size() && i < 3; ++i) {
    const SearchEvalRow& row = result.rows[i];
    std::string sfx = suffixes[i];
    (*figures)["recall5" + sfx] = row.recall_at_5;
    (*figures)["recall10" + sfx] = row.recall_at_10;
    (*figures)["search_p50_ms" + sfx] = row.p50_us / 1000.0;
    (*figures)["search_p99_ms" + sfx] = row.p99_us / 1000.0;
    (*figures)["ingest_s" + sfx] = row.ingest_s;
  }
  return Status::OK();
}

std::string FormatSearchEvalTable(const SearchEvalResult& r) {
  std::string out = "LoCoMo retrieval: " + std::to_string(r.records) +
                    " turns, " + std::to_string(r.questions) +
                    " questions (categories 1-4)\n\n"
                    "| engine | recall@5 | recall@10 | p50 us | p99 us | "
                    "ingest s |\n|---|---|---|---|---|---|\n";
  char line[256];
  for (const auto& row : r.rows) {
    std::snprintf(line, sizeof(line), "| %s | %.3f | %.3f | %.0f | %.0f | %.2f |\n",
                  row.engine.c_str(), row.recall_at_5, row.recall_at_10,
                  row.p50_us, row.p99_us, row.ingest_s);
    out += line;
  }
  return out;
}

}  // namespace mnemo::bench
