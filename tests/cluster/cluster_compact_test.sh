#!/usr/bin/env bash
# cluster_compact_test.sh CLUSTER_SH HOST: test (c) of issue 18, compaction
# in cluster mode, on a real local Ceph cluster (tools/cluster/cluster.sh,
# always stopped). Host processes A and B (mnemo-cluster-host, each with its
# own cache directory) on the public Store API.
# For each crash point of the compaction push (MNEMO_CLUSTER_CRASH_POINT:
# the host stops itself there, and the test kill -9s it exactly there):
#   pages-written  every page object written, no record switched yet;
#   pages-partial  mid-batch: the first of several page objects written;
# A writes an agent's records and compacts them; killed at the point. B
# takes the agent over; VerifyCluster finds orphan pages and nothing else
# (no record names a missing page); --repair collects them; every record A
# acknowledged reads back from B with its exact text; B compacts the agent
# (every record paged) and a third process reads the pages from the cluster.
# Then A takes the agent back (its cache hydrated with the pages) and
# compacts it as of 400 days on (pages decay, rewritten in place); the
# cluster verifies clean and every record still reads back.
# Exit 77 with the reason when Ceph or the host binary (librados) is missing.
set -euo pipefail
cluster_sh="$1" host_bin="${2:-}"
# shellcheck source=test_lib.sh
source "$(dirname "$0")/test_lib.sh"
require_ceph "$host_bin" mnemo-cluster-host
make_work ccomp
# A reader that owns nothing: every read goes to the cluster.
R() { timeout 150 "$host_bin" --dir "$work/r" --host reader "$@"; }
# Waits (bounded) until process $1 has stopped itself at a crash point
# (state T); fails when it exits first.
wait_stopped() {
  local deadline=$((SECONDS + 120))
  until [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) == T ]]; do
    kill -0 "$1" 2>/dev/null || fail "host exited before the crash point: $(cat "$2")"
    ((SECONDS < deadline)) || fail "host did not reach the crash point in 120 s"
    sleep 0.05
  done
}
# verify output field: vfield FILE NAME -> the number after NAME.
vfield() { awk -v k="$2" '$1 == "pages" { for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' "$1"; }

step "start the cluster"
"$cluster_sh" start "$dir" || fail "the test cluster did not start"
# shellcheck disable=SC1091
source "$dir/env"
export CEPH_CONF

n=300
for point in pages-written pages-partial; do
  agent="c-$point"
  step "(c) kill -9 host A at crash point $point while it compacts $agent"
  MNEMO_CLUSTER_CRASH_POINT=$point A_bg --lease 4 --batch 50 compact tc "$agent" "$n" \
    >"$work/$agent.acks" 2>"$work/$agent.err" &
  pid=$!; bg_pids=("$pid")
  wait_stopped "$pid" "$work/$agent.err"
  grep -q "stopped at crash point $point" "$work/$agent.err" || fail "A stopped elsewhere: $(cat "$work/$agent.err")"
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  bg_pids=()
  [[ $(acks "$work/$agent.acks") == "$n" ]] || fail "A acknowledged $(acks "$work/$agent.acks") of $n"
  # No record was switched: the cluster still holds them as text.
  [[ $(R pages tc "$agent") == "tiers $n 0 0 0 pages 0" ]] || fail "records switched before the kill: $(R pages tc "$agent")"

  # B takes the agent over once A's lease lapses (fencing A).
  B --retry-busy 60 write tc "$agent" 5 >"$work/$agent.b.acks" || fail "B could not take $agent over"
  rc=0; B verify >"$work/$agent.verify" || rc=$?
  cat "$work/$agent.verify"
  orphans=$(vfield "$work/$agent.verify" orphan)
  [[ $rc == 1 ]] && ((orphans >= 1)) || fail "verify should report A's orphan pages (exit $rc)"
  [[ $(vfield "$work/$agent.verify" missing) == 0 && $(vfield "$work/$agent.verify" corrupt) == 0 ]] ||
    fail "a record names a missing page, or a page is corrupt"
  problems=$(grep -c '^problem ' "$work/$agent.verify") || true
  [[ $problems == "$orphans" ]] || fail "verify found problems other than orphan pages"
  if [[ $point == pages-partial ]]; then
    [[ $orphans == 1 ]] || fail "mid-batch: expected the one page written before the kill, got $orphans"
  fi
  B verify --repair >"$work/$agent.repair" || fail "repair left problems: $(cat "$work/$agent.repair")"
  [[ $(vfield "$work/$agent.repair" repaired) == "$orphans" ]] || fail "repair did not collect the orphans"
  B verify >/dev/null || fail "problems left after repair"
  B check tc "$work/$agent.acks" | grep -qx "checked $n" || fail "A's acknowledged records lost"
  B check tc "$work/$agent.b.acks" | grep -qx "checked 5" || fail "B's records lost"

  step "B compacts $agent; a host that owns nothing reads its pages from the cluster"
  B compact tc "$agent" 0 >"$work/$agent.compact" || fail "B could not compact: $(cat "$work/$agent.compact")"
  grep -q "^compacted [1-9][0-9]* pages $((n + 5)) paged$" "$work/$agent.compact" ||
    fail "B's compaction: $(cat "$work/$agent.compact")"
  out=$(R pages tc "$agent")
  [[ $out =~ ^tiers\ 0\ 0\ $((n + 5))\ 0\ pages\ [1-9][0-9]*$ ]] || fail "pages from the cluster: $out"
  B verify >"$work/$agent.verify2" || fail "verify after B's compaction: $(cat "$work/$agent.verify2")"
  [[ $(vfield "$work/$agent.verify2" orphan) == 0 ]] || fail "orphans after B's compaction"
  R check tc "$work/$agent.acks" | grep -qx "checked $n" || fail "paged records do not read back"
  R check tc "$work/$agent.b.acks" | grep -qx "checked 5" || fail "B's paged records do not read back"
done

step "A takes an agent back (cache hydrated with its pages) and compacts it: pages decay"
agent=c-pages-written
A --days 400 compact tc "$agent" 0 >"$work/decay.compact" || fail "A could not compact: $(cat "$work/decay.compact")"
out=$(R pages tc "$agent")
[[ $out =~ ^tiers\ 0\ 0\ [0-9]+\ [1-9][0-9]*\ pages\ [1-9][0-9]*$ ]] || fail "no decayed page in the cluster: $out"
echo "   $out"
B verify >"$work/verify.end" || fail "verify at the end: $(cat "$work/verify.end")"
cat "$work/verify.end"
R check tc "$work/$agent.acks" | grep -qx "checked $n" || fail "decayed records do not read back"

step "records expire on pages: the cluster drops them and rewrites their pages"
# The epochs of c-ttl's page objects (each object carries its writer's).
page_epochs() {
  local o
  for o in $(rados -p mnemo-meta -N tc ls | grep '^p\.'); do
    if [[ $(rados -p mnemo-meta -N tc getxattr "$o" mnemo.agent) == c-ttl ]]; then
      rados -p mnemo-meta -N tc getxattr "$o" mnemo.epoch
      echo
    fi
  done | sort -un
}
A --ttl-days 40 --batch 20 write tc c-ttl 20 >"$work/ttl.acks" || fail "A: TTL records"
A --batch 50 compact tc c-ttl 50 >"$work/keep.acks" || fail "A: records: $(cat "$work/keep.acks")"
[[ $(R pages tc c-ttl) =~ ^tiers\ 0\ 0\ 70\ 0\ pages\ [1-9][0-9]*$ ]] || fail "c-ttl not paged: $(R pages tc c-ttl)"
before=$(page_epochs)
[[ $before =~ ^[0-9]+$ ]] || fail "c-ttl's pages: epochs '$before'"
# As of 50 days on the 20 have expired (no page is due for decay yet): the
# cache's compaction removes them, blanking them on the page they share
# with 30 others; the push rewrites that page, then removes the 20.
A --days 50 compact tc c-ttl 0 >/dev/null || fail "A: compaction as of 50 days"
[[ $(R pages tc c-ttl) =~ ^tiers\ 0\ 0\ 50\ 0\ pages ]] || fail "after expiry: $(R pages tc c-ttl)"
((${#before} > 0)) && page_epochs | awk -v b="$before" '$1 > b {f = 1} END {exit !f}' ||
  fail "the blanked page was not rewritten in the cluster: epochs $(page_epochs | tr '\n' ' ')"
for id in $(awk '$1 == "ack" {print $2}' "$work/ttl.acks"); do
  rc=0; R get tc "$id" >/dev/null || rc=$?
  [[ $rc == 5 ]] || fail "expired record $id still in the cluster (exit $rc)"
done
R check tc "$work/keep.acks" | grep -qx "checked 50" || fail "records beside the expired ones lost"
B verify >"$work/verify.ttl" || fail "verify after expiry: $(cat "$work/verify.ttl")"
[[ $(vfield "$work/verify.ttl" orphan) == 0 && $(vfield "$work/verify.ttl" pending) == 0 ]] ||
  fail "pages left behind: $(cat "$work/verify.ttl")"

step "stop"
"$cluster_sh" stop "$dir"
step "PASS"
