// Copyright (c) mnemo authors.

#include "cluster_report.h"

#include <cstdio>
#include <map>

#include "cli_util.h"

namespace mnemo::cli {
namespace {

unsigned long long U(uint64_t v) { return static_cast<unsigned long long>(v); }

// A Prometheus label value: backslash, quote and newline escaped.
std::string Label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out;
}

void Header(const char* name, const char* help) {
  std::printf("# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

}  // namespace

nlohmann::ordered_json ClusterStatsJson(const ClusterStats& s) {
  nlohmann::ordered_json j;
  j["health"] = s.health;
  j["health_detail"] = s.health_detail;
  j["host"] = s.host;
  j["client_address"] = s.client_address;
  j["pools"] = nlohmann::ordered_json::array();
  for (const ClusterPoolStats& p : s.pools) {
    j["pools"].push_back(
        {{"name", p.name}, {"objects", p.objects}, {"bytes", p.bytes}});
  }
  j["owned_agents"] = nlohmann::ordered_json::array();
  for (const ClusterOwnedAgent& a : s.owned_agents) {
    j["owned_agents"].push_back(
        {{"tenant", a.tenant}, {"agent", a.agent}, {"epoch", a.epoch}});
  }
  j["cluster_agents"] = s.cluster_agents;
  j["cluster_owners"] = nlohmann::ordered_json::array();
  for (const ClusterAgentOwner& o : s.cluster_owners) {
    j["cluster_owners"].push_back({{"tenant", o.tenant},
                                   {"agent", o.agent},
                                   {"epoch", o.epoch},
                                   {"holder", o.holder},
                                   {"address", o.address}});
  }
  j["owners_truncated"] = s.owners_truncated;
  return j;
}

void PrintClusterStatsText(const ClusterStats& s) {
  std::printf("cluster      %s (host %s, client %s)\n", s.health.c_str(),
              s.host.c_str(), s.client_address.c_str());
  if (!s.health_detail.empty()) {
    std::printf("  %s\n", s.health_detail.c_str());
  }
  std::printf("pools (objects, bytes)\n");
  for (const ClusterPoolStats& p : s.pools) {
    std::printf("  %-16s %10llu %12s\n", p.name.c_str(), U(p.objects),
                FormatBytes(p.bytes).c_str());
  }
  std::printf("owned agents %zu (tenant/agent, lease epoch)\n",
              s.owned_agents.size());
  for (const ClusterOwnedAgent& a : s.owned_agents) {
    std::printf("  %-32s %8llu\n", (a.tenant + "/" + a.agent).c_str(),
                U(a.epoch));
  }
  std::printf("cluster agents %llu, held by a host %zu%s (tenant/agent, "
              "lease epoch, holder)\n",
              U(s.cluster_agents), s.cluster_owners.size(),
              s.owners_truncated ? "+ (list cut at 10,000)" : "");
  for (const ClusterAgentOwner& o : s.cluster_owners) {
    std::printf("  %-32s %8llu %s\n", (o.tenant + "/" + o.agent).c_str(),
                U(o.epoch), o.holder.c_str());
  }
}

void PrintClusterStatsPrometheus(const ClusterStats& s) {
  // The status is a label of an info-style gauge: 1 when HEALTH_OK.
  Header("mnemo_cluster_health_ok",
         "1 when the cluster reports HEALTH_OK (status in the label).");
  std::printf("mnemo_cluster_health_ok{status=\"%s\"} %d\n",
              Label(s.health).c_str(), s.health == "HEALTH_OK" ? 1 : 0);
  Header("mnemo_cluster_pool_objects", "Objects per mnemo pool.");
  for (const ClusterPoolStats& p : s.pools) {
    std::printf("mnemo_cluster_pool_objects{pool=\"%s\"} %llu\n",
                Label(p.name).c_str(), U(p.objects));
  }
  Header("mnemo_cluster_pool_bytes", "Bytes stored per mnemo pool.");
  for (const ClusterPoolStats& p : s.pools) {
    std::printf("mnemo_cluster_pool_bytes{pool=\"%s\"} %llu\n",
                Label(p.name).c_str(), U(p.bytes));
  }
  Header("mnemo_cluster_owned_agents", "Agents whose lease this host holds.");
  std::printf("mnemo_cluster_owned_agents{host=\"%s\"} %zu\n",
              Label(s.host).c_str(), s.owned_agents.size());
  Header("mnemo_cluster_agents", "Agents of the cluster (head objects).");
  std::printf("mnemo_cluster_agents %llu\n", U(s.cluster_agents));
  std::map<std::string, size_t> by_holder;
  for (const ClusterAgentOwner& o : s.cluster_owners) ++by_holder[o.holder];
  Header("mnemo_cluster_holder_agents",
         "Agents each host holds the lease of, from the head objects.");
  for (const auto& [holder, n] : by_holder) {
    std::printf("mnemo_cluster_holder_agents{holder=\"%s\"} %zu\n",
                Label(holder).c_str(), n);
  }
  Header("mnemo_cluster_owned_agent_epoch",
         "Lease epoch of an agent this host owns.");
  for (const ClusterOwnedAgent& a : s.owned_agents) {
    std::printf("mnemo_cluster_owned_agent_epoch{tenant=\"%s\",agent=\"%s\"} "
                "%llu\n", Label(a.tenant).c_str(), Label(a.agent).c_str(),
                U(a.epoch));
  }
}

nlohmann::ordered_json ClusterVerifyJson(const ClusterVerifyReport& r) {
  nlohmann::ordered_json j;
  j["ok"] = r.ok();
  j["agents_checked"] = r.agents_checked;
  j["records_checked"] = r.records_checked;
  j["directory_entries_checked"] = r.directory_entries_checked;
  j["corrupt_records"] = r.corrupt_records;
  j["dangling_directory"] = r.dangling_directory;
  j["missing_directory"] = r.missing_directory;
  j["pages_checked"] = r.pages_checked;
  j["corrupt_pages"] = r.corrupt_pages;
  j["missing_pages"] = r.missing_pages;
  j["orphan_pages"] = r.orphan_pages;
  j["pending_pages"] = r.pending_pages;
  j["repaired"] = r.repaired;
  j["problems"] = r.problems;
  return j;
}

void PrintClusterVerifyText(const ClusterVerifyReport& r) {
  for (const std::string& p : r.problems) std::printf("cluster: %s\n", p.c_str());
  std::printf("cluster: checked %llu agents, %llu records, %llu directory "
              "entries: %llu corrupt, %llu dangling directory entries, %llu "
              "records without one; %llu pages: %llu corrupt, %llu missing "
              "(named by a record), %llu orphans, %llu pending (a live "
              "owner's compaction); %llu repaired%s\n",
              U(r.agents_checked), U(r.records_checked),
              U(r.directory_entries_checked), U(r.corrupt_records),
              U(r.dangling_directory), U(r.missing_directory),
              U(r.pages_checked), U(r.corrupt_pages), U(r.missing_pages),
              U(r.orphan_pages), U(r.pending_pages), U(r.repaired),
              r.ok() ? " (intact)" : "");
}

}  // namespace mnemo::cli
