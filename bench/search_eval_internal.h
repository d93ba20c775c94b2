// Copyright (c) mnemo authors.
//
// Pieces of the LoCoMo search eval shared by its files: the questions and
// the engines under test (search_eval.cc: mnemo; search_eval_fts5.cc:
// SQLite FTS5).

#ifndef MNEMO_BENCH_SEARCH_EVAL_INTERNAL_H_
#define MNEMO_BENCH_SEARCH_EVAL_INTERNAL_H_

#include <sqlite3.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "mnemo/record.h"
#include "mnemo/status.h"

namespace mnemo::bench {

struct Question {
  std::string agent;  // sample_id
  std::string text;
  std::set<std::string> evidence;  // dia_ids
  int category = 0;                // 1..4
  size_t conversation = 0;         // index in the file
};

// The QA items of categories 1-4 with evidence of a LoCoMo file (shared by
// the recall and the evidence-in-budget evaluations). NotFound when the
// file cannot be read.
Status LoadQuestions(const std::string& path, std::vector<Question>* out);

// One engine under test: loads the records, answers a question.
class Engine {
 public:
  virtual ~Engine() = default;
  virtual Status Load(const std::vector<Record>& records) = 0;
  virtual Status Query(const Question& q, size_t k,
                       std::vector<std::string>* dia_ids) = 0;
};

// SQLite FTS5, one table per conversation (its best case: no filter). The
// question's words are OR-ed (its default AND finds almost nothing for
// questions) and ranked by bm25().
class Fts5Engine final : public Engine {
 public:
  Fts5Engine(std::string file, std::string tokenizer)
      : file_(std::move(file)), tokenizer_(std::move(tokenizer)) {}
  ~Fts5Engine() override;
  Status Load(const std::vector<Record>& records) override;
  Status Query(const Question& q, size_t k,
               std::vector<std::string>* dia_ids) override;

 private:
  Status Exec(const std::string& sql);
  std::string Table(const std::string& agent);

  std::string file_, tokenizer_;
  sqlite3* db_ = nullptr;
  std::map<std::string, size_t> tables_;
  std::map<std::string, sqlite3_stmt*> queries_;
};

}  // namespace mnemo::bench

#endif  // MNEMO_BENCH_SEARCH_EVAL_INTERNAL_H_
