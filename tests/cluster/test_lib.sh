# Sourced by the cluster tests' scripts: the skip rule, the check for Ceph
# and the test's binary, a work directory removed on exit (after the
# cluster and every process in bg_pids are stopped), host processes A and
# B on the public Store API (mnemo-cluster-host, $host_bin), and small
# helpers. The caller sets cluster_sh (tools/cluster/cluster.sh).

# MNEMO_CLUSTER_REQUIRED=1 (CI with Ceph installed): a missing part fails.
skip() {
  echo "SKIP: $*"
  [[ ${MNEMO_CLUSTER_REQUIRED:-0} == 1 ]] && exit 1
  exit 77
}
# require_ceph BINARY NAME: skips unless Ceph's tools and BINARY exist.
require_ceph() {
  local t
  for t in ceph-mon ceph-osd ceph rados uuidgen; do
    command -v "$t" >/dev/null || skip "'$t' not installed (tools/install_deps.sh installs Ceph)"
  done
  [[ -n $1 && -x $1 ]] ||
    skip "$2 not built (librados missing: tools/install_deps.sh installs libradospp-dev)"
}
bg_pids=()
cleanup() {
  local p
  for p in "${bg_pids[@]}"; do
    kill -CONT "$p" 2>/dev/null || true
    kill -9 "$p" 2>/dev/null || true
  done
  "$cluster_sh" stop "$dir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
# make_work NAME: $work (a new temporary directory) and $dir (the cluster's
# data inside it), both removed on exit.
make_work() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/mnemo-$1-test.XXXXXX")
  dir="$work/cluster"
  trap cleanup EXIT
}
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== [${SECONDS}s] $*"; }
# A and B: host processes with their own cache directories.
A() { timeout 150 "$host_bin" --dir "$work/a" --host host-A "$@"; }
B() { timeout 150 "$host_bin" --dir "$work/b" --host host-B "$@"; }
# Host A in the background: exec, so $! is the host process itself (the
# process SIGSTOP must reach).
A_bg() { exec "$host_bin" --dir "$work/a" --host host-A "$@"; }
acks() { local n; n=$(grep -c '^ack ' "$1" 2>/dev/null) || true; echo "${n:-0}"; }
# Waits (bounded) until process $1 is stopped (state T).
stopped() {
  local i
  for ((i = 0; i < 100; i++)); do
    [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) == T ]] && return 0
    sleep 0.05
  done
  fail "process $1 did not stop"
}
