// Copyright (c) mnemo authors.
//
// SQLite FTS5 as the peer of the LoCoMo search eval (search_eval_internal.h).

#include <cctype>

#include "search_eval_internal.h"

namespace mnemo::bench {
namespace {

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

}  // namespace

Fts5Engine::~Fts5Engine() {
  for (auto& [agent, stmt] : queries_) sqlite3_finalize(stmt);
  if (db_) sqlite3_close(db_);
}

Status Fts5Engine::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "?";
    sqlite3_free(err);
    return Status::IOError("sqlite: " + msg + " in: " + sql);
  }
  return Status::OK();
}

std::string Fts5Engine::Table(const std::string& agent) {
  auto [it, added] = tables_.emplace(agent, tables_.size());
  return "conv" + std::to_string(it->second);
}

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
    std::string dia(r.metadata.Get("dia_id").value_or(""));
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

}  // namespace mnemo::bench
