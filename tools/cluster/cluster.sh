#!/usr/bin/env bash
# A local Ceph test cluster for mnemo's cluster mode: one monitor and three
# OSDs (bluestore on sparse files), auth none, loopback only, all data in one
# directory. Replicated pools of size 3 / min_size 2, so one OSD may die.
#
#   tools/cluster/cluster.sh start DIR [POOL...]  # prints DIR/env when ready
#   tools/cluster/cluster.sh status DIR
#   tools/cluster/cluster.sh stop DIR             # kills what start started,
#                                                 # removes DIR
#   tools/cluster/cluster.sh kill-osd DIR N       # kill -9 osd.N (tests)
#   tools/cluster/cluster.sh restart-osd DIR N    # start it again, wait
#                                                 # until the pools take I/O
#
# DIR must be new or empty for start (a fresh mktemp -d is best). `source
# DIR/env` sets CEPH_CONF for the ceph/rados tools and mnemo. The monitor
# port is picked free (two clusters, or two CI stages, do not collide); the
# OSDs bind loopback ports the kernel hands out. Every wait is bounded
# (MNEMO_CLUSTER_TIMEOUT seconds each, default 90). Exits 1 with a
# "mnemo-cluster: ..." line on error, 2 on usage; `start` stops the
# partial cluster when it fails. Default pool: mnemo-meta.
set -euo pipefail

die() { echo "mnemo-cluster: $*" >&2; exit 1; }
usage() {
  echo "usage: $0 start|status|stop|kill-osd|restart-osd DIR [POOL...|N]" >&2
  exit 2
}
timeout_s="${MNEMO_CLUSTER_TIMEOUT:-90}"
n_osds=3

need_tools() {
  local t
  for t in ceph-mon ceph-osd ceph rados uuidgen; do
    command -v "$t" >/dev/null || die "'$t' not found (tools/install_deps.sh installs Ceph)"
  done
}

# Runs a ceph CLI command against the cluster, bounded in time.
cephc() { timeout "$timeout_s" ceph --connect-timeout "$timeout_s" "$@"; }

# A free loopback TCP port (bind to port 0, read what the kernel chose).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits until `$@` succeeds, at most timeout_s seconds; $what names it.
wait_for() {
  local what="$1"; shift
  local deadline=$((SECONDS + timeout_s))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "timed out after ${timeout_s}s waiting for $what (logs in $dir)"
    sleep 0.2
  done
}

write_conf() {
  local port="$1"
  cat >"$dir/ceph.conf" <<CONF
[global]
fsid = $(uuidgen)
mon host = 127.0.0.1:$port
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 3
osd pool default min size = 2
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
osd memory target = 939524096
bluestore block size = 2147483648
osd objectstore = bluestore
osd heartbeat interval = 1
osd heartbeat grace = 6
mon osd min down reporters = 1
run dir = $dir
pid file = $dir/\$name.pid
log file = $dir/\$name.log
admin socket = $dir/\$name.asok
mon allow pool delete = true
mon data avail warn = 1
mon data avail crit = 0
mon warn on insecure global id reclaim allowed = false
[client]
# No admin socket per client process: concurrent clients would collide on
# one path.
admin socket =
[osd]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
CONF
}

start_osd() {
  local i="$1" uuid id
  uuid=$(uuidgen)
  id=$(cephc osd new "$uuid") || die "'ceph osd new' failed for osd $i"
  [[ $id == "$i" ]] || die "monitor gave osd id $id, expected $i"
  mkdir -p "$dir/osd-$i"
  ceph-osd -i "$i" --osd-data="$dir/osd-$i" --mkfs --osd-uuid "$uuid" \
    >>"$dir/setup.log" 2>&1 || die "ceph-osd --mkfs failed for osd.$i (see $dir/osd.$i.log)"
  ceph-osd -i "$i" --osd-data="$dir/osd-$i" >>"$dir/setup.log" 2>&1 ||
    die "ceph-osd failed to start osd.$i (see $dir/osd.$i.log)"
}

probe() {
  local pool="$1" f="$dir/probe.in"
  echo "mnemo probe $$" >"$f"
  timeout "$timeout_s" rados -p "$pool" put mnemo.probe "$f" &&
    timeout "$timeout_s" rados -p "$pool" get mnemo.probe - | cmp -s - "$f"
}

do_start() {
  need_tools
  mkdir -p "$dir"
  [[ -z $(ls -A "$dir") ]] || die "$dir is not empty (start needs a new directory)"
  dir=$(cd "$dir" && pwd)
  local pools=("$@") t0=$SECONDS port
  ((${#pools[@]})) || pools=(mnemo-meta)
  trap 'echo "mnemo-cluster: start failed; stopping" >&2; do_stop_quiet' EXIT
  port=$(free_port)
  write_conf "$port"
  export CEPH_CONF="$dir/ceph.conf"
  ceph-mon --id a --mkfs --mon-data="$dir/mon-a" >>"$dir/setup.log" 2>&1 ||
    die "ceph-mon --mkfs failed (see $dir/setup.log)"
  # -f keeps the monitor in the foreground of a background job, so its pid is
  # ours to note (ceph-mon writes no pid file with this configuration).
  ceph-mon --id a --mon-data="$dir/mon-a" -f >>"$dir/mon.a.out" 2>&1 &
  echo $! >"$dir/mon.a.pid"
  wait_for "the monitor on 127.0.0.1:$port" cephc mon stat
  local i
  for ((i = 0; i < n_osds; i++)); do start_osd "$i"; done
  wait_for "$n_osds OSDs up" osds_up "$n_osds"
  for p in "${pools[@]}"; do
    cephc osd pool create "$p" 16 16 replicated >>"$dir/setup.log" 2>&1 ||
      die "could not create pool $p"
    cephc osd pool application enable "$p" mnemo >>"$dir/setup.log" 2>&1 || true
    wait_for "pool $p to accept a put/get" probe "$p"
  done
  echo "CEPH_CONF=$dir/ceph.conf" >"$dir/env"
  echo "MNEMO_CLUSTER_POOLS=\"${pools[*]}\"" >>"$dir/env"
  trap - EXIT
  echo "mnemo-cluster: up in $((SECONDS - t0))s: $dir/env (mon 127.0.0.1:$port, $n_osds OSDs, pools ${pools[*]})"
}

osds_up() {
  [[ $(cephc osd stat --format json | python3 -c \
    'import json,sys; print(json.load(sys.stdin)["num_up_osds"])') == "$1" ]]
}

# Whether `pid` runs a Ceph daemon (a zombie or a reused pid does not).
ceph_alive() {
  local pid="$1" comm state
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
  [[ $comm == ceph-* ]] || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ $state != Z ]]
}

# Kills every process start noted (pid files under DIR), waits for them to
# exit, then removes DIR. Safe to call twice or on a half-started cluster.
do_stop_quiet() {
  local f pid deadline
  for f in "$dir"/*.pid; do
    [[ -f $f ]] || continue
    pid=$(cat "$f" 2>/dev/null || true)
    if ceph_alive "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
  done
  deadline=$((SECONDS + 30))
  for f in "$dir"/*.pid; do
    [[ -f $f ]] || continue
    pid=$(cat "$f" 2>/dev/null || true)
    while ceph_alive "$pid"; do
      ((SECONDS < deadline)) || { echo "mnemo-cluster: pid $pid did not exit" >&2; return 1; }
      sleep 0.1
    done
  done
  if [[ -f $dir/ceph.conf ]]; then rm -rf "$dir"; else rmdir "$dir" 2>/dev/null || true; fi
  return 0
}

do_status() {
  [[ -f $dir/env ]] || die "no cluster in $dir (no env file)"
  export CEPH_CONF="$dir/ceph.conf"
  cephc -s
}

do_kill_osd() {
  local f="$dir/osd.$1.pid" pid
  [[ -f $f ]] || die "no pid file for osd.$1 in $dir"
  pid=$(cat "$f")
  ceph_alive "$pid" || die "osd.$1 (pid $pid) is not running"
  kill -9 "$pid" || die "could not kill osd.$1 (pid $pid)"
  echo "mnemo-cluster: killed osd.$1 (pid $pid)"
}

# Restarts a killed osd.N and waits until every pool takes a put/get again.
do_restart_osd() {
  [[ -d $dir/osd-$1 ]] || die "no osd.$1 in $dir"
  ! ceph_alive "$(cat "$dir/osd.$1.pid" 2>/dev/null)" || die "osd.$1 is running"
  export CEPH_CONF="$dir/ceph.conf"
  ceph-osd -i "$1" --osd-data="$dir/osd-$1" >>"$dir/setup.log" 2>&1 ||
    die "ceph-osd failed to restart osd.$1 (see $dir/osd.$1.log)"
  local p
  # shellcheck disable=SC1091
  source "$dir/env"
  for p in $MNEMO_CLUSTER_POOLS; do wait_for "pool $p to accept a put/get" probe "$p"; done
  echo "mnemo-cluster: restarted osd.$1"
}

(($# >= 2)) || usage
cmd="$1" dir="$2"; shift 2
case "$cmd" in
  start) do_start "$@" ;;
  stop)
    if [[ -d $dir ]]; then
      [[ -f $dir/ceph.conf || -z $(ls -A "$dir") ]] ||
        die "$dir does not look like a test cluster (no ceph.conf); not removing it"
      do_stop_quiet
      echo "mnemo-cluster: stopped, removed $dir"
    else
      echo "mnemo-cluster: nothing to stop in $dir"
    fi ;;
  status) do_status ;;
  kill-osd) (($# == 1)) || usage; do_kill_osd "$1" ;;
  restart-osd) (($# == 1)) || usage; do_restart_osd "$1" ;;
  *) usage ;;
esac
