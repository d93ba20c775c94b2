// Copyright (c) mnemo authors.

#include "workload/synthetic.h"

#include <cstdio>

namespace mnemo::workload {
namespace {

constexpr Micros kSecond = 1'000'000;
constexpr Micros kDay = 86'400 * kSecond;

// SplitMix64: tiny, fast, and identical everywhere (unlike std::
// distributions, whose output is implementation-defined).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform-enough in [lo, hi].
  int Range(int lo, int hi) {
    return lo + static_cast<int>(Next() % static_cast<uint64_t>(hi - lo + 1));
  }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Next() % N];
  }

 private:
  uint64_t state_;
};

const char* const kPaths[] = {
    "src/cache/lru.cc", "src/server/handler.cc", "include/kv/table.h",
    "tests/cache_test.cc", "scripts/bench.sh", "docs/config.md"};
const char* const kCoderTasks[] = {
    "fix the off-by-one in %s", "add a unit test for %s",
    "find why %s allocates on the hot path", "profile %s under load"};
const char* const kTopics[] = {"KV-cache paging", "vision-token compression",
                               "LSM compaction", "retrieval recall@k"};
const char* const kResearchTasks[] = {
    "summarize recent work on %s", "compare two papers on %s",
    "collect benchmark numbers for %s", "list open problems in %s"};

struct Turn {
  const char* role;
  const char* kind;
  std::string text;
  float importance;
  Metadata metadata;
};

std::string Format(const char* pattern, const std::string& arg) {
  char buf[256];
  std::snprintf(buf, sizeof buf, pattern, arg.c_str());
  return buf;
}

// The five turns of one exchange.
std::vector<Turn> Exchange(bool coder, int n, Rng& rng) {
  std::string subject = coder ? rng.Pick(kPaths) : rng.Pick(kTopics);
  std::string task = Format(coder ? rng.Pick(kCoderTasks)
                                  : rng.Pick(kResearchTasks), subject);
  char call_id[32];
  std::snprintf(call_id, sizeof call_id, "call_%04d%04x", n,
                static_cast<unsigned>(rng.Next() & 0xffff));
  int lines = rng.Range(20, 400), ms = rng.Range(3, 950);
  const char* tool = coder ? "read_file" : "web_search";
  std::string args = coder ? "{\"path\": \"" + subject + "\", \"lines\": \"" +
                                 std::to_string(lines / 2) + "-" +
                                 std::to_string(lines) + "\"}"
                           : "{\"query\": \"" + subject + " 2024\"}";
  std::string result =
      coder ? std::to_string(lines / 2 + 1) + " lines of " + subject +
                  " (sha256 " + std::to_string(rng.Next() % 1000000007) + ")"
            : std::to_string(rng.Range(3, 12)) + " results; top: \"" +
                  subject + ": a survey\" (cited " +
                  std::to_string(rng.Range(10, 900)) + " times)";
  std::string answer =
      "Done: " + task + ". Took " + std::to_string(ms) + " ms; next I " +
      (coder ? "will run the test suite again." : "will draft the notes.");
  return {
      {"user", "message", "Please " + task + ".", 0.7f, {}},
      {"assistant", "message", "I'll start by calling " + std::string(tool) +
           " on " + subject + ".", 0.4f, {}},
      {"assistant", "tool_call", std::string(tool) + "(" + args + ")", 0.3f,
       {{"call_id", call_id}, {"tool", tool}}},
      {"tool", "observation", result, 0.3f,
       {{"call_id", call_id}, {"elapsed_ms", std::to_string(ms)}}},
      {"assistant", "message", answer, 0.5f, {}},
  };
}

void AppendSession(const SyntheticOptions& o, size_t agent_index, int s,
                   Rng& rng, std::vector<Record>* out) {
  bool coder = agent_index % 2 == 0;
  Micros t = o.start_time + s * kDay + static_cast<Micros>(agent_index) *
                                           3600 * kSecond;
  Namespace ns{o.tenant, o.agents[agent_index],
               "session_" + std::to_string(s + 1)};
  std::vector<Turn> turns = {
      {"system", "message",
       coder ? "You are a careful coding agent. Work in small, tested steps."
             : "You are a research agent. Cite sources with numbers.",
       0.9f, {}}};
  for (int e = 0; e < o.exchanges_per_session; ++e) {
    for (Turn& turn : Exchange(coder, s * 1000 + e, rng)) {
      turns.push_back(std::move(turn));
    }
  }
  for (Turn& turn : turns) {
    Record r;
    r.ns = ns;
    r.role = turn.role;
    r.kind = turn.kind;
    r.text = std::move(turn.text);
    r.importance = turn.importance;
    r.metadata = std::move(turn.metadata);
    r.event_time = t;
    t += rng.Range(5, 40) * kSecond;
    out->push_back(std::move(r));
  }
}

}  // namespace

std::vector<Record> GenerateConversation(const SyntheticOptions& options) {
  std::vector<Record> records;
  Rng rng(options.seed);
  for (size_t a = 0; a < options.agents.size(); ++a) {
    for (int s = 0; s < options.sessions_per_agent; ++s) {
      AppendSession(options, a, s, rng, &records);
    }
  }
  return records;
}

}  // namespace mnemo::workload
