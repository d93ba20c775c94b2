#!/usr/bin/env bash
# cluster_test.sh CLUSTER_SH PROBE: the cluster-mode tests on a real local
# Ceph cluster (1 monitor, 3 OSDs, pools of size 3 / min_size 2), started by
# tools/cluster/cluster.sh and always stopped (trap). Each step runs
# separate mnemo-cluster-probe processes:
#   (a) the owner's guarded writes read back from a second process; the
#       same agent name in another tenant (namespace) sees nothing;
#   (c) fencing: A holds the lease, B without --force is Busy naming A;
#       SIGSTOP A, B takes over (blocklist + epoch bump) and writes,
#       SIGCONT A: A's guarded write, the same write from a fresh connection
#       of A (not blocklisted, stale epoch) and A's renewal are all refused;
#       B's data reads back, none of A's refused keys exists;
#   (d) A's lease (4 s) renews itself every 400 ms: after 12 renewals B
#       (no --force) is still Busy; SIGSTOP A, B polls until the lease
#       lapses, takes it and fences A (blocklist, epoch 2); SIGCONT: A's
#       write is refused and A's renewal thread reports the lease lost;
#   (b) kill -9 the acting primary OSD of the object while a writer runs:
#       the writer finishes on the two survivors and every acknowledged
#       write reads back from another process.
#   (e) then kill a second OSD (below min_size): the writer fails with a
#       clear timeout error; after both OSDs restart every acknowledged
#       write reads back and new writes succeed.
# Before the cluster starts, a client of an address where no cluster runs
# fails with a timeout error; after it, stop must leave no process and no
# directory behind.
# Exit 77 with the reason when Ceph or the probe (librados) is missing.
set -euo pipefail
cluster_sh="$1" probe="${2:-}"
# shellcheck source=test_lib.sh
source "$(dirname "$0")/test_lib.sh"
require_ceph "$probe" mnemo-cluster-probe
work=$(mktemp -d "${TMPDIR:-/tmp}/mnemo-cluster-test.XXXXXX")
dir="$work/cluster"
holder_pid="" writer_pid=""
cleanup() {
  local p
  for p in $holder_pid $writer_pid; do
    kill -CONT "$p" 2>/dev/null || true
    kill -9 "$p" 2>/dev/null || true
  done
  "$cluster_sh" stop "$dir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
P() { timeout 150 "$probe" "$@"; }

step "no cluster at the address: a clear timeout error, not a hang"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf '[global]\nmon host = 127.0.0.1:%s\nauth client required = none\n[client]\nadmin socket =\nlog file = /dev/null\n' \
  "$port" >"$work/dead.conf"
rc=0
out=$(timeout 60 "$probe" owner --conf "$work/dead.conf" --timeout 2 2>&1) || rc=$?
[[ $rc == 1 && $out == *"connecting to the cluster ($work/dead.conf): timed out"* ]] ||
  fail "expected a timeout error (exit 1), got exit $rc: $out"

step "start the cluster"
"$cluster_sh" start "$dir" || fail "the test cluster did not start"
# shellcheck disable=SC1091
source "$dir/env"
export CEPH_CONF

step "(a) the owner's guarded writes read back from a second process"
P write --tenant ta --agent a --count 50 >"$work/a.acks" || fail "owner writes failed"
[[ $(acks "$work/a.acks") == 50 ]] || fail "50 writes, $(acks "$work/a.acks") acknowledged"
P read --tenant ta --agent a --expect "$work/a.acks" || fail "acknowledged writes missing"
out=$(P read --tenant tb --agent a 2>&1) && fail "tenant tb reads tenant ta's agent: $out"
[[ $out == *"NotFound"*"mnemo-meta/tb/r.a.0"* ]] || fail "unexpected error: $out"

step "(c) fencing: SIGSTOP the owner, take over, SIGCONT"
mkfifo "$work/in" "$work/out"
# The holder runs as a direct child (no timeout wrapper): $! must be the
# probe itself for SIGSTOP to pause it. Every read from it is bounded.
"$probe" hold --tenant tc --agent a --timeout 20 <"$work/in" >"$work/out" 2>"$work/hold.err" &
holder_pid=$!
exec 3>"$work/in" 4<"$work/out"
expect_line() {
  local line
  IFS= read -r -t 90 line <&4 || fail "holder gave no answer ($(cat "$work/hold.err"))"
  # shellcheck disable=SC2053
  [[ $line == $1 ]] || fail "holder said '$line', expected '$1'"
  echo "   holder: $line"
}
expect_line 'held epoch=1 address=*'
echo "write early-1 before" >&3
expect_line 'ok write early-1'
echo "renew" >&3
expect_line 'ok renew*'
out=$(P write --tenant tc --agent a --count 1 --prefix b 2>&1) && fail "B took a held lease"
[[ $out == *"Busy: agent 'a' (tenant 'tc') is owned by probe-pid-"*"(lease epoch 1)"* ]] ||
  fail "B's refusal does not name the owner: $out"
kill -STOP "$holder_pid"
stopped "$holder_pid"
P write --tenant tc --agent a --force --count 20 --prefix b >"$work/c.acks" ||
  fail "B could not take over"
grep -q '^held epoch=2$' "$work/c.acks" || fail "B did not raise the epoch: $(head -1 "$work/c.acks")"
kill -CONT "$holder_pid"
echo "write late-1 after" >&3
expect_line "refused FailedPrecondition: agent 'a' (lease epoch 1): *blocklisted*"
echo "stale late-2 after" >&3
expect_line 'refused FailedPrecondition: *r.a.0: guard failed*'
echo "renew" >&3
expect_line "refused FailedPrecondition: agent 'a': lease lost*"
echo "quit" >&3
wait "$holder_pid" || fail "holder exited non-zero"
holder_pid=""
exec 3>&- 4<&-
echo "ack early-1 before" >>"$work/c.acks"
P read --tenant tc --agent a --expect "$work/c.acks" --absent late ||
  fail "B's data or A's fencing is wrong"
P owner --tenant tc --agent a | grep -q '^owner epoch=2 ' || fail "owner record not at epoch 2"

step "(d) a renewed lease holds; paused, it lapses and the next owner fences it"
"$probe" hold --tenant td --agent a --lease-ms 4000 --renew-ms 400 <"$work/in" >"$work/out" \
  2>"$work/hold.err" &
holder_pid=$!
exec 3>"$work/in" 4<"$work/out"
expect_line 'held epoch=1 address=*'
# 12 renewals 400 ms apart: more than the 4 s lease has passed since A took it.
# Asks A for its renewals: sets renewal_line and renewal_n.
renewals() {
  echo "renewals" >&3
  IFS= read -r -t 90 renewal_line <&4 || fail "holder gave no answer ($(cat "$work/hold.err"))"
  local rest="${renewal_line#renewals }"
  renewal_n="${rest%% *}"
}
deadline=$((SECONDS + 90))
until renewals; ((renewal_n >= 12)); do
  ((SECONDS < deadline)) || fail "the lease was not renewed: $renewal_line"
  sleep 0.2
done
[[ $renewal_line == *" OK" ]] || fail "renewal failed: $renewal_line"
out=$(P write --tenant td --agent a --count 1 --prefix b 2>&1) && fail "B took a renewed lease"
[[ $out == *"Busy: agent 'a' (tenant 'td') is owned by"* ]] || fail "unexpected: $out"
kill -STOP "$holder_pid"
stopped "$holder_pid"
# No --force: B polls until the 4 s lease lapses (Busy until then).
deadline=$((SECONDS + 60))
until P write --tenant td --agent a --count 5 --prefix b >"$work/d.acks" 2>"$work/d.err"; do
  grep -q "Busy: agent 'a' (tenant 'td') is owned by" "$work/d.err" ||
    fail "B failed other than Busy: $(cat "$work/d.err")"
  ((SECONDS < deadline)) || fail "the lease never lapsed"
  sleep 0.2
done
grep -q '^held epoch=2$' "$work/d.acks" || fail "B did not raise the epoch"
kill -CONT "$holder_pid"
echo "write late-1 after" >&3
expect_line "refused FailedPrecondition: agent 'a' (lease epoch 1): *blocklisted*"
# A's own renewal thread finds the lease lost and stops.
deadline=$((SECONDS + 90))
until renewals; [[ $renewal_line == *"lease lost"* ]]; do
  ((SECONDS < deadline)) || fail "A's renewals did not notice the takeover: $renewal_line"
  sleep 0.2
done
echo "quit" >&3
wait "$holder_pid" || fail "holder exited non-zero"
holder_pid=""
exec 3>&- 4<&-
P read --tenant td --agent a --expect "$work/d.acks" --absent late || fail "fencing after a lapse"

step "(b) kill -9 one OSD while writing"
# The acting primary of the object the writer fills (CRUSH maps the name
# before the object exists): found first, so that the kill follows the
# 100th acknowledgement at once, while most writes are still to come.
primary=$(ceph osd map mnemo-meta r.w.0 tb -f json |
            python3 -c 'import json,sys; print(json.load(sys.stdin)["acting_primary"])')
[[ $primary =~ ^[0-2]$ ]] || fail "no acting primary for r.w.0: '$primary'"
total=2000
P write --tenant tb --agent w --count "$total" >"$work/b.acks" 2>"$work/b.err" &
writer_pid=$!
deadline=$((SECONDS + 90))
until (($(acks "$work/b.acks") >= 100)); do
  kill -0 "$writer_pid" 2>/dev/null || fail "writer stopped early: $(cat "$work/b.err")"
  ((SECONDS < deadline)) || fail "writer made no progress"
  sleep 0.05
done
"$cluster_sh" kill-osd "$dir" "$primary"
at_kill=$(acks "$work/b.acks")
((at_kill < total)) || fail "the writer finished before the kill ($at_kill of $total): nothing was tested"
wait "$writer_pid" || fail "writer failed with one OSD down: $(cat "$work/b.err")"
writer_pid=""
[[ $(acks "$work/b.acks") == "$total" ]] || fail "only $(acks "$work/b.acks") of $total acknowledged"
echo "   $at_kill writes acknowledged when osd.$primary (the primary) died, $total in all"
# The writes after the kill went to the two survivors once the monitor
# marked the dead OSD down (heartbeat grace): the map says so, soon.
deadline=$((SECONDS + 60))
until [[ $(ceph osd stat -f json | python3 -c 'import json,sys; print(json.load(sys.stdin)["num_up_osds"])') == 2 ]]; do
  ((SECONDS < deadline)) || fail "expected 2 OSDs up after the kill; the map still says otherwise after 60 s"
  sleep 0.5
done
P read --tenant tb --agent w --expect "$work/b.acks" || fail "acknowledged writes lost"

step "(e) two OSDs down: writes time out clearly, nothing acknowledged is lost, I/O resumes"
P write --tenant tb --agent w --count 100000 --prefix x --timeout 8 >"$work/e.acks" 2>"$work/e.err" &
writer_pid=$!
deadline=$((SECONDS + 90))
until (($(acks "$work/e.acks") >= 20)); do
  kill -0 "$writer_pid" 2>/dev/null || fail "writer stopped early: $(cat "$work/e.err")"
  ((SECONDS < deadline)) || fail "writer made no progress"
  sleep 0.1
done
second=$(( (primary + 1) % 3 ))
"$cluster_sh" kill-osd "$dir" "$second"
rc=0
wait "$writer_pid" || rc=$?
writer_pid=""
if [[ $rc != 1 ]] ||
   ! grep -q "IOError: writing object mnemo-meta/tb/r.w.0: timed out" "$work/e.err"; then
  fail "expected a timeout error (exit 1) below min_size, got exit $rc: $(cat "$work/e.err")"
fi
echo "   $(acks "$work/e.acks") writes acknowledged, then: $(cat "$work/e.err")"
"$cluster_sh" restart-osd "$dir" "$primary"
"$cluster_sh" restart-osd "$dir" "$second"
cat "$work/b.acks" >>"$work/e.acks"
P read --tenant tb --agent w --expect "$work/e.acks" || fail "acknowledged writes lost"
# The timed-out writer exited holding its 60 s lease: its successor forces.
P write --tenant tb --agent w --count 10 --prefix y --force >"$work/e2.acks" ||
  fail "no I/O after restart"
P read --tenant tb --agent w --expect "$work/e2.acks" || fail "writes after restart lost"

step "stop"
pids=$(cat "$dir"/*.pid)
"$cluster_sh" stop "$dir"
for p in $pids; do
  if [[ -e /proc/$p && $(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) != Z ]] &&
     [[ $(cat "/proc/$p/comm" 2>/dev/null) == ceph-* ]]; then
    fail "process $p still runs after stop"
  fi
done
[[ ! -e $dir ]] || fail "stop left $dir behind"
"$cluster_sh" stop "$dir" >/dev/null || fail "a second stop failed"
step "PASS"
