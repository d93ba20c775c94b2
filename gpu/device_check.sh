#!/usr/bin/env bash
# gpu/device_check.sh: build the gpu module with CUDA on a GPU machine, run
# the gpu test suite (host + CUDA instances) and the pool benchmark, print
# the figures. Needs CMake >= 3.25, a C++20 compiler, the CUDA toolkit
# (nvcc under /usr/local/cuda or on PATH) and, for the tests, GoogleTest;
# not RocksDB/FreeType/libpng/zstd (it builds gpu/standalone, not the whole
# tree). Target: under 5 minutes.
#   usage: gpu/device_check.sh [build-dir]      (default build-gpu-device)
#   env:   JOBS (default 16), QUICK=1 for the short bench
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build-gpu-device}
JOBS=${JOBS:-16}
export PATH=/usr/local/cuda/bin:$PATH
GEN=()
command -v ninja >/dev/null && GEN=(-G Ninja)
echo "== nvidia-smi"; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | head -3
echo "== configure + build ($BUILD, -j$JOBS)"
T0=$SECONDS
cmake -S gpu/standalone -B "$BUILD" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DMNEMO_WITH_CUDA=ON 2>&1 | grep -E "mnemo_gpu|GoogleTest|Error" || true
cmake --build "$BUILD" -j"$JOBS" 2>&1 | tail -3
echo "build: $((SECONDS - T0)) s"
RC=0
if [[ -x "$BUILD/bin/mnemo_gpu_test" ]]; then
  echo "== tests"
  timeout 180 "$BUILD/bin/mnemo_gpu_test" --gtest_brief=1 2>&1 | tail -25
  RC=${PIPESTATUS[0]}
  echo "tests exit: $RC"
else
  echo "== tests not built (GoogleTest missing); the bench still checks uploads byte-exact"
fi
echo "== bench"
BENCH_ARGS=(--backend both)
[[ "${QUICK:-0}" == 1 ]] && BENCH_ARGS+=(--quick)
timeout 150 "$BUILD/bin/mnemo-gpu-bench" "${BENCH_ARGS[@]}" 2>&1
BRC=$?
echo "bench exit: $BRC; total $((SECONDS - T0)) s"
[[ $RC -eq 0 && $BRC -eq 0 ]]
