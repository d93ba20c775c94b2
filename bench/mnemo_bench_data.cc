// Copyright (c) mnemo authors.

#include "mnemo_bench_data.h"

#include <algorithm>
#include <set>

#include "workload/locomo.h"
#include "workload/synthetic.h"

namespace mnemo::bench {
namespace {

constexpr int kExchangesPerSession = 20;  // 101 records a session
constexpr int kSessionsPerAgent = 50;     // ~5k records an agent

void AppendBigEndian(uint64_t v, std::string* out) {
  for (int b = 7; b >= 0; --b) out->push_back(static_cast<char>(v >> (8 * b)));
}

std::vector<Record> Synthetic(size_t n) {
  const size_t per_session = 1 + 5 * kExchangesPerSession;
  const size_t sessions = (n + per_session - 1) / per_session;
  workload::SyntheticOptions o;
  o.exchanges_per_session = kExchangesPerSession;
  const size_t agents = std::max<size_t>(2, (sessions + kSessionsPerAgent - 1) /
                                                kSessionsPerAgent);
  o.sessions_per_agent = static_cast<int>((sessions + agents - 1) / agents);
  o.agents.clear();
  for (size_t a = 0; a < agents; ++a) {
    o.agents.push_back((a % 2 ? "researcher_" : "coder_") + std::to_string(a));
  }
  std::vector<Record> records = workload::GenerateConversation(o);
  records.resize(std::min(records.size(), n));
  return records;
}

Status Locomo(const std::string& path, size_t n, std::vector<Record>* out,
              size_t* source) {
  std::vector<Record> base;
  workload::LocomoSummary summary;
  Status s = workload::LoadLocomo(path, workload::LocomoOptions(), &base, &summary);
  if (!s.ok()) return s;
  if (base.empty()) return Status::InvalidArgument("LoCoMo file has no turns");
  *source = base.size();
  for (size_t k = 0; out->size() < n; ++k) {
    for (const Record& r : base) {
      if (out->size() >= n) break;
      out->push_back(r);
      if (k > 0) out->back().ns.agent += "_r" + std::to_string(k);
    }
  }
  return Status::OK();
}

}  // namespace

Status MakeWorkload(const std::string& locomo_path, size_t n, Workload* out) {
  out->records.clear();
  if (locomo_path.empty()) {
    out->name = "synthetic";
    out->records = Synthetic(n);
    out->source_records = out->records.size();
  } else {
    out->name = "locomo";
    Status s = Locomo(locomo_path, n, &out->records, &out->source_records);
    if (!s.ok()) return s;
  }
  std::set<std::string> seen;
  out->text_bytes = 0;
  for (const Record& r : out->records) {
    out->text_bytes += r.text.size();
    if (seen.insert(r.ns.agent).second) out->agents.push_back(r.ns.agent);
  }
  return Status::OK();
}

// The record's bytes back to back, built as a careful host would: one
// allocation of the exact size (a chain of operator+ reallocated a few
// times a record and flattered mnemo's write ratios by ~5%).
std::string RawValue(const Record& r) {
  const std::string_view parts[] = {r.ns.tenant, r.ns.agent, r.ns.session,
                                    r.role,      r.kind,     r.text};
  size_t size = r.metadata.packed().size();  // >= the entries' bytes
  for (std::string_view part : parts) size += part.size();
  std::string v;
  v.reserve(size);
  for (std::string_view part : parts) v.append(part);
  for (const auto& [key, value] : r.metadata) {
    v.append(key);
    v.append(value);
  }
  return v;
}

std::string RawTimeKey(const std::string& tenant, const std::string& agent,
                       Micros t) {
  std::string key = tenant + '\0' + agent + '\0';
  AppendBigEndian(static_cast<uint64_t>(t), &key);
  return key;
}

std::string RawKey(const Record& r, uint64_t i) {
  std::string key = RawTimeKey(r.ns.tenant, r.ns.agent, r.event_time);
  AppendBigEndian(i, &key);
  return key;
}

}  // namespace mnemo::bench
