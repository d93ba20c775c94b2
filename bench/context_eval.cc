// Copyright (c) mnemo authors.

#include "context_eval.h"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "mnemo/codec/manifest.h"
#include "mnemo/codec/profile.h"
#include "mnemo/json_limits.h"
#include "mnemo/quote.h"
#include "mnemo/search.h"
#include "mnemo/store.h"
#include "search_eval_internal.h"
#include "workload/locomo.h"

namespace mnemo::bench {
namespace {

constexpr Micros k2030 = 1'893'456'000'000'000LL;  // 2030-01-01T00:00:00Z

// "[2023-05-08T13:56:00Z] Caroline: text", as the builder's text parts.
std::string TextLine(const Record& r) {
  std::time_t secs = static_cast<std::time_t>(r.event_time / 1'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return "[" + std::string(buf) + "] " + r.role + ": " + r.text;
}

// A context for one question: the record indexes it delivers legibly.
class ContextEngine {
 public:
  virtual ~ContextEngine() = default;
  virtual Status Deliver(const Question& q, size_t budget, std::set<size_t>* legible,
                         std::vector<size_t>* by_source) = 0;
};

// mnemo's context builder on a compacted store.
class MnemoContexts final : public ContextEngine {
 public:
  Status Open(const std::string& dir, const std::vector<Record>& records, bool decay) {
    MNEMO_RETURN_IF_ERROR(Store::Open(Options(), dir, &store_));
    for (size_t i = 0; i < records.size(); i += 256) {
      std::vector<Record> batch(records.begin() + i,
                                records.begin() + std::min(records.size(), i + 256));
      std::vector<RecordId> ids;
      MNEMO_RETURN_IF_ERROR(store_->PutBatch(WriteOptions(), batch, &ids));
      for (size_t k = 0; k < ids.size(); ++k) index_[ids[k]] = i + k;
    }
    CompactOptions c;
    c.now = k2030;
    if (!decay) c.policy.thresholds.decayed_after = 1000 * 365 * kDayMicros;
    CompactResult result;
    MNEMO_RETURN_IF_ERROR(store_->Compact(c, &result));
    if (decay && result.records_decayed == 0) {
      return Status::FailedPrecondition("context eval: the default policy decayed nothing");
    }
    return Status::OK();
  }
  Status Deliver(const Question& q, size_t budget, std::set<size_t>* legible,
                 std::vector<size_t>* by_source) override;

 private:
  Status PageRecords(uint64_t page_id, const std::vector<RecordId>** ids);
  void Add(RecordId id, std::set<size_t>* legible) {
    auto it = index_.find(id);
    if (it != index_.end()) legible->insert(it->second);
  }

  std::unique_ptr<Store> store_;
  std::map<RecordId, size_t> index_;  // record id -> index in the records
  std::map<uint64_t, std::vector<RecordId>> page_records_;
};

Status MnemoContexts::PageRecords(uint64_t page_id, const std::vector<RecordId>** ids) {
  auto it = page_records_.find(page_id);
  if (it == page_records_.end()) {
    PageData page;
    MNEMO_RETURN_IF_ERROR(
        store_->GetPage(ReadOptions(), "locomo", page_id, &page));
    codec::PageManifest manifest;
    MNEMO_RETURN_IF_ERROR(codec::ManifestFromJson(page.manifest_json, &manifest));
    std::vector<RecordId> list;
    for (const auto& span : manifest.items) list.push_back(span.id);
    it = page_records_.emplace(page_id, std::move(list)).first;
  }
  *ids = &it->second;
  return Status::OK();
}

Status MnemoContexts::Deliver(const Question& q, size_t budget, std::set<size_t>* legible,
                              std::vector<size_t>* by_source) {
  ContextOptions o;
  o.filter.tenant = "locomo";
  o.filter.agent = q.agent;
  o.query = q.text;
  o.token_budget = budget;
  Context context;
  MNEMO_RETURN_IF_ERROR(store_->BuildContext(o, &context));
  for (const ContextPart& p : context.parts) {
    ++(*by_source)[static_cast<size_t>(p.source)];
    switch (p.source) {
      case ContextPart::Source::kDecayedOnly:
        break;
      case ContextPart::Source::kStoredPage:
        if (!p.cropped) {
          const std::vector<RecordId>* ids = nullptr;
          MNEMO_RETURN_IF_ERROR(PageRecords(p.page_id, &ids));
          for (RecordId id : *ids) Add(id, legible);
          break;
        }
        [[fallthrough]];
      default:
        for (RecordId id : p.records) Add(id, legible);
        for (RecordId id : p.neighbors) Add(id, legible);
    }
  }
  return Status::OK();
}

// Text-only retrieval: FTS5 bm25 turns as text lines, best first.
class Fts5Contexts final : public ContextEngine {
 public:
  ~Fts5Contexts() override {
    if (stmt_) sqlite3_finalize(stmt_);
    if (db_) sqlite3_close(db_);
  }
  Status Open(const std::string& file, const std::vector<Record>& records);
  Status Deliver(const Question& q, size_t budget, std::set<size_t>* legible,
                 std::vector<size_t>* by_source) override;

 private:
  Status Exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) == SQLITE_OK) return Status::OK();
    std::string msg = err ? err : "?";
    sqlite3_free(err);
    return Status::IOError("sqlite: " + msg);
  }
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::vector<std::string> lines_;
  std::vector<size_t> tokens_;
};

Status Fts5Contexts::Open(const std::string& file, const std::vector<Record>& records) {
  if (sqlite3_open(file.c_str(), &db_) != SQLITE_OK) return Status::IOError("cannot open " + file);
  MNEMO_RETURN_IF_ERROR(Exec("CREATE VIRTUAL TABLE turns USING fts5(text, agent UNINDEXED)"));
  MNEMO_RETURN_IF_ERROR(Exec("BEGIN"));
  sqlite3_stmt* ins = nullptr;
  sqlite3_prepare_v2(db_, "INSERT INTO turns(rowid, text, agent) VALUES(?1, ?2, ?3)", -1, &ins,
                     nullptr);
  Status s;
  for (size_t i = 0; i < records.size() && s.ok(); ++i) {
    const Record& r = records[i];
    lines_.push_back(TextLine(r));
    tokens_.push_back(codec::EstimateTextTokens(lines_.back()));
    sqlite3_bind_int64(ins, 1, static_cast<sqlite3_int64>(i));
    sqlite3_bind_text(ins, 2, r.text.data(), static_cast<int>(r.text.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 3, r.ns.agent.data(), static_cast<int>(r.ns.agent.size()),
                      SQLITE_TRANSIENT);
    if (sqlite3_step(ins) != SQLITE_DONE) s = Status::IOError("sqlite insert");
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  MNEMO_RETURN_IF_ERROR(s);
  MNEMO_RETURN_IF_ERROR(Exec("COMMIT"));
  const char* sql =
      "SELECT rowid FROM turns WHERE turns MATCH ?1 AND agent = ?2 ORDER BY bm25(turns) LIMIT 400";
  if (sqlite3_prepare_v2(db_, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
    return Status::IOError(std::string("sqlite prepare: ") + sqlite3_errmsg(db_));
  }
  return Status::OK();
}

// The question's words, quoted and OR-ed: "when" OR "did" OR ...
std::string Fts5Query(const std::string& question) {
  std::string out, word;
  auto flush = [&] {
    if (word.empty()) return;
    out += (out.empty() ? "\"" : " OR \"") + word + "\"";
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

Status Fts5Contexts::Deliver(const Question& q, size_t budget, std::set<size_t>* legible,
                             std::vector<size_t>* by_source) {
  std::string match = Fts5Query(q.text);
  if (match.empty()) return Status::OK();
  sqlite3_bind_text(stmt_, 1, match.data(), static_cast<int>(match.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt_, 2, q.agent.data(), static_cast<int>(q.agent.size()),
                    SQLITE_TRANSIENT);
  size_t used = 0;
  int rc;
  while ((rc = sqlite3_step(stmt_)) == SQLITE_ROW) {
    size_t i = static_cast<size_t>(sqlite3_column_int64(stmt_, 0));
    if (used + tokens_[i] > budget) continue;  // a shorter one may still fit
    used += tokens_[i];
    legible->insert(i);
    ++(*by_source)[0];
  }
  sqlite3_reset(stmt_);
  if (rc != SQLITE_DONE) return Status::IOError(std::string("sqlite: ") + sqlite3_errmsg(db_));
  return Status::OK();
}

Status Measure(ContextEngine* engine, const std::string& name,
               const std::vector<Record>& records, const std::vector<Question>& questions,
               const ContextEvalResult& shape, ContextEvalRow* row) {
  row->engine = name;
  size_t nb = shape.budgets.size();
  row->evidence.assign(nb, 0);
  row->parts_by_source.assign(nb, std::vector<size_t>(4, 0));
  for (const auto& [category, n] : shape.questions_by_category) {
    row->by_category[category].assign(nb, 0);
  }
  auto start = std::chrono::steady_clock::now();
  for (const Question& q : questions) {
    for (size_t b = 0; b < nb; ++b) {
      std::set<size_t> legible;
      MNEMO_RETURN_IF_ERROR(
          engine->Deliver(q, shape.budgets[b], &legible, &row->parts_by_source[b]));
      size_t found = 0;
      for (size_t i : legible) {
        auto dia = records[i].metadata.Get("dia_id");
        if (records[i].ns.agent == q.agent && dia) {
          found += q.evidence.count(std::string(*dia));
        }
      }
      double share = static_cast<double>(found) / q.evidence.size();
      row->evidence[b] += share / questions.size();
      row->by_category[q.category][b] += share / shape.questions_by_category.at(q.category);
    }
  }
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                  .count();
  row->ms_per_context = ms / std::max<size_t>(1, questions.size() * nb);
  return Status::OK();
}

Status RunEngines(const std::filesystem::path& dir, const std::vector<Record>& records,
                  const std::vector<Question>& questions, ContextEvalResult* result) {
  for (bool decay : {true, false}) {
    MnemoContexts mnemo;
    MNEMO_RETURN_IF_ERROR(
        mnemo.Open((dir / (decay ? "mnemo-default" : "mnemo-nodecay")).string(), records, decay));
    ContextEvalRow row;
    MNEMO_RETURN_IF_ERROR(Measure(&mnemo,
                                  decay ? "mnemo context, default policy (aged to 2030)"
                                        : "mnemo context, decay off",
                                  records, questions, *result, &row));
    result->rows.push_back(std::move(row));
  }
  Fts5Contexts fts5;
  MNEMO_RETURN_IF_ERROR(fts5.Open((dir / "fts5.db").string(), records));
  ContextEvalRow row;
  MNEMO_RETURN_IF_ERROR(
      Measure(&fts5, "text-only: sqlite fts5 bm25 turns", records, questions, *result, &row));
  result->rows.push_back(std::move(row));
  return Status::OK();
}

}  // namespace

Status RunContextEval(const ContextEvalOptions& options, ContextEvalResult* result) {
  *result = ContextEvalResult();
  if (!std::filesystem::exists(options.locomo_path)) {
    return Status::NotFound(options.locomo_path);
  }
  std::vector<Record> records;
  workload::LocomoSummary summary;
  MNEMO_RETURN_IF_ERROR(
      workload::LoadLocomo(options.locomo_path, workload::LocomoOptions(), &records, &summary));
  std::vector<Question> questions;
  MNEMO_RETURN_IF_ERROR(LoadQuestions(options.locomo_path, &questions));
  if (options.quick) {
    std::vector<Question> some;
    for (size_t i = 0; i < questions.size(); i += 8) some.push_back(questions[i]);
    questions.swap(some);
  }
  if (questions.empty()) return Status::InvalidArgument("context eval: no questions");
  result->records = records.size();
  result->questions = questions.size();
  result->budgets = options.budgets;
  for (const Question& q : questions) ++result->questions_by_category[q.category];
  namespace fs = std::filesystem;
  fs::path dir = options.work_dir.empty()
                     ? fs::temp_directory_path() / ("mnemo-context-eval-" + std::to_string(getpid()))
                     : fs::path(options.work_dir);
  fs::create_directories(dir);
  auto cleanup = [&dir] {
    for (const char* name : {"mnemo-default", "mnemo-nodecay", "fts5.db"}) fs::remove_all(dir / name);
  };
  cleanup();
  Status s = RunEngines(dir, records, questions, result);
  cleanup();
  if (options.work_dir.empty()) fs::remove_all(dir);
  return s;
}

namespace {

const char* CategoryName(int c) {
  switch (c) {
    case 1: return "1 multi-hop";
    case 2: return "2 temporal";
    case 3: return "3 open-domain";
    case 4: return "4 single-hop";
  }
  return "?";
}

std::string Header(const std::string& first, const std::vector<size_t>& budgets) {
  std::string out = "| " + first + " |", rule = "|---|";
  for (size_t b : budgets) out += " " + std::to_string(b) + " |", rule += "---|";
  return out + "\n" + rule + "\n";
}

std::string Cells(const std::vector<double>& v) {
  std::string out;
  char cell[32];
  for (double x : v) {
    std::snprintf(cell, sizeof(cell), " %.2f |", x);
    out += cell;
  }
  return out;
}

}  // namespace

std::string FormatContextEvalTable(const ContextEvalResult& r) {
  std::string out = "LoCoMo evidence in context: " + std::to_string(r.questions) +
                    " questions (categories 1-4), " + std::to_string(r.records) +
                    " turns; share of evidence turns delivered legibly per token budget\n\n" +
                    Header("context", r.budgets);
  for (const auto& row : r.rows) out += "| " + row.engine + " |" + Cells(row.evidence) + "\n";
  out += "\nPer category (questions):\n\n" + Header("category, context", r.budgets);
  for (const auto& [category, n] : r.questions_by_category) {
    for (const auto& row : r.rows) {
      out += "| " + std::string(CategoryName(category)) + " (" + std::to_string(n) + "), " +
             row.engine + " |" + Cells(row.by_category.at(category)) + "\n";
    }
  }
  out += "\nParts per context by source (text / stored page / re-rendered / decayed-only), "
         "ms per context:\n\n";
  char line[160];
  for (const auto& row : r.rows) {
    out += "- " + row.engine + ":";
    for (size_t b = 0; b < r.budgets.size(); ++b) {
      const auto& s = row.parts_by_source[b];
      double n = static_cast<double>(r.questions);
      std::snprintf(line, sizeof(line), " %zu: %.1f/%.1f/%.1f/%.1f;", r.budgets[b], s[0] / n,
                    s[1] / n, s[2] / n, s[3] / n);
      out += line;
    }
    std::snprintf(line, sizeof(line), " %.1f ms\n", row.ms_per_context);
    out += line;
  }
  return out;
}

void ContextEvalFigures(const ContextEvalResult& r, std::map<std::string, double>* figures) {
  const char* suffixes[] = {"", "_decay_off", "_text_rag"};
  for (size_t i = 0; i < r.rows.size() && i < 3; ++i) {
    for (size_t b = 0; b < r.budgets.size(); ++b) {
      size_t budget = r.budgets[b];
      std::string name = budget % 1000 == 0 ? std::to_string(budget / 1000) + "k"
                                            : std::to_string(budget);
      (*figures)["context_evidence_" + name + suffixes[i]] = r.rows[i].evidence[b];
    }
  }
}

}  // namespace mnemo::bench
