#!/usr/bin/env bash
# cluster_store_test.sh CLUSTER_SH HOST: the cluster store (Options::cluster)
# on a real local Ceph cluster (1 monitor, 3 OSDs, size 3 / min_size 2),
# started by tools/cluster/cluster.sh and always stopped (trap). Every step
# runs separate mnemo-cluster-host processes ("hosts" A and B, each with its
# own cache directory) on the public Store API:
#   (e) tenants and ownership: A holds agent x of tenant ta; B's write to it
#       is Busy naming A; B reads A's record (Get via the directory, Scan);
#       the same agent name in tenant tb is another agent: B writes it, and
#       tb sees none of ta's records (Get of A's id in tb is NotFound);
#   (a) kill -9 the acting primary OSD while A writes 1500 records: A
#       finishes, every acknowledged record reads back from B (Get + Scan);
#   (d) SIGSTOP A (lease 4 s) while it writes; B's write is Busy until the
#       lease lapses, then B takes the agent over (fences A) and reads A's
#       records from its cache, hydrated at takeover; SIGCONT A: A's
#       next write is refused (exit 3); every record A acknowledged and B's
#       reads back from B;
#   (b) two OSDs down: A's write fails with a clear timeout error (exit 1);
#       after both restart every acknowledged record reads back and writes
#       resume;
#   VerifyCluster is clean at the end; it finds a dangling directory entry
#   and a record without entry, and repair fixes both.
# Exit 77 with the reason when Ceph or the host binary (librados) is missing.
set -euo pipefail
cluster_sh="$1" host_bin="${2:-}"
# shellcheck source=test_lib.sh
source "$(dirname "$0")/test_lib.sh"
require_ceph "$host_bin" mnemo-cluster-host
make_work cstore
# Waits (bounded) until file $1 has $2 acks while process $3 runs.
wait_acks() {
  local deadline=$((SECONDS + 90))
  until (($(acks "$1") >= $2)); do
    kill -0 "$3" 2>/dev/null || fail "writer stopped early: $(cat "$1.err" 2>/dev/null)"
    ((SECONDS < deadline)) || fail "writer made no progress"
    sleep 0.05
  done
}
up_osds() { ceph osd stat -f json | python3 -c 'import json,sys; print(json.load(sys.stdin)["num_up_osds"])'; }
wait_up() {
  local deadline=$((SECONDS + 90))
  until [[ $(up_osds) == "$1" ]]; do
    ((SECONDS < deadline)) || fail "expected $1 OSDs up; the map says $(up_osds) after 90 s"
    sleep 0.5
  done
}

step "no cluster at the address: Store::Open fails with a clear timeout error"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf '[global]\nmon host = 127.0.0.1:%s\nauth client required = none\n[client]\nadmin socket =\nlog file = /dev/null\n' \
  "$port" >"$work/dead.conf"
rc=0
out=$(timeout 60 "$host_bin" --dir "$work/dead" --conf "$work/dead.conf" --timeout 2 stats 2>&1) || rc=$?
[[ $rc == 1 && $out == *"timed out"* ]] || fail "expected a timeout error (exit 1), got exit $rc: $out"

step "start the cluster"
"$cluster_sh" start "$dir" || fail "the test cluster did not start"
# shellcheck disable=SC1091
source "$dir/env"
export CEPH_CONF

step "(e) ownership and tenants"
coproc HOLD { A hold ta x 2>&1; }
bg_pids+=("$HOLD_PID")
read -r -t 120 line <&"${HOLD[0]}" || fail "holder wrote nothing"
[[ $line == ack* ]] || fail "holder: $line"
echo "$line" >"$work/hold.acks"
read -r -t 60 line <&"${HOLD[0]}" && [[ $line == holding ]] || fail "holder: $line"
rc=0
out=$(B write ta x 1 2>&1) || rc=$?
[[ $rc == 4 && $out == *"owned by"*"host-A"* ]] || fail "expected Busy naming host-A (exit 4), got $rc: $out"
# Another process's stats list A's agent from its head object.
B stats | grep -qx "held ta/x epoch 1 by host-A" || fail "stats do not list ta/x as held by host-A: $(B stats)"
B check ta "$work/hold.acks" | grep -qx "checked 1" || fail "B cannot read A's record"
B scan ta x | grep -qx "scanned 1" || fail "B's scan of ta/x"
B write tb x 5 >"$work/tb.acks" || fail "B could not write tb/x"
B scan tb x | grep -qx "scanned 5" || fail "tb/x should hold B's 5 records"
held_id=$(awk '{print $2}' "$work/hold.acks")
rc=0; B get tb "$held_id" >/dev/null || rc=$?
[[ $rc == 5 ]] || fail "tenant tb sees ta's record $held_id (exit $rc)"
eval "exec ${HOLD[1]}>&-"   # the holder's stdin closes: it closes its store
wait "$HOLD_PID" || fail "holder exited non-zero"
bg_pids=()
B write ta x 2 >>"$work/hold.acks" || fail "B could not take the released agent"
B check ta "$work/hold.acks" | grep -qx "checked 3" || fail "ta/x after the handover"

step "(a) kill -9 the primary OSD while A writes"
primary=$(ceph osd map mnemo-meta r.y.00000000 ta -f json |
            python3 -c 'import json,sys; print(json.load(sys.stdin)["acting_primary"])')
[[ $primary =~ ^[0-2]$ ]] || fail "no acting primary for r.y.00000000: '$primary'"
total=1500
A_bg write ta y "$total" >"$work/a.acks" 2>"$work/a.acks.err" &
pid=$!; bg_pids=("$pid")
wait_acks "$work/a.acks" 100 "$pid"
"$cluster_sh" kill-osd "$dir" "$primary"
at_kill=$(acks "$work/a.acks")
((at_kill < total)) || fail "A finished before the kill: nothing was tested"
wait "$pid" || fail "A failed with one OSD down: $(cat "$work/a.acks.err")"
bg_pids=()
[[ $(acks "$work/a.acks") == "$total" ]] || fail "only $(acks "$work/a.acks") of $total acknowledged"
echo "   $at_kill acknowledged when osd.$primary died, $total in all"
B check ta "$work/a.acks" | grep -qx "checked $total" || fail "acknowledged records lost"
B scan ta y | grep -qx "scanned $total" || fail "B's scan of ta/y: $(B scan ta y)"
"$cluster_sh" restart-osd "$dir" "$primary"

step "(d) SIGSTOP the owner, takeover, SIGCONT: the old owner is fenced"
A_bg --lease 4 write ta z 1000000 >"$work/d.acks" 2>"$work/d.acks.err" &
pid=$!; bg_pids=("$pid")
wait_acks "$work/d.acks" 20 "$pid"
kill -STOP "$pid"
stopped "$pid"
# Busy while A's lease lives, then B takes the agent (blocklisting A).
B --retry-busy 60 --check "$work/d.acks" write ta z 5 >"$work/d2.acks" ||
  fail "B could not take ta/z over: $(cat "$work/d2.acks")"
# B read A's records from its cache, hydrated from the cluster at takeover.
grep -q "^owns ta/z epoch 2$" "$work/d2.acks" || fail "B does not own ta/z at epoch 2"
grep -qx "checked $(acks "$work/d.acks")" "$work/d2.acks" || fail "B's cache lacks A's records"
kill -CONT "$pid"
rc=0
wait "$pid" || rc=$?
bg_pids=()
[[ $rc == 3 ]] || fail "A's writes after the takeover should be refused (exit 3), got $rc: $(cat "$work/d.acks.err")"
echo "   A: $(acks "$work/d.acks") acknowledged, then: $(cat "$work/d.acks.err")"
B check ta "$work/d.acks" | grep -qx "checked $(acks "$work/d.acks")" || fail "A's acknowledged records lost"
B check ta "$work/d2.acks" | grep -qx "checked 5" || fail "B's records lost"
n=$(B scan ta z | awk '{print $2}')
cached=$(awk '$1 == "scanned" {print $2}' "$work/d2.acks")
want=$(($(acks "$work/d.acks") + 5))
# A may have had one write applied but not yet reported when it stopped.
((n == want || n == want + 1)) || fail "ta/z holds $n records, expected $want (+1)"
((cached == n)) || fail "B's hydrated cache scanned $cached records, the cluster $n"

step "(b) two OSDs down: a clear timeout, nothing lost, writes resume"
A_bg --lease 5 --timeout 8 write ta w 1000000 >"$work/b.acks" 2>"$work/b.acks.err" &
pid=$!; bg_pids=("$pid")
wait_acks "$work/b.acks" 20 "$pid"
"$cluster_sh" kill-osd "$dir" 1
"$cluster_sh" kill-osd "$dir" 2
rc=0
wait "$pid" || rc=$?
bg_pids=()
[[ $rc == 1 ]] && grep -q "timed out" "$work/b.acks.err" ||
  fail "expected a timeout error (exit 1) below min_size, got $rc: $(cat "$work/b.acks.err")"
echo "   $(acks "$work/b.acks") acknowledged, then: $(cat "$work/b.acks.err")"
"$cluster_sh" restart-osd "$dir" 1
"$cluster_sh" restart-osd "$dir" 2
wait_up 3
B check ta "$work/b.acks" | grep -qx "checked $(acks "$work/b.acks")" || fail "acknowledged records lost"
# A's lease (5 s) was not released (its close timed out): B waits it out.
B --retry-busy 60 write ta w 10 >"$work/b2.acks" || fail "no writes after the restart"
B check ta "$work/b2.acks" | grep -qx "checked 10" || fail "writes after the restart lost"

step "agents of the cluster"
[[ $(B agents | tr '\n' ' ') == "agent ta/w agent ta/x agent ta/y agent ta/z agent tb/x " ]] ||
  fail "ListClusterAgents: $(B agents | tr '\n' ' ')"
[[ $(B agents tb) == "agent tb/x" ]] || fail "ListClusterAgents(tb): $(B agents tb)"

step "verify, and repair of the directory"
B verify || fail "VerifyCluster found problems"
# A dangling entry (an old id whose record was never written: a writer that
# died between the two writes) and a record whose entry is gone.
rados -p mnemo-meta -N ta setomapval d.0.0 0000000000000100 "$(printf 'x\nr.x.00000000')"
lost=$(awk 'NR == 1 {print $2}' "$work/a.acks")
lost_oid=$(printf 'd.%x.%x' $((lost >> 32)) $((lost & 15)))
rados -p mnemo-meta -N ta rmomapkey "$lost_oid" "$(printf '%016x' "$lost")"
rc=0; B get ta "$lost" >/dev/null || rc=$?
[[ $rc == 5 ]] || fail "record $lost without its directory entry should read NotFound (exit $rc)"
rc=0; B verify >"$work/verify" || rc=$?
[[ $rc == 1 ]] && grep -q "names no stored record" "$work/verify" &&
  grep -q "has no directory entry" "$work/verify" || fail "verify missed the problems: $(cat "$work/verify")"
B verify --repair >/dev/null || true
B verify || fail "problems left after repair"
B get ta "$lost" >/dev/null || fail "record $lost not found after repair"
B stats >"$work/stats" || fail "stats: $(cat "$work/stats")"
cat "$work/stats"
grep -Eq "^pool mnemo-meta objects [1-9][0-9]* " "$work/stats" || fail "stats name no objects in mnemo-meta"

step "stop"
"$cluster_sh" stop "$dir"
step "PASS"
