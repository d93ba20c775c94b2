#!/usr/bin/env bash
# cluster_cli_test.sh CLUSTER_SH MNEMO: the mnemo CLI in cluster mode on a
# real local Ceph cluster (tools/cluster/cluster.sh, always stopped):
#   - `mnemo demo --cluster DIR` runs the main job against the cluster;
#   - `mnemo stats --cluster` shows health, the pools (objects, bytes) and
#     this host's owned agents, as text, --json and --prometheus;
#   - an embedded store's dump imported with --cluster from one host
#     directory reads back line for line with `get --cluster` from another;
#     the same ids a second time are refused;
#   - `dump --cluster` from another host directory gives every record the
#     demo wrote; dump -> import into an embedded store -> dump is
#     identical, and so is the cluster's dump after the demo's agents are
#     deleted there and the dump is imported back into the cluster;
#   - `verify --cluster` checks the cluster side (id directory <-> records).
# Exit 77 with the reason when Ceph is not installed, unless
# MNEMO_CLUSTER_REQUIRED=1 (CI), which turns a skip into a failure.
set -euo pipefail
cluster_sh="$1" mnemo="$2"
skip() {
  if [[ ${MNEMO_CLUSTER_REQUIRED:-0} == 1 ]]; then
    echo "FAIL (MNEMO_CLUSTER_REQUIRED=1): $*" >&2
    exit 1
  fi
  echo "SKIP: $*"
  exit 77
}
for t in ceph-mon ceph-osd ceph rados uuidgen python3; do
  command -v "$t" >/dev/null || skip "'$t' not installed (tools/install_deps.sh installs Ceph)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/mnemo-cluster-cli.XXXXXX")
c="$work/cluster"
cleanup() {
  "$cluster_sh" stop "$c" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== [${SECONDS}s] $*"; }
M() { timeout 300 "$mnemo" "$@"; }
# py EXPR: prints EXPR, with j = the JSON object on stdin.
py() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"; }
# pylines EXPR: prints EXPR, with lines = the JSON lines on stdin.
pylines() { python3 -c "import json,sys; lines=[json.loads(l) for l in sys.stdin]; print($1)"; }

step "start the cluster"
"$cluster_sh" start "$c" || fail "the test cluster did not start"

step "mnemo demo --cluster: the main job against the cluster"
out=$(M demo --cluster "$c" --db "$work/h1") || fail "demo --cluster failed: $out"
echo "$out" | head -5
[[ $out == *"cluster mode: records in the cluster of $c/ceph.conf"* ]] ||
  fail "demo did not say it ran in cluster mode"
records=$(echo "$out" | sed -n 's/^stored: \([0-9]*\) records.*/\1/p')
[[ -n $records && $records -gt 0 ]] || fail "demo stored no records: $out"
# A second run replaces the demo's agents, it does not add to them.
out=$(M demo --cluster "$c" --db "$work/h1") || fail "second demo failed: $out"
[[ $out == *"records of an earlier demo removed"* ]] || fail "second demo: $out"
[[ $(echo "$out" | sed -n 's/^stored: \([0-9]*\) records.*/\1/p') == "$records" ]] ||
  fail "second demo stored another count: $out"

step "mnemo stats --cluster: health, pools, owned agents"
out=$(M stats --cluster "$c" --db "$work/h1") || fail "stats failed: $out"
echo "$out" | sed -n '/^cluster/,$p'
[[ $out == *"cluster      HEALTH_"* ]] || fail "no cluster health line"
echo "$out" | grep -Eq '^  mnemo-meta +[1-9][0-9]* ' || fail "no mnemo-meta pool with objects"
[[ $out == *"owned agents "* ]] || fail "no owned agents section"
json=$(M stats --cluster "$c" --db "$work/h1" --json) || fail "stats --json failed"
[[ $(py "j['cluster']['health']" <<<"$json") == HEALTH_* ]] || fail "json: no cluster health"
[[ $(py "[p['objects'] for p in j['cluster']['pools'] if p['name'] == 'mnemo-meta'][0]" <<<"$json") -gt 0 ]] ||
  fail "json: mnemo-meta has no objects"
prom=$(M --cluster "$c" stats --db "$work/h1" --prometheus) || fail "stats --prometheus failed"
grep -Eq '^mnemo_cluster_pool_objects\{pool="mnemo-meta"\} [1-9]' <<<"$prom" ||
  fail "prometheus: no mnemo_cluster_pool_objects for mnemo-meta"
grep -q '^mnemo_cluster_health_ok{status="HEALTH_' <<<"$prom" || fail "prometheus: no health"

step "import into the cluster from one host directory, get from another"
M demo --db "$work/e" --ingest-only --sessions 1 --exchanges 2 --samples 0 >/dev/null ||
  fail "embedded demo failed"
M dump --db "$work/e" --tenant demo --agent coder >"$work/e.jsonl" || fail "embedded dump failed"
[[ $(wc -l <"$work/e.jsonl") -gt 0 ]] || fail "embedded dump is empty"
sed -i 's/"tenant":"demo"/"tenant":"imported"/' "$work/e.jsonl"
out=$(M import --cluster "$c" --db "$work/h2" "$work/e.jsonl") || fail "import --cluster failed: $out"
[[ $out == "imported $(wc -l <"$work/e.jsonl") records"* ]] || fail "import said: $out"
while IFS= read -r line; do
  id=$(py "j['id']" <<<"$line")
  got=$(M get --cluster "$c" --db "$work/h3" --tenant imported --id "$id" --json) ||
    fail "get --cluster of imported record $id failed"
  [[ $got == "$line" ]] || fail "record $id read back differs: $got vs $line"
done < <(head -n 3 "$work/e.jsonl")
# Importing the same ids again is refused (ids are unique in the cluster).
M import --cluster "$c" --db "$work/h2" "$work/e.jsonl" >/dev/null 2>&1 &&
  fail "a second import of the same ids succeeded"

step "dump from another host directory: every record of the demo's tenant"
M dump --cluster "$c" --db "$work/h4" --tenant demo --include-pages "$work/p1" >"$work/d1.jsonl" ||
  fail "dump failed"
[[ $(wc -l <"$work/d1.jsonl") == "$records" ]] ||
  fail "dump has $(wc -l <"$work/d1.jsonl") lines, demo stored $records"
# The demo compacted its agents: the dump holds paged records and their
# pages, read from the cluster by a host that owns nothing.
grep -Eq '"tier":"(pixels|decayed)"' "$work/d1.jsonl" || fail "the demo's compaction paged nothing"
ls "$work/p1"/page-*.png >/dev/null 2>&1 || fail "dump --cluster --include-pages wrote no page"

step "dump -> import into an embedded store -> dump is identical (pages included)"
M import --db "$work/e2" --pages "$work/p1" "$work/d1.jsonl" >/dev/null 2>&1 || fail "embedded import failed"
M dump --db "$work/e2" | cmp -s - "$work/d1.jsonl" || fail "embedded dump differs"

step "delete the demo's agents in the cluster, import the dump back: same dump"
for a in $(pylines "' '.join(sorted({r['agent'] for r in lines}))" <"$work/d1.jsonl"); do
  M delete --cluster "$c" --db "$work/h4" --tenant demo --agent "$a" --yes >/dev/null ||
    fail "delete of agent $a in the cluster failed"
done
[[ $(M dump --cluster "$c" --db "$work/h4" --tenant demo | wc -l) == 0 ]] ||
  fail "records left after delete"
M import --cluster "$c" --db "$work/h4" --pages "$work/p1" "$work/d1.jsonl" >/dev/null ||
  fail "import into the cluster failed"
M dump --cluster "$c" --db "$work/h5" --tenant demo | cmp -s - "$work/d1.jsonl" ||
  fail "cluster dump after import differs from the first dump"

step "mnemo compact --cluster: a process takes the free agents and compacts them"
out=$(M compact --cluster "$c" --db "$work/h6" --tenant demo --now 2100-01-01T00:00:00Z 2>&1) ||
  fail "compact --cluster failed: $out"
[[ $out == *"compacting "[1-9]*" agent(s), 0 left to their owners"* ]] || fail "compact --cluster took no agent: $out"
echo "$out" | grep "^compacted"
M dump --cluster "$c" --db "$work/h5" --tenant demo >"$work/d2.jsonl" || fail "dump after compact failed"
[[ $(wc -l <"$work/d2.jsonl") == "$records" ]] || fail "compact --cluster changed the record count"
grep -q '"tier":"decayed"' "$work/d2.jsonl" || fail "compact --cluster as of 2100 decayed nothing"

step "verify: the cluster side is clean"
out=$(M verify --cluster "$c" --db "$work/h3") || fail "verify failed: $out"
echo "$out" | tail -2
[[ $out == *"cluster: checked "*"(intact)"* ]] || fail "verify did not check the cluster: $out"

echo "PASS (${SECONDS}s)"
